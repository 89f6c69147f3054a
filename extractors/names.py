"""File and folder names as a reviewer reads them.

Applicants' files come from Chinese Windows machines, named in GBK. A zip keeps those bytes
(`archive.member_name` decodes them); a folder copied, or a zip unpacked, by a tool that did
not convert them keeps them on disk, where Python sees each undecodable byte as a surrogate
escape. Such a name cannot be written to result.json or a worksheet, and some readers cannot
open a file by it (pikepdf refuses the name), so the dossier would be lost to a naming
accident rather than to anything in its papers.
"""
from __future__ import annotations

import os


def decode_name(raw: bytes) -> str | None:
    """`raw` as UTF-8, else as GB18030; None when neither fits.

    UTF-8 is tried first because GBK decodes most UTF-8 byte strings into plausible-looking
    nonsense, while UTF-8 rejects almost every GBK name.
    """
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def is_text(name: str) -> bool:
    """The name holds no undecodable bytes (it can be written as UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(name: str) -> str:
    """A name (or relative path) as the file system gave it, decoded for display: its bytes
    as GB18030 when they are not UTF-8, else each byte that fits neither shown as \\xNN."""
    if is_text(name):
        return name
    raw = os.fsencode(name)
    return decode_name(raw) or raw.decode("utf-8", errors="backslashreplace")
