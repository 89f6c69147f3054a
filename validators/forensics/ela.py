"""Error level analysis and noise consistency for JPEG-sourced pages (IMAGE_TAMPERED).

ELA: re-save the image as JPEG at a known quality and look at the difference. Regions
compressed the same number of times as the rest of the page show the same error level;
a patch pasted from another image (or re-typed and saved once) stands out. The score of a
region is the ratio of its mean error level to the page's median block level, so the
absolute quality of the photo does not matter. Noise: the median absolute deviation of a
high-pass residual inside the region against the page; pasted digital text is noise-free
on a noisy photo, or the other way round.
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

BBox = tuple[float, float, float, float]

ELA_QUALITY = 90
ELA_RATIO = 2.5  # region mean / page median block level
NOISE_RATIO = 3.0  # noise level ratio either way


def ela_map(image: Image.Image, quality: int = ELA_QUALITY) -> np.ndarray:
    rgb = image.convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=quality)
    again = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    diff = np.abs(np.asarray(rgb, dtype=np.int16) - np.asarray(again, dtype=np.int16))
    return diff.max(axis=2).astype(np.float32)


def _block_levels(arr: np.ndarray, block: int = 16) -> np.ndarray:
    h, w = arr.shape
    h2, w2 = h - h % block, w - w % block
    return arr[:h2, :w2].reshape(h2 // block, block, w2 // block, block).mean(axis=(1, 3))


def _noise(gray: np.ndarray) -> np.ndarray:
    return np.abs(gray - cv2.medianBlur(gray.astype(np.uint8), 3).astype(np.float32))


def _crop(arr: np.ndarray, bbox: BBox) -> np.ndarray:
    h, w = arr.shape[:2]
    x0, y0, x1, y1 = bbox
    return arr[max(0, int(y0 * h)):min(h, int(np.ceil(y1 * h))), max(0, int(x0 * w)):min(w, int(np.ceil(x1 * w)))]


def region_scores(image_path: str, bboxes: list[BBox]) -> list[dict[str, float]]:
    """Per bbox: ELA ratio and noise ratio against the whole page."""
    with Image.open(image_path) as im:
        im.load()
        ela = ela_map(im)
        gray = np.asarray(im.convert("L"), dtype=np.float32)
    page_ela = float(np.median(_block_levels(ela))) + 0.5  # +0.5: clean pages have median 0
    noise = _noise(gray)
    page_noise = float(np.median(_block_levels(noise))) + 0.5
    out = []
    for bb in bboxes:
        e, n = _crop(ela, bb), _crop(noise, bb)
        if e.size == 0:
            out.append({"ela_ratio": 0.0, "noise_ratio": 1.0})
            continue
        # The brightest block of the region, not its mean: a pasted patch may cover part only.
        levels = _block_levels(e, 8) if min(e.shape) >= 8 else e
        nlev = _block_levels(n, 8) if min(n.shape) >= 8 else n
        out.append({
            "ela_ratio": round((float(levels.max()) + 0.5) / page_ela, 2),
            "noise_ratio": round((float(np.median(nlev)) + 0.5) / page_noise, 2),
        })
    return out


def suspicious(score: dict[str, float]) -> bool:
    n = score["noise_ratio"]
    return score["ela_ratio"] >= ELA_RATIO or n >= NOISE_RATIO or n <= 1 / NOISE_RATIO
