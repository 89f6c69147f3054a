"""PDF: the text layer (pdfplumber) and a rendered image of every page (pypdfium2).

Both are kept for every page: the image is what the reviewer sees and what OCR reads
when the text layer is missing, and comparing the two is how a doctored text layer shows.
"""
from __future__ import annotations

import logging
import math
import re
import threading
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium

from extractors import page_raster
from extractors.carriers.common import MAX_PAGES, MAX_RENDER_PIXELS, failed, page_image_path, save_page
from extractors.carriers import pdf_scan
from extractors.records import FileReading, Page, TextLine
from extractors.textclean import clean_line

log = logging.getLogger(__name__)

# PDFium is not thread-safe: no two of its calls may run at once in one process, not even
# on different documents (pypdfium2's documentation). The flow reads dossiers on a thread
# pool, and overlapping calls made documents fail to open at random ("PDF 页面无法渲染")
# on a re-run, where pages are already rendered and opening is most of the work. Every
# pdfium call below holds this lock; PNG encoding and the text layer (pdfplumber) do not.
_PDFIUM = threading.RLock()

_CID = re.compile(r"\(cid:\d+\)")
_MEANINGFUL = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
# Below this many real characters a page is a scan with at most a stamp of text on it.
MIN_TEXT_CHARS = 8
# A page mostly covered by an image with this little text is a scan with a caption.
SCAN_TEXT_CHARS = 30
# A page whose text comes from its text layer (not a scan, no full-page image under the
# text) is rendered only for what looks at its image: the review export (1600 px across,
# about 195 dpi on A4), seal detection (1000 px), image hashes (smaller still) and OCR of
# the crops around its identifiers (printed text stays above 25 px high). Scans and pages
# with an image under their text keep the run's resolution: OCR, error levels and the
# reuse search read their grain.
TEXT_PAGE_DPI = 200


def _pdf_date(value) -> str | None:
    """D:20200102030405+08'00' -> 2020-01-02T03:04:05+08:00 (kept as text when odd)."""
    if value is None:
        return None
    s = str(value)
    m = re.match(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-].*)?", s)
    if not m:
        return s
    y, mo, d, h, mi, se, tz = m.groups()
    out = f"{y}-{mo or '01'}-{d or '01'}T{h or '00'}:{mi or '00'}:{se or '00'}"
    if tz:
        tz = tz.replace("'", "")
        out += "Z" if tz[0] in "Zz" else f"{tz[:3]}:{tz[3:5] or '00'}"
    return out


# Actions a viewer might run (in uncompressed objects; object streams hide them from this look).
_ACTIVE = ((b"/JavaScript", "JavaScript"), (b"/Launch", "Launch"), (b"/EmbeddedFile", "EmbeddedFile"),
           (b"/SubmitForm", "SubmitForm"))


def _structure_meta(path: Path, pdf: pikepdf.Pdf) -> dict:
    info = pdf.docinfo if pdf.trailer.get("/Info") is not None else {}

    def text(key: str) -> str | None:
        v = info.get(key) if info else None
        return str(v) if v is not None else None

    raw = path.read_bytes()
    eofs = raw.count(b"%%EOF")
    linearized = bool(pdf.is_linearized)
    # Each save-in-place (incremental update) appends a body + xref + %%EOF; a
    # linearized file legitimately has two.
    updates = max(0, eofs - 1 - (1 if linearized else 0))
    producer, creator = text("/Producer"), text("/Creator")
    xmp_tool = None
    try:
        # Not as a context manager: leaving one writes XMP back into the docinfo.
        xmp_tool = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False).get("xmp:CreatorTool")
    except Exception:  # broken XMP is common and says nothing by itself
        pass
    return {
        # Named for the reviewer, never run: no reader here executes PDF actions.
        "active_content": [name for key, name in _ACTIVE if key in raw],
        "producer": producer,
        "creator": creator,
        "xmp_creator_tool": xmp_tool,
        "creation_date": _pdf_date(info.get("/CreationDate")) if info else None,
        "mod_date": _pdf_date(info.get("/ModDate")) if info else None,
        "eof_markers": eofs,
        "incremental_updates": updates,
        "linearized": linearized,
        "encrypted": bool(pdf.is_encrypted),
        "pdf_version": pdf.pdf_version,
        "page_count": len(pdf.pages),
    }


def _words_to_lines(words: list[dict], width: float, height: float) -> list[TextLine]:
    """Group pdfplumber words into visual lines by vertical overlap, left to right."""
    words = sorted(words, key=lambda w: (round(w["top"], 1), w["x0"]))
    rows: list[list[dict]] = []
    for w in words:
        mid = (w["top"] + w["bottom"]) / 2
        for row in rows:
            top = min(x["top"] for x in row)
            bottom = max(x["bottom"] for x in row)
            if top - 1 <= mid <= bottom + 1:
                row.append(w)
                break
        else:
            rows.append([w])
    lines = []
    for row in sorted(rows, key=lambda r: min(x["top"] for x in r)):
        row.sort(key=lambda x: x["x0"])
        text = clean_line(" ".join(_CID.sub("", x["text"]) for x in row))
        if not text:
            continue
        x0 = min(x["x0"] for x in row) / width
        y0 = min(x["top"] for x in row) / height
        x1 = max(x["x1"] for x in row) / width
        y1 = max(x["bottom"] for x in row) / height
        bbox = tuple(min(1.0, max(0.0, v)) for v in (x0, y0, x1, y1))
        lines.append(TextLine(text=text, bbox=bbox, confidence=1.0, engine="text_layer"))
    return lines


