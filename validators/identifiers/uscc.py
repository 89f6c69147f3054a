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
import unicodedata
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


# The alphabet has no I O Z S V: read in a code, those letters can only be misread digits.
_OCR_FIX = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5", "V": "7"})
_TO_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "U": "0", "l": "1", "I": "1",
                           "i": "1", "|": "1", "L": "1", "T": "7", "Z": "2", "z": "2", "S": "5",
                           "s": "5", "B": "8", "G": "6", "b": "6", "g": "9", "q": "9", "A": "4"})


def ocr_compact(text: str) -> str:
    """A code as OCR read it, in its printed form: spaces out, upper case, letters the
    alphabet lacks turned back into the digits they were, digits only in the region part."""
    raw = re.sub(r"[\s\-—_–·.]", "", unicodedata.normalize("NFKC", text))
    # a lower-case l or o in a code is a misread 1 or 0: codes are printed upper-case
    up = raw.replace("l", "1").replace("o", "0").upper().translate(_OCR_FIX)
    return up[:2] + up[2:8].translate(_TO_DIGIT) + up[8:] if len(up) >= 8 else up


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


def repair_extra_character(s: str | None) -> str | None:
    """A code read with one character too many (OCR splits a stroke into an extra I, O, T):
    the code that deleting one character leaves valid, when exactly one such code exists;
    None otherwise. An 18-character code is never touched, so a code printed with a wrong
    check character is still reported."""
    raw = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", s or ""))
    if len(raw) != 19 or not raw.isalnum():
        return None
    found = set()
    for pos in range(2, len(raw)):  # the two leading type characters are never extra
        cand = ocr_compact(raw[:pos] + raw[pos + 1:])
        if is_valid(cand):
            found.add(cand)
    return found.pop() if len(found) == 1 else None
