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
    """pdf | jpeg | png | tiff | gif | bmp | webp | docx | xlsx | pptx | ofd | zip | doc | wps | xls | ppt |
    rar | 7z | rtf | empty | unknown."""
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
        return _ole_kind(path)
    return kind


# Stream names (UTF-16LE in the compound file's directory) that tell a Word, Excel or
# PowerPoint binary apart; Kingsoft WPS writes the same streams (.wps / .et / .dps).
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "doc"),
    ("Workbook".encode("utf-16-le"), "xls"),
    ("PowerPoint Document".encode("utf-16-le"), "ppt"),
    ("Book".encode("utf-16-le"), "xls"),  # Excel 95; last, being a common word
)
_OLE_SCAN_BYTES = 64 * 1024 * 1024


def _ole_kind(path: Path) -> str:
    import mmap

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        end = min(len(m), _OLE_SCAN_BYTES)
        for name, kind in _OLE_STREAMS:
            if m.rfind(name, 0, end) != -1:
                return "wps" if kind == "doc" and path.suffix.lower() == ".wps" else kind
    return {".xls": "xls", ".et": "xls", ".ppt": "ppt", ".dps": "ppt", ".wps": "wps"}.get(path.suffix.lower(), "doc")


def _zip_kind(path: Path) -> str:
    # A .docx (and a WPS file saved in the new format) is a zip with word/document.xml.
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "OFD.xml" in names or "/OFD.xml" in names:
        return "ofd"  # GB/T 33190: a zip whose root holds OFD.xml
    return "zip"
