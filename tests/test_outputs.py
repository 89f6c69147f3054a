"""A dossier the pipeline failed on still gets complete, valid outputs that route it to a person."""
from __future__ import annotations

import json
from datetime import date

from openpyxl import load_workbook

from extractors.records import DossierRecord
from flows.outputs import judge_and_write, write_failed_dossier
from flows.settings import RunSettings
from reports.result_json import validate_result
from validators.batch_index import build_index
from validators.ruleset import load_ruleset


def _settings(tmp_path):
    return RunSettings(batch_dir=str(tmp_path / "batch"), out_dir=str(tmp_path / "out"), as_of="2026-05-20")


def test_failed_dossier_gets_a_valid_result_and_worksheet(tmp_path):
    result = write_failed_dossier("D9", ValueError("bad 440608198003125653"), _settings(tmp_path), "2026-05-20T10:00:00+08:00",
                                  "gaoming-2021")
    assert validate_result(result) == []
    assert {c["status"] for c in result["checks"]} == {"needs_review"}
    assert result["recommendation"] == "request_correction" and result["flags"] == []
    saved = json.loads((tmp_path / "out" / "D9" / "result.json").read_text(encoding="utf-8"))
    assert "人工审查" in saved["checks"][0]["detail"]
    assert "440608198003125653" not in json.dumps(saved, ensure_ascii=False)  # the exception text is masked
    assert "资格初审" in load_workbook(tmp_path / "out" / "D9" / "worksheet.xlsx").sheetnames


def test_unreadable_dossier_is_not_called_ineligible(tmp_path):
    record = DossierRecord(dossier_id="D8", error="本卷宗处理失败：OSError")
    index = build_index([record], [])
    result = judge_and_write(record, index, load_ruleset(date(2026, 5, 20)), _settings(tmp_path), "now", False)
    assert result["recommendation"] == "request_correction"
    assert all(c["status"] == "needs_review" for c in result["checks"])


def test_intake_date_reaches_the_deadlines_and_corrections_get_a_notice(tmp_path):
    from dataclasses import replace

    from tests.test_validators_judge import good_record

    record = good_record(tmp_path / "rec", "D7")
    record.documents = [d for d in record.documents if d.type != "application_form"]  # ART5.1 fails
    index = build_index([record], [])
    settings = replace(_settings(tmp_path), intake_date="2026-05-11")
    result = judge_and_write(record, index, load_ruleset(date(2026, 5, 20)), settings, "now", False)
    assert result["recommendation"] == "request_correction"
    folder = tmp_path / "out" / "D7"
    ws = load_workbook(folder / "worksheet.xlsx")["期限"]
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("实际完成日") + 1).value.date() == date(2026, 5, 11)  # the 受理日, a date cell
    assert (folder / "补正告知书.docx").is_file()
