"""Spreadsheets (.xlsx; .xls / Kingsoft .et after LibreOffice turns them into .xlsx): every
non-empty row of every sheet as one line, cells joined like a Word table row.

Cells are read, not printed: a PDF of the sheet clips text to the column width (an ID
number in a narrow column prints as its first nine digits), which would read as a wrong
number. Like Word, a sheet has no pages: one page per sheet, lines ranked down the sheet.
"""
from __future__ import annotations

from pathlib import Path

from extractors.carriers.archive import package_problem
from extractors.carriers.common import MAX_PAGES, failed
from extractors.carriers.docx import CELL_SEP
from extractors.records import FileReading, Page, TextLine
from extractors.textclean import clean_line

MAX_ROWS = 20000  # per sheet; a member list is a few dozen rows


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def read_sheet(rel: str, path: Path, sha256: str, kind: str = "xlsx") -> FileReading:
    from openpyxl import load_workbook

    problem = package_problem(path)
    if problem:
        return failed(rel, path, sha256, kind, "unsafe_package", problem)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a damaged package
        return failed(rel, path, sha256, kind, "corrupt", f"表格文件无法解析（{type(e).__name__}）")
    reading = FileReading(file=rel, source_path=str(path), sha256=sha256, kind=kind, meta={"sheets": wb.sheetnames})
    try:
        for ws in wb.worksheets[:MAX_PAGES]:
            texts = []
            for row in ws.iter_rows(values_only=True, max_row=MAX_ROWS):
                cells = [_cell(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                line = clean_line(CELL_SEP.join(cells)) if any(cells) else ""
                if line:
                    texts.append(line)
            n = max(1, len(texts))
            lines = [TextLine(text=t, bbox=(0.0, i / n, 1.0, (i + 1) / n), confidence=1.0, engine="docx")
                     for i, t in enumerate(texts)]
            reading.pages.append(Page(file=rel, page=len(reading.pages) + 1, lines=lines, text_source="docx"))
    finally:
        wb.close()
    return reading
