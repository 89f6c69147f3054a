"""Small helpers over provenance dicts: where a value was read, and the picture of it."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def loc(rec: dict | None) -> str:
    """'成员证书.pdf 第2页' for one provenance record."""
    if not rec:
        return ""
    return f"{rec.get('file', '')} 第{rec.get('page', '?')}页"


def locs(recs: list[dict] | None) -> str:
    """Distinct locations, one line per file in order of first mention, its pages joined:
    '证书.pdf 第2、5页'. Thirty pages of one file stay one short line, not thirty."""
    pages: dict[str, list[str]] = {}
    for r in recs or []:
        if not r:
            continue
        got = pages.setdefault(r.get("file", ""), [])
        p = str(r.get("page", "?"))
        if p not in got:
            got.append(p)
    return "\n".join(f"{f} 第{'、'.join(ps)}页" for f, ps in pages.items())


def first_boxed(recs: list[dict] | None, page_images: dict) -> dict | None:
    """The first record with a bbox on a page that has an exported image."""
    for r in recs or []:
        if r.get("bbox") and (r.get("file"), r.get("page")) in page_images:
            return r
    return None


def crop_png(image_file: Path, bbox, *, pad: float = 0.02, max_w: int = 320, max_h: int = 160) -> tuple[bytes, int, int] | None:
    """The page region at `bbox` (fractions), padded a little so the reviewer sees context,
    scaled to fit max_w × max_h. Returns (png bytes, width, height), None if unreadable."""
    from extractors.page_image import load_rgb_array

    try:
        # the decoded page judging has just used (a page raster, or any image a reader accepts)
        rgb = load_rgb_array(image_file)
    except (OSError, ValueError):
        return None
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = bbox
    box = (max(0, int((x0 - pad) * w)), max(0, int((y0 - pad) * h)),
           min(w, int((x1 + pad) * w) + 1), min(h, int((y1 + pad) * h) + 1))
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    region = Image.fromarray(np.ascontiguousarray(rgb[box[1]:box[3], box[0]:box[2]]), "RGB")
    region.thumbnail((max_w, max_h))
    # A thin grey frame: a crop of white paper is otherwise invisible against the sheet.
    ImageDraw.Draw(region).rectangle([0, 0, region.width - 1, region.height - 1], outline=(150, 150, 150))
    buf = BytesIO()
    region.save(buf, "PNG")
    return buf.getvalue(), region.width, region.height
