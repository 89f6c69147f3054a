"""Identifier checks, one module per standard (modelled on python-stdnum).

- `ric`: GB 11643 resident identity numbers (check digit, birth date; region only as warnings)
- `uscc`: GB 32100 unified social credit codes, including the embedded GB 11714 code
- `gb11714`: GB 11714 organisation codes
"""
from __future__ import annotations

from validators.identifiers import gb11714, ric, uscc  # noqa: E402


def check_ric(value: str) -> str | None:
    """Chinese reason why a resident ID number fails GB 11643, None if it passes."""
    return ric.reason(value)


def check_uscc(value: str) -> str | None:
    """Chinese reason why a USCC fails GB 32100 / GB 11714, None if it passes."""
    try:
        uscc.validate(value)
    except uscc.InvalidOrganisationCode:
        return "内嵌组织机构代码不符合GB 11714校验"
    except Exception:  # noqa: BLE001 - stdnum's ValidationError family
        return "不符合GB 32100（长度、字符或校验码错误）"
    return None


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
