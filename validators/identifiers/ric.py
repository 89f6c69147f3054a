"""GB 11643-1999 resident identity number (公民身份号码), tolerant of real-world regions.

Only two things make a number invalid here (ID_NUMBER_INVALID): a wrong ISO 7064
MOD 11-2 check character, or a birth date that cannot exist (month 13, 30 February,
in the future). Everything `stdnum.cn.ric` adds on top — unknown region code, county
code not in use in the birth year — is returned by `warnings()` instead, because real
Gaoming residents born before 2002 carry 440684 / 440624 or even 440608 (the code is
that of the registration, not of the birth), and stdnum raises KeyError for some codes.

>>> validate('360426199101010071')
'360426199101010071'
>>> is_valid('36042619910102009X')
False
>>> is_valid('440608198001010000')  # stdnum rejects it (county from 2002), GB 11643 does not
True
"""
from __future__ import annotations

import datetime
import re
import unicodedata

from stdnum.cn import ric as _stdnum_ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

# Weights 2^(17-i) mod 11 of ISO 7064 MOD 11-2, written out as the standard prints them.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_EARLIEST_BIRTH = datetime.date(1880, 1, 1)


class InvalidBirthDate(InvalidComponent):
    message = "The birth date in the number cannot exist."


def compact(number: str) -> str:
    return re.sub(r"[\s\-－—]", "", number).upper()


def calc_check_digit(number: str) -> str:
    """Check character over the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS))
    c = (12 - total % 11) % 11
    return "X" if c == 10 else str(c)


def get_birth_date(number: str) -> datetime.date:
    number = compact(number)
    try:
        if len(number) == 15:  # legacy 15-digit numbers carry YYMMDD of the 1900s
            return datetime.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidBirthDate() from exc


def get_sex(number: str) -> str:
    """男 for an odd sequence number, 女 for an even one."""
    number = compact(number)
    digit = int(number[16] if len(number) == 18 else number[14])
    return "男" if digit % 2 else "女"


def validate(number: str, today: datetime.date | None = None) -> str:
    number = compact(number)
    today = today or datetime.date.today()
    if len(number) == 15:
        if not number.isdigit():
            raise InvalidFormat()
    elif len(number) == 18:
        if not number[:17].isdigit() or number[17] not in "0123456789X":
            raise InvalidFormat()
        if calc_check_digit(number) != number[17]:
            raise InvalidChecksum()
    else:
        raise InvalidLength()
    born = get_birth_date(number)
    if born > today or born < _EARLIEST_BIRTH:
        raise InvalidBirthDate()
    return number


def is_valid(number: str, today: datetime.date | None = None) -> bool:
    try:
        return bool(validate(number, today))
    except ValidationError:
        return False


def reason(number: str, today: datetime.date | None = None) -> str | None:
    """Chinese reason why the number fails GB 11643, or None if it passes."""
    try:
        validate(number, today)
    except InvalidLength:
        return "位数不是18位（或15位旧号码）"
    except InvalidFormat:
        return "含有不允许的字符"
    except InvalidChecksum:
        n = compact(number)
        return f"校验码错误（按号码前17位计算应为{calc_check_digit(n)}，实为{n[17]}）"
    except InvalidBirthDate:
        return "出生日期不可能存在"
    return None


def warnings(number: str, today: datetime.date | None = None) -> list[str]:
    """Oddities that are not errors: region unknown to stdnum's table, county code not in
    use in the birth year, legacy 15-digit number, unusual working age."""
    number = compact(number)
    out: list[str] = []
    if not is_valid(number, today):
        return out
    today = today or datetime.date.today()
    if len(number) == 15:
        out.append("15位旧身份证号码，请核对现行18位号码")
        return out
    try:
        _stdnum_ric.get_birth_place(number)
    except (ValidationError, KeyError, ValueError):
        # stdnum's region table is keyed by the county's years of use; Gaoming codes are
        # real whatever the birth year, so this is information only.
        out.append(f"地区码{number[:6]}不在出生年份的行政区划代码表中（可能为迁入或旧区划码，不影响号码有效性，仅提示）")
    age = (today - get_birth_date(number)).days // 365
    if age < 16 or age > 75:
        out.append(f"按号码计算年龄为{age}岁，超出通常就业年龄")
    return out


def repair_extra_character(s: str | None, today: datetime.date | None = None) -> str | None:
    """A number read with one character too many at its edge (a stray mark beside it read as
    a digit): the number that dropping the first or the last character leaves valid, when
    exactly one does; None otherwise. Inner positions are not tried: MOD 11-2 alone would
    let one in eleven wrong deletions pass. An 18-character number is never touched, so a
    wrong check character is still reported."""
    raw = re.sub(r"\s", "", unicodedata.normalize("NFKC", s or ""))
    if len(raw) != 19:
        return None
    found = set()
    for pos in (0, len(raw) - 1):
        cand = compact(raw[:pos] + raw[pos + 1:]).replace("×", "X")
        if is_valid(cand, today):
            found.add(cand)
    return found.pop() if len(found) == 1 else None
