"""Reviewers' decisions read back from the filled-in worksheets into one ledger
(`dossier-screen decisions OUT_DIR` -> decisions.csv + decisions.json).

Worksheets are opened read-only and never saved. Columns are found by their header
names (卷宗编号 / 阶段 / 规则 / 审查项目 / 结论 / 意见 / 审核人 / 日期), so a reviewer
who inserts or moves columns does not break the read-back.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reports import atomic
from reports.labels import DECISIONS

FIELDS = ("dossier_id", "sheet", "stage", "rule", "item", "decision", "opinion", "reviewer", "date", "cell")
HEADERS = {"卷宗编号": "dossier_id", "阶段": "stage", "规则": "rule", "审查项目": "item",
           "结论": "decision", "意见": "opinion", "审核人": "reviewer", "日期": "date"}
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _parse_date(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    m = _DATE_RE.match(_text(v))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _read_workbook(path: Path, folder_id: str) -> tuple[list[dict], list[str]]:
    rows: list[dict] = []
    errors: list[str] = []
    where = f"{folder_id}/worksheet.xlsx"
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # a reviewer may have saved something Excel-incompatible
        return [], [f"{where}：无法打开工作簿（{type(e).__name__}）"]
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if not header:
                continue
            cols = {HEADERS[_text(h)]: i for i, h in enumerate(header) if _text(h) in HEADERS}
            if "decision" not in cols:
                continue
            for r, values in enumerate(it, start=2):
                def get(key):
                    i = cols.get(key)
                    return values[i] if i is not None and i < len(values) else None

                def cell(key):
                    return f"{get_column_letter(cols[key] + 1)}{r}" if key in cols else "?"

                decision = _text(get("decision"))
                if not decision:
                    continue
                here = f"{where} 工作表“{ws.title}”"
                bad = False
                if decision not in DECISIONS:
                    errors.append(f"{here}单元格{cell('decision')}：结论“{decision}”无效，"
                                  f"只能填写{'、'.join(DECISIONS)}之一")
                    bad = True
                reviewer = _text(get("reviewer"))
                if not reviewer:
                    errors.append(f"{here}单元格{cell('reviewer')}：已填写结论但未填写审核人")
                    bad = True
                raw_date = get("date")
                day = _parse_date(raw_date)
                if _text(raw_date) and day is None:
                    errors.append(f"{here}单元格{cell('date')}：日期“{_text(raw_date)}”不是有效日期，"
                                  f"请按 2026-05-20 的格式填写")
                    bad = True
                if bad:
                    continue
                rows.append({
                    "dossier_id": _text(get("dossier_id")) or folder_id, "sheet": ws.title,
                    "stage": _text(get("stage")) or ws.title, "rule": _text(get("rule")),
                    "item": _text(get("item")), "decision": decision, "opinion": _text(get("opinion")),
                    "reviewer": reviewer, "date": day.isoformat() if day else None,
                    "cell": cell("decision"),
                })
    finally:
        wb.close()  # read-only workbooks keep the file open until closed
    return rows, errors


def read_decisions(out_dir: Path) -> tuple[list[dict], list[str]]:
    """Every filled-in 结论 of every `<id>/worksheet.xlsx` under `out_dir`, and the
    refused entries as Chinese messages naming file, sheet and cell."""
    out_dir = Path(out_dir)
    decisions: list[dict] = []
    errors: list[str] = []
    for sub in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        wbp = sub / "worksheet.xlsx"
        if not wbp.is_file() or ".tmp-" in sub.name or sub.name.endswith(".old"):
            continue
        rows, errs = _read_workbook(wbp, sub.name)
        decisions += rows
        errors += errs
    return decisions, errors


def write_ledger(out_dir: Path) -> tuple[list[dict], list[str]]:
    """Write decisions.csv (UTF-8 with BOM, so Excel shows the Chinese) and decisions.json.
    Returns what read_decisions returned, for the CLI to report."""
    out_dir = Path(out_dir)
    decisions, errors = read_decisions(out_dir)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for d in decisions:
        writer.writerow({k: ("" if d.get(k) is None else d[k]) for k in FIELDS})
    atomic.write_bytes(out_dir / "decisions.csv", buf.getvalue().encode("utf-8-sig"))
    atomic.write_json(out_dir / "decisions.json", {"decisions": decisions, "errors": errors})
    return decisions, errors
