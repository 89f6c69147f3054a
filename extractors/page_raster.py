"""The work folder's page image files: raw RGB pixels in one LZ4 frame.

A page a reader renders or converts is written once and decoded again by every step that
looks at it (OCR, the batch index's fingerprint, judging, the page export). PNG's deflate
made each of those a large part of a page's cost outside OCR; LZ4 keeps rendered pages about
as small and writes and reads them several times faster (`python -m bench.page_files`
prints the figures). The pixels are exactly those that were written: nothing is resampled or
re-compressed, so error-level analysis still sees a scan's own JPEG traces.

The format is the work folder's alone: submitted originals are never written in it, and
page images are read through `extractors.page_image.load_rgb_array` or
`extractors.ocr.preprocess.load_rgb`, which also read PNG and JPEG (originals, the OCR's
upright copies, test images).

Layout: MAGIC, then height, width and channels (3) as little-endian uint32, then one LZ4
frame holding height * width * 3 bytes, rows top to bottom, RGB.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import lz4.frame
import numpy as np

MAGIC = b"DSPAGE\x00\x01"
SUFFIX = ".rgb.lz4"
_HEADER = struct.Struct("<III")
# What a reader may render (extractors.carriers.common.MAX_RENDER_PIXELS) with room to spare:
# a header claiming more is not one of ours, and no more is ever decompressed.
MAX_PIXELS = 100_000_000


class NotARaster(ValueError):
    """The file is not a page raster, or is cut short or damaged."""


def is_raster(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def write(dest: str | os.PathLike, rgb: np.ndarray) -> None:
    """Write an H x W x 3 uint8 RGB array to `dest`, whole or not at all (a temporary file
    renamed into place: a reader never sees half a page)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"page raster needs H x W x 3 uint8, got {rgb.shape} {rgb.dtype}")
    h, w, c = rgb.shape
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + _HEADER.pack(h, w, c))
        fh.write(lz4.frame.compress(np.ascontiguousarray(rgb).data, compression_level=0, content_checksum=True))
    tmp.replace(dest)


def _header(head: bytes) -> tuple[int, int, int]:
    if len(head) < len(MAGIC) + _HEADER.size or head[:len(MAGIC)] != MAGIC:
        raise NotARaster("not a page raster")
    h, w, c = _HEADER.unpack_from(head, len(MAGIC))
    if c != 3 or not 0 < h * w <= MAX_PIXELS:
        raise NotARaster(f"page raster header out of range: {h} x {w} x {c}")
    return h, w, c


def size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) from the header alone."""
    with open(path, "rb") as fh:
        h, w, _ = _header(fh.read(len(MAGIC) + _HEADER.size))
    return w, h


def read(path: str | os.PathLike) -> np.ndarray:
    """The page as a read-only H x W x 3 uint8 RGB array. Raises NotARaster for a file that
    is not one, or whose pixels are cut short."""
    data = Path(path).read_bytes()
    h, w, c = _header(data)
    want = h * w * c
    frame = lz4.frame.LZ4FrameDecompressor()
    try:
        # never more than the header's pixels (bounded above), whatever the frame claims
        raw = frame.decompress(memoryview(data)[len(MAGIC) + _HEADER.size:], max_length=want + 1)
    except RuntimeError as exc:  # lz4's error for a damaged frame (or a failed checksum)
        raise NotARaster(f"page raster damaged: {exc}") from exc
    if len(raw) != want or not frame.eof:
        raise NotARaster(f"page raster holds {len(raw)} bytes or is cut short; its header says {want}")
    return np.frombuffer(raw, dtype=np.uint8).reshape(h, w, c)


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) of a page image in any format the readers write or accept."""
    if is_raster(path):
        return size(path)
    from PIL import Image

    with Image.open(path) as im:
        return im.size
