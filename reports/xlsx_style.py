"""Shared sheet styling for the reviewer workbooks: widths, colours, print setup, reviewer columns."""
from __future__ import annotations

import inspect
import math
import re
import unicodedata

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reports.labels import SEVERITY, STATUS, conclusions

REVIEWER_COLUMNS = ("结论", "意见", "审核人", "日期")
KEY_COLUMNS = ("卷宗编号", "阶段", "规则")
# Hidden last column: what each row is, so that drop-downs go only where a reviewer decides
# something and reports.decisions knows an item's conclusion from the stage's.
KIND_COLUMN = "行类型"
ITEM, STAGE_ROW, APPROVER_ROW, TITLE_ROW, CONT_ROW, DETAIL_ROW = "审查项", "阶段结论", "负责人审核", "标题", "续行", "明细"
INPUT_KINDS = (ITEM, STAGE_ROW, APPROVER_ROW)

RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
AMBER = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
GREEN = PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")
GREY = PatternFill("solid", start_color="EDEDED", end_color="EDEDED")
HEADER = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
INPUT = PatternFill("solid", start_color="FFFDE7", end_color="FFFDE7")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEAD_ALIGN = Alignment(wrap_text=True, vertical="center")
# The workbook's default font, bold. Font(bold=True) alone has no name, and LibreOffice then
# prints Latin text in a serif fallback.
BOLD = Font(name="Calibri", size=11, bold=True)
MAX_WIDTH = 36
# Short status words wrap rather than widen the sheet (A4 landscape, fit to width).
NARROW = {"机审结果": 14, "严重程度": 8, "卷宗编号": 14, "阶段": 10, "规则": 8,
          # The member table's cells hold a value and its file/page: they wrap onto a second
          # line rather than make the printed page too wide to read (A4 landscape).
          "姓名": 16, "身份证号（脱敏）": 22, "等级": 14, "证书编号": 22, "发证日期": 16, "合同期限": 18,
          "依据位置": 22, "说明": 32}
# Reviewer columns: wide enough for 需补正, a short opinion line, a name and 2026-05-20.
REVIEWER_WIDTHS = {"结论": 8, "意见": 14, "审核人": 7, "日期": 11}
# A4 landscape holds about 114 column units at 100 % in LibreOffice (a unit is ~7 pt there;
# Excel's unit is smaller, so Excel prints the same sheet larger). Sheets are laid out to
# stay within PRINT_BUDGET units so fit-to-width keeps 11-pt text at >= 8 pt on paper.
PRINT_BUDGET = 148
# One wrapped line of 11-pt text: CJK fonts (Noto Sans CJK, 等线, 宋体) need ~16 pt.
LINE_PT = 16.0
MAX_ROW_PT = 409.0  # Excel's limit


def display_width(text: object) -> int:
    """Width in Excel character units: wide (CJK) characters count double."""
    best = 0
    for line in str(text if text is not None else "").split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        best = max(best, w)
    return best


def _text_units(line: str) -> float:
    """Printed width of one line in column units. A CJK glyph at 11 pt is ~2.1 units in
    Excel (~1.6 in LibreOffice): take the larger so row heights never cut text off."""
    return sum(2.1 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in line)


def wrapped_lines(text: object, width: float) -> int:
    """How many lines a wrapped cell of `width` units shows `text` in."""
    usable = max(1.0, width - 1.5)  # cell padding
    return sum(max(1, math.ceil(_text_units(line) / usable - 1e-9))
               for line in str(text if text is not None else "").split("\n"))


def fit_row_heights(ws: Worksheet, first_row: int = 1) -> None:
    """Set each row tall enough for its wrapped text. LibreOffice does not grow rows of an
    openpyxl workbook on opening, so without this wrapped text is cut off in print. Rows
    already taller (e.g. for an embedded picture) keep their height."""
    widths = {idx: ws.column_dimensions[get_column_letter(idx)].width or 8.43
              for idx in range(1, ws.max_column + 1)}
    merged = {}
    covered = set()
    for rng in ws.merged_cells.ranges:
        merged[(rng.min_row, rng.min_col)] = sum(widths[c] for c in range(rng.min_col, rng.max_col + 1))
        covered |= {(r, c) for r in range(rng.min_row, rng.max_row + 1)
                    for c in range(rng.min_col, rng.max_col + 1)} - {(rng.min_row, rng.min_col)}
    for row in ws.iter_rows(min_row=first_row, max_row=ws.max_row):
        lines = 1
        for cell in row:
            key = (cell.row, cell.column)
            if cell.value in (None, "") or key in covered or ws.column_dimensions[cell.column_letter].hidden:
                continue
            lines = max(lines, wrapped_lines(cell.value, merged.get(key, widths[cell.column])))
        r = row[0].row
        need = min(MAX_ROW_PT, lines * LINE_PT + 3)
        if need > (ws.row_dimensions[r].height or 15):
            ws.row_dimensions[r].height = need


