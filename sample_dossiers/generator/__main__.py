"""python -m sample_dossiers.generator --out DIR --seed N --count N --variant a|b|c [--registry FILE]
python -m sample_dossiers.generator --out DIR --count 1000 --bulk     (clean text-layer dossiers for scale runs)

Writes DIR/<id>/ (or DIR/<id>.zip) per dossier and the ground truth to
<DIR>_truth/<id>/expected.json (outside the batch: every file in a dossier counts as
submitted material)."""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
from pathlib import Path

from . import plants
from .carriers import DossierWriter, fresh_dirs
from .people import make_person, make_unit


def generate(out: Path, seed: int, count: int, variant: str, registry: Path | None = None,
             truth: Path | None = None, dpi: int | None = None) -> dict[str, dict]:
    """Generate the batch; `dpi` overrides every scan's resolution (tests use a low one)."""
    from . import carriers
    carriers.DPI_OVERRIDE[:] = [dpi] if dpi else []
    out, truth = fresh_dirs(out, truth)
    used: set = set()
    ctx: dict = {}
    partners: dict[str, plants.Dossier] = {}
    registry_rows: list[list[str]] = []
    for i in range(count):
        did = f"D{i + 1:02d}"
        n, levels = (plants.PLAN[i][1], plants.PLAN[i][2]) if i < len(plants.PLAN) else (3, None)
        d = plants.new_dossier(did, seed, variant, used, n, levels,
                               district="南海区" if did == "D08" else "高明区")
        d.writer = DossierWriter(out / did, d.unit.name, d.rng)
        build = {"D01": plants.d01, "D02": plants.d02, "D03": plants.d03, "D04": plants.d04,
                 "D06": plants.d06, "D08": plants.d08, "D09": plants.d09}.get(did)
        if variant == "c" and did in ("D01", "D02", "D03") or variant == "c" and i >= len(plants.PLAN):
            # variant c keeps the plan (clean, dirty) but draws its clean dossiers in the
            # layouts neither a nor b has
            plants.clean_c(d, ctx, used, zip_it=did == "D02")
        elif did == "D05":
            plants.d05(d, ctx, used)
        elif did == "D07":
            plants.d07(d, ctx, partners)
        elif did == "D10":
            plants.d10(d, ctx, registry_rows)
        elif build:
            build(d, ctx)
        else:
            plants.clean_extra(d, ctx)
        if d.zip:
            d.writer.zip_up(out / f"{did}.zip", gbk=True)
        partners[did] = d
    for did, d in partners.items():
        (truth / did).mkdir()
        (truth / did / "expected.json").write_text(
            json.dumps(d.expected(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if registry:
        rng = random.Random(f"{seed}:{variant}:registry")
        rows = [[u.name, u.uscc, prog, str(year), ";".join(make_person(rng, set()).id_number for _ in range(3))]
                for u, prog, year in [(make_unit(rng, set()), "技师工作站", 2024),
                                      (make_unit(rng, set()), "高技能人才培训基地", 2025),
                                      (make_unit(rng, set()), "技能大师工作室", 2026)]]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["unit_name", "uscc", "programme", "year", "member_id_numbers"])
        w.writerows(rows[:2] + registry_rows + rows[2:])
        Path(registry).parent.mkdir(parents=True, exist_ok=True)
        Path(registry).write_text(buf.getvalue(), encoding="utf-8")
    return {did: d.expected() for did, d in partners.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sample_dossiers.generator", description=__doc__)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--variant", choices=["a", "b", "c"], default="a")
    ap.add_argument("--registry", type=Path)
    ap.add_argument("--truth", type=Path, help="ground-truth folder (default: <out>_truth)")
    ap.add_argument("--dpi", type=int, help="override every scan's resolution (fast test runs)")
    ap.add_argument("--bulk", action="store_true", help="many clean text-layer dossiers, cheaply (scale runs; ids B0001…)")
    ap.add_argument("--workers", type=int, default=0, help="--bulk: processes (default: one per core)")
    ap.add_argument("--whole", type=int, help="--bulk: only the first N dossiers complete, the rest their Word form alone")
    a = ap.parse_args(argv)
    if a.bulk:
        from .bulk import generate_bulk

        ids = generate_bulk(a.out, a.seed, a.count, a.truth, a.workers, whole=a.whole)
        print(f"{len(ids)} dossiers in {a.out}")
        return 0
    res = generate(a.out, a.seed, a.count, a.variant, a.registry, a.truth, a.dpi)
    for did, e in res.items():
        print(did, e["recommendation"], ",".join(sorted({f["code"] for f in e["flags"]})) or "-")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
