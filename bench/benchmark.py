"""Screen a batch and print what it cost and how right it was.

    python -m bench.benchmark sample_dossiers/batch --truth sample_dossiers/batch_truth \\
        --registry sample_dossiers/registry.csv --as-of 2026-05-20 \\
        [--rerun] [--bare] [--add-one] [--startup] [--judge] [--scaling 1,8,32] [--out DIR]
    python -m bench.benchmark BATCH --add-one-only [--registry FILE]

Every screening runs as its own `dossier-screen`-like process (with the temporary Prefect
server it starts), so each wall time is what a user waits for. Printed:
- per stage: pages, seconds, pages per second; peak memory; OCR seconds per page per core;
- `--rerun`: a second screening into the same folder, as a fraction of the first;
- `--bare`: the same OCR'd pages read by the bare engines (tesseract CLI, RapidOCR) on the
  same number of cores, and screening throughput as a ratio of each;
- `--add-one`: the batch without its last dossier screened, then the last one added into
  the same folder: the added dossier's cost as a fraction of screening the smaller batch
  (`--add-one-only`: that alone, for a batch too large to also screen whole and read bare;
  start-up is the same whatever the batch, so the fraction depends on the batch's size);
- `--scaling`: fresh screenings of the first 1, 8, 32 … dossiers (a batch that large comes
  from `python -m sample_dossiers.generator --out DIR --count 32`);
- `--startup`: an empty batch screened three times (start-up alone: process, Prefect's
  temporary server, flow run), then three times more against one Prefect server started
  for them (`prefect server start`, PREFECT_API_URL), as repeated screenings can share one;
- `--judge`: judging + writing outputs per dossier on one core (bench.judge_timing);
- then the figures issue #17 is judged by, each beside its target;
- with `--truth`: agreement with the generator's ground truth.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def _single_run(argv: list[str]) -> int:
    """Child mode: one screening, its figures as JSON on the last line of stdout."""
    batch, out, as_of, registry, engine, workers, *rest = argv
    dask_address = rest[0] if rest else ""
    t_start = time.perf_counter()
    from flows.settings import RunSettings, prepare_prefect_environment

    prepare_prefect_environment(Path(out))
    from flows.api_server import start_temporary_server

    start_temporary_server()  # as the CLI does
    from flows.runners import run_screen
    from flows.settings import crosscheck_engine_for

    settings = RunSettings(batch_dir=batch, out_dir=out, as_of=as_of, registry=registry or None, ocr_engine=engine,
                           crosscheck_engine=crosscheck_engine_for(engine), workers=int(workers), progress=False,
                           dask_address=dask_address or None)
    outcome = run_screen(settings)
    me, kids = peak_rss_mb()
    print(json.dumps({"dossiers": outcome["dossiers"], "seconds": outcome["times"].seconds, "pages": outcome["times"].pages,
                      "ocr_images": outcome["ocr_images"], "peak_mb": me, "peak_child_mb": kids,
                      "in_process": time.perf_counter() - t_start}))
    return 0


def screen(batch: Path, out: Path, args, dask_address: str = "") -> dict:
    """One screening in a fresh process; adds the wall time the user waits."""
    cmd = [sys.executable, "-m", "bench.benchmark", "--single-run", str(batch.resolve()), str(out.resolve()), args.as_of,
           str(Path(args.registry).resolve()) if args.registry else "", args.engine, str(args.workers), dask_address]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"screening failed: {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["wall"] = wall
    return data


@contextlib.contextmanager
def shared_server(home: Path):
    """A Prefect server started once (`prefect server start`), as README's "three ways"
    describe for repeated screenings; yields its API URL."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_UI_ENABLED="0", PREFECT_SERVER_LOGGING_LEVEL="CRITICAL")
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("benchmark: the shared Prefect server did not start")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


PASS_ONE = ("read", "ocr", "extract")


def print_run(label: str, run: dict) -> None:
    print(f"== {label}: {run['dossiers']} dossiers, {run['wall']:.1f} s wall "
          f"(peak memory {run['peak_mb']:.0f} MB in the flow process, {run['peak_child_mb']:.0f} MB in its largest child)")
    print(f"{'stage':12s} {'pages':>6s} {'seconds':>8s} {'pages/s':>8s}")
    for stage, secs in run["seconds"].items():
        pages = run["pages"].get(stage, 0)
        # pass 1's stages overlap: only the pass as a whole has a rate (below)
        rate = f"{pages / secs:.2f}" if pages and secs >= 0.05 and stage not in PASS_ONE else "—"
        print(f"{stage:12s} {pages:6d} {secs:8.1f} {rate:>8s}")
    streamed = [run["seconds"].get(s, 0.0) for s in PASS_ONE]
    if any(streamed):
        pages = run["pages"].get("read", 0)
        print(f"{'(pass 1)':12s} {pages:6d} {sum(streamed):8.1f} {pages / max(sum(streamed), 1e-9):8.2f}    "
              "(read, ocr and extract overlap: each counted from the end of the one before to its own end)")
    startup = run["wall"] - sum(run["seconds"].values())
    print(f"{'(start-up)':12s} {'':6s} {startup:8.1f}    (process, Prefect's temporary server, batch listing)")


