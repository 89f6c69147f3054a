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
look-alikes; in a batch, which pairs are tried at all is decided by candidates.py, whose shade
code also stands in for the crop-resistant hash), and the images are aligned by ORB features and a RANSAC affine fit and
compared tile by tile (40x40 tiles with content, at 800 px width, Gaussian σ 1.5).

Agreeing tiles do not make one scan: certificates printed from one template for different
people differ only in the holder's data, which can sit in tiles that are mostly decoration.
A pair is one scan ("same_scan") when the texture of its blank paper — what the sheet and the
scanner added, which a second printing does not share — agrees (see "one scan or two
printings" below), or, on pages that carry no texture (drawn or exported), when no mark
differs anywhere, looked for at the pages' own resolution. A pair whose content matches but
whose texture says two scans, or cannot say, is "same_content" / "look_alike": for a
reviewer, never proof.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import imagehash
import numpy as np
from PIL import Image

from extractors import page_raster
from extractors.page_image import load_rgb_array
from extractors.page_memo import page_memo

PHASH_CANDIDATE = 16  # bits of 64; crops of 3-4 % measured 12
CROP_CANDIDATE = 28  # phash bound for the crop-resistant route (15 % crop + JPEG measured 26)
TILE_CORRELATION_MIN = 0.85
WORK_WIDTH = 800
_TILE = 40
# Nearly every pair that reaches the alignment is two pages of one template that state
# different things, and the number of such pairs grows with the square of the batch (9029
# on the 32-dossier generated batch, none a copy). The same tiles at half the working width
# cost about a quarter, and a pair whose lowest correlation there is below COARSE_REJECT is
# not measured at full width. Measured on the first 10 of those dossiers: all 2189 aligned
# pairs measured below 0.48 at half width (at full width -0.97 to 0.28); 198 synthetic
# copies of their pages (JPEG 40, crops of 3-4 % with JPEG 50 and uneven scaling, 60 %
# scale, rotations of 1-2°) that reach TILE_CORRELATION_MIN at full width measured >= 0.82
# at half width. At a quarter width, text lines blur into bars and the same form filled in
# otherwise measured 0.62.
COARSE_FACTOR = 2
COARSE_REJECT = 0.5


@dataclass
class PageFingerprint:
    phash: Any  # imagehash.ImageHash
    dhash: Any
    gray: np.ndarray = field(repr=False)  # WORK_WIDTH-wide grayscale
    keypoints: Any = field(repr=False, default=None)
    descriptors: Any = field(repr=False, default=None)
    crop_resistant: Any = None  # imagehash.ImageMultiHash, for person documents only (slow)
    # pictorial blocks (a portrait, a pasted picture): (box in WORK_WIDTH pixels, REGION_SIZE crop)
    regions: list = field(repr=False, default_factory=list)
    digest: str = ""  # of the working image: names the fingerprint in the page memo
    # for the candidate search (validators/forensics/candidates.py): the blank paper's
    # shading (candidates.shade_cells), None on a page without scan texture, and that
    # texture's level
    shade: Any = field(repr=False, default=None)
    texture: float = 0.0
    # the page image it was made from, for a look at full resolution (not part of the memo:
    # the same bytes elsewhere are the same fingerprint)
    path: str = field(default="", compare=False)
    # the working image losslessly compressed, kept by without_pixels where reading the page
    # file again would cost far more than decoding this (a 300 dpi page)
    packed: Any = field(repr=False, default=None, compare=False)

    def memo_key(self) -> str:
        return f"{self.digest}:{self.crop_resistant is not None}:{len(self.regions)}"


def fingerprint(image_path: str, crop_resistant: bool = False, regions: bool = False,
                features: bool = True) -> PageFingerprint | None:
    """Hashes and ORB features of a page image; None if it cannot be read.

    `crop_resistant` adds imagehash's segment-wise hash (see _fingerprint). Without
    `features`, the ORB features are left out and made when the page is first aligned
    (features()): a batch aligns only its candidate pairs' pages."""
    return _with_gray(_located(_fingerprint(image_path, crop_resistant, regions, features), image_path))


def fingerprint_light(image_path: str, crop_resistant: bool = False, regions: bool = False,
                      features: bool = False) -> PageFingerprint | None:
    """The fingerprint as a batch index holds it: its working image left out (see
    without_pixels) and given back by with_pixels for the pages that are aligned."""
    return _located(_fingerprint(image_path, crop_resistant, regions, features), image_path)


def _fingerprint_uncached(image_path: str, crop_resistant: bool = False, regions: bool = False,
                          features: bool = True) -> PageFingerprint | None:
    return _with_gray(_located(_fingerprint.uncached(image_path, crop_resistant, regions, features), image_path))


def _with_gray(fp: PageFingerprint | None) -> PageFingerprint | None:
    try:
        return None if fp is None else with_pixels(fp)
    except PixelsGone:  # the page file changed since it was just read
        return None


fingerprint.uncached = _fingerprint_uncached  # type: ignore[attr-defined]


def _located(fp: PageFingerprint | None, image_path: str) -> PageFingerprint | None:
    return None if fp is None else replace(fp, path=str(image_path))


@page_memo
def _fingerprint(image_path: str, crop_resistant: bool = False, regions: bool = False,
                 features: bool = True) -> PageFingerprint | None:
    """`crop_resistant` adds imagehash's segment-wise hash (about 0.3-0.7 s a page here), which
    still pairs a copy cropped 10-15 % (phash distance 18-26, beyond PHASH_CANDIDATE)."""
    try:
        rgb = load_rgb_array(image_path)
    except (OSError, ValueError):
        return None
    g = _working_gray(rgb)
    small = Image.fromarray(g)  # hashing the 800 px copy: same bits, a tenth of the time
    ph, dh = imagehash.phash(small), imagehash.dhash(small)
    pts, des = _orb(g) if features else (None, None)
    crh = None
    if crop_resistant:
        thumb = small.resize((300, max(1, int(small.height * 300 / small.width))))
        crh = imagehash.crop_resistant_hash(thumb, min_segment_size=100, segmentation_image_size=200)
    regs = pictorial_regions(rgb, g) if regions else []
    digest = hashlib.sha256(g.tobytes()).hexdigest()[:32]
    from validators.forensics import candidates

    level = texture_level(g)
    shade = candidates.shade_cells(g) if level >= candidates.THRESHOLDS["texture_min"] else None
    # Kept (and memoised) without its working image, which is nearly all of its size: a
    # memo entry then costs no compression of a megabyte of pixels, and reads back fast.
    return _pixels_dropped(PageFingerprint(ph, dh, g, pts, des, crh, regs, digest, shade, round(level, 3)),
                           large=rgb.shape[1] > 2 * WORK_WIDTH)


def _working_gray(rgb: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # One working width for every page, so that tile size and blur mean the same fraction
    # of the page whatever the scan resolution (small images are upscaled).
    scale = WORK_WIDTH / g.shape[1]
    return cv2.resize(g, (WORK_WIDTH, max(1, int(round(g.shape[0] * scale)))),
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def without_pixels(fp: PageFingerprint | None) -> PageFingerprint | None:
    """The fingerprint without its working image, where the page file it came from can give
    it back (with_pixels): a batch holds every page's fingerprint, and the working images
    are nearly all of their memory, while only the few candidate pairs are aligned. A page
    file over twice the working width (decoding it costs some 30 times more) leaves the
    image compressed in the fingerprint instead (a rendered page packs to a fraction)."""
    if fp is None or fp.gray is None or not fp.path or not fp.digest:
        return fp
    try:
        large = page_raster.image_size(fp.path)[0] > 2 * WORK_WIDTH
    except (OSError, ValueError):
        return fp
    return _pixels_dropped(fp, large)


def _pixels_dropped(fp: PageFingerprint, large: bool) -> PageFingerprint:
    packed = cv2.imencode(".png", fp.gray, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes() if large else None
    return replace(fp, gray=None, packed=packed)


class PixelsGone(Exception):
    """A fingerprint's page file no longer gives its working image (moved, or rewritten)."""


_GRAY_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
# Working images kept decoded: a candidate page is met once for each of its partners, and
# the pages of one template's cluster are partners of each other. About 1 MB each.
GRAY_KEPT = 64
FEATURES_KEPT = 256  # ORB points and descriptors, some 20 kB a page


def with_pixels(fp: PageFingerprint) -> PageFingerprint:
    """The fingerprint with its working image, read again from its page file if it was
    dropped (without_pixels); the image must hash to the fingerprint's digest."""
    if fp.gray is not None:
        return fp

    def load() -> np.ndarray:
        if fp.packed is not None:
            return cv2.imdecode(np.frombuffer(fp.packed, np.uint8), cv2.IMREAD_UNCHANGED)
        try:
            g = _working_gray(load_rgb_array(fp.path))
        except (OSError, ValueError) as exc:
            raise PixelsGone(fp.path) from exc
        if hashlib.sha256(g.tobytes()).hexdigest()[:32] != fp.digest:
            raise PixelsGone(fp.path)
        return g

    return replace(fp, gray=_kept(_GRAY_CACHE, fp.digest, load, size=GRAY_KEPT), packed=None)


def tile_agreement(a: PageFingerprint, b: PageFingerprint) -> float | None:
    """Lowest correlation over content tiles after aligning b onto a; None if no alignment."""
    return _tile_agreement(a, b, coarse_reject=None)[0]


def _orb(g: np.ndarray) -> tuple[np.ndarray, Any]:
    kp, des = cv2.ORB_create(500).detectAndCompute(g, None)
    # Only the points' positions are used; plain arrays keep the fingerprint picklable
    # (page memo, other processes), which cv2.KeyPoint objects are not.
    return np.float32([k.pt for k in kp]).reshape(-1, 2), des


_FEATURE_CACHE: OrderedDict[str, tuple] = OrderedDict()


def features(fp: PageFingerprint) -> tuple[np.ndarray, Any]:
    """(ORB point positions, descriptors) of a fingerprint, made from its working image if
    the fingerprint was made without them."""
    if fp.keypoints is not None:
        return fp.keypoints, fp.descriptors
    if not fp.digest:  # not named by its image: nothing to keep it under
        return _orb(with_pixels(fp).gray)
    return _kept(_FEATURE_CACHE, fp.digest, lambda: _page_features(fp), size=FEATURES_KEPT)


@page_memo
def _page_features(fp: PageFingerprint) -> tuple[np.ndarray, Any]:
    """`features` made, and kept in the page memo by the working image's digest: a page
    aligned once is aligned again when a dossier added later brings a new partner, and
    its features then come from the memo (the pairs already measured do too)."""
    return _orb(with_pixels(fp).gray)


def _align(a: PageFingerprint, b: PageFingerprint) -> np.ndarray | None:
    """The affine map of b's working image onto a's, from ORB matches; None if too few agree."""
    (ka, da), (kb, db) = features(a), features(b)
    if da is None or db is None or len(ka) < 20 or len(kb) < 20:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    if len(matches) < 20:
        return None
    src = np.float32([kb[m.trainIdx] for m in matches])
    dst = np.float32([ka[m.queryIdx] for m in matches])
    # Full affine, not similarity: scanners and re-saves scale x and y differently.
    M, inliers = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3)
    if M is None or inliers is None or int(inliers.sum()) < 15:
        return None
    return M


def _tile_agreement(a: PageFingerprint, b: PageFingerprint, coarse_reject: float | None) -> tuple[float | None, bool]:
    """(lowest tile correlation, whether it was measured only at COARSE_FACTOR). With
    `coarse_reject`, a pair whose coarse lowest correlation is below it is answered from
    the coarse measurement alone (the alignment is computed once: RANSAC is random)."""
    M = _align(a, b)
    if M is None:
        return None, False
    a, b = with_pixels(a), with_pixels(b)
    if coarse_reject is not None:
        coarse = _worst_tile(a, b, M, COARSE_FACTOR)
        if coarse is not None and coarse < coarse_reject:
            return coarse, True
    return _worst_tile(a, b, M, 1), False


def _worst_tile(a: PageFingerprint, b: PageFingerprint, M: np.ndarray, factor: int) -> float | None:
    """Lowest correlation over content tiles of b warped by M onto a, at 1/factor of the
    working width (tiles, grid and margins scaled with it)."""
    corr = _tile_map(a, b, M, factor)
    if corr is None:
        return None
    return float(np.nanmin(corr)) if np.isfinite(corr).any() else 1.0


def _tile_map(a: PageFingerprint, b: PageFingerprint, M: np.ndarray, factor: int) -> np.ndarray | None:
    """Correlation of each content tile of b warped by M onto a (NaN where neither page has
    content), on a grid of half-tile steps; None if too few content tiles overlap."""
    A, grid, ma, maa = _reference_side(a, factor)
    h, w = A.shape
    gb = _reduced(b.gray, factor)
    if factor != 1:
        # the linear part is scale-free; the shift is in pixels, between pixel centres
        # (reduced pixel i covers full pixels factor*i … factor*i + factor-1)
        c = (factor - 1) / 2
        M = M.copy()
        M[:, 2] = (M[:, 2] + c * (M[:, :2].sum(axis=1) - 1)) / factor
    warped = cv2.warpAffine(gb, M, (w, h), borderValue=255).astype(np.float32)
    valid = cv2.warpAffine(np.ones_like(gb), M, (w, h), borderValue=0)
    border = max(3, 9 // factor)
    valid = cv2.erode(valid, np.ones((border, border), np.uint8))
    # Tile statistics for all tiles at once: box means of a, b, a², b², ab sampled at the
    # centres of 40x40 tiles on a 20 px grid at full width (same as looping over tiles,
    # 100x faster).
    # a's side depends on a alone: computed once for all the pages a is compared with.
    B = _smoothed(warped, factor)
    tile = _TILE // factor
    k = (tile, tile)
    mean = lambda x: cv2.blur(x, k, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    mb = mean(B)[grid]
    va, vb = maa - ma * ma, mean(B * B)[grid] - mb * mb
    cov = mean(A * B)[grid] - ma * mb
    inside = cv2.erode(valid, np.ones(k, np.uint8))[grid]
    # blank paper on both sides says nothing (std < 12 grey levels)
    # Reduced, a tile's variance is lower; near-blank tiles at the floor correlate on noise.
    floor = 144 if factor == 1 else 300
    content = (inside > 0) & ((va >= floor) | (vb >= floor))
    denom = np.sqrt(np.clip(va, 0, None) * np.clip(vb, 0, None))
    corr = np.where(denom > 1e-3, cov / np.maximum(denom, 1e-3), 0.0)
    # Overlap too small to judge (e.g. a 10 % crop of a page) is not a match.
    if int(content.sum()) < 20:
        return None
    return np.where(content, corr, np.nan)


def _reduced(gray: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return gray
    h, w = gray.shape
    return cv2.resize(gray, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)


def _smoothed(img: np.ndarray, factor: int) -> np.ndarray:
    # σ 1.5 at full width evens out scan noise and JPEG ringing. Reduced, σ 1 also evens
    # out the bilinear resampling of the warp, which blurs b's side by up to half a reduced
    # pixel more than a's (unblurred at a quarter width, copies scaled or cropped measured
    # far lower than at full width).
    return cv2.GaussianBlur(img, (0, 0), 1.5 if factor == 1 else 1.0)


_REFERENCE_CACHE: OrderedDict[str, tuple] = OrderedDict()
_REFERENCE_LOCK = threading.Lock()


def _kept(cache: OrderedDict, key: str, make, size: int = 8):
    """The value for `key` from a small most-recently-used cache (`size` entries; 8 of the
    reference sides are ~4 MB each at full width), made by `make()` on a miss; no key, no
    caching."""
    with _REFERENCE_LOCK:
        hit = cache.get(key) if key else None
        if hit is not None:
            cache.move_to_end(key)
            return hit
    value = make()
    if key:
        with _REFERENCE_LOCK:
            cache[key] = value
            while len(cache) > size:
                cache.popitem(last=False)
    return value


def _reference_side(a: PageFingerprint, factor: int = 1) -> tuple:
    """(blurred a, tile grid, box mean of a, box mean of a²) at the grid points. A page is
    compared with many others in a row (reused_image_flags loops over the other pages for
    each of a dossier's pages), so the last few are kept; keyed by the working image's
    digest, the values are exactly what each comparison would compute."""
    return _kept(_REFERENCE_CACHE, f"{a.digest}:{a.gray.shape}:{factor}" if a.digest else "",
                 lambda: _make_reference_side(a, factor))


def _make_reference_side(a: PageFingerprint, factor: int) -> tuple:
    A = _smoothed(_reduced(a.gray, factor).astype(np.float32), factor)
    h, w = A.shape
    tile = _TILE // factor
    k = (tile, tile)
    ys = np.arange(tile // 2, h - tile // 2 + 1, tile // 2)
    xs = np.arange(tile // 2, w - tile // 2 + 1, tile // 2)
    grid = np.ix_(ys, xs)
    ma = cv2.blur(A, k, borderType=cv2.BORDER_REFLECT)[grid]
    maa = cv2.blur(A * A, k, borderType=cv2.BORDER_REFLECT)[grid]
    return A, grid, ma, maa


# ---------------------------------------------------------------- one scan or two printings
# Pages printed from one template share everything but the holder's data, and the tiles that
# hold it can be mostly decoration (a name in large type inside an ornamented frame), so no
# threshold on tile correlation tells a reused scan from a second printing. What only one
# scan shares is what the scanner added: paper fibre, sensor noise, JPEG block noise. That
# texture is compared in blank paper only (away from any print, where two printings of one
# template agree by design), block by block, by phase correlation of the high-pass residual:
# a reused scan, re-saved, cropped, scaled, turned or retouched elsewhere, keeps a sharp peak;
# two sheets' textures are independent and give none. Phase correlation finds the peak wherever
# it is, so a residual misfit of the feature alignment (a pixel or two) does not hide it.
# Rows and columns are centred first, so the fixed column pattern of a scanner's sensor,
# which every page scanned on it shares, is not taken for a shared scan; blocks whose
# residual is well above the page's blank-paper level (a faint printed guilloché or
# microprint, which two printings share) are left out. A page with no texture at all (drawn,
# or exported from a document) is judged on content alone: the pair is one image only if no
# mark differs anywhere, looked for with a pixel of tolerance rather than through tile
# correlations, at the working width and again at the pages' own resolution. A pair whose
# content is the same throughout but whose textures are independent (or inconclusive) may be
# one document scanned twice, or a template page without holder data printed twice: the
# verdict says so and the flags leave it to a reviewer.
NOISE_BLOCK = 64
NOISE_BLOCKS_MAX = 16
NOISE_BLOCKS_MIN = 4
NOISE_FLOOR_MIN = 0.5  # residual std (grey levels) below which a page's texture cannot show two sheets apart
# Below NOISE_FLOOR_MIN, down to the candidate search's texture floor (a page that has a shade
# code), a copy re-saved hard keeps little of its scan's texture: no shared peak there proves
# nothing (the pair is judged on content alone, as a page without texture), but a shared peak
# still proves one scan, since two sheets' textures give none at any level.
NOISE_SAME = 0.3  # median peak response at or above: one scan
NOISE_INDEPENDENT = 0.15  # at or below: two sheets; between, inconclusive
MARK_CONTRAST = 10  # grey levels below the local paper level: print, not paper
INK_DIFFERENCE = 0.35  # of the page's print contrast, beyond a pixel's misfit
INK_DIFFERENCE_AREA = 5  # working-width pixels of differing marks close together: a changed word
AGREE_MIN = 0.5  # of the content tiles, coarse: below, not one layout (no texture test)


@dataclass
class _Surface:
    """What the same-scan tests read from one page at the working width."""
    residual: np.ndarray  # high-pass: the scan's texture
    marks: np.ndarray  # bool: printed, written or stamped (with a margin for JPEG ringing)


def _surface(g: np.ndarray) -> _Surface:
    g = g.astype(np.float32)
    smooth = cv2.GaussianBlur(g, (0, 0), 1.5)
    paper = cv2.dilate(smooth, np.ones((15, 15), np.uint8))  # the lightest around: the paper
    marks = cv2.dilate(((paper - smooth) > MARK_CONTRAST).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    return _Surface(g - smooth, marks)


def _block_std(r: np.ndarray, m: np.ndarray) -> float:
    v = r[m]
    return float(v.std()) if v.size else 0.0


@dataclass
class _Reference:
    """a's side of the same-scan tests, computed once for all the pages a is compared with:
    its surface, and its blank-paper blocks (top-left corners) with their texture level."""
    surface: _Surface
    blocks: list
    level: float


_SURFACE_CACHE: OrderedDict[str, _Reference] = OrderedDict()


def _reference_surface(a: PageFingerprint) -> _Reference:
    return _kept(_SURFACE_CACHE, f"{a.digest}:{a.gray.shape}" if a.digest else "", lambda: _make_reference_surface(a))


def _make_reference_surface(a: PageFingerprint) -> _Reference:
    sf, found, level = _blank_blocks(a.gray)
    # a faint printed pattern (guilloché, microprint) raises a block's residual above the
    # blank paper's: two printings share it, so such blocks are left out
    plain = [(y, x) for y, x, s in found if s <= 2 * level]
    return _Reference(sf, plain, level)


def texture_level(gray: np.ndarray) -> float:
    """The scan texture's level in the page's blank paper (grey levels of high-pass residual;
    below NOISE_FLOOR_MIN a page has none to compare)."""
    return _blank_blocks(gray)[2]


def _blank_blocks(gray: np.ndarray) -> tuple:
    """(surface, blank blocks as (y, x, texture level), the page's texture level)."""
    sf = _surface(gray)
    n, mg = NOISE_BLOCK, _NOISE_MARGIN
    h, w = gray.shape
    ny, nx = len(range(mg, h - n - mg + 1, n)), len(range(mg, w - n - mg + 1, n))
    found = []
    if ny > 0 and nx > 0:
        # every block at once: its quiet (unprinted) share and the residual's spread there
        cut = (slice(mg, mg + ny * n), slice(mg, mg + nx * n))
        # (an area reduction by a whole factor is each block's mean)
        quiet = (~sf.marks[cut]).astype(np.float32)
        r = sf.residual[cut] * quiet
        block_mean = lambda x: cv2.resize(x, (nx, ny), interpolation=cv2.INTER_AREA).astype(np.float64)  # noqa: E731
        share = block_mean(quiet)
        mean = block_mean(r) / np.maximum(share, 1e-9)
        std = np.sqrt(np.clip(block_mean(r * r) / np.maximum(share, 1e-9) - mean * mean, 0, None))
        for i, j in zip(*np.nonzero(share >= 0.7 - 1e-6)):
            found.append((mg + int(i) * n, mg + int(j) * n, float(std[i, j])))
    level = float(np.percentile([f[2] for f in found], 30)) if found else 0.0
    return sf, found, level


_NOISE_MARGIN = 16  # around a block, for the blur and the paper-level window


def _warp_full(a: PageFingerprint, b: PageFingerprint, M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = a.gray.shape
    gb = cv2.warpAffine(b.gray, M, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    valid = cv2.warpAffine(np.ones_like(b.gray), M, (w, h), borderValue=0)
    return gb, cv2.erode(valid, np.ones((15, 15), np.uint8)) > 0


def _centred(p: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The residual inside the mask with each row's and column's mean removed."""
    p = np.where(m, p, 0).astype(np.float32)
    mf = m.astype(np.float32)
    p -= (p.sum(0, keepdims=True) / np.maximum(mf.sum(0, keepdims=True), 1)) * mf
    p -= (p.sum(1, keepdims=True) / np.maximum(mf.sum(1, keepdims=True), 1)) * mf
    return p


def _noise_agreement(a: PageFingerprint, b: PageFingerprint, M: np.ndarray) -> dict[str, Any]:
    """Scan texture compared in blank paper: median phase-correlation peak over up to
    NOISE_BLOCKS_MAX blocks, and each page's texture level. Only the candidate blocks of b
    are warped and measured (a whole-page surface of b cost several times more), and a
    first round spread over the page ends the test when no block shows a shared texture:
    nearly every pair measured is two printings of one template."""
    ref = _reference_surface(a)
    out: dict[str, Any] = {"noise_blocks": 0}
    if len(ref.blocks) < NOISE_BLOCKS_MIN:
        return out
    pick = np.linspace(0, len(ref.blocks) - 1, min(2 * NOISE_BLOCKS_MAX, len(ref.blocks))).round().astype(int)
    rounds = [pick[::4], np.setdiff1d(pick, pick[::4])]
    back = cv2.invertAffineTransform(M)
    measured: list = []
    for k, round_ in enumerate(rounds):
        measured += [m for m in (_texture_block(ref, b, M, back, *ref.blocks[i]) for i in round_) if m is not None]
        verdict = _texture_verdict(measured, ref.level)
        out = {"noise_blocks": 0, **verdict}  # the last round's figures alone
        if k == 0 and verdict.get("noise_measured", 0) >= NOISE_BLOCKS_MIN and verdict["noise_max"] <= NOISE_INDEPENDENT:
            break
    out.pop("noise_max", None)
    out.pop("noise_measured", None)
    return out


def _texture_block(ref: _Reference, b: PageFingerprint, M: np.ndarray, back: np.ndarray, y: int, x: int):
    """(a's residual, b's residual, blank-in-both mask, b's texture level) of one block of
    a's page, or None where b does not cover it or is printed on."""
    n, mg = NOISE_BLOCK, _NOISE_MARGIN
    hb, wb = b.gray.shape
    corners = np.array([[x, y, 1], [x + n, y, 1], [x, y + n, 1], [x + n, y + n, 1]], np.float64) @ back.T
    if corners.min() < 1 or corners[:, 0].max() > wb - 2 or corners[:, 1].max() > hb - 2:
        return None
    Mi = M.copy()
    Mi[:, 2] -= (x - mg, y - mg)
    crop = cv2.warpAffine(b.gray, Mi, (n + 2 * mg, n + 2 * mg), flags=cv2.INTER_LINEAR, borderValue=255)
    sb = _surface(crop)
    quiet = ~ref.surface.marks[y:y + n, x:x + n] & ~sb.marks[mg:-mg, mg:-mg]
    if quiet.mean() < 0.6:
        return None
    rb = sb.residual[mg:-mg, mg:-mg]
    return ref.surface.residual[y:y + n, x:x + n], rb, quiet, _block_std(rb, quiet)


def _texture_verdict(measured: list, level_a: float) -> dict[str, Any]:
    if len(measured) < NOISE_BLOCKS_MIN:
        return {"noise_blocks": 0}
    level_b = float(np.percentile([m[3] for m in measured], 30))
    out: dict[str, Any] = {"noise_blocks": 0, "noise_level": [round(level_a, 2), round(level_b, 2)]}
    if min(level_a, level_b) < _texture_floor():
        return out
    plain = [m for m in measured if m[3] <= 2 * level_b]
    if len(plain) < NOISE_BLOCKS_MIN:
        return out
    keep = np.linspace(0, len(plain) - 1, min(NOISE_BLOCKS_MAX, len(plain))).round().astype(int)
    responses = [cv2.phaseCorrelate(_centred(plain[i][0], plain[i][2]), _centred(plain[i][1], plain[i][2]))[1]
                 for i in keep]
    response = float(np.median(responses))
    out.update(noise_measured=len(responses), noise_max=float(max(responses)))
    if min(level_a, level_b) < NOISE_FLOOR_MIN and response < NOISE_SAME:
        # a weak texture without a shared peak: no evidence either way (the figure is kept
        # for the benchmarks' margins)
        out["noise_weak_response"] = round(response, 3)
        return out
    out.update(noise_blocks=len(responses), noise_response=round(response, 3))
    return out


def _texture_floor() -> float:
    from validators.forensics import candidates

    return candidates.THRESHOLDS["texture_min"]


def _ink_difference(a_gray: np.ndarray, gb: np.ndarray, valid: np.ndarray) -> tuple[int, tuple | None]:
    """(area in pixels, box as page fractions) of the largest mark one page has and the
    other lacks within a pixel, at the working width. Thin strokes (a name filled in by
    hand over an ornament) are kept: the blur is lighter than the tiles'."""
    h, w = valid.shape
    da, db = _darkness(a_gray), _darkness(gb)
    k = np.ones((3, 3), np.uint8)
    diff = np.maximum(da - cv2.dilate(db, k), db - cv2.dilate(da, k))
    mask = ((diff > INK_DIFFERENCE) & valid).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    # A changed word broken up by an ornament is many small pieces: pieces within a few
    # pixels of each other count as one difference.
    near = max(3, w // 100)
    groups = cv2.dilate(mask, np.ones((near, near), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(groups, 8)
    if n <= 1:
        return 0, None
    area = np.bincount(labels.ravel(), weights=mask.ravel().astype(np.float64), minlength=n)
    i = 1 + int(np.argmax(area[1:]))
    x, y, bw, bh, _ = (int(v) for v in stats[i])
    return int(area[i]), (round(x / w, 3), round(y / h, 3), round((x + bw) / w, 3), round((y + bh) / h, 3))


FINE_WIDTH_MAX = 2 * WORK_WIDTH


def _fine_difference(a: PageFingerprint, b: PageFingerprint, M: np.ndarray) -> tuple[int, tuple | None] | None:
    """_ink_difference at the pages' own resolution (up to FINE_WIDTH_MAX), in working-width
    pixels; None when the files cannot be read or are no finer than the working width. A name
    filled in over a dense ornament can all but vanish at the working width."""
    if not a.path or not b.path:
        return None
    try:
        ra, rb = load_rgb_array(a.path), load_rgb_array(b.path)
    except (OSError, ValueError):
        return None
    width = min(FINE_WIDTH_MAX, ra.shape[1], rb.shape[1])
    f = width / WORK_WIDTH
    if f < 1.25:
        return None
    ga = cv2.resize(cv2.cvtColor(ra, cv2.COLOR_RGB2GRAY), (width, int(round(a.gray.shape[0] * f))), interpolation=cv2.INTER_AREA)
    gb = cv2.resize(cv2.cvtColor(rb, cv2.COLOR_RGB2GRAY), (width, int(round(b.gray.shape[0] * f))), interpolation=cv2.INTER_AREA)
    # the working-width map, enlarged by f (pixel centres: p_fine = f * p + (f - 1) / 2)
    Mf = M.copy()
    c = (f - 1) / 2
    Mf[:, 2] = M[:, 2] * f + c * (1 - M[:, :2].sum(axis=1))
    h, w = ga.shape
    warped = cv2.warpAffine(gb, Mf, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    valid = cv2.warpAffine(np.ones_like(gb), Mf, (w, h), borderValue=0)
    valid = cv2.erode(valid, np.ones((int(15 * f), int(15 * f)), np.uint8)) > 0
    # the feature fit is good to a pixel or so at the working width, which at this resolution
    # would let a stroke hide behind its neighbour: the remaining shift is measured and removed
    # (measured on the middle of the page: the shift left by an affine fit is one shift)
    s = min(512, h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    win = cv2.createHanningWindow((s, s), cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(ga[y0:y0 + s, x0:x0 + s].astype(np.float32),
                                     warped[y0:y0 + s, x0:x0 + s].astype(np.float32), win)
    if abs(dx) < 3 and abs(dy) < 3:
        Mf[:, 2] -= (dx, dy)
        warped = cv2.warpAffine(gb, Mf, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    area, box = _ink_difference(ga, warped, valid)
    return int(round(area / (f * f))), box


def _darkness(g: np.ndarray) -> np.ndarray:
    """How far below the local paper level each pixel is, as a fraction of the page's
    print contrast."""
    s = cv2.GaussianBlur(g.astype(np.float32), (0, 0), 0.7)
    below = cv2.dilate(s, np.ones((15, 15), np.uint8)) - s
    return below / max(float(np.percentile(below[::3, ::3], 99.5)), 20.0)


def _differing_tiles(corr: np.ndarray, shape: tuple[int, int], factor: int, below: float) -> list:
    """Boxes (page fractions) of the tiles that disagree, merged into one box per row band:
    where a reviewer should compare the two pages."""
    h, w = shape
    tile = _TILE // factor
    ys, xs = np.nonzero(np.nan_to_num(corr, nan=1.0) < below)
    boxes = []
    for y, x in zip(ys, xs):
        cy, cx = tile // 2 + y * (tile // 2), tile // 2 + x * (tile // 2)
        half = tile // 2
        boxes.append((max(0, cx - half) / w, max(0, cy - half) / h, min(w, cx + half) / w, min(h, cy + half) / h))
    boxes.sort(key=lambda b: (b[1], b[0]))
    merged: list[list[float]] = []
    for b in boxes:
        if merged and b[1] <= merged[-1][3] and b[0] <= merged[-1][2] + 0.05:
            m = merged[-1]
            m[0], m[1], m[2], m[3] = min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])
        else:
            merged.append(list(b))
    return [tuple(round(float(v), 3) for v in m) for m in merged[:6]]


def _textured_radius() -> int:
    from validators.forensics import candidates

    return candidates.THRESHOLDS["textured_phash_radius"]


def near_duplicate(a: PageFingerprint, b: PageFingerprint, selected: bool = False) -> tuple[bool, dict[str, Any]]:
    """(is one scan, measurements) for two fingerprints. info["verdict"] says what the pair
    is: "same_scan" (one scan, whatever else was retouched), "same_content" (nothing differs
    but the textures say two scans), "look_alike" (nothing differs, the texture test is
    inconclusive), "template" (one layout, different content, not one scan), or absent when
    the pages are not one layout."""
    dist = int(a.phash - b.phash)
    info: dict[str, Any] = {"phash_distance": dist}
    # The crop-resistant route only for moderately close pages (crops of 10-15 % measured
    # phash 18-26): it pairs nearly any two pages of one template, and each candidate costs
    # an ORB alignment.
    crop_match = (dist <= CROP_CANDIDATE and a.crop_resistant is not None and b.crop_resistant is not None
                  and a.crop_resistant.matches(b.crop_resistant))
    # A pair the batch's candidate search selected by its shade codes (candidates.page_pairs)
    # is aligned up to its wider phash radius: crops beyond PHASH_CANDIDATE.
    wider = selected and dist <= _textured_radius()
    if dist > PHASH_CANDIDATE and not crop_match and not wider:
        return False, info
    try:
        info.update(_aligned_agreement(a, b))
    except PixelsGone:
        info["min_tile_correlation"] = -1.0
    return info.get("verdict") == "same_scan", info


# Only what follows the hash test is memoised: that test costs less than a lookup, and most
# pairs of a large batch stop there (each would have left a file in the memo: 18 347 on the
# 32-dossier batch, where 9 029 reached the alignment).
@page_memo
def _aligned_agreement(a: PageFingerprint, b: PageFingerprint) -> dict[str, Any]:
    M = _align(a, b)
    if M is None:
        return {"min_tile_correlation": -1.0}
    a, b = with_pixels(a), with_pixels(b)
    coarse = _tile_map(a, b, M, COARSE_FACTOR)
    if coarse is None:
        return {"min_tile_correlation": -1.0}
    worst = float(np.nanmin(coarse)) if np.isfinite(coarse).any() else 1.0
    shown = np.isfinite(coarse)
    agree = float((coarse[shown] >= 0.8).mean()) if shown.any() else 1.0
    out: dict[str, Any] = {"min_tile_correlation": round(worst, 3), "measured_at": f"1/{COARSE_FACTOR}",
                           "agreeing_tiles": round(agree, 3)}
    if worst < COARSE_REJECT and agree < AGREE_MIN:
        return out  # not one layout: nothing more to measure
    out.update(_noise_agreement(a, b, M))
    one_scan = out.get("noise_response", 0.0) >= NOISE_SAME
    full = _tile_map(a, b, M, 1) if worst >= COARSE_REJECT else None
    if full is not None:  # the figure reported is then the full-width one
        out["min_tile_correlation"] = round(float(np.nanmin(full)) if np.isfinite(full).any() else 1.0, 3)
        out.pop("measured_at")
    # whether any mark differs matters only where the texture does not prove one scan
    identical = False
    if full is not None and out["min_tile_correlation"] >= TILE_CORRELATION_MIN and not one_scan:
        gb, valid = _warp_full(a, b, M)
        area, box = _ink_difference(a.gray, gb, valid)
        if area < INK_DIFFERENCE_AREA:
            area, box = _fine_difference(a, b, M) or (area, box)
        out["largest_difference_px"] = area
        identical = area < INK_DIFFERENCE_AREA
        if box and not identical:
            out["largest_difference_at"] = box
    # where a reviewer should compare the two pages: the marks and tiles that differ
    differs = [out["largest_difference_at"]] if "largest_difference_at" in out else []
    if full is not None:
        differs += _differing_tiles(full, a.gray.shape, 1, TILE_CORRELATION_MIN)
    else:
        differs += _differing_tiles(coarse, _reduced(a.gray, COARSE_FACTOR).shape, COARSE_FACTOR, COARSE_REJECT)
    if differs:
        out["differs_at"] = differs[:6]
    response = out.get("noise_response")
    if response is not None and response >= NOISE_SAME:
        out["verdict"] = "same_scan"
    elif response is None:
        # no texture to tell two printings apart: one image only if nothing differs
        out["verdict"] = "same_scan" if identical else "template"
    elif identical:
        out["verdict"] = "same_content" if response <= NOISE_INDEPENDENT else "look_alike"
    else:
        out["verdict"] = "template"
    return out


# ---------------------------------------------------------------- reused picture regions
# A reused ID card whose name and number were retouched keeps its portrait: the whole page
# no longer agrees tile by tile (the text changed), but the portrait does, wherever it sits
# on the page and however the page was re-cropped. Pictorial blocks are found as solid
# mid-grey areas (text strokes vanish under a 7-pixel opening, red seal ink is excluded),
# and two blocks are the same picture when, after an affine ECC alignment of the two crops,
# their grey levels map onto each other almost exactly (gain within 3 %, residual under
# 4 % of the block's contrast). Measured on the generated batches, whose portraits are
# simple silhouettes that differ per person only in a few shape and grey-level parameters:
# the same portrait re-cropped and re-compressed 0.012-0.038 (one pair 0.051, missed);
# different people's portraits ≥ 0.058 at a gain that close. Real portraits differ far more.
# The margin on such look-alike silhouettes is thin, so this route alone is medium severity.
REGION_SIZE = (96, 160)  # w, h: portrait-shaped; blocks of other shapes are compared after resizing
REGION_MIN = 0.05  # of WORK_WIDTH, each side
REGION_MAX = 0.45
REGION_RESIDUAL_MAX = 0.04
REGION_GAIN_TOLERANCE = 0.03
REGION_OFFSET_MAX = 6.0  # grey levels
REGION_ASPECT_TOLERANCE = 0.15


def pictorial_regions(rgb: np.ndarray, gray: np.ndarray) -> list:
    """(box, normalised crop) of each solid pictorial block of a page (full-size arrays)."""
    scale = WORK_WIDTH / gray.shape[1]
    size = (WORK_WIDTH, max(1, int(round(gray.shape[0] * scale))))
    # red over the other channels, reduced once (not the three channels, then compared)
    r, g, b = cv2.split(rgb)
    redness = cv2.resize(cv2.subtract(r, cv2.max(g, b)), size, interpolation=cv2.INTER_AREA)
    sg = gray if gray.shape[::-1] == size else cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    red = redness > 40
    mask = ((sg < 215) & ~red).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
    out = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if not (REGION_MIN * WORK_WIDTH <= min(w, h) and max(w, h) <= REGION_MAX * WORK_WIDTH):
            continue
        X, Y, W, H = (int(round(v / scale)) for v in (x, y, w, h))
        crop = cv2.resize(gray[Y:Y + H, X:X + W], REGION_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)
        crop = cv2.GaussianBlur(crop, (0, 0), 1.0)
        if crop.std() < 5:  # a flat grey box is no picture
            continue
        out.append(((int(x), int(y), int(w), int(h)), crop))
    return out


def same_page_region(a: PageFingerprint, k: int, b: PageFingerprint, m: int) -> tuple[bool, dict[str, float]]:
    """same_region of block k of page a and block m of page b, kept in the page memo (by the
    pages' working images) when both are named: each dossier's judging compares its blocks
    with their neighbours, and a re-run or a dossier added later meets the same pairs again."""
    if a.digest and b.digest:
        return _same_page_region(a, k, b, m)
    return same_region(a.regions[k], b.regions[m])


@page_memo
def _same_page_region(a: PageFingerprint, k: int, b: PageFingerprint, m: int) -> tuple[bool, dict[str, float]]:
    return same_region(a.regions[k], b.regions[m])


def same_region(a, b) -> tuple[bool, dict[str, float]]:
    """Whether two pictorial blocks (entries of PageFingerprint.regions) are one picture."""
    # the larger (better resolved) block is the reference, so the answer is symmetric
    (ba, ca), (bb, cb) = (a, b) if a[0][2] * a[0][3] >= b[0][2] * b[0][3] else (b, a)
    ra, rb = ba[3] / ba[2], bb[3] / bb[2]
    if abs(ra - rb) / ra > REGION_ASPECT_TOLERANCE:
        return False, {}
    za = (ca - ca.mean()) / (ca.std() + 1e-3)
    zb = (cb - cb.mean()) / (cb.std() + 1e-3)
    warp = np.eye(2, 3, dtype=np.float32)
    try:
        _, warp = cv2.findTransformECC(za, zb, warp, cv2.MOTION_AFFINE,
                                       (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5), None, 3)
    except cv2.error:  # no convergence: nothing alike to align
        return False, {}
    w, h = REGION_SIZE
    bw = cv2.warpAffine(cb, warp, (w, h), flags=cv2.INTER_LINEAR + cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    m = 8  # the warped border is extrapolated
    x, y = ca[m:-m, m:-m].ravel(), bw[m:-m, m:-m].ravel()
    design = np.vstack([x, np.ones_like(x)]).T
    (gain, offset), *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = float(np.sqrt(((y - design @ np.array([gain, offset])) ** 2).mean()) / (x.std() + 1e-3))
    info = {"residual": round(residual, 3), "gain": round(float(gain), 3), "offset": round(float(offset), 1)}
    ok = bool(residual <= REGION_RESIDUAL_MAX and abs(gain - 1) <= REGION_GAIN_TOLERANCE
          and abs(offset) <= REGION_OFFSET_MAX)
    return ok, info