def _images(page) -> tuple[float, bool, int]:
    """(share of the page covered by images, a JPEG covers most of it, image count)."""
    area = float(page.width * page.height) or 1.0
    covered, jpeg = 0.0, False
    for im in page.images:
        share = max(0.0, (im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) / area
        covered += share
        try:
            filters = im["stream"].attrs.get("Filter")
            names = [str(f) for f in (filters if isinstance(filters, list) else [filters])]
        except Exception:
            names = []
        if share > 0.5 and any("DCTDecode" in n for n in names):
            jpeg = True
    return min(1.0, covered), jpeg, len(page.images)


def read_pdf(rel: str, path: Path, work_dir: Path, sha256: str, dpi: int = 300) -> FileReading:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return failed(rel, path, sha256, "pdf", "encrypted", "PDF 需要打开密码")
    except Exception as e:  # qpdf gives up only on badly broken files
        return failed(rel, path, sha256, "pdf", "corrupt", f"PDF 结构无法解析（{type(e).__name__}）")
    with pdf:
        try:
            meta = _structure_meta(path, pdf)
        except Exception as e:
            meta = {"meta_error": type(e).__name__}
        n_pages = len(pdf.pages)
    if n_pages == 0:
        return failed(rel, path, sha256, "pdf", "corrupt", "PDF 没有页面", meta)
    if n_pages > MAX_PAGES:
        return failed(rel, path, sha256, "pdf", "too_large", f"共 {n_pages} 页，上限 {MAX_PAGES} 页", meta)

    reading = FileReading(file=rel, source_path=str(path), sha256=sha256, kind="pdf", meta=meta)
    try:
        with _PDFIUM:
            doc = pdfium.PdfDocument(str(path))
    except Exception as e:
        return failed(rel, path, sha256, "pdf", "corrupt", f"PDF 页面无法渲染（{type(e).__name__}）", meta)
    try:
        plumber = pdfplumber.open(path)
    except Exception as e:  # render anyway; OCR still reads it
        log.warning("pdfplumber failed on %s: %s", rel, type(e).__name__)
        plumber = None
    stats: list[dict] = []
    meta["pages"] = stats  # per page: images, image cover, text characters, JPEG scan
    upright_doc = upright_plumber = None
    pike = _open_quietly(path) if pdf_scan.ENABLED else None  # pdf_scan reads the image streams
    try:
        with _PDFIUM:
            turned = _turned_pages(doc, plumber)
        if turned:
            upright_path = _derotated_copy(path, work_dir, sha256, turned)
            with _PDFIUM:
                upright_doc = pdfium.PdfDocument(str(upright_path))
            upright_plumber = pdfplumber.open(upright_path)
        for i in range(len(doc)):
            if i in turned:
                page = _read_page(rel, upright_doc, upright_plumber, i, work_dir, sha256, dpi, stats)
                page.rotation = (360 - turned[i]) % 360
                stats[-1]["display_rotate"] = turned[i]
            else:
                page = _read_page(rel, doc, plumber, i, work_dir, sha256, dpi, stats, pike)
            reading.pages.append(page)
    finally:
        if pike is not None:
            pike.close()
        with _PDFIUM:
            doc.close()
            if upright_doc is not None:
                upright_doc.close()
        for h in (plumber, upright_plumber):
            if h is not None:
                h.close()
    if all(p.error for p in reading.pages):
        reading.error_code = "corrupt"
        reading.error = "文件已损坏，无法读取：所有页面均无法渲染"
    return reading


def _turned_pages(doc, plumber) -> dict[int, int]:
    """Pages shown turned by /Rotate whose text is written horizontally in the content.

    Such a page displays sideways or upside down (a scanner's or a user's rotation);
    pdfplumber then reports its text in display order, i.e. reversed or in columns.
    Reading it from a copy without /Rotate gives the true lines and an upright image;
    Page.rotation records the turn. {page index: /Rotate degrees}.
    """
    out = {}
    if plumber is None:
        return out
    for i in range(len(doc)):
        try:
            rot = int(doc[i].get_rotation()) % 360
        except Exception:
            continue
        if not rot:
            continue
        try:
            chars = plumber.pages[i].chars
        except Exception:
            continue
        # pdfplumber reports char matrices already turned by /Rotate: undo that turn
        # to get the writing direction in the content itself.
        flat = sum(1 for c in chars if c.get("matrix") and _content_angle(c["matrix"], rot) == 0)
        if chars and flat * 2 > len(chars):
            out[i] = rot
    return out


def _content_angle(matrix, rotate: int) -> int:
    a, b = float(matrix[0]), float(matrix[1])
    shown = round(math.degrees(math.atan2(b, a)) / 90) * 90
    return int(shown + rotate) % 360


def _derotated_copy(path: Path, work_dir: Path, sha256: str, turned: dict[int, int]) -> Path:
    dest = work_dir / "derotated" / f"{sha256[:24]}.pdf"
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with pikepdf.open(path) as pdf:
            for i in turned:
                pdf.pages[i].obj.Rotate = 0
            tmp = dest.with_suffix(".tmp.pdf")
            pdf.save(tmp)
        tmp.replace(dest)
    return dest


def _render_scale(size_pt: tuple[float, float], dpi: int) -> float:
    """dpi / 72, lowered for a page so large (a hostile or mis-made MediaBox) that its image
    would pass the pixel limit: the page is still shown, at a lower resolution."""
    scale = dpi / 72.0
    area = max(1.0, float(size_pt[0]) * float(size_pt[1]))
    return min(scale, math.sqrt(MAX_RENDER_PIXELS / area))


def _open_quietly(path: Path):
    try:
        return pikepdf.open(path)
    except Exception:  # noqa: BLE001 - without it every page is rendered, as before
        return None


def _scan_image_path(work_dir: Path, sha256: str, page: int) -> Path:
    """Where a page taken as its embedded scan is kept (apart from rendered ones, so a
    re-run finds out which of the two the page was without looking at the PDF again)."""
    return work_dir / "pages" / f"{sha256[:24]}_p{page:03d}_scan{page_raster.SUFFIX}"


def _read_page(rel, doc, plumber, i: int, work_dir: Path, sha256: str, dpi: int,
               stats: list[dict], pike=None) -> Page:
    page = Page(file=rel, page=i + 1)
    lines: list[TextLine] = []
    cover, jpeg, n_images = 0.0, False, 0
    if plumber is not None:
        try:
            pp = plumber.pages[i]
            words = pp.extract_words(keep_blank_chars=False, use_text_flow=False)
            lines = _words_to_lines(words, float(pp.width), float(pp.height))
            cover, jpeg, n_images = _images(pp)
            pp.flush_cache()  # a page's parsed objects are not needed again: memory stays flat
        except Exception as e:
            log.warning("text layer of %s p%d unreadable: %s", rel, i + 1, type(e).__name__)
    chars = sum(len(_MEANINGFUL.findall(ln.text)) for ln in lines)
    scan_like = chars < MIN_TEXT_CHARS or (cover > 0.5 and chars < SCAN_TEXT_CHARS)
    page.lines = lines
    page.text_source = "ocr" if scan_like else "text_layer"
    page.needs_ocr = scan_like
    # A page that is one big JPEG is a photo or scan: error-level analysis applies to it.
    page.source_image = jpeg
    # A full text layer over a full-page image: a scan with an OCR layer (OmniPage,
    # ABBYY, scanner firmware). Its text is what someone's software claimed the image
    # says — the page to OCR again for the text-layer comparison.
    stats.append({"page": i + 1, "images": n_images, "image_cover": round(cover, 3),
                  "text_chars": chars, "jpeg": jpeg,
                  "text_over_image": (not scan_like) and cover > 0.5})

    if not scan_like and cover <= 0.5 and not jpeg:
        dpi = min(dpi, TEXT_PAGE_DPI)
    dest = page_image_path(work_dir, sha256, i + 1, dpi)
    scan_dest = _scan_image_path(work_dir, sha256, i + 1)
    try:
        if pdf_scan.ENABLED and scan_dest.exists():
            dest = scan_dest
        elif not dest.exists() and pike is not None and pdf_scan.ENABLED and _save_embedded_scan(doc, pike, i, dpi, scan_dest):
            dest = scan_dest
        elif not dest.exists():
            with _PDFIUM:
                pdf_page = doc[i]
                try:
                    bitmap = pdf_page.render(scale=_render_scale(pdf_page.get_size(), dpi))
                    # A copy owned by Python: the bitmap is freed (a pdfium call) here,
                    # under the lock, not by the garbage collector on some other thread.
                    img = bitmap.to_pil()
                    img = img.convert("RGB") if img.mode != "RGB" else img.copy()
                    bitmap.close()
                finally:
                    pdf_page.close()
            save_page(img, dest)
        page.width, page.height = page_raster.image_size(dest)
        page.image_path = str(dest)
    except Exception as e:
        page.error = f"第 {i + 1} 页无法渲染为图像（{type(e).__name__}）"
        if scan_like:
            page.needs_ocr = False
    return page


def _save_embedded_scan(doc, pike, i: int, dpi: int, dest: Path) -> bool:
    """Write page i's embedded scan (see pdf_scan) as its page image; False: render it."""
    with _PDFIUM:
        pdf_page = doc[i]
        try:
            img = pdf_scan.embedded_scan(pdf_page, pike.pages[i], dpi)
        finally:
            pdf_page.close()
    if img is None:
        return False
    save_page(img, dest)
    return True
