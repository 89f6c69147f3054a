"""Judging one dossier and writing its outputs atomically; the batch summary."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from extractors.isolation import StageFailure, dossier_reason, stage_of
from extractors.records import DossierRecord
from flows import pipeline
from flows.settings import RunSettings


def judge_and_write(record: DossierRecord, index, ruleset, settings: RunSettings, screened_at: str, registry_given: bool) -> dict:
    from flows import casestore
    from reports.atomic import atomic_dir
    from reports.correction_notice import FILE_NAME as NOTICE_FILE, write_correction_notice
    from reports.page_anchor import first_concern, page_numbers
    from reports.page_images import export_matched_pages, export_page_images
    from reports.result_json import build_result
    from reports.review_html import write_review
    from reports.word_pages import export_word_pages, start_word_conversion
    from reports.worksheet import write_worksheet
    from validators.judge import judge

    if record.error and not record.documents:
        # Nothing was read: judging an empty record would read as "ineligible", which it is not.
        return write_failed_dossier(record.dossier_id, RuntimeError(record.error), settings, screened_at, ruleset.name,
                                    reason=record.error)
    # LibreOffice converts the Word files while the dossier is judged (a no-op when the
    # report stage started the batch's conversion, or the PDFs are cached).
    start_word_conversion(record.files, settings.cache_dir / "word_pdf")
    as_of = pipeline.parse_as_of(settings.as_of)
    try:
        judgement = casestore.amend(record, index, judge(record, index, ruleset, as_of, registry_given), ruleset)
    except Exception as exc:  # failures of one document are caught inside; this one is not tied to any
        raise StageFailure("judge", exc) from exc
    result = build_result(record, judgement, as_of=as_of, rule_set=ruleset.name, screened_at=screened_at)
    casestore.add_changes(result, index)
    final = Path(settings.out_dir) / record.dossier_id
    intake = pipeline.parse_as_of(settings.intake_date) if settings.intake_date else as_of
    stamp = _output_stamp(result, intake)
    previous = _unchanged_outputs(settings, final, stamp)
    if previous is not None:
        return previous
    with atomic_dir(final) as tmp:
        page_images = export_page_images(record.pages, tmp, record.files)
        # The summary row opens the review page at the page to look at first.
        result["review_page"] = first_concern(result, page_numbers(result, page_images)) or "review.html"
        (tmp / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        write_worksheet(result, page_images, tmp / "worksheet.xlsx", intake_date=intake)
        word_pages = export_word_pages(record.files, tmp, settings.cache_dir / "word_pdf")
        matched = export_matched_pages(result, _indexed_page_image(index), tmp)
        write_review(result, page_images, tmp / "review.html", word_pages=word_pages, matched_images=matched)
        write_correction_notice(result, tmp / NOTICE_FILE, intake_date=intake)
    _stamp_path(settings, record.dossier_id).parent.mkdir(parents=True, exist_ok=True)
    _stamp_path(settings, record.dossier_id).write_text(stamp, encoding="utf-8")
    return result


def _indexed_page_image(index):
    """(dossier id, file, page) -> that page's image path, from the batch index's image
    entries: the review page shows another dossier's page a reused image matches."""
    paths = {(e.dossier_id, e.file, e.page): getattr(getattr(e, "fp", None), "path", "")
             for e in getattr(index, "images", None) or []}
    return lambda dossier_id, file, page: paths.get((dossier_id, file, page)) or None


OUTPUT_FILES = ("result.json", "worksheet.xlsx", "review.html")


def _output_stamp(result: dict, intake) -> str:
    """What a dossier's written outputs were made from: the result (less its time stamp),
    the intake date the deadlines count from, and the report code."""
    from flows.code_digest import code_digest

    content = {k: v for k, v in result.items() if k != "screened_at"}
    blob = json.dumps([content, str(intake), code_digest("reports")], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _stamp_path(settings: RunSettings, dossier_id: str) -> Path:
    return settings.cache_dir / "outputs" / f"{dossier_id}.stamp"


def _unchanged_outputs(settings: RunSettings, final: Path, stamp: str) -> dict | None:
    """The previous result when the outputs on disk were made from exactly this result:
    rewriting page images and workbooks that would come out the same costs most of a
    cached re-run. Any doubt (a file missing, unreadable, another stamp) means rewrite."""
    try:
        if _stamp_path(settings, final.name).read_text(encoding="utf-8") != stamp:
            return None
        if not all((final / name).is_file() for name in OUTPUT_FILES):
            return None
        return json.loads((final / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_failed_dossier(dossier_id: str, exc: BaseException, settings: RunSettings, screened_at: str, rule_set: str,
                         record: DossierRecord | None = None, reason: str | None = None) -> dict:
    """A dossier whose judgement or reports failed still gets a complete result that says so
    (naming the stage) and routes it to a person: every check needs review, nothing is
    decided. The files it was read from are still listed when `record` is given."""
    from reports.atomic import atomic_dir
    from reports.result_json import build_result
    from reports.worksheet import write_worksheet
    from validators.findings import Check, Judgement
    from validators.judge import CHECK_ORDER

    if reason is None:
        stage, cause = stage_of(exc, "report")
        reason = dossier_reason(stage, cause)
    record = DossierRecord(dossier_id=dossier_id, files=list(record.files) if record else [],
                           documents=list(record.documents) if record else [], error=reason)
    judgement = Judgement(checks=[Check(rule, "needs_review", reason) for rule in CHECK_ORDER], flags=[],
                          recommendation="request_correction", recommendation_reason=reason)
    as_of = pipeline.parse_as_of(settings.as_of)
    result = build_result(record, judgement, as_of=as_of, rule_set=rule_set, screened_at=screened_at)
    _stamp_path(settings, dossier_id).unlink(missing_ok=True)  # the outputs below replace any stamped ones
    with atomic_dir(Path(settings.out_dir) / dossier_id) as tmp:
        (tmp / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        write_worksheet(result, {}, tmp / "worksheet.xlsx", intake_date=as_of)
    return result


def write_batch_outputs(results: list[dict], out_dir: Path, registry_errors: list[str],
                        batch: str | None = None) -> list[dict]:
    from reports.summary import write_summary

    write_summary(results, out_dir, batch=batch)
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
