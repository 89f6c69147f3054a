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
    return _ela_of(image.convert("RGB"), quality)


def _ela_of(rgb: Image.Image, quality: int = ELA_QUALITY, pixels: np.ndarray | None = None) -> np.ndarray:
    """Per pixel, the largest channel difference between the RGB image and its re-save as
    JPEG at `quality`. `pixels`: the image's own array when the caller has it (reading a
    PIL image back into numpy copies it twice)."""
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=quality)
    # Decoded by OpenCV's libjpeg-turbo, as Pillow's would (same IDCT and upsampling), without
    # Pillow's copies into numpy.
    again = cv2.cvtColor(cv2.imdecode(np.frombuffer(buf.getbuffer(), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    own = np.ascontiguousarray(pixels) if pixels is not None else np.asarray(rgb)
    # uint8 |a - b| and the largest channel by OpenCV: numpy's reduction over a last axis of
    # 3 was most of this function's time.
    diff = cv2.absdiff(own, again)
    return cv2.max(cv2.max(diff[..., 0], diff[..., 1]), diff[..., 2]).astype(np.float32)


def _block_levels(arr: np.ndarray, block: int = 16) -> np.ndarray:
    h, w = arr.shape
    h2, w2 = h - h % block, w - w % block
    return arr[:h2, :w2].reshape(h2 // block, block, w2 // block, block).mean(axis=(1, 3))


def _integer_block_levels(arr: np.ndarray, block: int = 16) -> np.ndarray:
    """_block_levels of a float32 array holding whole numbers (|Laplacian| of 8-bit grey): their
    block sums are exact in any order, so OpenCV's area averaging gives the same values, faster."""
    h, w = arr.shape
    h2, w2 = h - h % block, w - w % block
    if not h2 or not w2:
        return _block_levels(arr, block)
    return cv2.resize(arr[:h2, :w2], (w2 // block, h2 // block), interpolation=cv2.INTER_AREA)


def _uint8_median(values: np.ndarray) -> np.float32:
    """np.median of 8-bit values taken as float32 (the mean of the two middle ones for an even
    count), read off their histogram instead of partitioning the whole crop."""
    n = values.size
    if n < 2**24:  # OpenCV counts in float32: whole numbers are exact up to 2**24
        hist = cv2.calcHist([np.ascontiguousarray(values)], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    else:
        hist = np.bincount(values.ravel(), minlength=256)
    cum = np.cumsum(hist)
    at = lambda k: np.float32(np.searchsorted(cum, k, side="right"))  # noqa: E731 - value at sorted index k
    if n % 2:
        return at(n // 2)
    return (at(n // 2 - 1) + at(n // 2)) / np.float32(2)


def _median_and_percentile(values: np.ndarray, q: float) -> tuple[np.float32, np.float32]:
    """(np.median(values), np.percentile(values, q)) of a 1-D float32 array from ONE partition,
    with numpy's own arithmetic: the mean of the middle pair in float32, and its 'linear'
    interpolation between neighbouring order statistics (weak Python-float weight)."""
    n = values.size
    virtual = (n - 1) * (q / 100)
    lo = int(np.floor(virtual))
    hi = min(lo + 1, n - 1)
    gamma = float(virtual - lo)
    mid = [n // 2 - 1, n // 2] if n % 2 == 0 else [n // 2]
    part = np.partition(values, sorted({*mid, lo, hi}))
    median = (part[mid[0]] + part[mid[1]]) / np.float32(2) if len(mid) == 2 else part[mid[0]]
    a, b = part[lo], part[hi]
    diff = b - a
    pct = b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
    return median, pct


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
    crop = np.ascontiguousarray(page[y0:y1, x0:x1])  # the crop only: no copy of the whole page
    im = Image.fromarray(crop, "RGB")
    e = _ela_of(im, pixels=crop)
    lum = np.asarray(im.convert("L"))
    gray = lum.astype(np.float32)
    cw, ch = x1 - x0, y1 - y0
    bboxes = [((b[0] * W - x0) / cw, (b[1] * H - y0) / ch, (b[2] * W - x0) / cw, (b[3] * H - y0) / ch) for b in bboxes]
    grad = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    norm = (e + 0.5) / (grad + 1.0)
    gblocks = _integer_block_levels(grad, 8)
    content_level = np.percentile(gblocks, 75)
    content = gblocks > content_level
    page_norm = float(np.median(_block_levels(norm, 8)[content])) if content.any() else 1.0
    noise = _noise(gray)
    # Paper only: pixels away from strokes (dark pixels, dilated), where grain is measurable.
    strokes = cv2.dilate((lum < _uint8_median(lum) - 40).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    paper = noise[~strokes]
    page_noise, page_low = (float(v) for v in _median_and_percentile(paper, NOISE_PERCENTILE)) if paper.size else (0.0, 0.0)
    out = []
    for bb in bboxes:
        nreg, greg, noi, stk = _crop(norm, bb), _crop(grad, bb), _crop(noise, bb), _crop(strokes, bb)
        if min(nreg.shape[:2], default=0) < 8:
            out.append({"ela_ratio": 0.0, "noise_ratio": 1.0})
            continue
        nb, gb = _block_levels(nreg, 8), _block_levels(greg, 8)
        c = gb > content_level
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
    region = page[Y0:Y1, X0:X1]
    box = np.zeros(region.shape[:2], np.uint8)
    box[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0] = 1
    if box.size - int(np.count_nonzero(box)) < 50:
        return None
    # R + G + B, exact: a pixel's luminance (the mean of its channels) is a function of it.
    rgb_sum = np.add(region[..., 0], region[..., 1], dtype=np.uint16)
    rgb_sum += region[..., 2]
    return float(np.linalg.norm(_counted_paper_colour(region, rgb_sum, box) - _counted_paper_colour(region, rgb_sum, 1 - box)))


# The luminance paper_colour computes (float32 mean of three 8-bit channels) for each channel sum.
_LUM_OF_SUM = np.arange(3 * 255 + 1, dtype=np.float32) / np.float32(3)


def _counted_paper_colour(region: np.ndarray, rgb_sum: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """paper_colour of the pixels of `region` (H x W x 3 uint8) where `mask` (uint8 0/1) is set,
    to the last bit, from histograms instead of sorting float copies of the pixels: their
    luminances and channels are 8-bit sums and values, so every order statistic both take
    (the PAPER_BAND percentiles, the channel medians) is read off cumulative counts."""
    sel = mask.astype(bool)
    sums = np.bincount(rgb_sum[sel], minlength=_LUM_OF_SUM.size)
    n = int(sums.sum())
    if n == 0:  # a box off the page: fail as paper_colour does
        return paper_colour(np.empty((0, 3), np.float32))
    cum = np.cumsum(sums)
    lum_at = lambda k: _LUM_OF_SUM[np.searchsorted(cum, k, side="right")]  # noqa: E731 - k-th smallest
    # np.percentile's 'linear' method with an array of percentiles, step by step.
    virtual = (n - 1) * np.true_divide(np.asarray(PAPER_BAND), 100)
    prev = np.floor(virtual)
    gamma = virtual - prev
    below = np.minimum(prev, n - 1).astype(np.intp)
    above = np.minimum(prev + 1, n - 1).astype(np.intp)
    a, b = lum_at(below), lum_at(above)
    diff = b - a
    bounds = np.add(a, diff * gamma)
    np.subtract(b, diff * (1 - gamma), out=bounds, where=gamma >= 0.5)
    lo, hi = bounds
    keep = ((_LUM_OF_SUM >= lo) & (_LUM_OF_SUM <= hi))[rgb_sum] & sel
    m = int(np.count_nonzero(keep))
    if m == 0:
        return np.full(3, np.nan, np.float32)  # np.median of no pixels
    keep8 = keep.view(np.uint8)
    out = np.empty(3, np.float32)
    for c in range(3):
        counts = cv2.calcHist([region], [c], keep8, [256], [0, 256]).ravel() if m < 2**24 else \
            np.bincount(region[..., c][keep], minlength=256)
        ccum = np.cumsum(counts.astype(np.int64))
        at = lambda k: np.float32(np.searchsorted(ccum, k, side="right"))  # noqa: E731
        out[c] = at(m // 2) if m % 2 else (at(m // 2 - 1) + at(m // 2)) / np.float32(2)
    return out


def paper_colour(px: np.ndarray) -> np.ndarray:
    """Median colour of the pixels (N x 3) between the PAPER_BAND luminance percentiles:
    light enough to be paper, not so light as to be a JPEG ringing halo beside a stroke."""
    lum = px.mean(axis=1)
    lo, hi = np.percentile(lum, PAPER_BAND)
    return np.median(px[(lum >= lo) & (lum <= hi)], axis=0)
