"""Masking of personal identifiers for logs, progress output and artifacts.

Full values are written only to the output folder the user named; anything that may
end up in a shared place (terminal, Prefect logs and artifacts, caches) goes through here.
"""
from __future__ import annotations

import re

# An 18-character resident ID (last may be X), a 15-digit legacy ID, or a long digit run
# (bank accounts: 12-25 digits, possibly printed in groups of 4).
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3})([0-9Xx])(?![0-9A-Za-z])")
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){11,29}(?![0-9A-Za-z])")


def mask_id(value: str | None) -> str | None:
    """Keep region and last two characters: 440608********123X -> 440608**********3X."""
    if not value:
        return value
    v = value.strip()
    if len(v) <= 6:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 8) + v[-2:]


def mask_account(value: str | None) -> str | None:
    """Keep the last four digits of an account number."""
    if not value:
        return value
    digits = re.sub(r"\s", "", value)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str) -> str:
    """Mask every ID-number-like or account-like token in free text."""
    text = _ID18.sub(lambda m: mask_id(m.group(0)), text)
    return _DIGIT_RUN.sub(lambda m: mask_account(m.group(0)), text)
