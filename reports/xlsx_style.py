"""Shared sheet styling for the reviewer workbooks: widths, colours, print setup, reviewer columns."""
from __future__ import annotations

import unicodedata

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reports.labels import DECISIONS, SEVERITY, STATUS

REVIEWER_COLUMNS = ("结论", "意见", "审核人", "日期")
KEY_COLUMNS = ("卷宗编号", "阶段", "规则")

RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
AMBER = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
GREEN = PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")
GREY = PatternFill("solid", start_color="EDEDED", end_color="EDEDED")
HEADER = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
INPUT = PatternFill("solid", start_color="FFFDE7", end_color="FFFDE7")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 36
# Short status words wrap rather than widen the sheet (A4 landscape, fit to width).
NARROW = {"机审结果": 14, "严重程度": 8, "卷宗编号": 14, "阶段": 10, "规则": 8,
          # The member table's cells hold a value and its file/page: they wrap onto a second
          # line rather than make the printed page too wide to read (A4 landscape).
          "姓名": 16, "身份证号（脱敏）": 22, "等级": 14, "证书编号": 22, "发证日期": 16, "合同期限": 18,
          "依据位置": 22, "说明": 32}
# Extra blank rows that keep the drop-down for rows a reviewer adds.
SPARE_ROWS = 50


def display_width(text: object) -> int:
    """Width in Excel character units: wide (CJK) characters count double."""
    best = 0
    for line in str(text if text is not None else "").split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        best = max(best, w)
    return best


def clean(value):
    """OCR text may carry control characters openpyxl refuses, and a cell holds at most
    32,767 characters: strip the one, cut the other (with a visible mark)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > 32000:
            value = value[:32000] + "……（已截断）"
    return value


def add_row(ws: Worksheet, values: list) -> None:
    ws.append([clean(v) for v in values])


def write_header(ws: Worksheet, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = BORDER


def col_index(ws: Worksheet, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def finish_sheet(ws: Worksheet, *, status_col: str | None = None, severity_col: str | None = None,
                 min_widths: dict[str, int] | None = None, reviewer: bool = True,
                 hide_keys: bool = True) -> None:
    """Borders, wrap, widths, frozen header, colours, reviewer drop-down, print setup."""
    last_row = max(ws.max_row, 2)
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in row:
            cell.alignment = WRAP
            cell.border = BORDER
    # Widths fit the longest line (CJK double), capped so long details wrap instead.
    for idx, header in enumerate(headers, start=1):
        letter = get_column_letter(idx)
        widest = max([display_width(header)] + [display_width(c.value) for c in ws[letter][1:]])
        width = min(NARROW.get(header, MAX_WIDTH), widest + 2)
        width = max(width, (min_widths or {}).get(header, 6))
        ws.column_dimensions[letter].width = width
    # Dossier id and stage are the same on every row of a sheet: hidden from print and
    # screen, kept for reports.decisions (the header names them).
    for name in ("卷宗编号", "阶段") if hide_keys else ():
        if name in headers:
            ws.column_dimensions[get_column_letter(headers.index(name) + 1)].hidden = True
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"

    if status_col:
        rng = f"{status_col}2:{status_col}{last_row}"
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["fail"]}"'], fill=RED))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["needs_review"]}"'], fill=AMBER))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["pass"]}"'], fill=GREEN))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{STATUS["not_applicable"]}"'], fill=GREY))
    if severity_col:
        rng = f"{severity_col}2:{severity_col}{last_row}"
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{SEVERITY["high"]}"'], fill=RED))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{SEVERITY["medium"]}"'], fill=AMBER))

    if reviewer:
        add_reviewer_inputs(ws, last_row + SPARE_ROWS)
    print_setup(ws)


def add_reviewer_inputs(ws: Worksheet, until_row: int) -> None:
    dec = get_column_letter(col_index(ws, "结论"))
    day = get_column_letter(col_index(ws, "日期"))
    dv = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="结论无效",
                        error="请从下拉列表选择：" + "、".join(DECISIONS),
                        showInputMessage=True, promptTitle="审核结论", prompt="请选择：" + "/".join(DECISIONS))
    dv.add(f"{dec}2:{dec}{until_row}")
    ws.add_data_validation(dv)
    dv_date = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                             showErrorMessage=True, errorTitle="日期无效",
                             error="请填写日期，例如 2026-05-20")
    dv_date.add(f"{day}2:{day}{until_row}")
    ws.add_data_validation(dv_date)
    # Only existing rows are styled: touching spare rows would create empty rows that
    # readers (and ws.max_row) then see as data.
    for name in REVIEWER_COLUMNS:
        letter = get_column_letter(col_index(ws, name))
        for r in range(2, ws.max_row + 1):
            ws[f"{letter}{r}"].fill = INPUT
            if name == "日期":
                ws[f"{letter}{r}"].number_format = "yyyy-mm-dd"
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 {"结论": 10, "意见": 24, "审核人": 10, "日期": 12}[name])


def print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
