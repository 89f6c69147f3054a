"""A large batch screened end to end: wall time, peak memory, time per stage.

    python -m bench.scale_run --dossiers 1000 [--batch DIR] [--out DIR] [--rerun] [--dask]
                              [--add-one] [--workers N] [--keep] [--whole K]

Without --batch, `python -m sample_dossiers.generator --bulk` makes the batch (clean
text-layer dossiers, each with its own unit and people). Each screening runs as its own
process, as a user starts it; peak memory is the largest total resident memory of every
process this script started (the screening, its Prefect server, Dask workers), sampled
twice a second. Printed per run: wall seconds, peak memory, seconds per stage.

--rerun    the same batch into the same folder again: what a resumed or repeated run costs
--add-one  one more dossier added to the screened batch, screened into the same folder
--whole K  only the first K generated dossiers complete, the rest their Word form alone
           (a batch of thousands whose generation and OCR stay affordable)
--dask     the same batch on a Dask LocalCluster with 2 worker processes (prefect-dask),
           into a folder of its own
--dask-only  the Dask run alone (no thread-pool run before it)
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench.benchmark import print_run, screen


class PeakMemory:
    """Largest sum of resident memory over this process's descendants while active."""

    def __init__(self, interval: float = 0.5):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in me.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measured(label: str, batch: Path, out: Path, args, dask_address: str = "") -> dict:
    load_before = os.getloadavg()
    with PeakMemory() as mem:
        run = screen(batch, out, args, dask_address)
    run["tree_peak_mb"] = mem.peak / 2**20
    print_run(label, run)
    n = max(1, run["dossiers"])
    print(f"peak memory of all processes: {run['tree_peak_mb']:.0f} MB; {run['wall'] / n:.2f} s per dossier wall")
    # the machine may be shared: what else ran is part of every figure above
    print("load average (1, 5, 15 min) before: {:.1f} {:.1f} {:.1f}; after: {:.1f} {:.1f} {:.1f}".format(
        *load_before, *os.getloadavg()))
    return run


def generate(n: int, dest: Path, seed: int, workers: int, whole: int | None = None) -> float:
    t0 = time.perf_counter()
    extra = ["--whole", str(whole)] if whole is not None else []
    subprocess.run([sys.executable, "-m", "sample_dossiers.generator", "--bulk", "--out", str(dest), "--count", str(n),
                    "--seed", str(seed), "--workers", str(workers), *extra], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def extrapolate(run: dict, n: int, target: int) -> None:
    if n >= target:
        return
    per_s, per_mb = run["wall"] / n, run["tree_peak_mb"]
    print(f"EXTRAPOLATION (not measured): {target} dossiers at the measured {per_s:.1f} s per dossier would take "
          f"{per_s * target / 3600:.1f} h; memory was measured at {n} dossiers only ({per_mb:.0f} MB)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dossiers", type=int, default=1000)
    ap.add_argument("--batch", type=Path, help="an existing batch (default: generate one with --bulk)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--as-of", dest="as_of", default="2026-05-20")
    ap.add_argument("--engine", default="rapidocr")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--add-one", dest="add_one", action="store_true")
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--dask-only", dest="dask_only", action="store_true")
    ap.add_argument("--extrapolate-to", dest="target", type=int, default=1000)
    ap.add_argument("--keep", action="store_true", help="keep the generated batch and outputs")
    ap.add_argument("--whole", type=int, help="only the first N generated dossiers complete (text-layer PDF + form), "
                                              "the rest their Word form alone")
    args = ap.parse_args(argv)
    if args.dask_only and (args.rerun or args.add_one):
        ap.error("--rerun and --add-one compare with the thread-pool run, which --dask-only leaves out")
    args.registry = None
    work = Path(tempfile.mkdtemp(prefix="scale-run-"))
    out = args.out or work / "out"
    n = args.dossiers
    if args.batch:
        batch = args.batch
    else:
        batch = work / "batch"
        secs = generate(n + (1 if args.add_one else 0), batch, args.seed, args.workers, args.whole)
        kind = "bulk, text-layer" if args.whole is None else f"bulk: {min(args.whole, n)} complete, the rest forms alone"
        print(f"generated {n} dossiers ({kind}) in {secs:.1f} s")
    extra = None
    if args.add_one:
        names = sorted(p.name for p in batch.iterdir())
        extra = work / "held-back"
        extra.mkdir()
        shutil.move(str(batch / names[-1]), extra / names[-1])
    print(f"== scale run: {n} dossiers, {args.workers or 'all'} cores, batch {batch}")
    first = None
    if not args.dask_only:
        first = measured("first run", batch, out, args)
        extrapolate(first, n, args.target)
    if args.rerun:
        again = measured("re-run into the same folder", batch, out, args)
        print(f"re-run / first run: {again['wall'] / first['wall']:.1%}")
    if extra is not None:
        name = next(extra.iterdir()).name
        shutil.move(str(extra / name), batch / name)
        added = measured(f"one dossier ({name}) added", batch, out, args)
        print(f"adding one dossier / first run: {added['wall'] / first['wall']:.1%}")
    if args.dask or args.dask_only:
        from dask.distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            on_dask = measured("Dask LocalCluster, 2 workers", batch, work / "out-dask", args, cluster.scheduler_address)
        if first is not None:
            print(f"Dask / thread pool: {on_dask['wall'] / first['wall']:.1%}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
