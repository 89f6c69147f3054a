"""Page images in the output folder (docs/SCREENING.md, 'Page images in the output').

Reviewers see the upright page; provenance boxes are fractions of that upright image,
so scaling keeps them valid.
"""
from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from extractors import page_image, page_raster
from extractors.page_memo import page_memo
from extractors.records import Page

# Review images: a page is reduced by the largest whole factor that keeps it at least
# REVIEW_MIN_WIDTH wide (area averaging by a whole factor is ~15x cheaper than by 1.55), so a
# 300 dpi A4 render shows at 150 dpi, like a Word sheet (reports/word_pages.RENDER_WIDTH);
# a page still wider than MAX_WIDTH is then scaled to it bilinearly (a ratio under 2).
REVIEW_MIN_WIDTH = 1200
MAX_WIDTH = 1800
JPEG_QUALITY = 80


def export_page_images(pages: list[Page], dossier_out: Path, files: list | None = None) -> dict[tuple[str, int], str]:
    """Write each page's image as `pages/NNN.jpg` (NNN = order in `pages`, from 001).

    Pages without an image, or whose image cannot be opened, are skipped: the review
    page then shows the findings without a picture rather than failing the dossier.
    A born-digital PDF page (`files`, the record's FileReadings, name its PDF) is drawn
    again from the PDF at its review size, which costs a seventh of decoding its 300 dpi image.
    Returns (file, page) -> path relative to `dossier_out`.
    """
    out_dir = Path(dossier_out) / "pages"
    pdfs = {f.file: f.source_path for f in files or [] if f.kind == "pdf" and not f.error_code and f.source_path}
    decoded: dict[int, object] = {}
    # Pages the judging steps just decoded are still in the shared page cache: export them
    # first, before decoding the others pushes them out (each page decoded once, not twice).
    todo = [i for i, p in enumerate(pages) if p.image_path]
    todo.sort(key=lambda i: not page_image.is_cached(pages[i].image_path))
    for i in todo:
        page = pages[i]
        if _drawn_from_pdf(page, pdfs) and not page_image.is_cached(page.image_path):
            try:
                decoded[i] = pdf_review_image(pdfs[page.file], page.page - 1, *review_size(page.width, page.height)[1:])
                continue
            except Exception:  # noqa: BLE001 - PDFium could not draw it again: the page image can
                pass
        try:
            decoded[i] = review_image(page.image_path)
        except (OSError, ValueError):
            continue
    mapping: dict[tuple[str, int], str] = {}
    n = 0
    for i, page in enumerate(pages):
        if i not in decoded:
            continue
        n += 1
        out_dir.mkdir(parents=True, exist_ok=True)
        rel = f"pages/{n:03d}.jpg"
        (Path(dossier_out) / rel).write_bytes(decoded[i])
        mapping[(page.file, page.page)] = rel
    return mapping


