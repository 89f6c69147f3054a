"""Art. 6 stage deadlines in working days (第六条), with holidays and make-up days."""
from __future__ import annotations

from datetime import date

from reports.deadlines import add_working_days, load_calendar, stage_deadlines


def test_national_day_2026_and_make_up_saturday():
    cal = load_calendar()
    # Intake Fri 2026-09-25: 28, 29, 30 Sep; 1–7 Oct holiday; 8, 9 Oct; Sat 10 Oct is a make-up
    # working day; Mon 12 Oct is the 7th. Counting weekends only would give 2026-10-06.
    rows = stage_deadlines(date(2026, 9, 25), cal)
    assert [r["due"] for r in rows] == ["2026-10-12", "2026-10-21", "2026-11-11", "2026-11-18"]
    assert rows[1]["start"] == "2026-10-12"  # chained: the next stage runs from the previous due date
    assert add_working_days(date(2026, 10, 9), 1, cal) == date(2026, 10, 10)


def test_year_unknown_to_everyone_is_reported_unknown_never_guessed(tmp_path):
    empty = tmp_path / "holidays.yaml"
    empty.write_text("years: {}\n", encoding="utf-8")
    rows = stage_deadlines(date(2026, 12, 10), load_calendar(empty))
    assert rows[0]["due"] == "2026-12-21"
    assert rows[1]["due"] == "2026-12-30"
    assert rows[2]["due"] is None and rows[2]["due_text"] == "未知（缺少2027年节假日安排）"
    assert rows[3]["due_text"] == "未知（缺少2027年节假日安排）" and rows[3]["start"] is None


def test_bureau_holiday_file_covers_2027(tmp_path):
    f = tmp_path / "holidays.yaml"
    f.write_text("years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-09]\n", encoding="utf-8")
    cal = load_calendar(f)
    # Thu 2026-12-31 +1: Fri 2027-01-01 is a holiday, so Mon 2027-01-04.
    assert add_working_days(date(2026, 12, 31), 1, cal) == date(2027, 1, 4)
    # Sat 2027-01-09 is declared a make-up working day.
    assert add_working_days(date(2027, 1, 8), 1, cal) == date(2027, 1, 9)
    assert stage_deadlines(date(2027, 3, 1), cal)[0]["due"] == "2027-03-10"


def test_shipped_holiday_file_loads():
    load_calendar()  # the bureau edits it by hand: it must stay valid YAML
