"""Vocational certificate numbers (职业资格证书, 职业技能等级证书), as data.

The layouts in ``data/certificate_formats.yaml`` are the coding rules DOCUMENTS.md quotes as
widely reproduced, not an official standard: a number is read against them to tell its
system and the level and year it encodes, so that a contradiction can be put to the
reviewer as something to verify on the national query service — never as a forgery.

>>> parse('1844060123200456').level
'技师'
>>> parse('S000044000123222300001').kind
'职业技能等级证书'
>>> parse('12345') is None
True
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_DATA = Path(__file__).resolve().parent / "data" / "certificate_formats.yaml"
_TO_DIGIT = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "|": "1"})


@lru_cache(maxsize=None)
def spec() -> dict:
    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class CertificateNumber:
    number: str
    format: str  # key of certificate_formats.yaml
    kind: str  # 职业资格证书 | 职业技能等级证书
    level_digit: str | None  # as printed at the level position, where the layout has one
    level: str | None  # the level that digit stands for, None for a digit outside 1-5
    year_digits: str | None  # the two year digits, where the layout has them
    level_at: int | None  # 1-based position, for the finding's text
    year_at: int | None


def _slice(number: str, at: list[int] | None) -> str | None:
    return number[at[0] - 1:at[1]] if at else None


def compact(text: str) -> str:
    """Spaces out, upper case, look-alike letters to digits after the layout's letters."""
    raw = re.sub(r"[\s\-—_–·.]", "", unicodedata.normalize("NFKC", text or ""))
    # lower-case look-alikes first: an l or o in a number is a digit, never a letter
    raw = raw.translate(str.maketrans({"l": "1", "o": "0", "i": "1", "|": "1"})).upper()
    lead = len(re.match(r"[A-Z]*", raw).group(0))
    if lead in (1, 2) and len(raw) > 12:
        return raw[:lead] + raw[lead:].replace("S", "5").replace("B", "8").translate(_TO_DIGIT)
    digits = raw.translate(_TO_DIGIT).replace("S", "5").replace("B", "8")
    # a 22-character number is a 职业技能等级证书's: a leading 5 there is a misread S
    if len(digits) == 22 and digits.isdigit() and digits[0] == "5":
        return "S" + digits[1:]
    return digits


def parse(number: str | None) -> CertificateNumber | None:
    """The layout a number follows, or None for a number that follows none."""
    if not number:
        return None
    n = compact(number)
    for key, f in spec()["formats"].items():
        if re.fullmatch(f["layout"], n):
            digit = _slice(n, f.get("level"))
            return CertificateNumber(
                number=n, format=key, kind=f["kind"], level_digit=digit,
                level=spec()["levels"].get(digit) if digit else None,
                year_digits=_slice(n, f.get("year")),
                level_at=f["level"][0] if f.get("level") else None,
                year_at=f["year"][0] if f.get("year") else None)
    return None


def is_well_formed(number: str | None) -> bool:
    return parse(number) is not None


@lru_cache(maxsize=None)
def read_pattern(anywhere: bool = False) -> re.Pattern:
    """Every layout's OCR-tolerant form, longest first, as one regex that never takes part
    of a longer code. ``anywhere``: only layouts distinctive enough to be taken without a
    label."""
    reads = [f["read"] for f in sorted(spec()["formats"].values(), key=lambda f: -len(f["layout"]))
             if not anywhere or f.get("anywhere")]
    return re.compile(r"(?<![0-9A-Za-z])(?:" + "|".join(reads) + r")(?![0-9A-Za-z])")


def layout_problems(number: str | None, stated_level: str | None, issued_year: int | None) -> list[str]:
    """What a well-formed number says against the certificate's own level and issue year
    (Chinese, for the reviewer); nothing for a number of no known layout."""
    c = parse(number)
    if c is None:
        return []
    out = []
    if c.level_digit and stated_level and c.level != stated_level:
        meaning = f"（按该编码规则表示“{c.level}”）" if c.level else "（不在1至5之间）"
        out.append(f"证书编号{c.number}第{c.level_at}位等级码为{c.level_digit}{meaning}，与证书所载等级“{stated_level}”不一致")
    if c.year_digits and issued_year and c.year_digits != f"{issued_year % 100:02d}":
        out.append(f"证书编号{c.number}第{c.year_at}-{c.year_at + 1}位年份码为{c.year_digits}，与发证年份{issued_year}不一致")
    f = spec()["formats"][c.format]
    inst = f.get("institution_type")
    if inst and not re.fullmatch(inst["allowed"], _slice(c.number, inst["at"])):
        out.append(f"证书编号{c.number}第{inst['at'][0]}位机构类型码为{_slice(c.number, inst['at'])}，不在常见编码规则的0至4之间")
    return out


# A 职业技能等级证书 number (S/Y + 21 digits) with one stray mark OCR added before it (3S…)
# or after its letter (Yo…): the letter and its 21 digits are unambiguous.
LOOSE = re.compile(r"(?<![A-Za-z])[0-9]?([SY])[o°'`.]?((?:[0-9OlI]){21})(?![0-9A-Za-z])")
# Any number printed after a 证书编号 label: up to two letters and 8 to 24 digits.
AS_PRINTED = re.compile(r"(?<![0-9A-Za-z])[A-Z]{0,2}\s?(?:[0-9OlI]\s?){7,23}[0-9OlI](?![0-9A-Za-z])")