def review_size(width: int, height: int) -> tuple[int, int, int]:
    """(whole reduction factor, final width, final height) of a page's review image."""
    factor = max(1, width // REVIEW_MIN_WIDTH)
    w, h = width // factor, height // factor
    if w > MAX_WIDTH:
        w, h = MAX_WIDTH, max(1, round(height * MAX_WIDTH / width))
    return factor, w, h


@page_memo
def review_image(image_path: str) -> bytes:
    """The page as JPEG bytes at its review size (memoised: a dossier judged again, as when
    a batch gains a dossier, re-exports its pages without decoding them)."""
    rgb = page_image.load_rgb_array(image_path)  # JPEG has no alpha / palette: RGB
    h, w = rgb.shape[:2]
    factor, rw, rh = review_size(w, h)
    if factor > 1:
        # cut to a multiple of the factor (at most factor - 1 px): OpenCV's fast whole-factor
        # averaging needs the sizes to divide exactly
        rgb = cv2.resize(rgb[:h - h % factor, :w - w % factor], (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    if rgb.shape[1] != rw:
        rgb = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_LINEAR)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


# extractors/carriers/pdf.py's render names
_PLAIN_RENDER = re.compile(r"_p\d+_\d+dpi" + re.escape(page_raster.SUFFIX) + "$")


def _drawn_from_pdf(page: Page, pdfs: dict[str, str]) -> bool:
    """A text-layer page whose image is PDFium's plain render of it (not an embedded scan,
    not turned upright afterwards): drawing it again at review size shows the same page."""
    return (page.file in pdfs and page.text_source == "text_layer" and not page.source_image and not page.rotation
            and bool(page.width and page.height) and _PLAIN_RENDER.search(str(page.image_path)) is not None)


@page_memo
def pdf_review_image(pdf_path: str, index: int, width: int, height: int) -> bytes:
    """Page `index` of the PDF drawn by PDFium at width x height, as review JPEG bytes."""
    import pypdfium2 as pdfium

    from extractors.carriers.pdf import _PDFIUM  # PDFium is not thread-safe

    with _PDFIUM:
        doc = pdfium.PdfDocument(pdf_path)
        try:
            pdf_page = doc[index]
            try:
                bitmap = pdf_page.render(scale=width / pdf_page.get_width())
                arr, mode = bitmap.to_numpy(), bitmap.mode
                bgr = arr[..., :3].copy() if arr.ndim == 3 else cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
                bitmap.close()
            finally:
                pdf_page.close()
        finally:
            doc.close()
    if mode.startswith("RGB"):
        bgr = np.ascontiguousarray(bgr[..., ::-1])
    if abs(bgr.shape[0] - height) > 2 or abs(bgr.shape[1] - width) > 2:
        raise ValueError("drawn at another shape than the page image")
    if bgr.shape[:2] != (height, width):  # a pixel of rounding: no need for area averaging
        bgr = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_LINEAR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


# Where a REUSED_IMAGE flag's text names the page it matches (validators/flags/batch.py):
# "…与申报材料D06的成员/吴丽娟.pdf第2页…" or "…与本申报材料的…第2页…".
_MATCHED = re.compile(r"与(?:(?P<same>本申报材料)|申报材料(?P<did>[^的\s，。；]+))的(?P<file>[^，。；]+?)第(?P<page>\d+)页")


def matched_page(flag: dict, dossier_id: str) -> tuple[str, str, int] | None:
    """(dossier id, file, page) of the page a reused-image flag matches, or None. An
    evidence record naming another dossier (key "dossier") says it; else the flag's text."""
    for r in flag.get("evidence") or []:
        if r.get("dossier") and r.get("file") and r.get("page"):
            if r["dossier"] != dossier_id or (r["file"], r["page"]) != _own_page(flag):
                return str(r["dossier"]), str(r["file"]), int(r["page"])
    if flag.get("code") != "REUSED_IMAGE":
        return None
    m = _MATCHED.search(flag.get("detail") or "")
    if not m:
        return None
    return (dossier_id if m.group("same") else m.group("did")), m.group("file"), int(m.group("page"))


def _own_page(flag: dict) -> tuple[str, int] | None:
    own = next((r for r in flag.get("evidence") or [] if not r.get("dossier")), None)
    return (own.get("file"), own.get("page")) if own else None


def export_matched_pages(result: dict, find_image, dossier_out: Path) -> dict[tuple[str, str, int], str]:
    """Copy into this dossier's pages/ the other dossiers' pages its reused-image flags
    match, so the review page shows them side by side and the folder works on its own.
    `find_image(dossier_id, file, page)` gives that page's image path, or None.
    Returns (dossier id, file, page) -> path relative to `dossier_out`."""
    own = result.get("dossier_id")
    mapping: dict[tuple[str, str, int], str] = {}
    for flag in result.get("flags") or []:
        key = matched_page(flag, own)
        if key is None or key[0] == own or key in mapping:
            continue
        path = find_image(*key)
        if not path:
            continue
        try:
            data = review_image(path)
        except (OSError, ValueError):
            continue
        rel = f"pages/match-{len(mapping) + 1:02d}.jpg"
        (Path(dossier_out) / "pages").mkdir(parents=True, exist_ok=True)
        (Path(dossier_out) / rel).write_bytes(data)
        mapping[key] = rel
    return mapping