# A row is never split across printed pages, and Excel caps it at 409 pt: a cell longer than
# this many lines continues on the next row instead of being cut off.
MAX_CELL_LINES = 20
_BREAKS = re.compile(r"(?<=[；;。\n])")


def split_text(text: object, width: float, max_lines: int = MAX_CELL_LINES) -> list:
    """`text` cut into pieces that each wrap into at most `max_lines` lines at `width`,
    at sentence or list breaks (；。) where possible."""
    if not isinstance(text, str) or wrapped_lines(text, width) <= max_lines:
        return [text]
    pieces: list[str] = []
    for part in _BREAKS.split(text):
        while wrapped_lines(part, width) > max_lines:  # one sentence longer than a cell
            lo, hi = 1, len(part)  # the longest prefix that fits
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if wrapped_lines(part[:mid], width) <= max_lines else (lo, mid - 1)
            cut = lo
            pieces.append(part[:cut])
            part = part[cut:]
        pieces.append(part)
    chunks = [""]
    for part in pieces:
        if chunks[-1] and wrapped_lines(chunks[-1] + part, width) > max_lines:
            chunks.append("")
        chunks[-1] += part
    return [c.strip("\n") for c in chunks if c.strip()]


def add_long_row(ws: Worksheet, values: list, widths: dict[int, float], item: int = 3) -> int:
    """Append `values`; a cell (index -> column width in `widths`) too long for one printed
    row continues on rows below that repeat the key columns and mark the item （续）.
    Returns the number of rows written."""
    parts = {i: split_text(values[i], w) for i, w in widths.items()}
    n = max(len(p) for p in parts.values()) if parts else 1
    for k in range(n):
        if k == 0:
            row = list(values)
        else:
            row = list(values[:3]) + [None] * (len(values) - 3)
            row[item] = f"{values[item] or ''}（续）"
            if values[-1] == ITEM:  # one item, one conclusion: no drop-down on its continuation
                row[-1] = CONT_ROW
        for i, p in parts.items():
            row[i] = p[k] if k < len(p) else None
        add_row(ws, row)
    return n


def print_width(ws: Worksheet) -> float:
    """Sum of the visible column widths: what fit-to-width has to squeeze onto the page."""
    return sum(ws.column_dimensions[get_column_letter(i)].width or 8.43
               for i in range(1, ws.max_column + 1)
               if not ws.column_dimensions[get_column_letter(i)].hidden)


