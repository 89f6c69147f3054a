"""Which page images to OCR, and putting what OCR read back on its page.

A scan (no usable text layer) is read; a text-layer page is read too when its text must
be compared with what its image shows, except pages whose image was drawn from that text
(OFD without a scan): a layer over a full-page scan in full, a page printing an identifier
only around the lines compared (extractors.layer_regions).
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors.layer_regions import compare_regions
from extractors.records import FileReading, Page


# Text-layer pages that print an identifier are also OCR'd, so the text layer can be
# compared with what the page image shows (TEXT_LAYER_MISMATCH).
def _prints_identifier(text: str) -> bool:
    from validators.identifiers.patterns import pattern

    compact = text.replace(" ", "")
    return any(pattern(kind, "exact").search(compact) for kind in ("id", "uscc", "cert"))


@dataclass
class OcrJob:
    dossier_id: str
    file: str
    page: int
    image_path: str
    text_layer: bool  # True: OCR only to cross-check the text layer
    # Boxes (page fractions) to read instead of the whole page: a text-layer check reads
    # only around the lines it compares (extractors.layer_regions).
    regions: list[tuple[float, float, float, float]] | None = None
    pixels: int = 0  # what is read (the page, or its regions' share): the job's expected cost


def _pixels(page: Page, regions: list[tuple[float, float, float, float]] | None) -> int:
    area = (page.width or 0) * (page.height or 0)
    if regions is None:
        return area
    return int(area * sum(max(0.0, x1 - x0) * max(0.0, y1 - y0) for x0, y0, x1, y1 in regions))


def costliest_first(jobs: list[OcrJob]) -> list[OcrJob]:
    """The jobs, largest reading first (stable): a pool of OCR threads then ends on short
    jobs instead of one large page on one core while the others wait for the next stage."""
    return sorted(jobs, key=lambda j: j.pixels, reverse=True)


def ocr_jobs(dossier_id: str, files: list[FileReading]) -> list[OcrJob]:
    jobs = []
    for f in files:
        # A full text layer over a full-page scan is what someone's OCR software claimed the
        # image says: always read the image again to compare.
        over_image = {s.get("page") for s in f.meta.get("pages", []) if s.get("text_over_image")}
        # An OFD page without a scan is drawn from its own text: OCR could only confirm it.
        drawn = {s.get("page") for s in f.meta.get("pages", []) if s.get("image_from_text")}
        for p in f.pages:
            if not p.image_path:
                continue
            if p.needs_ocr:
                jobs.append(OcrJob(dossier_id, f.file, p.page, p.image_path, False, pixels=_pixels(p, None)))
            elif p.text_source == "text_layer" and p.page not in drawn:
                if p.page in over_image:
                    jobs.append(OcrJob(dossier_id, f.file, p.page, p.image_path, True, pixels=_pixels(p, None)))
                elif _prints_identifier(p.text):
                    regions = compare_regions(p)
                    jobs.append(OcrJob(dossier_id, f.file, p.page, p.image_path, True, regions, _pixels(p, regions)))
    return jobs


def apply_ocr(page: Page, result) -> None:
    """Put an OcrResult's lines on the page they were read from."""
    if result.error and not result.lines:
        if page.needs_ocr:
            page.error = _ocr_error_text(result.error)
        return
    if page.needs_ocr:
        if result.error:
            # Lines read before the time limit are kept, but the page is marked incomplete.
            page.error = _ocr_error_text(result.error) + "（已保留部分识别结果）"
        page.lines = list(result.lines)
        page.text_source = "ocr"
        page.rotation = result.rotation
        if result.upright_image_path:
            page.image_path = result.upright_image_path
        page.needs_ocr = False
    else:
        page.ocr_lines = list(result.lines)
        page.ocr_regions = list(result.regions) if result.regions is not None else None


def _ocr_error_text(code: str) -> str:
    if code == "ocr_timeout":
        return "文字识别超时，本页未能读取，请人工查看原件"
    return f"文字识别失败（{code}），请人工查看原件"
