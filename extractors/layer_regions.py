"""Where a text-layer page's image is read to compare it with its text layer.

TEXT_LAYER_MISMATCH compares the identifiers and names a text layer states with what the
page image shows in the same place. Reading the whole image for that costs a full-page OCR
per page; the text layer already says where each of those lines is, so only boxes around
them are read (padded, because a layer's boxes need not sit exactly on the printed text).
A page whose text layer is a whole OCR layer over a full-page scan is still read in full.
"""
from __future__ import annotations

import re
import unicodedata

from extractors.records import BBox, Page, TextLine

# Identifier-like tokens: ID numbers, USCCs, certificate numbers (16 digits, S/Y + 19),
# account numbers — any run of 10+ digits, optionally with one leading letter or trailing X.
ID_TOKEN = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}|[A-Z]?\d{10,}X?)(?![0-9A-Z])")
# A line that states a person's or a unit's name: after its label (the labels the name
# re-read strips, extractors.reread), or a bare name of 2-4 characters (certificates print
# the holder's name alone beside a photo).
_NAME_LINE = re.compile(r"姓名|持证人|单位名称|企业名称|申请单位|账户名称|存款人名称|户名|名称|甲方|乙方|^[\u4e00-\u9fff·]{2,4}$")

# Padding around a layer line, in line heights (vertical) and page widths plus line heights
# (horizontal): a layer placed a little off its printed text is still read where it points.
PAD_LINES = 1.0
PAD_WIDTH = 0.03
# More boxes than this, or boxes covering more of the page, and the whole page is read:
# one full-page pass is then cheaper than many crops.
MAX_REGIONS = 8
MAX_COVER = 0.35


def clean(s: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", s)).upper()


def compared_line(line: TextLine) -> bool:
    """A layer line whose statement the image check compares: an identifier or a name."""
    text = clean(line.text)
    return bool(ID_TOKEN.search(text) or _NAME_LINE.search(text))


def _pad(box: BBox, aspect: float) -> BBox:
    """`aspect`: page height / width, to pad horizontally by line heights too."""
    x0, y0, x1, y1 = box
    h = max(y1 - y0, 0.008)
    px = PAD_WIDTH + PAD_LINES * h * aspect
    return (max(0.0, x0 - px), max(0.0, y0 - PAD_LINES * h), min(1.0, x1 + px), min(1.0, y1 + PAD_LINES * h))


def _overlap(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _merge(boxes: list[BBox]) -> list[BBox]:
    """Overlapping boxes as one (a table's rows read as one crop, not one crop a row)."""
    out: list[BBox] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        merged = True
        while merged:
            merged = False
            for i, o in enumerate(out):
                if _overlap(box, o):
                    box = (min(box[0], o[0]), min(box[1], o[1]), max(box[2], o[2]), max(box[3], o[3]))
                    del out[i]
                    merged = True
                    break
        out.append(box)
    return sorted(out, key=lambda b: (b[1], b[0]))


def compare_regions(page: Page) -> list[BBox] | None:
    """The boxes of `page`'s image to read for the text-layer check, as page fractions; None
    when the whole page should be read (no usable boxes, or crops would cost as much)."""
    aspect = (page.height / page.width) if page.width and page.height else 1.414
    boxes = [_pad(line.bbox, aspect) for line in page.lines if line.bbox and compared_line(line)]
    if not boxes:
        return None
    regions = _merge(boxes)
    cover = sum((b[2] - b[0]) * (b[3] - b[1]) for b in regions)
    if len(regions) > MAX_REGIONS or cover > MAX_COVER:
        return None
    return [tuple(round(v, 5) for v in b) for b in regions]  # type: ignore[misc]


def inside(box: BBox | None, regions: list[BBox] | None) -> bool:
    """Whether a layer line was read: the whole page was (regions None), or its centre lies
    in one of the regions read."""
    if regions is None:
        return True
    if not box:
        return False
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(r[0] <= cx <= r[2] and r[1] <= cy <= r[3] for r in regions)