def clean(value):
    """OCR text may carry control characters openpyxl refuses, and a cell holds at most
    32,767 characters: strip the one, cut the other (with a visible mark)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > 32000:
            value = value[:32000] + "……（已截断）"
    return value


def style_cells(ws: Worksheet, cells, **styles) -> None:
    """`cell.<name> = value` for each cell and each of `styles` (font, fill, border,
    alignment), with the same result: the value's place in the workbook's style list is
    looked up once, where openpyxl hashes the whole style object again on every cell."""
    ids = None
    for cell in cells:
        if ids is None:  # at the first cell, as the first assignment would add them
            slots = [(inspect.getattr_static(type(cell), name), value) for name, value in styles.items()]
            ids = [(d.key, getattr(ws.parent, d.collection).add(value)) for d, value in slots]
        if not cell._style:
            cell._style = StyleArray()
        for key, idx in ids:
            setattr(cell._style, key, idx)


def add_row(ws: Worksheet, values: list) -> None:
    ws.append([clean(v) for v in values])


def write_header(ws: Worksheet, headers: list[str]) -> None:
    ws.append(headers)
    style_cells(ws, ws[1], font=BOLD, fill=HEADER, alignment=HEAD_ALIGN, border=BORDER)


def col_index(ws: Worksheet, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)


def finish_sheet(ws: Worksheet, *, status_col: str | None = None, severity_col: str | None = None,
                 min_widths: dict[str, int] | None = None, reviewer: bool = True,
                 hide_keys: bool = True, caps: dict[str, int] | None = None,
                 hidden: tuple[str, ...] = (), filter_rows: int | None = None) -> None:
    """Borders, wrap, widths, row heights, frozen header, colours, reviewer drop-down, print setup.

    `caps` bounds a column's width by its header name (or column letter, for columns whose
    header cell is part of a merge); longer text wraps. `hidden` names further columns kept
    for machines but not printed. `filter_rows` limits the auto-filter to the first rows
    (a sheet with a second table below its first)."""
    last_row = max(ws.max_row, 2)
    headers = [c.value for c in ws[1]]
    style_cells(ws, (cell for row in ws.iter_rows(min_row=2, max_row=ws.max_row) for cell in row),
                alignment=WRAP, border=BORDER)
    # Widths fit the longest line (CJK double), capped so long details wrap instead.
    merged_tops = {(r.min_row, r.min_col) for r in ws.merged_cells.ranges if r.max_col > r.min_col}
    for idx, header in enumerate(headers, start=1):
        letter = get_column_letter(idx)
        cells = [c for c in ws[letter] if (c.row, c.column) not in merged_tops]
        widest = max([0] + [display_width(c.value) for c in cells])
        cap = (caps or {}).get(header) or (caps or {}).get(letter) or NARROW.get(header, MAX_WIDTH)
        width = min(cap, widest + 2)
        width = max(width, (min_widths or {}).get(header) or (min_widths or {}).get(letter) or 6)
        ws.column_dimensions[letter].width = width
    # Dossier id and stage are the same on every row of a sheet, and the rule id is a
    # machine key (审查项目 names the article): hidden from print and screen, kept for
    # reports.decisions (the header names them).
    for name in (("卷宗编号", "阶段", "规则", KIND_COLUMN) if hide_keys else ()) + tuple(hidden):
        if name in headers:
            ws.column_dimensions[get_column_letter(headers.index(name) + 1)].hidden = True
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(filter_rows or last_row, 2)}"

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
        add_reviewer_inputs(ws)
    fit_row_heights(ws)
    print_setup(ws)


def _list_validation(values: list[str], title: str) -> DataValidation:
    return DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle=f"{title}无效",
                          error="请从下拉列表选择：" + "、".join(values),
                          showInputMessage=True, promptTitle=title, prompt="请选择：" + "/".join(values))


def add_reviewer_inputs(ws: Worksheet) -> None:
    """One drop-down per reviewed item (the sheet's item vocabulary), the stage vocabulary on
    the stage-conclusion row, a date check on every input row; header, title and continuation
    rows get no input at all (their reviewer cells stay grey)."""
    vocab = conclusions(ws.title)
    dec = get_column_letter(col_index(ws, "结论"))
    day = get_column_letter(col_index(ws, "日期"))
    kind_col = col_index(ws, KIND_COLUMN)
    kinds = {r: ws.cell(r, kind_col).value for r in range(2, ws.max_row + 1)}
    item_rows = [r for r, k in kinds.items() if k == ITEM]
    stage_rows = [r for r, k in kinds.items() if k == STAGE_ROW]
    input_rows = [r for r, k in kinds.items() if k in INPUT_KINDS]
    if item_rows and vocab["items"]:
        dv = _list_validation(vocab["items"], "审核结论")
        dv.sqref = " ".join(f"{dec}{r}" for r in item_rows)
        ws.add_data_validation(dv)
    if stage_rows and vocab["stage"]:
        dv = _list_validation(vocab["stage"], "阶段结论")
        dv.sqref = " ".join(f"{dec}{r}" for r in stage_rows)
        ws.add_data_validation(dv)
    if input_rows:
        dv_date = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                 showErrorMessage=True, errorTitle="日期无效",
                                 error="请填写日期，例如 2026-05-20")
        dv_date.sqref = " ".join(f"{day}{r}" for r in input_rows)
        ws.add_data_validation(dv_date)
    for name in REVIEWER_COLUMNS:
        letter = get_column_letter(col_index(ws, name))
        by_fill: dict[int, tuple[PatternFill, list]] = {}  # in order of first use, as the fills are added
        for r, k in kinds.items():
            inputs = k in INPUT_KINDS and not (name == "结论" and k == APPROVER_ROW)
            fill = INPUT if inputs else GREY
            by_fill.setdefault(id(fill), (fill, []))[1].append(ws[f"{letter}{r}"])
            if name == "日期":
                ws[f"{letter}{r}"].number_format = "yyyy-mm-dd"
        for fill, cells in by_fill.values():
            style_cells(ws, cells, fill=fill)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, REVIEWER_WIDTHS[name])


def print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{max(ws.max_row, 2)}"
    ws.print_options.gridLines = False
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
