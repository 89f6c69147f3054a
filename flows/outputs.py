"""Judging one dossier and writing its outputs atomically; the batch summary."""
from __future__ import annotations

import json
from pathlib import Path

from extractors.records import DossierRecord
from flows import pipeline
from flows.settings import RunSettings


def judge_and_write(record: DossierRecord, index, ruleset, settings: RunSettings, screened_at: str, registry_given: bool) -> dict:
    from reports.atomic import atomic_dir
    from reports.page_images import export_page_images
    from reports.result_json import build_result
    from reports.review_html import write_review
    from reports.worksheet import write_worksheet
    from validators.judge import judge

    as_of = pipeline.parse_as_of(settings.as_of)
    judgement = judge(record, index, ruleset, as_of, registry_given)
    result = build_result(record, judgement, as_of=as_of, rule_set=ruleset.name, screened_at=screened_at)
    final = Path(settings.out_dir) / record.dossier_id
    with atomic_dir(final) as tmp:
        page_images = export_page_images(record.pages, tmp)
        (tmp / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        intake = pipeline.parse_as_of(settings.intake_date) if settings.intake_date else as_of
        write_worksheet(result, page_images, tmp / "worksheet.xlsx", intake_date=intake)
        write_review(result, page_images, tmp / "review.html")
    return result


def write_batch_outputs(results: list[dict], out_dir: Path, registry_errors: list[str]) -> list[dict]:
    from reports.summary import write_summary

    write_summary(results, out_dir)
    if registry_errors:
        (out_dir / "registry_errors.txt").write_text("\n".join(registry_errors) + "\n", encoding="utf-8")
    rows = []
    for r in results:
        flags = r.get("flags", [])
        rows.append({
            "dossier_id": r["dossier_id"],
            "recommendation": r.get("recommendation"),
            "flags_high": sum(1 for f in flags if f.get("severity") == "high"),
            "failed_rules": [c["rule"] for c in r.get("checks", []) if c.get("status") == "fail"],
        })
    return rows
