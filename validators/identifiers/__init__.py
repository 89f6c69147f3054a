"""Identifier checks, one module per standard (modelled on python-stdnum).

- `ric`: GB 11643 resident identity numbers (check digit, birth date; region only as warnings)
- `uscc`: GB 32100 unified social credit codes, including the embedded GB 11714 code
- `gb11714`: GB 11714 organisation codes
- `certificate`: vocational certificate number layouts (data/certificate_formats.yaml)
- `patterns`: the OCR-tolerant patterns of them all (data/patterns.yaml), for extraction
"""
from __future__ import annotations

from validators.identifiers import gb11714, ric, uscc  # noqa: E402


def identifier_is_valid(field: str, value: str | None) -> bool:
    """Used by the flow's OCR cross-check: does `value` pass the check of its field?
    Fields without a check digit (certificate and account numbers) always pass."""
    if not value:
        return False
    if field == "id_number":
        return ric.is_valid(value)
    if field == "uscc":
        return uscc.is_valid(value)
    return True
