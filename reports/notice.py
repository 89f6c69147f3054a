"""The public notice of 第六条第（四）项: the list of units proposed for recognition after
综合评议 (Word and Excel), the notice period of 5 working days, and the objection log a
clerk fills in during the notice and the case store reads back.

Wording follows the measures' own text (第六条第（四）项, /shared/policy/measures-zh.txt); no
contact details or dates are invented: the period is counted from the publication date given.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from reports import atomic
from reports.deadlines import Calendar, UnknownYear, add_working_days, load_calendar, unknown_text

NOTICE_WORKING_DAYS = 5  # 第六条第（四）项：公示期为5个工作日
MEASURES = "《佛山市高明区人力资源和社会保障局技师工作站认定管理办法》"
LIST_COLUMNS = ["序号", "单位名称", "统一社会信用代码", "卷宗编号"]
OBJECTION_COLUMNS = ["序号", "卷宗编号", "单位名称", "收到日期", "异议人", "异议内容", "调查结论", "经办人", "办结日期"]
FINDINGS = ("异议成立", "异议不成立", "调查中")
OBJECTION_FIELDS = {"卷宗编号": "dossier_id", "单位名称": "unit_name", "收到日期": "received", "异议人": "objector",
                    "异议内容": "content", "调查结论": "finding", "经办人": "handled_by", "办结日期": "handled_on"}


def notice_period(published: date, cal: Calendar | None = None) -> dict:
    """First and last day of the 5-working-day notice: it starts on the publication day (or
    the next working day) and its last day is the fifth working day. A year the holiday
    calendar does not know is reported unknown, never guessed."""
    cal = cal or load_calendar()
    try:
        start = published
        while not cal.is_workday(start):
            start += timedelta(days=1)
        end = add_working_days(start, NOTICE_WORKING_DAYS - 1, cal)
    except UnknownYear as e:
        return {"start": None, "end": None, "start_text": unknown_text(e.year), "end_text": unknown_text(e.year),
                "working_days": NOTICE_WORKING_DAYS}
    return {"start": start.isoformat(), "end": end.isoformat(), "start_text": _cn(start), "end_text": _cn(end),
            "working_days": NOTICE_WORKING_DAYS}


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def notice_table(units: list[dict]) -> pd.DataFrame:
    """The 拟认定名单: one row per unit ({unit_name, uscc, dossier_id}), by unit name."""
    df = pd.DataFrame(units, columns=["unit_name", "uscc", "dossier_id"]).fillna("")
    df = df.sort_values(["unit_name", "dossier_id"]).drop_duplicates(subset=["uscc", "unit_name"]).reset_index(drop=True)
    df.insert(0, "序号", range(1, len(df) + 1))
    return df.rename(columns={"unit_name": "单位名称", "uscc": "统一社会信用代码", "dossier_id": "卷宗编号"})[LIST_COLUMNS]


def title(year: int) -> str:
    return f"{year}年拟设立技师工作站名单公示"


def body(period: dict) -> str:
    return (f"根据{MEASURES}第六条第（四）项，现将拟设立技师工作站的名单予以公示，公示期为{NOTICE_WORKING_DAYS}个工作日"
            f"（{period['start_text']}至{period['end_text']}）。如公示期间对名单有异议，由区人力资源社会保障局负责调查核实并处理，"
            f"经调查异议成立且确认不符合条件的，由区人力资源社会保障局撤消其资格。")


def write_notice(units: list[dict], year: int, published: date, out_dir: Path, cal: Calendar | None = None) -> dict:
    """拟认定名单.docx / .xlsx and 公示异议登记表.xlsx in `out_dir`; returns the period."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    period = notice_period(published, cal)
    table = notice_table(units)
    _write_docx(table, year, period, out_dir / "拟认定名单.docx")
    _write_xlsx(table, year, period, out_dir / "拟认定名单.xlsx")
    write_objection_log(table, year, period, out_dir / "公示异议登记表.xlsx")
    return period


def _write_docx(table: pd.DataFrame, year: int, period: dict, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    style.font.size = Pt(12)
    h = doc.add_paragraph()
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = h.add_run(title(year))
    run.bold = True
    run.font.size = Pt(18)
    doc.add_paragraph(body(period)).paragraph_format.first_line_indent = Pt(24)
    t = doc.add_table(rows=1, cols=len(LIST_COLUMNS) - 1)
    t.style = "Table Grid"
    shown = LIST_COLUMNS[:-1]  # the dossier id is the bureau's, not for the public
    for i, c in enumerate(shown):
        t.rows[0].cells[i].text = c
    for _, row in table.iterrows():
        cells = t.add_row().cells
        for i, c in enumerate(shown):
            cells[i].text = str(row[c])
    t.autofit = False
    widths = (Cm(1.6), Cm(9.4), Cm(5.4))  # a unit's name on one line, the code beside it
    for col, width in zip(t.columns, widths):
        col.width = width
    for row in t.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    if table.empty:
        doc.add_paragraph("（本年度无拟认定单位）")
    doc.add_paragraph(f"公示期：{period['start_text']}至{period['end_text']}（{NOTICE_WORKING_DAYS}个工作日）")
    with atomic.atomic_path(path) as tmp:
        doc.save(tmp)


def _write_xlsx(table: pd.DataFrame, year: int, period: dict, path: Path) -> None:
    from openpyxl import Workbook

    from reports.xlsx_style import add_row, finish_sheet, write_header

    wb = Workbook()
    ws = wb.active
    ws.title = "拟认定名单"
    write_header(ws, LIST_COLUMNS + ["公示开始", "公示结束"])
    for _, row in table.iterrows():
        add_row(ws, [*(row[c] for c in LIST_COLUMNS), period["start_text"], period["end_text"]])
    finish_sheet(ws, reviewer=False, hide_keys=False)
    ws.oddHeader.center.text = title(year)
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)


