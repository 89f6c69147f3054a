"""Decoded page images, shared by the steps that look at the same page in turn.

Seal detection, error-level analysis, the paper-colour test, image hashing and the export
of page images each need the decoded 300 dpi page (about 25 MB). A small per-process cache
decodes each page once per dossier instead of once per step. The work folder's pages are
page rasters (extractors/page_raster.py); originals and the OCR's upright copies are PNG
or JPEG, read here too.

The cache holds one read-only RGB array per page (`load_rgb_array`): every step works on
arrays, so no step pays for a PIL -> numpy copy of the whole page (another 25 MB and
~30 ms each time), and an RGB array takes 3 bytes a pixel where a PIL RGB image takes 4.
Callers must not modify the returned arrays or images (the arrays are read-only).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

import cv2
import numpy as np
from PIL import Image

from extractors import page_raster

# Decoded pages kept per process (all worker threads share them), bounded by bytes: a 300 dpi
# A4 render is ~26 MB as an RGB array, a 200 dpi scan taken as its embedded image ~12 MB, so
# a byte budget keeps a whole dossier's smaller pages decoded where a page count would not.
# The judging steps and the page export visit every page of a dossier in turn; a page pushed
# out between them is decoded again. Each byte more is resident memory.
CACHE_BYTES = 400 * 2**20
CACHE_PAGES = 40  # and never more pages than this

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_lock = threading.Lock()
_cache: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()


def _is_plain_rgb_png(path: str) -> bool:
    """An 8-bit RGB PNG without a palette or transparency chunk before the data: what the
    OCR writes for a turned page (extractors.ocr._save_upright). Its
    pixels decode identically with OpenCV (faster) and Pillow."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return False
    if head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return False
    bit_depth, colour_type, interlace = head[24], head[25], head[28]
    if bit_depth != 8 or colour_type != 2 or interlace != 0:
        return False
    idat = head.find(b"IDAT")
    before = head[:idat] if idat >= 0 else head
    return b"tRNS" not in before and b"gAMA" not in before and b"iCCP" not in before and b"sRGB" not in before


def _decode(path: str) -> np.ndarray:
    if page_raster.is_raster(path):
        return page_raster.read(path)
    if _is_plain_rgb_png(path):
        bgr = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)
        if bgr is not None:
            return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    with Image.open(path) as im:
        im.load()
        return np.asarray(im.convert("RGB"))


def load_rgb_array(path: str | os.PathLike) -> np.ndarray:
    """The page as a read-only H x W x 3 uint8 RGB array (exactly what
    `np.asarray(Image.open(path).convert("RGB"))` gives), decoded once while it stays among
    the last CACHE_PAGES pages used. Keyed by path, modification time and size, so a
    rewritten file is decoded again."""
    st = os.stat(path)
    key = (os.fspath(path), st.st_mtime_ns, st.st_size)
    with _lock:
        arr = _cache.get(key)
        if arr is not None:
            _cache.move_to_end(key)
            return arr
    arr = _decode(key[0])
    arr.setflags(write=False)
    with _lock:
        _cache[key] = arr
        _cache.move_to_end(key)
        while len(_cache) > 1 and (len(_cache) > CACHE_PAGES or sum(a.nbytes for a in _cache.values()) > CACHE_BYTES):
            _cache.popitem(last=False)
    return arr


def is_cached(path: str | os.PathLike) -> bool:
    """Whether the page is decoded in the cache now (steps that visit many pages do these
    first, before other pages push them out)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    with _lock:
        return (os.fspath(path), st.st_mtime_ns, st.st_size) in _cache


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def load_page(path: str | os.PathLike) -> Image.Image:
    """The decoded page as an RGB PIL image (a new image over the cached pixels)."""
    return Image.fromarray(load_rgb_array(path), "RGB")
