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


def _row_of(path, sheet, kind, nth=0):
    ws = load_workbook(path)[sheet]
    head = [c.value for c in ws[1]]
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, head.index("行类型") + 1).value == kind]
    return rows[nth]


def test_decisions_read_back_and_originals_unchanged(tmp_path):
    result, images, out = make_case(tmp_path)
    ws_path = out / "worksheet.xlsx"
    write_worksheet(result, images, ws_path, intake_date=date(2026, 9, 25))
    first_item = _row_of(ws_path, "资格初审", "审查项")
    detail = _row_of(ws_path, "资格初审", "明细")
    stage = _row_of(ws_path, "资格初审", "阶段结论")
    flag = _row_of(ws_path, "疑点", "审查项")
    expert = _row_of(ws_path, "综合评议", "审查项")
    recheck = _row_of(ws_path, "资格复核", "审查项")
    _fill(ws_path, [
        ("资格初审", first_item, "符合", "申请表齐全", "王审核", datetime(2026, 10, 8)),
        ("资格初审", stage, "报区人力资源社会保障局", "材料齐全", "王经办", "2026-10-09"),
        ("资格初审", stage + 1, None, "同意上报", "陈科长", "2026-10-10"),
        ("疑点", flag, "属实", "号码确有错误", "李复核", "2026/10/15"),
        ("综合评议", expert, "需补正", "", "赵专家", None),
        ("资格复核", recheck, "同意", "", "王审核", "2026-10-09"),     # not in the sheet's vocabulary
        ("资格复核", recheck + 1, "符合", "", "", "2026-10-09"),       # no reviewer
        ("疑点", flag + 1, "不符合", "", "王审核", "2026-10-09"),       # a materials word on a suspicion
        ("资格初审", detail, "符合", "", "王审核", "下周一"),          # a detail row, and not a date
    ])
    wb = load_workbook(ws_path)
    head = {c.value: c.column for c in wb["综合评议"][1]}
    wb["综合评议"].cell(expert, head["评分"], 85)
    wb.save(ws_path)
    before = sha(ws_path)
    decisions, errors = write_ledger(out.parent)
    assert sha(ws_path) == before

    got = [(d["sheet"], d["kind"], d["rule"], d["decision"], d["reviewer"], d["date"]) for d in decisions]
    assert got == [
        ("资格初审", "item", "ART5.1", "符合", "王审核", "2026-10-08"),
        ("资格初审", "stage", "ART6.1", "报区人力资源社会保障局", "王经办", "2026-10-09"),
        ("综合评议", "item", "ART4.2", "需补正", "赵专家", None),
        ("疑点", "item", "ART15.1", "属实", "李复核", "2026-10-15"),
    ]
    stage_rec = decisions[1]
    assert stage_rec["handler"] == "王经办" and stage_rec["approver"] == "陈科长"
    assert stage_rec["approver_opinion"] == "同意上报" and stage_rec["approver_date"] == "2026-10-10"
    assert decisions[2]["score"] == 85
    assert decisions[0]["dossier_id"] == "GM2026-001" and decisions[0]["stage"] == "资格初审"
    assert len(errors) == 4, errors
    assert any("资格复核" in e and f"单元格K{recheck}" in e and "“同意”" in e for e in errors), errors
    assert any("资格复核" in e and "未填写审核人" in e for e in errors)
    assert any("疑点" in e and "“不符合”" in e and "属实、不属实、需进一步核查" in e for e in errors)
    assert any("资格初审" in e and "不是审查项目" in e for e in errors)

    raw = (out.parent / "decisions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["decision"] for r in rows] == ["符合", "报区人力资源社会保障局", "需补正", "属实"]
    assert rows[1]["approver"] == "陈科长"
    assert rows[2]["score"] == "85" and rows[0]["score"] == ""  # pandas keeps the integer, blanks stay blank
    ledger = json.loads((out.parent / "decisions.json").read_text(encoding="utf-8"))
    assert len(ledger["decisions"]) == 4 and len(ledger["errors"]) == 4


def test_actual_completion_dates_are_read_from_the_deadline_sheet(tmp_path):
    result, images, out = make_case(tmp_path)
    path = out / "worksheet.xlsx"
    write_worksheet(result, images, path, intake_date=date(2026, 9, 25))
    wb = load_workbook(path)
    ws = wb["期限"]
    head = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head["审查项目"]).value == "资格初审")
    ws.cell(row, head["实际完成日"], datetime(2026, 10, 9))
    wb.save(path)
    decisions, errors = read_decisions(out.parent)
    assert errors == []
    assert [(d["kind"], d["stage"], d["date"]) for d in decisions] == [("completion", "资格初审", "2026-10-09")]


def test_workbook_of_the_old_layout_is_read_with_the_old_vocabulary(tmp_path):
    from openpyxl import Workbook
    d = tmp_path / "OLD-1"
    d.mkdir()
    wb = Workbook()
    ws = wb.active
    ws.title = "疑点"
    ws.append(["卷宗编号", "阶段", "规则", "审查项目", "结论", "意见", "审核人", "日期"])
    ws.append(["OLD-1", "疑点核查", "ART15.1", "x", "不符合", "", "王审核", "2026-01-05"])
    wb.save(d / "worksheet.xlsx")
    decisions, errors = read_decisions(tmp_path)
    assert errors == [] and decisions[0]["decision"] == "不符合" and decisions[0]["kind"] == "item"


def test_unfilled_worksheet_gives_empty_ledger(tmp_path):
    result, images, out = make_case(tmp_path)
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    assert read_decisions(out.parent) == ([], [])