def write_objection_log(table: pd.DataFrame, year: int, period: dict, path: Path) -> None:
    """An empty log with the units of the notice in a drop-down; the clerk adds a row per
    objection and the store reads it back (read_objections)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    from reports.xlsx_style import INPUT, finish_sheet, write_header

    wb = Workbook()
    ws = wb.active
    ws.title = "异议登记"
    write_header(ws, OBJECTION_COLUMNS)
    rows = 50
    for r in range(2, rows + 2):
        ws.cell(r, 1, r - 1)
        for c in range(2, len(OBJECTION_COLUMNS) + 1):
            ws.cell(r, c).fill = INPUT
    units = wb.create_sheet("公示单位")
    units.append(["卷宗编号", "单位名称", "公示开始", "公示结束"])
    for _, row in table.iterrows():
        units.append([row["卷宗编号"], row["单位名称"], period["start_text"], period["end_text"]])
    n = max(len(table) + 1, 2)
    col = {h: chr(ord("A") + i) for i, h in enumerate(OBJECTION_COLUMNS)}
    for header, formula in (("卷宗编号", f"=公示单位!$A$2:$A${n}"), ("单位名称", f"=公示单位!$B$2:$B${n}"),
                            ("调查结论", '"' + ",".join(FINDINGS) + '"')):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.add(f"{col[header]}2:{col[header]}{rows + 1}")
        ws.add_data_validation(dv)
    for header in ("收到日期", "办结日期"):
        for r in range(2, rows + 2):
            ws[f"{col[header]}{r}"].number_format = "yyyy-mm-dd"
    finish_sheet(ws, reviewer=False, hide_keys=False, min_widths={"异议内容": 30, "异议人": 12})
    ws.oddHeader.center.text = f"{year}年技师工作站公示异议登记表"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)


def _day(v) -> tuple[str | None, bool]:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT or str(v).strip() == "":
        return None, True
    if isinstance(v, (datetime, pd.Timestamp)):
        return v.date().isoformat(), True
    if isinstance(v, date):
        return v.isoformat(), True
    from reports.decisions import _parse_date

    d = _parse_date(v)
    return (d.isoformat(), True) if d else (None, False)


def read_objections(path: Path) -> tuple[list[dict], list[str]]:
    """The filled-in rows of an objection log, and refused rows named by their row number."""
    path = Path(path)
    try:
        df = pd.read_excel(path, sheet_name="异议登记", dtype=object)
    except Exception as exc:  # not a workbook, no such sheet
        return [], [f"{path.name}：无法读取“异议登记”工作表（{type(exc).__name__}）"]
    missing = [c for c in OBJECTION_FIELDS if c not in df.columns]
    if missing:
        return [], [f"{path.name}：缺少列：{'、'.join(missing)}"]
    rows, errors = [], []
    for i, rec in df.iterrows():
        excel_row = int(i) + 2
        vals = {k: rec[c] for c, k in OBJECTION_FIELDS.items()}
        text = {k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()) for k, v in vals.items()}
        if not any(text[k] for k in ("dossier_id", "unit_name", "content", "objector")):
            continue
        problems = []
        if not (text["dossier_id"] or text["unit_name"]):
            problems.append("未填写卷宗编号或单位名称")
        if text["finding"] and text["finding"] not in FINDINGS:
            problems.append(f"调查结论“{text['finding']}”应为{'、'.join(FINDINGS)}之一")
        out = {k: (text[k] or None) for k in ("dossier_id", "unit_name", "objector", "content", "finding", "handled_by")}
        for k in ("received", "handled_on"):
            out[k], ok = _day(vals[k])
            if not ok:
                problems.append(f"{k == 'received' and '收到日期' or '办结日期'}“{text[k]}”不是有效日期")
        if problems:
            errors.append(f"{path.name} 第{excel_row}行：" + "；".join(problems))
            continue
        rows.append(out)
    return rows, errors


def registry_frame(rows: list[dict]) -> pd.DataFrame:
    """The store's registry rows as a table for export (member numbers masked)."""
    return pd.DataFrame(rows, columns=["unit_name", "uscc", "programme", "year", "members_masked", "source"]).rename(columns={
        "unit_name": "单位名称", "uscc": "统一社会信用代码", "programme": "项目类型", "year": "年度",
        "members_masked": "成员身份证号码（脱敏）", "source": "来源"})
