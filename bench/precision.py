"""Flag precision on batches the extractors were not tuned to (issue 15).

    python -m bench.precision --variants a,b,c --seed N --count 10 --out /tmp/prec [--dpi N]

For each variant: generate a batch with its ground truth and registry into OUT/<variant>,
screen it with `dossier-screen screen` in its own process (as a user runs it), and print
per flag code precision and recall, the flags raised on clean dossiers by code and
severity (high ones must be none), severity and recommendation agreement, field accuracy
and exact certificate numbers, then one summary line per variant:

    precision: variant=c flags_precision=P flags_recall=R high_on_clean=H recommendation_agreement=A fields=F cert_numbers=C
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(variant: str, seed: int, count: int, work: Path, dpi: int | None) -> tuple[Path, Path, Path]:
    from sample_dossiers.generator.__main__ import generate as gen

    batch, truth, registry = work / "batch", work / "batch_truth", work / "registry.csv"
    gen(batch, seed, count, variant, registry=registry, truth=truth, dpi=dpi)
    return batch, truth, registry


def screen(batch: Path, out: Path, registry: Path, as_of: str) -> float:
    """`dossier-screen screen` in a fresh process; returns its wall time."""
    cmd = [sys.executable, "-m", "flows.cli", "screen", str(batch.resolve()), "--out", str(out.resolve()),
           "--as-of", as_of, "--registry", str(registry.resolve())]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"screening {batch} failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def evaluate(variant: str, out: Path, truth: Path) -> dict:
    from bench.evaluate import load_results, load_truth, precision_summary

    return precision_summary(load_results(out), load_truth(truth))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.precision", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="a,b,c")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--as-of", default="2026-05-20")
    ap.add_argument("--dpi", type=int, help="scan resolution override (fast, less faithful runs)")
    ap.add_argument("--no-generate", action="store_true", help="screen batches already in OUT/<variant>")
    ap.add_argument("--no-screen", action="store_true", help="evaluate screenings already in OUT/<variant>/out")
    args = ap.parse_args(argv)
    from bench.evaluate import format_precision, summary_line

    lines = []
    for variant in [v.strip() for v in args.variants.split(",") if v.strip()]:
        work = args.out / variant
        if args.no_generate:
            batch, truth, registry = work / "batch", work / "batch_truth", work / "registry.csv"
        else:
            batch, truth, registry = generate(variant, args.seed, args.count, work, args.dpi)
        if not args.no_screen:
            wall = screen(batch, work / "out", registry, args.as_of)
            print(f"variant {variant}: screened in {wall:.0f} s", flush=True)
        s = evaluate(variant, work / "out", truth)
        print(format_precision(variant, s), flush=True)
        lines.append(summary_line(variant, s))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
