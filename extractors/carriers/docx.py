"""Word (.docx): paragraphs and tables in document order on page 1, embedded images after.

A .docx has no pages, so every line sits on page 1 with a pseudo-position (its rank down
the document) — enough for provenance to point at "the 12th line of the form". Table rows
become one line with cells joined by CELL_SEP so the form's member table stays parseable
(姓名 | 性别 | 出生年月 | …). Embedded pictures (scanned certificates pasted into the
form) become extra pages for OCR.
"""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from extractors.carriers.common import attach_image, failed, page_image_path
from extractors.records import FileReading, Page, TextLine
from extractors.textclean import clean_line

CELL_SEP = " | "
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_VML_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _para_text(p_el) -> str:
    # All w:t under the paragraph, including text boxes and fields python-docx skips.
    return "".join(t.text or "" for t in p_el.iter(f"{_W}t"))


def _cell_text(tc_el) -> str:
    parts = [_para_text(p) for p in tc_el.iter(f"{_W}p")]
    return " ".join(x.strip() for x in parts if x.strip())


def _unwrapped(el, tag: str):
    """Children ``tag`` of ``el``, also those a content control (w:sdt) wraps."""
    for child in el.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _unwrapped(content, tag)


def _grid_cells(tc_el) -> list[str]:
    """A cell's text in each grid column it covers. A cell merged across n columns
    (w:gridSpan) gives its text once and n-1 empty cells, so each row has as many cells as
    the grid and a value row pairs with its header row column by column; a cell continuing
    a vertical merge (w:vMerge without "restart") gives empty cells, whatever a writer
    copied into it, so the merged value is read once, in its first row."""
    pr = tc_el.find(f"{_W}tcPr")
    span, continued = 1, False
    if pr is not None:
        grid_span = pr.find(f"{_W}gridSpan")
        if grid_span is not None:
            try:
                span = max(1, int(grid_span.get(f"{_W}val", "1")))
            except ValueError:
                span = 1
        v_merge = pr.find(f"{_W}vMerge")
        continued = v_merge is not None and v_merge.get(f"{_W}val", "continue") != "restart"
    return ["" if continued else _cell_text(tc_el)] + [""] * (span - 1)


def _table_rows(tbl_el) -> list[str]:
    rows = []
    for tr in _unwrapped(tbl_el, f"{_W}tr"):
        cells: list[str] = []
        for tc in _unwrapped(tr, f"{_W}tc"):
            cells.extend(_grid_cells(tc))
        if any(cells):
            rows.append(CELL_SEP.join(cells))
    return rows


def _body_texts(body) -> list[str]:
    out: list[str] = []
    for el in body.iterchildren():
        if el.tag == f"{_W}p":
            out.append(_para_text(el))
        elif el.tag == f"{_W}tbl":
            out.extend(_table_rows(el))
        elif el.tag == f"{_W}sdt":  # content controls wrap paragraphs and tables
            content = el.find(f"{_W}sdtContent")
            if content is not None:
                out.extend(_body_texts(content))
    return out


def _image_rids(body) -> list[str]:
    seen, order = set(), []
    for el in body.iter(_BLIP, _VML_IMAGEDATA):
        rid = el.get(_R_EMBED) or el.get(_R_ID)
        if rid and rid not in seen:
            seen.add(rid)
            order.append(rid)
    return order


def read_docx(rel: str, path: Path, work_dir: Path, sha256: str, kind: str = "docx") -> FileReading:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    from extractors.carriers.archive import package_problem

    problem = package_problem(path)
    if problem:
        return failed(rel, path, sha256, kind, "unsafe_package", problem)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as e:
        return failed(rel, path, sha256, kind, "corrupt", f"Word 文件无法解析（{type(e).__name__}）")
    except Exception as e:  # lxml errors on mangled XML
        return failed(rel, path, sha256, kind, "corrupt", f"Word 文件无法解析（{type(e).__name__}）")
    core = document.core_properties
    meta = {
        "author": core.author or None,
        "last_modified_by": core.last_modified_by or None,
        "created": core.created.isoformat() if core.created else None,
        "modified": core.modified.isoformat() if core.modified else None,
        "revision": core.revision,
    }
    body = document.element.body
    texts = [clean_line(t) for t in _body_texts(body)]
    texts = [t for t in texts if t]
    n = max(1, len(texts))
    lines = [TextLine(text=t, bbox=(0.0, i / n, 1.0, (i + 1) / n), confidence=1.0, engine="docx")
             for i, t in enumerate(texts)]
    reading = FileReading(file=rel, source_path=str(path), sha256=sha256, kind=kind, meta=meta)
    reading.pages.append(Page(file=rel, page=1, lines=lines, text_source="docx"))

    rels = document.part.rels
    images = 0
    for rid in _image_rids(body):
        r = rels.get(rid)
        if r is None or r.is_external:
            continue
        images += 1
        page = Page(file=rel, page=len(reading.pages) + 1, text_source="ocr", needs_ocr=True)
        blob = r.target_part.blob
        page.source_image = blob[:3] == b"\xff\xd8\xff"
        dest = page_image_path(work_dir, sha256, page.page)
        try:
            attach_image(page, dest, lambda: Image.open(io.BytesIO(blob)))
        except (UnidentifiedImageError, OSError, ValueError) as e:
            # EMF/WMF drawings: Pillow cannot rasterise them without LibreOffice.
            page.error = f"嵌入图像无法解码（{r.target_part.partname}，{type(e).__name__}）"
            page.needs_ocr = False
        reading.pages.append(page)
    meta["embedded_images"] = images
    return reading
