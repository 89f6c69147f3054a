"""Working-day deadlines of the Art. 6 review stages (第六条).

Working days follow the State Council holiday calendar with make-up days (调休).
`chinese_calendar` knows 2004–2026; the bureau extends later years in
`reports/data/holidays.yaml`. A year known to neither is never guessed by counting
weekends only: the deadline is reported unknown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import yaml

from reports.labels import STAGES

HOLIDAYS_FILE = Path(__file__).with_name("data") / "holidays.yaml"


class UnknownYear(Exception):
    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


@dataclass(frozen=True)
class Calendar:
    """Bureau-supplied years (holidays, make-up workdays); they win over chinese_calendar."""

    years: dict[int, tuple[frozenset[date], frozenset[date]]]

    def is_workday(self, day: date) -> bool:
        if day.year in self.years:
            holidays, workdays = self.years[day.year]
            if day in workdays:
                return True
            if day in holidays:
                return False
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise UnknownYear(day.year) from None


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def load_calendar(path: Path | None = None) -> Calendar:
    path = Path(path) if path is not None else HOLIDAYS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
    for year, spec in ((data or {}).get("years") or {}).items():
        spec = spec or {}
        years[int(year)] = (
            frozenset(_as_date(d) for d in spec.get("holidays") or []),
            frozenset(_as_date(d) for d in spec.get("workdays") or []),
        )
    return Calendar(years)


def add_working_days(start: date, n: int, cal: Calendar) -> date:
    """The n-th working day after `start` (the start day itself is not counted,
    as a time limit runs from the day after receipt). Raises UnknownYear."""
    day, left = start, n
    while left > 0:
        day += timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    return day


def unknown_text(year: int) -> str:
    return f"未知（缺少{year}年节假日安排）"


def stage_deadlines(intake: date, cal: Calendar | None = None) -> list[dict]:
    """Chained due dates: each stage starts the day after the previous one is due.

    Each entry: stage, working_days, start (ISO or None), due (ISO or None), due_text
    (what the worksheet shows), unknown_year (int or None).
    """
    cal = cal or load_calendar()
    out: list[dict] = []
    start: date | None = intake
    missing: int | None = None
    for stage, n in STAGES:
        due = None
        if start is not None:
            try:
                due = add_working_days(start, n, cal)
            except UnknownYear as e:
                missing = e.year
        text = due.isoformat() if due else unknown_text(missing)  # type: ignore[arg-type]
        out.append({
            "stage": stage, "working_days": n,
            "start": start.isoformat() if start else None,
            "due": due.isoformat() if due else None,
            "due_text": text,
            "unknown_year": None if due else missing,
        })
        start = due
    return out


def working_days(first: date, last: date, cal: Calendar | None = None) -> tuple[list[date], int | None]:
    """Every working day from `first` to `last` (inclusive), stopping before the first year
    the calendar does not know; that year is returned too (None when all were known). The
    worksheet's formulas count in this list, so make-up Saturdays count as in the Python
    arithmetic above — NETWORKDAYS with a holiday list alone would miss them."""
    cal = cal or load_calendar()
    out: list[date] = []
    day = first
    while day <= last:
        try:
            if cal.is_workday(day):
                out.append(day)
        except UnknownYear as e:
            return out, e.year
        day += timedelta(days=1)
    return out, None
