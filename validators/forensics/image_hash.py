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

PHASH_CANDIDATE = 16  # bits of 64; crops of 3-4 % measured 12
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


def fingerprint(image_path: str) -> PageFingerprint | None:
    """Hashes and ORB features of a page image; None if it cannot be read."""
    try:
        with Image.open(image_path) as im:
            im = im.convert("L")
            ph, dh = imagehash.phash(im), imagehash.dhash(im)
            g = np.asarray(im)
    except (OSError, ValueError):
        return None
    scale = WORK_WIDTH / g.shape[1]
    g = cv2.resize(g, (WORK_WIDTH, max(1, int(round(g.shape[0] * scale)))), interpolation=cv2.INTER_AREA)
    kp, des = cv2.ORB_create(1500).detectAndCompute(g, None)
    return PageFingerprint(ph, dh, g, kp, des)


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
    worst, n = 1.0, 0
    for y in range(0, h - _TILE + 1, _TILE // 2):
        for x in range(0, w - _TILE + 1, _TILE // 2):
            if valid[y:y + _TILE, x:x + _TILE].min() == 0:
                continue
            ta, tb = A[y:y + _TILE, x:x + _TILE].ravel(), B[y:y + _TILE, x:x + _TILE].ravel()
            sa, sb = ta.std(), tb.std()
            if sa < 12 and sb < 12:  # blank paper on both sides says nothing
                continue
            c = float(np.corrcoef(ta, tb)[0, 1]) if sa > 1e-3 and sb > 1e-3 else 0.0
            worst, n = min(worst, c), n + 1
    # Overlap too small to judge (e.g. a 10 % crop of a page) is not a match.
    return worst if n >= 20 else None


def near_duplicate(a: PageFingerprint, b: PageFingerprint) -> tuple[bool, dict[str, float]]:
    """(is near-duplicate, measurements) for two fingerprints."""
    dist = int(a.phash - b.phash)
    info: dict[str, float] = {"phash_distance": dist}
    if dist > PHASH_CANDIDATE:
        return False, info
    corr = tile_agreement(a, b)
    info["min_tile_correlation"] = round(corr, 3) if corr is not None else -1.0
    return (corr is not None and corr >= TILE_CORRELATION_MIN), info
