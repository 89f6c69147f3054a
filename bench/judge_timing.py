"""Judging + writing outputs, per dossier, on one core, from a screened folder's records.

    python -m bench.judge_timing OUT_DIR [--as-of 2026-05-20] [--registry FILE] [--warm] [--profile FILE]

Takes the extracted records a screening cached (OUT_DIR/.cache/records), builds the batch
index once, then judges and writes each dossier's outputs into a scratch folder one after
another, timing each: the report stage of a first run, without its thread pool. The page
measurements memo (seals, error levels, fingerprints) starts empty unless --warm, so the
figures are what a first screening pays.
"""
from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path


def load_records(out: Path) -> list:
    records = []
    for path in sorted((out / ".cache" / "records").glob("*.pkl")):
        with open(path, "rb") as fh:
            records.append(pickle.load(fh))
    return sorted(records, key=lambda r: r.dossier_id)


def time_judging(out: Path, as_of: str, registry: str | None, warm: bool = False, profile: str | None = None) -> dict:
    from extractors import page_memo
    from flows.outputs import judge_and_write
    from flows.settings import RunSettings
    from validators.batch_index import build_index
    from validators.registry import load_registry
    from validators.ruleset import load_ruleset

    records = load_records(out)
    if not records:
        raise SystemExit(f"no cached records under {out / '.cache' / 'records'}: screen the batch into {out} first")
    scratch = Path(tempfile.mkdtemp(prefix="judge-timing-"))
    os.environ[page_memo.ENV] = str(out / ".cache" / "pages") if warm else str(scratch / "memo")
    rows = load_registry(Path(registry))[0] if registry else []
    t0 = time.perf_counter()
    index = build_index(records, rows, workers=1)
    index_s = time.perf_counter() - t0
    ruleset = load_ruleset(__import__("datetime").date.fromisoformat(as_of))
    settings = RunSettings(batch_dir="", out_dir=str(scratch / "out"), as_of=as_of, registry=registry, progress=False)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    per, cpu = {}, {}
    # As the report stage does: the batch's Word files go to LibreOffice in one background
    # call; the first dossiers' times include waiting for it.
    from reports.word_pages import start_word_conversion

    start_word_conversion([f for r in records for f in r.files], settings.cache_dir / "word_pdf")
    for rec in records:
        t, c = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        judge_and_write(rec, index, ruleset, settings, "2026-05-20T00:00:00+08:00", bool(registry))
        if prof:
            prof.disable()
        per[rec.dossier_id] = time.perf_counter() - t
        cpu[rec.dossier_id] = time.process_time() - c
    if prof:
        prof.dump_stats(profile)
    return {"index_seconds": index_s, "per_dossier": per, "cpu": cpu, "pages": {r.dossier_id: len(r.pages) for r in records}}


def print_timing(res: dict) -> None:
    per = res["per_dossier"]
    print(f"== judging + outputs, one core ({len(per)} dossiers; batch index built once in {res['index_seconds']:.1f} s)")
    for did, s in per.items():
        print(f"{did:10s} {res['pages'][did]:4d} pages {s:6.2f} s wall {res['cpu'][did]:6.2f} s CPU")
    vals = sorted(per.values())
    cpu = sorted(res["cpu"].values())
    print(f"judging + outputs per dossier: mean {sum(vals) / len(vals):.2f} s, median {vals[len(vals) // 2]:.2f} s, "
          f"max {vals[-1]:.2f} s (target ≤ 2 s); CPU seconds (all threads) mean {sum(cpu) / len(cpu):.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--as-of", default="2026-05-20")
    ap.add_argument("--registry")
    ap.add_argument("--warm", action="store_true", help="reuse the screening's page measurements memo")
    ap.add_argument("--profile", help="write cProfile stats of the judging to this file")
    a = ap.parse_args(argv)
    print_timing(time_judging(Path(a.out), a.as_of, a.registry, a.warm, a.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
