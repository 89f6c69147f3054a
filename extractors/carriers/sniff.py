"""Decide what a file really is from its first bytes, not its name.

Applicants rename files freely: a phone photo saved as .pdf, a .docx called .doc. The
extension only breaks ties the bytes cannot (an OLE container is .doc or .wps).
"""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # empty archive
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"{\\rtf", "rtf"),
)

IMAGE_KINDS = {"jpeg", "png", "tiff", "gif", "bmp", "webp"}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: Path) -> str:
    """pdf | jpeg | png | tiff | gif | bmp | webp | docx | zip | doc | wps | rar | 7z | rtf | empty | unknown."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        return "empty"
    kind = "unknown"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            kind = name
            break
    else:
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            kind = "webp"
        elif b"%PDF-" in head:  # some scanners prepend junk before the header; readers cope
            kind = "pdf"
    if kind == "zip":
        return _zip_kind(path)
    if kind == "ole":
        return "wps" if path.suffix.lower() in (".wps", ".et") else "doc"
    return kind


def _zip_kind(path: Path) -> str:
    # A .docx (and a WPS file saved in the new format) is a zip with word/document.xml.
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    return "zip"
