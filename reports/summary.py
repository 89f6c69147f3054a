"""The batch summary: summary.xlsx for reviewers (one row per dossier) and summary.json."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from reports import atomic, changes
from reports.labels import RECOMMENDATION, RULE_IDS, RULE_ARTICLE, STATUS
from reports.xlsx_style import add_row, RED, AMBER, GREEN, finish_sheet, fit_row_heights, write_header
from openpyxl.formatting.rule import CellIsRule


def summary_row(result: dict) -> dict:
    """The machine-readable summary of one dossier (summary.json entry)."""
    members = result.get("members", [])
    statuses = {c["rule"]: c["status"] for c in result.get("checks", [])}
    sev = [f.get("severity") for f in result.get("flags", [])]
    did = result.get("dossier_id")
    return {
        "dossier_id": did,
        "applicant": (result.get("applicant") or {}).get("name"),
        "uscc": (result.get("applicant") or {}).get("uscc"),
        # Distinct people (by ID number where read) at the two levels ART4.1 counts.
        "technicians": len({m.get("id_number") or id(m) for m in members if m.get("level") == "技师"}),
        "senior_technicians": len({m.get("id_number") or id(m) for m in members if m.get("level") == "高级技师"}),
        "checks": {r: statuses.get(r) for r in RULE_IDS},
        "flags": {s: sev.count(s) for s in ("high", "medium", "low")},
        "recommendation": result.get("recommendation"),
        "recommendation_reason": result.get("recommendation_reason"),
        "worksheet": f"{did}/worksheet.xlsx",
        "review_page": f"{did}/review.html",
    }


def write_summary(results: list[dict], out_dir: Path) -> None:
    out_dir = Path(out_dir)
    rows = [summary_row(r) for r in sorted(results, key=lambda r: str(r.get("dossier_id")))]
    changes.annotate_rows(rows, results)  # 补正对比 of correction rounds
    atomic.write_json(out_dir / "summary.json", {"dossiers": rows, "count": len(rows)})

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    rule_headers = [f"{r}\n{RULE_ARTICLE[r]}" for r in RULE_IDS]
    headers = ["卷宗编号", "申报单位", "统一社会信用代码", "技师人数", "高级技师人数", *rule_headers,
               "高风险疑点", "中风险疑点", "低风险疑点", "机审建议", "建议理由", "审查页面"]
    write_header(ws, headers)
    for row in rows:
        add_row(ws, [row["dossier_id"], row["applicant"], row["uscc"], row["technicians"],
                   row["senior_technicians"], *[STATUS.get(row["checks"][r], "缺失") for r in RULE_IDS],
                   row["flags"]["high"], row["flags"]["medium"], row["flags"]["low"],
                   RECOMMENDATION.get(row["recommendation"], row["recommendation"]),
                   row["recommendation_reason"], "打开审查页面"])
        r = ws.max_row
        link = ws.cell(r, 1)
        link.hyperlink = row["worksheet"]  # relative: the batch folder can be moved or zipped
        link.font = Font(color="0563C1", underline="single")
        page = ws.cell(r, len(headers))
        page.hyperlink = row["review_page"]
        page.font = Font(color="0563C1", underline="single")
    first_rule = get_column_letter(6)
    last_rule = get_column_letter(5 + len(RULE_IDS))
    high = get_column_letter(6 + len(RULE_IDS))
    changes.add_summary_column(ws, rows)
    finish_sheet(ws, reviewer=False, hide_keys=False, min_widths={h: 8 for h in rule_headers})
    for col in range(6, 6 + len(RULE_IDS)):  # rule ids are short; status words wrap
        ws.column_dimensions[get_column_letter(col)].width = 10
    fit_row_heights(ws)  # again: the widths just changed
    last = max(ws.max_row, 2)
    rng = f"{first_rule}2:{last_rule}{last}"
    ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["fail"]}"'], fill=RED))
    ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["needs_review"]}"'], fill=AMBER))
    ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["pass"]}"'], fill=GREEN))
    ws.conditional_formatting.add(f"{high}2:{high}{last}", CellIsRule(operator="greaterThan", formula=["0"], fill=RED))
    rec_col = get_column_letter(9 + len(RULE_IDS))
    for code, fill in (("refer_false_materials", RED), ("ineligible", RED), ("request_correction", AMBER), ("proceed", GREEN)):
        ws.conditional_formatting.add(f"{rec_col}2:{rec_col}{last}",
                                      CellIsRule(operator="equal", formula=[f'"{RECOMMENDATION[code]}"'], fill=fill))
    ws.freeze_panes = "B2"  # keep the dossier id visible while scrolling right
    with atomic.atomic_path(out_dir / "summary.xlsx") as tmp:
        wb.save(tmp)
