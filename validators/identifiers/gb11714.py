"""GB 11714 organisation code (组织机构代码).

Nine characters: an 8-character body of digits and capital letters, then a check
character. python-stdnum has no module for it, and `stdnum.cn.uscc` does not verify it
inside a USCC (characters 9-17), so a USCC with a forged organisation code passes there.

Check: body characters valued 0-9 / A=10 … Z=35, weights 3,7,9,10,5,8,4,2;
C = 11 - (sum mod 11); 10 is written X and 11 is written 0.

>>> calc_check_digit('60003734')
'1'
>>> validate('600037341')
'600037341'
>>> is_valid('600037342')
False
"""
from __future__ import annotations

import re

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_BODY = re.compile(r"^[0-9A-Z]{8}$")


def compact(number: str) -> str:
    """Remove separators (the certificate prints it as XXXXXXXX-X) and spaces."""
    return re.sub(r"[\s\-－—]", "", number).upper()


def _value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def calc_check_digit(body: str) -> str:
    """Check character for the 8-character body."""
    total = sum(_value(c) * w for c, w in zip(body, _WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def validate(number: str) -> str:
    number = compact(number)
    if len(number) != 9:
        raise InvalidLength()
    if not _BODY.match(number[:8]) or not re.match(r"^[0-9X]$", number[8]):
        raise InvalidFormat()
    if calc_check_digit(number[:8]) != number[8]:
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except ValidationError:
        return False
