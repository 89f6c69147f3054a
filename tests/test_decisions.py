"""Reviewers' decisions are read back from filled-in worksheets without altering them."""
from __future__ import annotations

import csv
import json
from datetime import date, datetime

from openpyxl import load_workbook

from reports.decisions import read_decisions, write_ledger
from reports.worksheet import write_worksheet
from tests.test_reports_common import make_case, sha


def _fill(path, entries):
    """What a reviewer does in Excel: (sheet, row, decision, opinion, reviewer, date)."""
    wb = load_workbook(path)
    for sheet, row, *values in entries:
        ws = wb[sheet]
        head = {c.value: c.column for c in ws[1]}
        for name, v in zip(("结论", "意见", "审核人", "日期"), values):
            ws.cell(row, head[name], v)
    wb.save(path)


def test_decisions_read_back_and_originals_unchanged(tmp_path):
    result, images, out = make_case(tmp_path)
    ws_path = out / "worksheet.xlsx"
    write_worksheet(result, images, ws_path, intake_date=date(2026, 9, 25))
    _fill(ws_path, [
        ("资格初审", 3, "符合", "申请表齐全", "王审核", datetime(2026, 10, 8)),
        ("疑点", 2, "不符合", "号码确有错误", "李复核", "2026/10/15"),
        ("综合评议", 2, "需补正", "", "赵专家", None),
        ("资格复核", 2, "同意", "", "王审核", "2026-10-09"),     # not one of the three
        ("资格复核", 3, "符合", "", "", "2026-10-09"),           # no reviewer
        ("期限", 2, "符合", "", "王审核", "下周一"),              # not a date
    ])
    before = sha(ws_path)
    decisions, errors = write_ledger(out.parent)
    assert sha(ws_path) == before

    assert [(d["sheet"], d["rule"], d["decision"], d["reviewer"], d["date"]) for d in decisions] == [
        ("资格初审", "ART5.1", "符合", "王审核", "2026-10-08"),
        ("综合评议", "ART4.2", "需补正", "赵专家", None),
        ("疑点", "ART15.1", "不符合", "李复核", "2026-10-15"),
    ]
    assert decisions[0]["dossier_id"] == "GM2026-001" and decisions[0]["stage"] == "资格初审"
    assert len(errors) == 3
    assert any("资格复核" in e and "单元格K2" in e and "“同意”" in e for e in errors), errors
    assert any("资格复核" in e and "未填写审核人" in e for e in errors)
    assert any("期限" in e and "“下周一”不是有效日期" in e for e in errors)

    raw = (out.parent / "decisions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["decision"] for r in rows] == ["符合", "需补正", "不符合"]
    ledger = json.loads((out.parent / "decisions.json").read_text(encoding="utf-8"))
    assert len(ledger["decisions"]) == 3 and len(ledger["errors"]) == 3


def test_unfilled_worksheet_gives_empty_ledger(tmp_path):
    result, images, out = make_case(tmp_path)
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    assert read_decisions(out.parent) == ([], [])
