"""Page images made easy for Tesseract: red channel, median, Otsu, deskew, orientation.

Why each step (measured on degraded pages, see bench/ocr_quality.py):
- red channel: red seals and red stamps become paper-white while black ink stays black,
  so a seal over a name does not turn it into noise;
- median 3x3, only on speckled pages: photocopier speckle otherwise becomes hundreds of
  one-pixel "characters" that make Tesseract's layout analysis slow (the 84–125 s pages of
  DESIGN.md); on clean pages the median thins serif strokes and costs accuracy (CER 0.003
  -> 0.028 on a clean synthetic page), so it is applied only when isolated specks are
  more than SPECKLE_RATIO of the ink (clean/sealed/photocopy pages measured 0.001–0.014,
  a noisy page 0.23);
- Otsu: one global threshold is enough for flat scans and fast;
- deskew by projection profile: a few degrees of skew split lines and drop characters;
- a long side cap: 300 dpi is all Tesseract needs; phone photos at 4000 px only slow it.
"""
from __future__ import annotations

import cv2
import numpy as np

from extractors import page_raster

MAX_SIDE = 3600  # A4 at 300 dpi is 3508 px high
MAX_SKEW = 6.0  # degrees searched either way


_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8"


def _opaque_8bit(data: np.ndarray) -> bool:
    """A JPEG, or a PNG of 8-bit grey or RGB without transparency: OpenCV decodes these
    faithfully (EXIF orientation applied). Every page image the readers write is one."""
    head = data[:64 * 1024].tobytes()
    if head[:2] == _JPEG:
        return True
    if head[:8] != _PNG or head[12:16] != b"IHDR":
        return False
    bit_depth, colour_type = head[24], head[25]
    idat = head.find(b"IDAT")
    return bit_depth == 8 and colour_type in (0, 2) and b"tRNS" not in head[:idat if idat >= 0 else None]


def load_rgb(path) -> np.ndarray:
    """The image upright by its EXIF orientation, as 8-bit BGR. Transparent images are laid
    on paper so their ink stays visible (extractors/transparency.py) and 16-bit images
    scaled down: OpenCV's colour decoding would drop the alpha channel, leaving white text
    on whatever colour the transparent pixels happen to hold, or black."""
    if page_raster.is_raster(path):
        try:
            return cv2.cvtColor(page_raster.read(path), cv2.COLOR_RGB2BGR)
        except page_raster.NotARaster as e:
            raise ValueError("image cannot be decoded") from e
    data = np.fromfile(str(path), dtype=np.uint8)
    if _opaque_8bit(data):
        img = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError("image cannot be decoded")
        return img
    from io import BytesIO

    from PIL import Image, ImageOps, UnidentifiedImageError

    from extractors.carriers.common import to_rgb

    try:
        with Image.open(BytesIO(data.tobytes())) as im:
            rgb = np.asarray(to_rgb(ImageOps.exif_transpose(im)))
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ValueError("image cannot be decoded") from e
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def paper_colour(gray: np.ndarray) -> int:
    # The brightest large population is paper; the 90th percentile finds it on grey
    # photocopies where pure white never occurs.
    return int(np.percentile(gray, 90))


def red_channel(bgr: np.ndarray) -> np.ndarray:
    return bgr[:, :, 2].copy()


# Images whose long side is under this are enlarged to it before Tesseract reads them (a
# photo of an ID card a few hundred pixels wide, a cropped licence): Tesseract's layout
# analysis drops text only a few pixels high, which it reads once enlarged. PP-OCR gets
# no enlargement: it read such images as well without, and faster (rapid.read_page).
ENLARGE_SIDE = 800
ENLARGE_MAX = 4.0  # beyond this, enlarging invents nothing more to read


def enlarge_small(img: np.ndarray, side: int | None = None) -> tuple[np.ndarray, float]:
    """(image, scale): enlarged so its long side reaches `side`, by at most ENLARGE_MAX.

    Boxes read from it are fractions of its size, which are fractions of the original's."""
    side = ENLARGE_SIDE if side is None else side
    h, w = img.shape[:2]
    scale = min(ENLARGE_MAX, side / max(h, w, 1))
    if scale <= 1.0:
        return img, 1.0
    out = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    return out, scale


