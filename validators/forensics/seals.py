"""Red round seals (公章) on copied pages (ART5.F).

A seal is a red ring (often with a star and text inside). Red is taken in HSV (hue near
0/180, enough saturation) so black text and blue form lines do not count; a contour counts
as a seal when it is roughly round (circularity of its convex hull, aspect ratio near 1)
and of seal size relative to the page (about 2-30 % of the page width). A red underline or
a red table line is long and thin and fails the roundness test.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from extractors.page_image import load_rgb_array
from extractors.page_memo import page_memo

BBox = tuple[float, float, float, float]

MIN_DIAMETER = 0.02  # of the longer page side
MAX_DIAMETER = 0.35
MIN_CIRCULARITY = 0.70  # 4πA/P² of the convex hull; a circle is 1, a 1:10 bar about 0.5
MAX_ASPECT = 1.35  # ovals from skewed scans still count
WORK_SIDE = 1000  # px: at most this on the longer side (a 40 mm seal on A4 is still about 100 px)


def red_mask(rgb: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    low = cv2.inRange(hsv, (0, 70, 60), (12, 255, 255))
    high = cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    return cv2.bitwise_or(low, high)


@page_memo
def find_red_seals(image_path: str) -> list[BBox]:
    """Bounding boxes (fractions of width/height, origin top-left) of red round seals."""
    rgb = load_rgb_array(image_path)  # read-only, shared: resized below, never written
    h, w = rgb.shape[:2]
    # Reduced by a whole factor to at most WORK_SIDE: area averaging by a whole factor is an
    # order of magnitude cheaper than by any other ratio. Sizes below are shares of the side.
    factor = -(-max(h, w) // WORK_SIDE)
    if factor > 1:  # cut to a multiple of the factor, which OpenCV's fast path needs
        rgb = cv2.resize(rgb[:h - h % factor, :w - w % factor], (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    sh, sw = rgb.shape[:2]
    mask = red_mask(rgb)
    # Close the gaps between the ring's text characters so the seal is one blob.
    k = max(3, int(max(sh, sw) * 0.012))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    side = max(sh, sw)
    found: list[BBox] = []
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        d = max(bw, bh)
        if not (MIN_DIAMETER * side <= d <= MAX_DIAMETER * side):
            continue
        if max(bw, bh) / max(1, min(bw, bh)) > MAX_ASPECT:
            continue
        hull = cv2.convexHull(c)
        area, perim = cv2.contourArea(hull), cv2.arcLength(hull, True)
        if perim == 0 or 4 * math.pi * area / perim**2 < MIN_CIRCULARITY:
            continue
        found.append((x / sw, y / sh, (x + bw) / sw, (y + bh) / sh))
    # A star or an inner ring inside a seal whose ring is not closed is part of that seal.
    return [b for b in found if not any(o is not b and _inside(b, o) for o in found)]


def _inside(b: BBox, o: BBox) -> bool:
    return o[0] <= b[0] and o[1] <= b[1] and b[2] <= o[2] and b[3] <= o[3]



def read_beside_seal(image_path: str, seal: BBox, enough=lambda text: bool(text), timeout: float = 20) -> list[str]:
    """Text read again around one seal: the 与原件相符 mark is written just left of the seal
    and the seal's edge covers its last characters, so whole-page OCR often misses it. The
    crop is read on the red channel (the seal's red turns to paper), as one block of text,
    then, unless `enough` accepts the first reading, as sparse text. Empty when nothing
    could be read (no engine, unreadable image)."""
    from extractors.ocr import preprocess as pp
    from extractors.ocr import tesseract

    try:
        bgr = pp.load_rgb(image_path)
    except (OSError, ValueError):
        return []
    h, w = bgr.shape[:2]
    x0, y0, x1, y1 = seal
    sw, sh = (x1 - x0) * w, (y1 - y0) * h
    crop = bgr[int(max(0, y0 * h - 0.5 * sh)):int(min(h, y1 * h + 0.5 * sh)),
               int(max(0, x0 * w - 2.5 * sw)):int(min(w, x1 * w + 0.5 * sw))]
    texts: list[str] = []
    if crop.size == 0:
        return texts
    for psm in (6, 11):
        try:
            lines = tesseract.read_crop(crop, timeout, psm=psm)
        except Exception:  # engine missing or timed out: the page stays "could not judge"
            break
        texts.append("".join(ln["text"] for ln in lines).replace(" ", ""))
        if enough(texts[-1]):
            break
    return texts
