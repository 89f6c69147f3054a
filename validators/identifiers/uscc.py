"""GB 32100-2015 unified social credit code (统一社会信用代码), stricter than stdnum.

On top of `stdnum.cn.uscc` (length, alphabet, GB 32100 check character) this checks the
GB 11714 check digit of the embedded organisation code (characters 9-17): a code made up
by changing one character and recomputing only the last character passes stdnum.

GB 32100 allows a letter as registration-authority code (character 1); stdnum rejects
that, so the first two characters are checked against the standard's alphabet here.

>>> validate('91110000600037341L')
'91110000600037341L'
>>> is_valid('91110000600037341N')
False
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from stdnum.cn import uscc as _stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from validators.identifiers import gb11714

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_DATA = Path(__file__).resolve().parent.parent / "data" / "uscc_nonconforming.yaml"


class InvalidOrganisationCode(InvalidComponent):
    message = "The embedded GB 11714 organisation code has a wrong check digit."


def compact(number: str) -> str:
    return re.sub(r"[\s\-－—]", "", number).upper()


def calc_check_digit(number: str) -> str:
    return _stdnum_uscc.calc_check_digit(compact(number)[:17])


def region(number: str) -> str:
    """Registering region (characters 3-8), e.g. 440608 for Gaoming."""
    return compact(number)[2:8]


def organisation_code(number: str) -> str:
    return compact(number)[8:17]


def validate(number: str) -> str:
    number = compact(number)
    if len(number) != 18:
        raise InvalidLength()
    if any(c not in ALPHABET for c in number) or not number[2:8].isdigit():
        raise InvalidFormat()
    if number[-1] != calc_check_digit(number):
        raise InvalidChecksum()
    if not gb11714.is_valid(number[8:17]):
        raise InvalidOrganisationCode()
    return number


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def known_nonconforming(number: str) -> str | None:
    """A reason text if the code matches a documented family of really issued codes that
    fail the check character (early pilot regions), else None. Such codes are still
    reported, with lower severity, because only the registry can tell them apart."""
    number = compact(number)
    for entry in yaml.safe_load(_DATA.read_text(encoding="utf-8")) or []:
        if re.match(entry["pattern"], number):
            return entry["reason"]
    return None
