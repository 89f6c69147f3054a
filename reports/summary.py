"""The batch summary: summary.xlsx for reviewers (one row per dossier) and summary.json.

Two printed sheets, each legible on A4 landscape: 汇总 (who applied, from which 镇（街道）,
members, suspicions, the recommendation and its reason, links to the worksheet and review
page) and 审查结果 (every rule's status, its article in the column head). Each opens with a
title row and a row naming the batch and the as-of date; the column heads repeat on every
printed page.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from reports import atomic, changes
from reports.labels import RECOMMENDATION, RULE_ARTICLE, RULE_IDS, RULE_TOPIC, STATUS
from reports.plain import plain_text
from reports.towns import town_of
from reports.xlsx_style import (AMBER, BOLD, BORDER, GREEN, HEADER, RED, WRAP, add_row, fit_row_heights,
                                print_setup)

TITLE = "佛山市高明区技师工作站认定申报材料机审汇总表"
HEAD_ROW = 3  # title, batch line, column heads
LINK = Font(color="0563C1", underline="single")
# Column widths (units): each sheet stays within xlsx_style.PRINT_BUDGET, so fit-to-width
# prints it at a readable size on A4 landscape.
OVERVIEW = (("卷宗编号", 12), ("申报单位", 24), ("镇（街道）", 9), ("技师人数", 6), ("高级技师人数", 7),
            ("高风险疑点", 6), ("中风险疑点", 6), ("低风险疑点", 6), ("机审建议", 14), ("建议理由", 40),
            ("审查页面", 8))
RULE_WIDTH = 8.5


def summary_row(result: dict) -> dict:
    """The machine-readable summary of one dossier (summary.json entry)."""
    members = result.get("members", [])
    statuses = {c["rule"]: c["status"] for c in result.get("checks", [])}
    sev = [f.get("severity") for f in result.get("flags", [])]
    did = result.get("dossier_id")
    applicant = result.get("applicant") or {}
    return {
        "dossier_id": did,
        "applicant": applicant.get("name"),
        "uscc": applicant.get("uscc"),
        "town": town_of(applicant.get("address")),
        # Distinct people (by ID number where read) at the two levels ART4.1 counts.
        "technicians": len({m.get("id_number") or id(m) for m in members if m.get("level") == "技师"}),
        "senior_technicians": len({m.get("id_number") or id(m) for m in members if m.get("level") == "高级技师"}),
        "checks": {r: statuses.get(r) for r in RULE_IDS},
        "flags": {s: sev.count(s) for s in ("high", "medium", "low")},
        "recommendation": result.get("recommendation"),
        "recommendation_reason": result.get("recommendation_reason"),
        "worksheet": f"{did}/worksheet.xlsx",
        "review_page": f"{did}/{result.get('review_page') or 'review.html'}",
    }


def _title(ws, subtitle: str, width: int) -> None:
    ws.append([TITLE])
    ws.append([subtitle])
    for r, size in ((1, 14), (2, 11)):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(r, 1).font = Font(name="Calibri", size=size, bold=r == 1)
        ws.cell(r, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    ws.row_dimensions[2].height = 18


def _table(ws, headers: list[str], widths: list[float], rows: list[list]) -> None:
    ws.append(headers)
    for cell in ws[HEAD_ROW]:
        cell.font = BOLD
        cell.fill = HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = BORDER
    for values in rows:
        add_row(ws, values)
    for row in ws.iter_rows(min_row=HEAD_ROW + 1, max_row=ws.max_row):
        for cell in row:
            cell.alignment = WRAP
            cell.border = BORDER
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    fit_row_heights(ws, first_row=HEAD_ROW)
    print_setup(ws)
    ws.print_title_rows = f"{HEAD_ROW}:{HEAD_ROW}"
    ws.freeze_panes = ws.cell(HEAD_ROW + 1, 2)  # keep the dossier id visible while scrolling right
    last = max(ws.max_row, HEAD_ROW + 1)
    ws.auto_filter.ref = f"A{HEAD_ROW}:{get_column_letter(len(headers))}{last}"
    ws.print_area = f"A1:{get_column_letter(len(headers))}{last}"


def _colour(ws, col: str, values: dict[str, object]) -> None:
    last = max(ws.max_row, HEAD_ROW + 1)
    for value, fill in values.items():
        ws.conditional_formatting.add(f"{col}{HEAD_ROW + 1}:{col}{last}",
                                      CellIsRule(operator="equal", formula=[f'"{value}"'], fill=fill))


def write_summary(results: list[dict], out_dir: Path, *, batch: str | None = None) -> None:
    out_dir = Path(out_dir)
    rows = [summary_row(r) for r in sorted(results, key=lambda r: str(r.get("dossier_id")))]
    as_of = sorted({r.get("as_of") for r in results if r.get("as_of")})
    changes.annotate_rows(rows, results)  # 补正对比 of correction rounds
    atomic.write_json(out_dir / "summary.json", {"dossiers": rows, "count": len(rows), "batch": batch,
                                                 "as_of": as_of[0] if len(as_of) == 1 else as_of or None})
    subtitle = "　　".join(x for x in (f"批次：{batch}" if batch else "",
                                       f"审查基准日：{'、'.join(as_of) or '未知'}",
                                       f"共{len(rows)}个申报单位") if x)

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    # A 补正对比 column only when the batch holds a correction round; the page link stays last.
    rounds = any(row.get("changes") for row in rows)
    overview = (*OVERVIEW[:-1], *((("补正对比", 24),) if rounds else ()), OVERVIEW[-1])
    _title(ws, subtitle, len(overview))
    _table(ws, [h for h, _ in overview], [w for _, w in overview], [
        [row["dossier_id"], row["applicant"] or "未识别", row["town"], row["technicians"],
         row["senior_technicians"], row["flags"]["high"], row["flags"]["medium"], row["flags"]["low"],
         RECOMMENDATION.get(row["recommendation"], row["recommendation"]),
         plain_text(row["recommendation_reason"]), *((row.get("changes") or "",) if rounds else ()),
         "打开审查页面"] for row in rows])
    for r, row in enumerate(rows, start=HEAD_ROW + 1):
        ws.cell(r, 1).hyperlink = row["worksheet"]  # relative: the batch folder can be moved or zipped
        ws.cell(r, 1).font = LINK
        ws.cell(r, len(overview)).hyperlink = row["review_page"]
        ws.cell(r, len(overview)).font = LINK
    last = max(ws.max_row, HEAD_ROW + 1)
    high = get_column_letter([h for h, _ in overview].index("高风险疑点") + 1)
    ws.conditional_formatting.add(f"{high}{HEAD_ROW + 1}:{high}{last}",
                                  CellIsRule(operator="greaterThan", formula=["0"], fill=RED))
    _colour(ws, get_column_letter([h for h, _ in overview].index("机审建议") + 1),
            {RECOMMENDATION["refer_false_materials"]: RED, RECOMMENDATION["ineligible"]: RED,
             RECOMMENDATION["request_correction"]: AMBER, RECOMMENDATION["proceed"]: GREEN})

    rules = wb.create_sheet("审查结果")
    _title(rules, subtitle, 2 + len(RULE_IDS))
    _table(rules, ["卷宗编号", "申报单位", *[f"{RULE_ARTICLE[r]}\n{RULE_TOPIC[r]}" for r in RULE_IDS]],
           [12, 20, *[RULE_WIDTH] * len(RULE_IDS)],
           [[row["dossier_id"], row["applicant"] or "未识别",
             *[STATUS.get(row["checks"][r], "缺失") for r in RULE_IDS]] for row in rows])
    for col in range(3, 3 + len(RULE_IDS)):
        _colour(rules, get_column_letter(col), {STATUS["fail"]: RED, STATUS["needs_review"]: AMBER,
                                                STATUS["pass"]: GREEN})
    for ws_ in wb.worksheets:
        ws_.oddHeader.center.text = f"{TITLE}（{ws_.title}）"
    with atomic.atomic_path(out_dir / "summary.xlsx") as tmp:
        wb.save(tmp)
