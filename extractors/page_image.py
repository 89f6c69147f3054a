"""Decoded page images, shared by the steps that look at the same page in turn.

Seal detection, error-level analysis, the paper-colour test, image hashing and the export
of page images each need the decoded 300 dpi page (about 25 MB, 0.1-0.2 s to decode from
PNG). A small per-process cache decodes each page once per dossier instead of once per step.
Callers must not modify the returned image (PIL operations return new images).
"""
from __future__ import annotations

import os
from functools import lru_cache

from PIL import Image


@lru_cache(maxsize=12)
def _load(path: str, mtime_ns: int, size: int) -> Image.Image:
    im = Image.open(path)
    im.load()
    return im


def load_page(path: str | os.PathLike) -> Image.Image:
    """The decoded page image in its stored mode (callers convert as they need); keyed by
    path, modification time and size so a rewritten file is decoded again."""
    st = os.stat(path)
    return _load(os.fspath(path), st.st_mtime_ns, st.st_size)
