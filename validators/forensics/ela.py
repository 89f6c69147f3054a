"""Error level analysis and noise consistency for JPEG-sourced pages (IMAGE_TAMPERED).

ELA: re-save the image as JPEG at a known quality and look at the difference. Regions
compressed as often as the rest of the page show the same error level per unit of edge
energy; a patch pasted from elsewhere (or typed and saved once) stands out. Raw ELA is
not used: text has high error level simply because it has edges.
Noise: the background between the strokes of a field (lowest tenth of its 4 px blocks of
high-pass residual) against the page's median. A retyped field on a clean patch is far
smoother than the paper grain of a photo around it. Only applied on noisy pages (photos):
clean scans have no grain to compare with.

Measured on the committed sample batch (sliding 0.12 x 0.02 boxes over every JPEG):
the D09 retyped issue-date patch scores noise ratio 0.05-0.06 (ordinary text lines on the
same photo 0.8-0.9) and is the only place that fires; the clean bank-information and ID
JPEGs fire nowhere (ELA ratio max 2.54 < 3.0).
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from extractors.page_image import load_rgb_array
from extractors.page_memo import page_memo
from validators.findings_util import data

BBox = tuple[float, float, float, float]

ELA_QUALITY = 90
ELA_RATIO = 3.0  # region ELA per edge energy / page median (clean sample JPEGs: max 2.54)
NOISE_RATIO = 2.0  # region grain at most half the page's (D09 patch box 0.39, other fields 1.05-1.17)
NOISE_PERCENTILE = 25
_PAPER = data("paper_colour.yaml")  # the paper-colour test's band and threshold, with their measurement
BG_DELTA = float(_PAPER["threshold"])
PAPER_BAND = tuple(_PAPER["paper_band"])
MIN_PAGE_NOISE = 0.5  # median block noise (grey levels) for the noise test to apply
# Measured on the sample batch: the retyped issue-date patch of D09's certificate photo has
# background residual 0.12 against 1.9 for the paper around it; clean JPEG scans have page
# noise 0.02-0.07, where the test does not apply.


def ela_map(image: Image.Image, quality: int = ELA_QUALITY) -> np.ndarray:
    rgb = image.convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=quality)
    again = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    # uint8 |a - b| and the largest channel by OpenCV: numpy's reduction over a last axis of
    # 3 was most of this function's time.
    diff = cv2.absdiff(np.asarray(rgb), np.asarray(again))
    return cv2.max(cv2.max(diff[..., 0], diff[..., 1]), diff[..., 2]).astype(np.float32)


def _block_levels(arr: np.ndarray, block: int = 16) -> np.ndarray:
    h, w = arr.shape
    h2, w2 = h - h % block, w - w % block
    return arr[:h2, :w2].reshape(h2 // block, block, w2 // block, block).mean(axis=(1, 3))


def _noise(gray: np.ndarray) -> np.ndarray:
    """High-pass residual: paper grain and sensor noise (and stroke edges)."""
    return np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1))


def _crop(arr: np.ndarray, bbox: BBox) -> np.ndarray:
    h, w = arr.shape[:2]
    x0, y0, x1, y1 = bbox
    return arr[max(0, int(y0 * h)):min(h, int(np.ceil(y1 * h))), max(0, int(x0 * w)):min(w, int(np.ceil(x1 * w)))]


@page_memo
def region_scores(image_path: str, bboxes: list[BBox]) -> list[dict[str, float]]:
    if not bboxes:
        return []
    return _region_scores(image_path, bboxes)


def _region_scores(image_path: str, bboxes: list[BBox]) -> list[dict[str, float]]:
    """Per bbox: ELA ratio and noise ratio against the whole page.

    ELA is divided by edge energy (|Laplacian|) block by block before comparing: text has
    high error level simply because it has edges, so a raw ELA ratio fires on every printed
    field of a clean JPEG (measured on the sample batch's JPEGs: raw ratio 3-6 on ordinary
    text lines). The noise ratio uses the median of 8 px blocks, so a patch with a clean
    background on a noisy photo (the typical retyped field) scores far below 1."""
    page = load_rgb_array(image_path)
    H, W = page.shape[:2]
    # Work on the part of the page around the fields (plus a margin of paper), cut on the
    # 8 px JPEG grid so that re-saving the crop keeps the original block alignment.
    x0 = max(0, int(min(b[0] for b in bboxes) * W - 0.1 * W)) // 8 * 8
    y0 = max(0, int(min(b[1] for b in bboxes) * H - 0.1 * H)) // 8 * 8
    x1 = min(W, int(max(b[2] for b in bboxes) * W + 0.1 * W))
    y1 = min(H, int(max(b[3] for b in bboxes) * H + 0.1 * H))
    im = Image.fromarray(page[y0:y1, x0:x1], "RGB")  # the crop only: no copy of the whole page
    e = ela_map(im)
    gray = np.asarray(im.convert("L"), dtype=np.float32)
    cw, ch = x1 - x0, y1 - y0
    bboxes = [((b[0] * W - x0) / cw, (b[1] * H - y0) / ch, (b[2] * W - x0) / cw, (b[3] * H - y0) / ch) for b in bboxes]
    grad = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    norm = (e + 0.5) / (grad + 1.0)
    gblocks = _block_levels(grad, 8)
    content = gblocks > np.percentile(gblocks, 75)
    page_norm = float(np.median(_block_levels(norm, 8)[content])) if content.any() else 1.0
    noise = _noise(gray)
    # Paper only: pixels away from strokes (dark pixels, dilated), where grain is measurable.
    strokes = cv2.dilate((gray < np.median(gray) - 40).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    paper = noise[~strokes]
    page_noise = float(np.median(paper)) if paper.size else 0.0
    page_low = float(np.percentile(paper, NOISE_PERCENTILE)) if paper.size else 0.0
    out = []
    for bb in bboxes:
        nreg, greg, noi, stk = _crop(norm, bb), _crop(grad, bb), _crop(noise, bb), _crop(strokes, bb)
        if min(nreg.shape[:2], default=0) < 8:
            out.append({"ela_ratio": 0.0, "noise_ratio": 1.0})
            continue
        nb, gb = _block_levels(nreg, 8), _block_levels(greg, 8)
        c = gb > np.percentile(gblocks, 75)
        ela_ratio = float(nb[c].mean()) / max(page_norm, 1e-6) if c.any() else 0.0
        out.append({
            "ela_ratio": round(ela_ratio, 2),
            # low percentile of the grain between the strokes: a clean patch is ~0 there even
            # when it covers only part of the box
            "noise_ratio": round((float(np.percentile(noi[~stk], NOISE_PERCENTILE)) + 0.05) / (page_low + 0.05), 2)
            if (~stk).sum() >= 50 else 1.0,
            "page_noise": round(page_noise, 2),
        })
    return out


def suspicious(score: dict[str, float]) -> bool:
    """Only a region cleaner than a noisy page counts on the noise side: on a clean scan
    (page noise ~0) text strokes alone make a region 'noisier' (measured up to 4.2x)."""
    noisy_page = score.get("page_noise", 1.0) >= MIN_PAGE_NOISE
    return score["ela_ratio"] >= ELA_RATIO or (noisy_page and score["noise_ratio"] <= 1 / NOISE_RATIO)


@page_memo
def background_delta(image_path: str, bbox, margin: float = 1.0) -> float | None:
    """Distance (RGB grey levels) between the paper colour inside a field box and in the band
    around it. A typed patch pasted over a photographed value brings its own flat, cleaner
    paper (the D09 sample patch is visibly lighter and less yellow than its surroundings)."""
    page = load_rgb_array(image_path)
    h, w = page.shape[:2]
    x0, y0, x1, y1 = int(bbox[0] * w), int(bbox[1] * h), int(bbox[2] * w), int(bbox[3] * h)
    if x1 - x0 < 8 or y1 - y0 < 4:
        return None
    pad = int((y1 - y0) * margin)
    X0, Y0, X1, Y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    # Only the box and its band are converted to float (not the whole 300 dpi page).
    img = page[Y0:Y1, X0:X1].astype(np.float32)
    ring = np.ones((Y1 - Y0, X1 - X0), bool)
    ring[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0] = False
    inner = img[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0].reshape(-1, 3)
    outer = img[ring]
    if len(outer) < 50:
        return None
    return float(np.linalg.norm(paper_colour(inner) - paper_colour(outer)))


def paper_colour(px: np.ndarray) -> np.ndarray:
    """Median colour of the pixels (N x 3) between the PAPER_BAND luminance percentiles:
    light enough to be paper, not so light as to be a JPEG ringing halo beside a stroke."""
    lum = px.mean(axis=1)
    lo, hi = np.percentile(lum, PAPER_BAND)
    return np.median(px[(lum >= lo) & (lum <= hi)], axis=0)