def ocr_page_seconds(out: Path) -> list[float]:
    """Seconds each page OCR'd in full took on its core (one page per core), from the OCR
    cache (crops read for a text-layer check are left out)."""
    secs = []
    for path in (out / ".cache" / "ocr").rglob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("regions"):
                continue
            secs.append(float(data["seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(secs)


def print_page_seconds(secs: list[float]) -> None:
    if not secs:
        return
    mean = sum(secs) / len(secs)
    median = secs[len(secs) // 2]
    p95 = secs[min(len(secs) - 1, int(0.95 * len(secs)))]
    print(f"OCR per page per core ({len(secs)} pages): mean {mean:.2f} s, median {median:.2f}, "
          f"p95 {p95:.2f}, max {secs[-1]:.2f}")


def subset(batch: Path, names: list[str], dest: Path) -> Path:
    """A batch folder holding copies of the named dossiers (copies: the originals are never touched)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        src = batch / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest


def dossier_names(batch: Path) -> list[str]:
    return sorted(p.name for p in batch.iterdir() if p.is_dir() or p.suffix.lower() == ".zip")


def _tesseract(path: str) -> None:
    subprocess.run(["tesseract", path, "stdout", "-l", "chi_sim"], capture_output=True, timeout=600,
                   env=dict(os.environ, OMP_THREAD_LIMIT="1"))


_RAPID = None


def _rapidocr(path: str) -> None:
    global _RAPID
    if _RAPID is None:
        from rapidocr_onnxruntime import RapidOCR

        _RAPID = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    from extractors.ocr import preprocess as pp

    _RAPID(pp.load_rgb(path))  # a page raster or PNG, decoded as the pipeline decodes it


def _rapidocr_split(path: str) -> None:
    # The engine as the pipeline calls it (detection at DET_SIDE, recognition from the
    # 2000 px image), without the pipeline's orientation, seal and row handling.
    import cv2

    from extractors.ocr import preprocess as pp, rapid

    img, _ = pp.cap_size(pp.load_rgb(path), rapid.REC_SIDE)
    rapid.detect_page(img, time.monotonic() + 600)


def _rapidocr_crops(job: tuple[str, list]) -> None:
    # The crops a text-layer check reads (extractors.ocr.ocr_regions: each region with a
    # 10 px border, detection and recognition, no line classifier), through the bare engine.
    import cv2

    from extractors.ocr import preprocess as pp, rapid

    path, regions = job
    img = pp.load_rgb(path)
    h, w = img.shape[:2]
    for x0, y0, x1, y1 in regions:
        crop = img[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]
        if crop.size:
            rapid.detect(cv2.copyMakeBorder(crop, 10, 10, 10, 10, cv2.BORDER_REPLICATE), None, use_cls=False)


def split_jobs(jobs: list) -> tuple[list[str], list[tuple[str, list]]]:
    """The screening's OCR work: page images read in full, and (image, regions) read as crops.
    Plain paths are full pages (results of a screening before crops were read)."""
    full, crops = [], []
    for job in jobs:
        if isinstance(job, str):
            full.append(job)
        elif job.get("regions"):
            crops.append((job["image"], [tuple(r) for r in job["regions"]]))
        else:
            full.append(job["image"])
    return full, crops


def _as_png_files(paths: list[str], tmp: Path) -> list[str]:
    """The pages as files Tesseract's CLI opens: page rasters (extractors/page_raster.py)
    copied to PNG beforehand, outside the timing; other images as they are."""
    import cv2

    from extractors import page_raster
    from extractors.ocr import preprocess as pp

    out = []
    for i, path in enumerate(paths):
        if page_raster.is_raster(path):
            dest = tmp / f"{i:05d}.png"
            cv2.imwrite(str(dest), pp.load_rgb(path), [cv2.IMWRITE_PNG_COMPRESSION, 1])
            path = str(dest)
        out.append(path)
    return out


def bare_engines(jobs: list, workers: int) -> dict[str, float]:
    """Seconds for each bare engine to do the screening's OCR work on `workers` cores:
    Tesseract's CLI and RapidOCR with its library defaults over the full pages, RapidOCR as
    the pipeline calls it over the same full pages ("rapidocr-split") and over the same
    crops ("rapidocr-crops")."""
    full, crops = split_jobs(jobs)
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-tess-") as tmp:
        pngs = _as_png_files(full, Path(tmp))  # Tesseract's CLI reads standard formats only
        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:  # tesseract is a subprocess: threads suffice
            list(pool.map(_tesseract, pngs))
        out["tesseract"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_rapidocr, full, chunksize=4))
    out["rapidocr"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_rapidocr_split, full, chunksize=4))
    out["rapidocr-split"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if crops:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_rapidocr_crops, crops, chunksize=4))
    out["rapidocr-crops"] = time.perf_counter() - t0
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--single-run"]:
        from flows.cli import exit_now

        exit_now(_single_run(argv[1:]))  # and out as the command leaves
    ap = argparse.ArgumentParser()
    ap.add_argument("batch")
    ap.add_argument("--truth")
    ap.add_argument("--registry")
    ap.add_argument("--as-of", default="2026-05-20")
    ap.add_argument("--out")
    ap.add_argument("--engine", default="rapidocr")
    ap.add_argument("--workers", type=int, default=0, help="cores to use (default: all)")
    ap.add_argument("--rerun", action="store_true", help="screen a second time into the same folder (cached re-run)")
    ap.add_argument("--bare", action="store_true", help="time the bare OCR engines over the same pages")
    ap.add_argument("--add-one", action="store_true", help="screen all but the last dossier, then add the last one")
    ap.add_argument("--scaling", help="comma-separated dossier counts, e.g. 1,8,32")
    ap.add_argument("--huge", action="store_true", help="also read a 2000-page PDF and a 500-page TIFF (bench/huge_inputs.py)")
    ap.add_argument("--startup", action="store_true", help="time screenings of an empty batch (start-up alone)")
    ap.add_argument("--judge", action="store_true", help="judging + outputs per dossier on one core (bench.judge_timing)")
    ap.add_argument("--add-one-only", action="store_true",
                    help="only --add-one, without the first run and what needs it (a large batch's incremental cost)")
    args = ap.parse_args(argv)
    cores = args.workers or os.cpu_count() or 2
    batch = Path(args.batch)
    work = Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    out = Path(args.out) if args.out else work / "out"
    print(f"machine: {os.cpu_count()} cores, using {cores}; batch {batch} ({len(dossier_names(batch))} dossiers)")

    figures: list[str] = []
    if args.startup:
        empty = work / "empty"
        empty.mkdir()
        walls = sorted(screen(empty, work / f"startup-{i}", args)["wall"] for i in range(3))
        print(f"== start-up: an empty batch screened 3 times, each a new process and output folder: "
              + ", ".join(f"{w:.1f}" for w in walls) + " s")
        figures.append(f"start-up (empty batch, median of 3): {walls[1]:.1f} s   (target ≤ 8 s)")
        with shared_server(work / "shared-prefect") as url:
            os.environ["PREFECT_API_URL"] = url
            try:
                shared = sorted(screen(empty, work / f"startup-shared-{i}", args)["wall"] for i in range(3))
            finally:
                del os.environ["PREFECT_API_URL"]
        print("== start-up with one Prefect server shared by the runs (PREFECT_API_URL): "
              + ", ".join(f"{w:.1f}" for w in shared) + " s")
        figures.append(f"start-up with a shared Prefect server (median of 3): {shared[1]:.1f} s")
    if args.add_one_only:
        args.add_one, args.rerun, args.bare, args.scaling, args.judge, args.truth = True, False, False, None, False, None
        first = None
    else:
        first = screen(batch, out, args)
        print_run("first run", first)
        print_page_seconds(ocr_page_seconds(out))
        full_pages, crop_jobs = split_jobs(first["ocr_images"])
        ocr_pages = len(full_pages) + len(crop_jobs)
    if args.rerun:
        again = screen(batch, out, args)
        print_run("cached re-run", again)
        print(f"cached re-run / first run: {again['wall'] / first['wall']:.1%}")
        figures.append(f"cached re-run / first run: {again['wall'] / first['wall']:.1%}   (target ≤ 10 %)")
    if args.bare and ocr_pages:
        bare = bare_engines(first["ocr_images"], cores)
        n_crops = sum(len(r) for _, r in crop_jobs)
        print(f"== throughput over the screening's OCR work, {cores} cores: {len(full_pages)} pages read in full, "
              f"{len(crop_jobs)} text-layer pages read as {n_crops} crops")
        print(f"screening (whole run, every stage): {first['wall']:6.1f} s   {ocr_pages / first['wall']:.2f} pages/s")
        for engine in ("tesseract", "rapidocr", "rapidocr-split"):
            secs = bare[engine]
            rate = f"{len(full_pages) / secs:.2f} pages/s" if secs > 0 else "—"
            print(f"bare {engine:14s} over the {len(full_pages)} full pages: {secs:6.1f} s   {rate}")
        print(f"bare {'rapidocr-crops':14s} over the {len(crop_jobs)} pages' crops: {bare['rapidocr-crops']:6.1f} s")
        same = bare["rapidocr-split"] + bare["rapidocr-crops"]
        # The same work through the bare engine: its full pages as the pipeline reads them,
        # and its crops as the pipeline reads them; pages per second over the same pages.
        ours, theirs = ocr_pages / first["wall"], ocr_pages / same
        print(f"bare engine as the pipeline calls it, the same work: {same:6.1f} s   {theirs:.2f} pages/s   "
              f"screening / bare = {ours / theirs:.0%}")
        figures.append(f"screening / bare engine as the pipeline calls it ({len(full_pages)} full pages + {len(crop_jobs)} "
                       f"pages as {n_crops} crops): {ours:.2f} / {theirs:.2f} pages/s = {ours / theirs:.0%}   (target ≥ 75 %)")
    if args.add_one:
        names = dossier_names(batch)
        part = subset(batch, names[:-1], work / "add-one" / "batch")
        base = screen(part, work / "add-one" / "out", args)
        subset(batch, names[-1:], part)
        added = screen(part, work / "add-one" / "out", args)
        # where the added run's time goes: start-up and the cached dossiers' index and
        # judging are paid whatever is added
        print_run(f"adding {names[-1]} to the screened batch", added)
        print(f"== adding one dossier: {len(names) - 1} dossiers screened in {base['wall']:.1f} s; "
              f"adding {names[-1]} then took {added['wall']:.1f} s = {added['wall'] / base['wall']:.1%} of that run")
        # A floor the fraction cannot go under on a small batch: the added dossier's own
        # share of the batch's OCR, plus a start-up paid again whatever is added.
        own, rest = added["pages"].get("ocr", 0), base["pages"].get("ocr", 0)
        startup = added["wall"] - sum(added["seconds"].values())
        if own and rest:
            print(f"   {names[-1]}'s pages to OCR are {own / (own + rest):.1%} of the whole batch's ({own} of {own + rest}); "
                  f"start-up alone is {startup:.1f} s = {startup / base['wall']:.1%} of the run without it")
        figures.append(f"adding one dossier / screening the batch without it: {added['wall'] / base['wall']:.1%}   (target ≤ 15 %)")
    if args.scaling:
        names = dossier_names(batch)
        print("== scaling: fresh screenings of the first N dossiers")
        print(f"{'dossiers':>8s} {'pages':>6s} {'seconds':>8s} {'pages/s':>8s} {'s/dossier':>9s}")
        for n in (int(x) for x in args.scaling.split(",")):
            if n > len(names):
                print(f"{n:8d}  skipped: the batch has only {len(names)} dossiers")
                continue
            if n == len(names):
                run = first  # the whole batch was just screened fresh: not again
            else:
                run = screen(subset(batch, names[:n], work / f"scale-{n}" / "batch"), work / f"scale-{n}" / "out", args)
            pages = run["pages"].get("read", 0)
            print(f"{n:8d} {pages:6d} {run['wall']:8.1f} {pages / run['wall']:8.2f} {run['wall'] / n:9.1f}")
            shutil.rmtree(work / f"scale-{n}", ignore_errors=True)
    if args.judge:
        from bench.judge_timing import print_timing, time_judging

        timing = time_judging(out, args.as_of, str(Path(args.registry).resolve()) if args.registry else None)
        print_timing(timing)
        vals = sorted(timing["per_dossier"].values())
        figures.append(f"judging + outputs per dossier, one core: mean {sum(vals) / len(vals):.2f} s, max {vals[-1]:.2f} s"
                       f"   (target ≤ 2 s)")
    if figures:
        print("== the issue's figures (#17)")
        if first is not None:
            print(f"{'(start-up inside a run: wall minus its stages)':s} {first['wall'] - sum(first['seconds'].values()):.1f} s")
        for line in figures:
            print(line)
    if args.truth:
        from bench.evaluate import (agreement, extraction_table, format_agreement, format_precision, format_table,
                                    load_results, load_truth, precision_summary)

        results, truth = load_results(out), load_truth(Path(args.truth))
        print("== agreement with ground truth")
        print(format_agreement(agreement(results, truth)))
        print("== fields by document type and page condition; identifiers per occurrence")
        print(format_table(extraction_table(results, truth)))
        print("== flag precision, flags on clean dossiers, severity")
        print(format_precision(batch.name, precision_summary(results, truth)))
    if args.huge:
        from bench.huge_inputs import main as huge_inputs

        huge_inputs([])
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
