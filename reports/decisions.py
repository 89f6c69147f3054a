"""Reviewers' decisions read back from the filled-in worksheets into one ledger
(`dossier-screen decisions OUT_DIR` -> decisions.csv + decisions.json).

Worksheets are opened read-only and never saved. Columns are found by their header
names (卷宗编号 / 阶段 / 规则 / 审查项目 / 结论 / 意见 / 审核人 / 日期 / 评分 / 行类型), so a
reviewer who inserts or moves columns does not break the read-back.

One record per filled-in conclusion, `kind` saying what was concluded:
- `item`: one reviewed item, in the sheet's item vocabulary (reports/data/conclusions.yaml);
- `stage`: the sheet's stage conclusion (第六条's words), signed by the handler (经办人, the
  `reviewer` of that row, also in `handler`) and approved by the head of office (`approver`,
  `approver_opinion`, `approver_date`, from the row below it);
- `completion`: a stage's actual completion date entered on the 期限 sheet (`date`).
`read_decisions` returns these as plain dicts (FIELDS), for the ledger files and for any
store that keeps them.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reports import atomic
from reports.labels import LEGACY_DECISIONS, conclusions
from reports.xlsx_style import APPROVER_ROW, ITEM, KIND_COLUMN, STAGE_ROW

FIELDS = ("dossier_id", "sheet", "stage", "rule", "item", "decision", "opinion", "reviewer", "date", "cell",
          "kind", "score", "handler", "approver", "approver_opinion", "approver_date")
HEADERS = {"卷宗编号": "dossier_id", "阶段": "stage", "规则": "rule", "审查项目": "item", "疑点类型": "item",
           "结论": "decision", "意见": "opinion", "审核人": "reviewer", "日期": "date", "评分": "score",
           KIND_COLUMN: "kind", "实际完成日": "completed"}
KINDS = {ITEM: "item", STAGE_ROW: "stage", APPROVER_ROW: "approver"}
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


def _score(v):
    if v is None or _text(v) == "":
        return None
    try:
        score = float(v)
    except (TypeError, ValueError):
        return _text(v)
    return int(score) if score.is_integer() else score  # 85, as the expert wrote it, not 85.0


def _read_sheet(ws, where: str, folder_id: str, rows: list[dict], errors: list[str]) -> None:
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if not header:
        return
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        if _text(h) in HEADERS:
            cols.setdefault(HEADERS[_text(h)], i)
    here = f"{where} 工作表“{ws.title}”"
    vocab = conclusions(ws.title)
    stage_record: dict | None = None
    for r, values in enumerate(it, start=2):
        def get(key):
            i = cols.get(key)
            return values[i] if i is not None and i < len(values) else None

        def cell(key):
            return f"{get_column_letter(cols[key] + 1)}{r}" if key in cols else "?"

        base = {"dossier_id": _text(get("dossier_id")) or folder_id, "sheet": ws.title,
                "stage": _text(get("stage")) or ws.title, "rule": _text(get("rule")), "item": _text(get("item"))}
        if "decision" not in cols:
            day = _parse_date(get("completed")) if "completed" in cols else None
            if day and base["stage"] != "受理":  # the intake date is the machine's, not a clerk's entry
                rows.append({**base, "kind": "completion", "decision": "", "date": day.isoformat(),
                             "cell": cell("completed")})
            continue
        # Workbooks written before rows had kinds: every row is an item, one vocabulary.
        kind = KINDS.get(_text(get("kind")), "item" if "kind" not in cols else None)
        decision, reviewer = _text(get("decision")), _text(get("reviewer"))
        raw_date = get("date")
        day = _parse_date(raw_date)
        if kind == "approver":
            if not (reviewer or _text(get("opinion")) or _text(raw_date)):
                continue
            if stage_record is None:
                errors.append(f"{here}第{r}行：负责人已签署，但上一行的阶段结论未填写或无效")
            elif _text(raw_date) and day is None:
                errors.append(f"{here}单元格{cell('date')}：日期“{_text(raw_date)}”不是有效日期，"
                              f"请按 2026-05-20 的格式填写")
            elif not reviewer:
                errors.append(f"{here}单元格{cell('reviewer')}：负责人意见已填写但未签名")
            else:
                stage_record.update(approver=reviewer, approver_opinion=_text(get("opinion")),
                                    approver_date=day.isoformat() if day else None)
            continue
        stage_record = None
        if not decision:
            continue
        if kind is None:
            errors.append(f"{here}单元格{cell('decision')}：该行不是审查项目，不应填写结论“{decision}”")
            continue
        allowed = (vocab["stage"] if kind == "stage" else vocab["items"]) if "kind" in cols else list(LEGACY_DECISIONS)
        bad = False
        if decision not in allowed:
            errors.append(f"{here}单元格{cell('decision')}：结论“{decision}”无效，"
                          f"只能填写{'、'.join(allowed)}之一")
            bad = True
        if not reviewer:
            who = "经办人" if kind == "stage" else "审核人"
            errors.append(f"{here}单元格{cell('reviewer')}：已填写结论但未填写{who}")
            bad = True
        if _text(raw_date) and day is None:
            errors.append(f"{here}单元格{cell('date')}：日期“{_text(raw_date)}”不是有效日期，"
                          f"请按 2026-05-20 的格式填写")
            bad = True
        if bad:
            continue
        record = {**base, "decision": decision, "opinion": _text(get("opinion")), "reviewer": reviewer,
                  "date": day.isoformat() if day else None, "cell": cell("decision"), "kind": kind,
                  "score": _score(get("score"))}
        if kind == "stage":
            record.update(handler=reviewer, approver=None, approver_opinion=None, approver_date=None)
            stage_record = record
        rows.append(record)


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
            if ws.sheet_state != "visible":
                continue
            _read_sheet(ws, where, folder_id, rows, errors)
    finally:
        wb.close()  # read-only workbooks keep the file open until closed
    return [{k: d.get(k) for k in FIELDS} for d in rows], errors


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


def ledger_table(decisions: list[dict]):
    """The decisions as a table, one column per FIELDS entry in that order; values as read
    (object columns: a score stays 85, not 85.0; an absent value is an empty cell)."""
    import pandas as pd

    return pd.DataFrame([[d.get(k) for k in FIELDS] for d in decisions], columns=list(FIELDS), dtype=object)


def write_ledger(out_dir: Path) -> tuple[list[dict], list[str]]:
    """Write decisions.csv (UTF-8 with BOM, so Excel shows the Chinese) and decisions.json.
    Returns what read_decisions returned, for the CLI to report."""
    out_dir = Path(out_dir)
    decisions, errors = read_decisions(out_dir)
    atomic.write_bytes(out_dir / "decisions.csv", ledger_table(decisions).to_csv(
        index=False, lineterminator="\r\n").encode("utf-8-sig"))
    atomic.write_json(out_dir / "decisions.json", {"decisions": decisions, "errors": errors})
    return decisions, errors
