"""Screen a batch and print, per stage, pages, seconds, pages per second, peak memory, and
the agreement with the generator's ground truth.

    python -m bench.benchmark sample_dossiers/batch --truth sample_dossiers/batch_truth \
        --registry sample_dossiers/registry.csv --as-of 2026-05-20 [--out DIR] [--rerun]
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("batch")
    ap.add_argument("--truth")
    ap.add_argument("--registry")
    ap.add_argument("--as-of", default="2026-05-20")
    ap.add_argument("--out")
    ap.add_argument("--engine", default="tesseract")
    ap.add_argument("--rerun", action="store_true", help="screen a second time into the same folder (cached re-run)")
    args = ap.parse_args(argv)

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    from flows.settings import RunSettings, prepare_prefect_environment

    prepare_prefect_environment(out.resolve())
    from flows.runners import run_screen

    settings = RunSettings(batch_dir=str(Path(args.batch).resolve()), out_dir=str(out.resolve()), as_of=args.as_of,
                           registry=str(Path(args.registry).resolve()) if args.registry else None,
                           ocr_engine=args.engine, progress=False)
    runs = [("first run", None)] + ([("cached re-run", None)] if args.rerun else [])
    walls = []
    for label, _ in runs:
        t0 = time.perf_counter()
        outcome = run_screen(settings)
        wall = time.perf_counter() - t0
        walls.append(wall)
        times = outcome["times"]
        print(f"== {label}: {outcome['dossiers']} dossiers, {wall:.1f} s wall")
        print(f"{'stage':12s} {'pages':>6s} {'seconds':>8s} {'pages/s':>8s}")
        for stage, secs in times.seconds.items():
            pages = times.pages.get(stage, 0)
            rate = f"{pages / secs:.2f}" if pages and secs > 0 else "—"
            print(f"{stage:12s} {pages:6d} {secs:8.1f} {rate:>8s}")
    if len(walls) == 2:
        print(f"cached re-run / first run: {walls[1] / walls[0]:.2%}")
    me, kids = peak_rss_mb()
    print(f"peak memory: this process {me:.0f} MB, largest child process {kids:.0f} MB")

    if args.truth:
        from bench.evaluate import agreement, format_agreement, load_results, load_truth

        print("== agreement with ground truth")
        print(format_agreement(agreement(load_results(out), load_truth(Path(args.truth)))))
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
