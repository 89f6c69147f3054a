"""The 期限 sheet: date cells from the 受理日, formulas LibreOffice calculates, chaining from
the actual completion date, the 补正 period, the rule set's expiry. One LibreOffice
recalculation for all workbooks of this module."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from reports.deadlines import add_working_days, load_calendar
from reports.worksheet import write_worksheet
from tests.test_reports_common import make_case

SOFFICE = shutil.which("soffice")


def _rows(ws):
    head = [c.value for c in ws[1]]
    return {r[head.index("审查项目")]: dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """{name: workbook as LibreOffice calculated it} for several intake dates and fillings."""
    if not SOFFICE:
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("deadlines")
    books = {}
    cases = {
        # the clerk enters the actual handover of 资格复核: 综合评议 runs from it
        "plain": (date(2026, 6, 1), None, {"资格复核": datetime(2026, 6, 19)}),
        # National Day 2026 and the make-up Saturday 10 Oct inside the correction period
        "correction": (date(2026, 9, 25), "request_correction", {"补正": datetime(2026, 10, 20)}),
        # corrections asked, period not yet entered: nothing downstream is dated
        "pending": (date(2026, 9, 25), "request_correction", {}),
    }
    for name, (intake, rec, filled) in cases.items():
        (tmp / name).mkdir()
        result, images, out = make_case(tmp / name)
        if rec:
            result["recommendation"] = rec
        path = tmp / f"{name}.xlsx"
        write_worksheet(result, images, path, intake_date=intake)
        wb = load_workbook(path)
        ws = wb["期限"]
        head = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            item = ws.cell(r, head.index("审查项目") + 1).value
            if item in filled:
                ws.cell(r, head.index("实际完成日") + 1, filled[item])
            if item == "补正" and name == "correction":  # the period the notice set
                ws.cell(r, head.index("时限（工作日）") + 1, 10)
        wb.save(path)
        books[name] = path
    subprocess.run([SOFFICE, "--headless", "--convert-to", "xlsx", "--outdir", str(tmp / "calc"),
                    *map(str, books.values())], check=True, capture_output=True, timeout=180)
    return {name: load_workbook(tmp / "calc" / p.name, data_only=True) for name, p in books.items()}


def _due(rows, item):
    v = rows[item]["截止日"]
    return v.date() if isinstance(v, datetime) else v


def test_dates_are_date_cells_chained_from_due_dates_or_actual_handover(recalculated):
    cal = load_calendar()
    rows = _rows(recalculated["plain"]["期限"])
    assert rows["受理（申请单位提交申报材料）"]["实际完成日"] == datetime(2026, 6, 1)
    assert isinstance(rows["资格初审"]["截止日"], datetime)  # a date, not text
    first = add_working_days(date(2026, 6, 1), 7, cal)
    assert _due(rows, "资格初审") == first
    assert rows["资格复核"]["起算日"].date() == first  # not filled: from the due date
    assert _due(rows, "资格复核") == add_working_days(first, 7, cal)
    assert rows["综合评议"]["起算日"] == datetime(2026, 6, 19)  # filled: from the actual handover
    assert _due(rows, "综合评议") == add_working_days(date(2026, 6, 19), 15, cal)
    assert rows["资格复核"]["逾期"] == "按期完成" and rows["资格复核"]["剩余工作日"] in (None, "")
    assert "补正" not in rows


def test_correction_period_and_first_review_from_receipt_of_corrections(recalculated):
    cal = load_calendar()
    rows = _rows(recalculated["correction"]["期限"])
    due = add_working_days(date(2026, 9, 25), 10, cal)
    assert _due(rows, "补正") == due == date(2026, 10, 15)  # 1–7 Oct off, Sat 10 Oct worked
    assert rows["资格初审"]["起算日"] == datetime(2026, 10, 20)
    assert rows["补正"]["逾期"] == "逾期3个工作日"  # received after the period the notice set


def test_no_dates_downstream_of_a_correction_period_not_yet_set(recalculated):
    rows = _rows(recalculated["pending"]["期限"])
    assert rows["补正"]["截止日"] == "待填写时限"
    for stage in ("资格初审", "资格复核", "综合评议", "结果公示"):
        assert rows[stage]["起算日"] in (None, "") and rows[stage]["截止日"] in (None, ""), stage


def test_stage_after_the_rule_sets_expiry_is_warned(recalculated):
    rows = _rows(recalculated["plain"]["期限"])
    assert "办法有效期" not in rows["资格初审"]["说明"]  # due 2026-06-10: inside
    assert _due(rows, "结果公示") > date(2026, 7, 10)
    assert "办法有效期" in rows["结果公示"]["说明"] and "第十七条" in rows["结果公示"]["说明"]


def test_year_unknown_to_the_calendar_is_said_not_guessed(tmp_path):
    result, images, out = make_case(tmp_path)
    empty = tmp_path / "h.yaml"
    empty.write_text("years: {}\n", encoding="utf-8")
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 12, 28),
                    calendar=load_calendar(empty))
    wb = load_workbook(out / "worksheet.xlsx")
    days = [c.value for c in wb["工作日"]["A"][1:]]
    assert days[-1].date() == date(2026, 12, 31)  # the list stops where the calendar does
    formula = _rows(wb["期限"])["资格初审"]["截止日"]
    assert "缺少2027年节假日安排" in formula
