"""Near-duplicate page images (REUSED_IMAGE).

Two stages, because a whole-image perceptual hash cannot tell a re-scanned copy from the
same template filled in with different text. Measured on a PIL-drawn ID-card layout
(1000x630, labels + values + photo box), distances to the original:

| pair                                   | phash 8x8 | phash 16x16 | crop-resistant | min tile corr. |
|----------------------------------------|-----------|-------------|----------------|----------------|
| JPEG q40                               | 2         | 2           | 4              | 0.999          |
| crop 4 % each side                     | 12        | 74          | 6              | 0.991          |
| scale to 60 %                          | 0         | 0           | 1              | 0.999          |
| crop 3 % + JPEG q50 + non-uniform scale| 12        | 58          | 10             | 0.983          |
| rotate 1°                              | 8         | 18          | 8              | 0.964          |
| other person, other photo              | 6         | 20          | 21             | 0.176          |
| other text, same photo box             | 4         | 10          | 1              | 0.177          |
| only the ID number changed             | 2         | 2           | 0              | 0.516          |

A copy cropped 10 % / 15 % (+JPEG q50) measured phash 18 / 26 but still matches by the
crop-resistant hash (segment distance 16 / 5), which is computed for person documents.
So the hashes only select candidates (phash ≤ 16 — tolerant of crops, accepting template
look-alikes), and a candidate is confirmed only when the images, aligned by ORB features
and a RANSAC affine fit, agree tile by tile: every 40x40 tile with content (at 800 px width,
Gaussian σ 1.5) must correlate ≥ 0.85. Copies measured ≥ 0.96, changed text ≤ 0.52.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import imagehash
import numpy as np
from PIL import Image

from extractors.page_image import load_page

PHASH_CANDIDATE = 16  # bits of 64; crops of 3-4 % measured 12
CROP_CANDIDATE = 28  # phash bound for the crop-resistant route (15 % crop + JPEG measured 26)
TILE_CORRELATION_MIN = 0.85
WORK_WIDTH = 800
_TILE = 40


@dataclass
class PageFingerprint:
    phash: Any  # imagehash.ImageHash
    dhash: Any
    gray: np.ndarray = field(repr=False)  # WORK_WIDTH-wide grayscale
    keypoints: Any = field(repr=False, default=None)
    descriptors: Any = field(repr=False, default=None)
    crop_resistant: Any = None  # imagehash.ImageMultiHash, for person documents only (slow)


def fingerprint(image_path: str, crop_resistant: bool = False) -> PageFingerprint | None:
    """Hashes and ORB features of a page image; None if it cannot be read.

    `crop_resistant` adds imagehash's segment-wise hash (about 0.3-0.7 s a page here), which
    still pairs a copy cropped 10-15 % (phash distance 18-26, beyond PHASH_CANDIDATE)."""
    try:
        g = np.asarray(load_page(image_path).convert("L"))
    except (OSError, ValueError):
        return None
    # One working width for every page, so that tile size and blur mean the same fraction
    # of the page whatever the scan resolution (small images are upscaled).
    scale = WORK_WIDTH / g.shape[1]
    g = cv2.resize(g, (WORK_WIDTH, max(1, int(round(g.shape[0] * scale)))),
                   interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    small = Image.fromarray(g)  # hashing the 800 px copy: same bits, a tenth of the time
    ph, dh = imagehash.phash(small), imagehash.dhash(small)
    kp, des = cv2.ORB_create(500).detectAndCompute(g, None)
    crh = None
    if crop_resistant:
        thumb = small.resize((300, max(1, int(small.height * 300 / small.width))))
        crh = imagehash.crop_resistant_hash(thumb, min_segment_size=100, segmentation_image_size=200)
    return PageFingerprint(ph, dh, g, kp, des, crh)


def tile_agreement(a: PageFingerprint, b: PageFingerprint) -> float | None:
    """Lowest correlation over content tiles after aligning b onto a; None if no alignment."""
    if a.descriptors is None or b.descriptors is None or len(a.keypoints) < 20 or len(b.keypoints) < 20:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(a.descriptors, b.descriptors)
    if len(matches) < 20:
        return None
    src = np.float32([b.keypoints[m.trainIdx].pt for m in matches])
    dst = np.float32([a.keypoints[m.queryIdx].pt for m in matches])
    # Full affine, not similarity: scanners and re-saves scale x and y differently.
    M, inliers = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3)
    if M is None or inliers is None or int(inliers.sum()) < 15:
        return None
    h, w = a.gray.shape
    warped = cv2.warpAffine(b.gray, M, (w, h), borderValue=255).astype(np.float32)
    valid = cv2.warpAffine(np.ones_like(b.gray), M, (w, h), borderValue=0)
    valid = cv2.erode(valid, np.ones((9, 9), np.uint8))
    A = cv2.GaussianBlur(a.gray.astype(np.float32), (0, 0), 1.5)
    B = cv2.GaussianBlur(warped, (0, 0), 1.5)
    # Tile statistics for all tiles at once: box means of a, b, a², b², ab sampled at the
    # centres of 40x40 tiles on a 20 px grid (same as looping over tiles, 100x faster).
    k = (_TILE, _TILE)
    mean = lambda x: cv2.blur(x, k, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    ma, mb = mean(A), mean(B)
    va, vb = mean(A * A) - ma * ma, mean(B * B) - mb * mb
    cov = mean(A * B) - ma * mb
    inside = cv2.erode(valid, np.ones(k, np.uint8))
    ys = np.arange(_TILE // 2, h - _TILE // 2 + 1, _TILE // 2)
    xs = np.arange(_TILE // 2, w - _TILE // 2 + 1, _TILE // 2)
    grid = np.ix_(ys, xs)
    va, vb, cov, inside = va[grid], vb[grid], cov[grid], inside[grid]
    # blank paper on both sides says nothing (std < 12 grey levels)
    content = (inside > 0) & ((va >= 144) | (vb >= 144))
    denom = np.sqrt(np.clip(va, 0, None) * np.clip(vb, 0, None))
    corr = np.where(denom > 1e-3, cov / np.maximum(denom, 1e-3), 0.0)[content]
    n = int(corr.size)
    worst = float(corr.min()) if n else 1.0
    # Overlap too small to judge (e.g. a 10 % crop of a page) is not a match.
    return worst if n >= 20 else None


def near_duplicate(a: PageFingerprint, b: PageFingerprint) -> tuple[bool, dict[str, float]]:
    """(is near-duplicate, measurements) for two fingerprints."""
    dist = int(a.phash - b.phash)
    info: dict[str, float] = {"phash_distance": dist}
    # The crop-resistant route only for moderately close pages (crops of 10-15 % measured
    # phash 18-26): it pairs nearly any two pages of one template, and each candidate costs
    # an ORB alignment.
    crop_match = (dist <= CROP_CANDIDATE and a.crop_resistant is not None and b.crop_resistant is not None
                  and a.crop_resistant.matches(b.crop_resistant))
    if dist > PHASH_CANDIDATE and not crop_match:
        return False, info
    corr = tile_agreement(a, b)
    info["min_tile_correlation"] = round(corr, 3) if corr is not None else -1.0
    return (corr is not None and corr >= TILE_CORRELATION_MIN), info
