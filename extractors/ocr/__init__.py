"""OCR of page images: `ocr_page` for a whole page, `ocr_regions` for the boxes a text-layer
check compares, `reread` for one field's crop.

Engines: "rapidocr" (PP-OCRv4 ONNX; the flow's default) and "tesseract" (chi_sim through
pytesseract; the flow's cross-check). Both return the same `OcrResult`: lines with boxes as fractions of the UPRIGHT
page image, the clockwise rotation that made it upright, and — when that rotation is not
0 — the path of the upright image saved beside the input. Results are cached on disk by
image content and engine settings, so a rerun re-OCRs nothing.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import cv2
import numpy as np

from extractors.ocr import cache, preprocess as pp, rapid, tesseract
from extractors.ocr.engine import OcrResult, clamp_bbox
from extractors.ocr.tesseract import OcrTimeout
from extractors.records import TextLine
from extractors import page_raster, textclean
from extractors.textclean import clean_line

__all__ = ["OcrResult", "ocr_page", "ocr_regions", "reread", "ENGINES"]

# Text-layer pages are rendered at 200 dpi (carriers.pdf.TEXT_PAGE_DPI), where body print is
# about 29 px high: detection finds it and the recogniser scales each line to 48 px itself.
REGION_SCALE = 1.0

ENGINES = {"tesseract": tesseract, "rapidocr": rapid}


def _upright_path(image_path: Path, rotation: int, upright_dir: Path | None) -> Path:
    base = image_path.name[:-len(page_raster.SUFFIX)] if image_path.name.endswith(page_raster.SUFFIX) else image_path.stem
    name = f"{base}.upright{rotation}{page_raster.SUFFIX}"
    return (Path(upright_dir) / name) if upright_dir else image_path.with_name(name)


def _save_upright(image_path: Path, bgr: np.ndarray | None, rotation: int,
                  upright_dir: Path | None = None) -> str:
    """The turned page written upright as a page raster beside it (or into `upright_dir`)."""
    dest = _upright_path(image_path, rotation, upright_dir)
    if not dest.exists():
        if bgr is None:
            bgr = pp.load_rgb(image_path)
        page_raster.write(dest, cv2.cvtColor(pp.rotate_right_angle(bgr, rotation), cv2.COLOR_BGR2RGB))
    return str(dest)


def ocr_page(image_path: str | Path, engine: str = "tesseract", timeout: float = 60,
             cache_dir: Path | None = None, upright_dir: Path | None = None) -> OcrResult:
    """Read one page image. Never raises for a bad image or a slow page: see `error`.

    A turned page's upright image is written beside `image_path` (a page image in the
    work folder, as `read_file` makes them) or into `upright_dir` when given — pass one
    whenever the image is an original that must not be written next to.
    """
    t0 = time.monotonic()
    path = Path(image_path)
    found = _engine_and_digest(path, engine)
    if isinstance(found, OcrResult):
        return found
    mod, digest = found
    key = cache.cache_key(digest, engine, mod.version(), {**mod.settings(), "clean": textclean.VERSION})
    hit = cache.load(cache_dir, key)
    if hit is not None:
        if hit.rotation:
            # The cache may outlive the work folder: recreate the upright image if gone.
            hit.upright_image_path = _save_upright(path, None, hit.rotation, upright_dir)
        return hit

    try:
        bgr = pp.load_rgb(path)
    except (ValueError, OSError):
        return OcrResult(engine=engine, error="image_unreadable", seconds=time.monotonic() - t0)
    deadline = t0 + timeout
    result = OcrResult(engine=engine)
    try:
        lines, rotation, skew = mod.read_page(bgr, deadline)
        result.lines, result.rotation, result.skew = lines, rotation, skew
    except OcrTimeout as e:
        partial = getattr(e, "partial", None)
        if partial:
            result.lines, result.rotation, result.skew = partial
        result.error = "ocr_timeout"
    except Exception as e:  # engine crash (bad image data, missing model): report, go on
        result.error = f"ocr_failed: {type(e).__name__}: {str(e)[:200]}"
    if result.rotation:
        result.upright_image_path = _save_upright(path, bgr, result.rotation, upright_dir)
    result.seconds = round(time.monotonic() - t0, 3)
    cache.store(cache_dir, key, result)
    return result


def _read_box(bgr: np.ndarray, bbox: tuple[float, float, float, float], engine: str, scale: float,
              timeout: float, pad: bool = True, upright: bool = False) -> list[TextLine]:
    """OCR one box of an upright page image, padded (`pad`) and scaled; boxes of the lines
    returned are fractions of the whole page. `upright`: the box's text is known to be
    upright (a rendered text-layer page), so RapidOCR's line classifier is skipped. Raises
    what the engine raises."""
    h, w = bgr.shape[:2]
    x0, y0, x1, y1 = bbox
    # Pad by half a line height (and a little width): OCR boxes clip ascenders and the
    # first or last character of a field.
    pad_y = max(4.0, 0.5 * (y1 - y0) * h) if pad else 0.0
    pad_x = max(4.0, 0.02 * w) if pad else 0.0
    px0, py0 = max(0, int(x0 * w - pad_x)), max(0, int(y0 * h - pad_y))
    px1, py1 = min(w, int(x1 * w + pad_x)), min(h, int(y1 * h + pad_y))
    if px1 <= px0 or py1 <= py0:
        return []
    crop = bgr[py0:py1, px0:px1]
    if scale != 1.0:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    # A white margin: both engines miss text touching the image border.
    margin = int(10 * scale)
    crop = cv2.copyMakeBorder(crop, margin, margin, margin, margin, cv2.BORDER_REPLICATE)
    if engine == "rapidocr":
        raw = rapid.read_crop(crop, timeout, use_cls=not upright)
    elif engine == "tesseract":
        raw = tesseract.read_crop(crop, timeout)
    else:
        return []
    out = []
    for ln in raw:
        text = clean_line(ln["text"])
        if not text:
            continue
        # Back from the enlarged, bordered crop to page pixels, then to fractions.
        bx0 = px0 + (ln["x0"] - margin) / scale
        by0 = py0 + (ln["y0"] - margin) / scale
        bx1 = px0 + (ln["x1"] - margin) / scale
        by1 = py0 + (ln["y1"] - margin) / scale
        out.append(TextLine(text=text, bbox=clamp_bbox(bx0, by0, bx1, by1, w, h),
                            confidence=round(float(ln["conf"]), 4), engine=engine))
    return out


def reread(image_path: str | Path, bbox: tuple[float, float, float, float],
           engine: str = "rapidocr", scale: float = 2.0, timeout: float = 20) -> list[TextLine]:
    """OCR one box of an (upright) page again, padded and enlarged, for cross-checking.

    Boxes of the returned lines are fractions of the whole page, like `ocr_page`'s.
    """
    try:
        bgr = pp.load_rgb(Path(image_path))
    except (ValueError, OSError):
        return []
    try:
        return _read_box(bgr, bbox, engine, scale, timeout)
    except Exception:  # a timeout or an engine crash: no second reading, never a crash
        return []


def _engine_and_digest(path: Path, engine: str):
    """(engine module, image digest for the cache key), or the OcrResult saying why not."""
    mod = ENGINES.get(engine)
    if mod is None:
        return OcrResult(engine=engine, error=f"unknown_engine: {engine}")
    try:
        return mod, cache.image_digest(path)
    except OSError:
        return OcrResult(engine=engine, error="image_unreadable")


# A region read this little (no run of 6 digits, fewer than 2 CJK characters) did not find
# the printed line its layer box points to: the whole page is read instead.
_READ_SOMETHING = re.compile(r"\d{6}|[\u4e00-\u9fff].*[\u4e00-\u9fff]")


def ocr_regions(image_path: str | Path, regions: list[tuple[float, float, float, float]],
                engine: str = "rapidocr", timeout: float = 60, cache_dir: Path | None = None,
                upright_dir: Path | None = None) -> OcrResult:
    """Read only `regions` (page fractions) of an upright page image: the text-layer check
    of a page whose layer says where its identifiers are. The result's `regions` says what
    was read; when a region reads next to nothing (the layer's box points where nothing is
    printed) the whole page is read (`ocr_page`) and `regions` is None. Never raises."""
    t0 = time.monotonic()
    path = Path(image_path)
    found = _engine_and_digest(path, engine)
    if isinstance(found, OcrResult):
        return found
    mod, digest = found
    boxes = [tuple(float(v) for v in r) for r in regions]
    key = cache.cache_key(digest, engine, mod.version(),
                          {**mod.settings(), "clean": textclean.VERSION, "regions": boxes, "scale": REGION_SCALE})
    hit = cache.load(cache_dir, key)
    if hit is not None:
        return hit
    try:
        bgr = pp.load_rgb(path)
    except (ValueError, OSError):
        return OcrResult(engine=engine, error="image_unreadable", seconds=time.monotonic() - t0)
    lines: list[TextLine] = []
    for box in boxes:
        left = t0 + timeout - time.monotonic()
        try:
            read = _read_box(bgr, box, engine, REGION_SCALE, max(1.0, left), pad=False, upright=True)
        except Exception:  # noqa: BLE001 - a failed crop is read with the whole page below
            read = []
        if not _READ_SOMETHING.search("".join(ln.text for ln in read)):
            return ocr_page(path, engine=engine, timeout=max(1.0, t0 + timeout - time.monotonic()),
                            cache_dir=cache_dir, upright_dir=upright_dir)
        lines.extend(read)
    result = OcrResult(lines=lines, engine=engine, regions=boxes, seconds=round(time.monotonic() - t0, 3))
    cache.store(cache_dir, key, result)
    return result