def cap_size(img: np.ndarray, max_side: int = MAX_SIDE) -> tuple[np.ndarray, float]:
    h, w = img.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        img = cv2.resize(img, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    return img, scale


SPECKLE_RATIO = 0.05


def otsu(gray: np.ndarray) -> np.ndarray:
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return bw


def speckle(bw: np.ndarray) -> float:
    """Share of ink pixels with at most one inked neighbour (dust, sensor noise)."""
    ink = (bw < 128).astype(np.uint8)
    total = int(ink.sum())
    if not total:
        return 0.0
    neighbours = cv2.boxFilter(ink, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    return float(((ink == 1) & (neighbours <= 2)).sum()) / total


UNEVEN_SPREAD = 40  # grey levels between the lightest and darkest paper on one page
FLATTEN_MIN_SIDE = 1000


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide out uneven lighting (phone photos, book-fold shadows) when there is any.

    The paper's brightness is estimated by closing away the text on a thumbnail; where it
    varies by more than UNEVEN_SPREAD, each pixel is scaled by its local paper level, so
    one Otsu threshold works again instead of blacking out the darker half of the page.
    """
    h, w = gray.shape[:2]
    if max(h, w) < FLATTEN_MIN_SIDE:
        # Field crops and small images: a dark box in them is ink, not shadow.
        return gray
    f = max(1, max(h, w) // 400)
    small = cv2.resize(gray, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    bg = cv2.medianBlur(bg, 5)
    lo, hi = np.percentile(bg, [5, 95])
    if hi - lo <= UNEVEN_SPREAD:
        return gray
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(bg, 1), scale=255)


def binarize(gray: np.ndarray) -> np.ndarray:
    gray = flatten_background(gray)
    bw = otsu(gray)
    if speckle(bw) > SPECKLE_RATIO:
        bw = otsu(cv2.medianBlur(gray, 3))
    return bw


def estimate_skew(bw: np.ndarray, max_angle: float = MAX_SKEW) -> float:
    """Angle (degrees, counter-clockwise positive as cv2) that makes text lines horizontal."""
    small, _ = cap_size(bw, 900)
    ink = (small < 128).astype(np.uint8) * 255
    if ink.mean() < 0.5:  # blank page
        return 0.0
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rot = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = rot.sum(axis=1, dtype=np.float64)
        return float(np.var(rows))

    coarse = max(np.arange(-max_angle, max_angle + 0.01, 1.0), key=score)
    fine = max(np.arange(coarse - 1.0, coarse + 1.01, 0.2), key=score)
    return float(round(fine, 2)) if abs(fine) >= 0.3 else 0.0


def rotate_small(img: np.ndarray, angle: float, fill: int | tuple) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre, same canvas; returns image and the 2x3 forward matrix."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return out, m


def rotate_right_angle(img: np.ndarray, rotation: int) -> np.ndarray:
    """Turn clockwise by 0/90/180/270 degrees."""
    r = rotation % 360
    if r == 90:
        return cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)
    if r == 180:
        return cv2.rotate(img, cv2.ROTATE_180)
    if r == 270:
        return cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return img


def line_axis_ratio(bw: np.ndarray) -> float:
    """> 1 when text runs horizontally, < 1 when the page lies on its side.

    Horizontal lines make the row profile alternate (ink rows, blank gaps) far more than
    the column profile. A cheap first guess before asking Tesseract.
    """
    small, _ = cap_size(bw, 800)
    ink = (small < 128).astype(np.float64)
    if ink.mean() < 0.002:
        return 1.0
    rows = np.var(ink.mean(axis=1))
    cols = np.var(ink.mean(axis=0))
    return float(rows / cols) if cols > 0 else 10.0


SIDEWAYS_RATIO = 0.7


def looks_sideways(bw: np.ndarray) -> bool:
    """Text probably runs vertically (page lying on its side).

    Only a guess, to decide which turns to try first: a single line (a strip, a field
    crop, a word) has more column than row structure even when upright, so strips wider
    than 3:1 are never called sideways, and callers still try 0° as a fallback.
    """
    h, w = bw.shape[:2]
    if w > 3 * h:
        return False
    return line_axis_ratio(bw) < SIDEWAYS_RATIO


def unrotate_bbox(bbox_px: tuple[float, float, float, float], m: np.ndarray) -> tuple[float, float, float, float]:
    """Map a box from the deskewed image back to the image before deskew (axis-aligned hull)."""
    inv = cv2.invertAffineTransform(m)
    x0, y0, x1, y1 = bbox_px
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64)
    mapped = pts @ inv.T
    return (float(mapped[:, 0].min()), float(mapped[:, 1].min()),
            float(mapped[:, 0].max()), float(mapped[:, 1].max()))


def has_red_ink(bgr: np.ndarray, min_share: float = 0.002) -> bool:
    """A red seal or stamp on the page (share of strongly red pixels, on a thumbnail)."""
    small, _ = cap_size(bgr, 800)
    b, g, r = (small[:, :, i].astype(np.int16) for i in range(3))
    red = (r > 120) & (r - np.maximum(g, b) > 60)
    return float(red.mean()) > min_share
