"""A scanned PDF page that is one embedded image, taken as that image instead of rendered.

Rendering such a page at 300 dpi resamples the scanner's image: the 8 x 8 JPEG grid that
error-level analysis compares against is smeared, and a 200 dpi scan becomes 2.25 times the
pixels for every later step to decode, hash and measure. The embedded image, decoded at its
own resolution, is what the scanner wrote.

Only when the image is provably the whole visible page: one image, drawn upright and
unflipped over the page's crop box, no mask or soft mask, no decode array, no annotations,
no other visible content (an invisible OCR text layer is allowed), square pixels at a usable
resolution, 8-bit grey or RGB. Anything else returns None and the page is rendered as before.
The page's /Rotate is applied by turning the pixels (no resampling), so the image shows the
page as a viewer does and bounding boxes (fractions of the displayed page) stay right.
"""
from __future__ import annotations

import io

import pikepdf
import pypdfium2.raw as pdfium_c
from PIL import Image

# On: the paper-colour test of IMAGE_TAMPERED takes a region's paper from a luminance band
# that leaves out JPEG ringing halos, so it reads the scanner's own low-quality JPEG pixels as
# it read the 300 dpi render (validators/data/paper_colour.yaml, bench/paper_colour.py).
ENABLED = True
# Accepted resolution, as a share of the render resolution: below, OCR would read a smaller
# image than it does today; above, every later step would pay for more pixels than rendering.
MIN_SHARE, MAX_SHARE = 0.5, 2.0
# How far (share of the page side) the image may miss the crop box and still be the page.
COVER_TOLERANCE = 0.005
_INVISIBLE_TEXT = 3  # text render mode 3: neither fill nor stroke (scanner OCR layers)
_COLOUR_SPACES = {"/DeviceRGB": 3, "/DeviceGray": 1}
_TRANSPOSE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def embedded_scan(pdfium_page, pike_page, dpi: int) -> Image.Image | None:
    """The page's single embedded image as an RGB image oriented as displayed, or None when
    the page must be rendered. Call with PDFium's lock held (`pdfium_page` is PDFium's)."""
    try:
        image_obj = _only_visible_image(pdfium_page)
        if image_obj is None:
            return None
        stream = _only_image_xobject(pike_page)
        if stream is None:
            return None
        px_w, px_h = image_obj.get_px_size()
        if (int(stream.get("/Width", 0)), int(stream.get("/Height", 0))) != (px_w, px_h):
            return None
        if not _covers_page(image_obj.get_matrix().get(), pdfium_page.get_cropbox(), px_w, px_h, dpi):
            return None
        img = _decode(stream, px_w, px_h)
        if img is None:
            return None
        turn = int(pdfium_page.get_rotation()) % 360
        return img.transpose(_TRANSPOSE[turn]) if turn else img
    except Exception:  # noqa: BLE001 - any doubt about the image means: render the page
        return None


def _only_visible_image(page):
    if pdfium_c.FPDFPage_GetAnnotCount(page.raw) != 0:
        return None
    image = None
    for obj in page.get_objects(max_depth=4):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE and image is None:
            image = obj
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT and pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == _INVISIBLE_TEXT:
            continue
        else:
            return None  # a second image, a drawing, a form, visible text: the render shows more
    return image


def _only_image_xobject(pike_page) -> pikepdf.Stream | None:
    xobjects = pike_page.obj.get("/Resources", {}).get("/XObject", {})
    streams = [xobjects[k] for k in xobjects.keys()]
    if len(streams) != 1 or streams[0].get("/Subtype") != "/Image":
        return None
    s = streams[0]
    if s.get("/ImageMask", False) or "/SMask" in s or "/Mask" in s or "/Decode" in s:
        return None
    if int(s.get("/BitsPerComponent", 0)) != 8 or _channels(s.get("/ColorSpace")) is None:
        return None
    return s


def _channels(space) -> int | None:
    if space is None:
        return None
    if isinstance(space, pikepdf.Name):
        return _COLOUR_SPACES.get(str(space))
    if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == "/ICCBased":
        n = int(space[1].get("/N", 0))
        return n if n in (1, 3) else None
    return None


def _covers_page(matrix, cropbox, px_w: int, px_h: int, dpi: int) -> bool:
    a, b, c, d, e, f = (float(v) for v in matrix)
    left, bottom, right, top = (float(v) for v in cropbox)
    w, h = right - left, top - bottom
    if a <= 0 or d <= 0 or abs(b) > 1e-3 * a or abs(c) > 1e-3 * d or w <= 0 or h <= 0:
        return False  # turned or flipped by its own matrix: rendering knows how to draw it
    tol_x, tol_y = COVER_TOLERANCE * w, COVER_TOLERANCE * h
    if abs(e - left) > tol_x or abs(e + a - right) > tol_x or abs(f - bottom) > tol_y or abs(f + d - top) > tol_y:
        return False
    res_x, res_y = px_w * 72.0 / a, px_h * 72.0 / d
    if abs(res_x - res_y) > 0.02 * res_x:
        return False  # non-square pixels: only resampling shows the page as drawn
    return 0.99 * MIN_SHARE * dpi <= res_x <= 1.01 * MAX_SHARE * dpi


def _decode(stream: pikepdf.Stream, px_w: int, px_h: int) -> Image.Image | None:
    filters = stream.get("/Filter")
    names = [str(x) for x in filters] if isinstance(filters, pikepdf.Array) else ([str(filters)] if filters else [])
    if names == ["/DCTDecode"]:
        # The scanner's JPEG decoded as a JPEG file would be: the pixels error-level analysis expects.
        img = Image.open(io.BytesIO(stream.read_raw_bytes()))
        img.load()
    elif names in ([], ["/FlateDecode"]):
        img = pikepdf.PdfImage(stream).as_pil_image()
    else:
        return None
    if img.size != (px_w, px_h) or img.mode not in ("RGB", "L"):
        return None
    return img.convert("RGB") if img.mode != "RGB" else img
