"""Normalise one line of text as it comes from a text layer, a Word file or OCR.

Every reader passes its lines through `clean_line`, so the field patterns downstream see
one spelling whatever the source: NFKC (full-width digits and Latin letters become ASCII,
so an ID number typed in full-width still matches), Chinese brackets in Chinese context,
and no spaces between two Chinese characters (Tesseract puts one between every pair).
"""
from __future__ import annotations

import re
import unicodedata

# Bump when clean_line's output changes: cached OCR results embed cleaned text.
VERSION = 2

# Han ideographs (basic, extension A, compatibility) — what Tesseract spaces apart.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese punctuation that survives NFKC: 、。〈〉《》「」『』【】〔〕 …, plus the full-width
# brackets this module puts back.
_CJK_PUNCT = "\u3000-\u303f\uff08\uff09\u2014\u2026\u00b7\u201c\u201d\u2018\u2019"
_CJKISH = f"[{_HAN}{_CJK_PUNCT}]"

# A space between two CJK-ish characters is an OCR artefact, never meaningful.
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJKISH})[ \t\u3000]+(?={_CJKISH})")
# "姓 名 : 张 三" — the colon/comma after NFKC is ASCII; spaces around it next to Han go.
_SPACE_HAN_PUNCT = re.compile(rf"(?<={_CJKISH})[ \t]+(?=[:;,])|(?<=[:;,])[ \t]+(?={_CJKISH})")
# Angle brackets are Tesseract's misreading of （）; these documents never print them.
_OCR_BRACKETS = str.maketrans({"\u3008": "(", "\u3009": ")", "\u2329": "(", "\u232a": ")"})
# "2020 年 8 月 15 日", "第 3 条": Tesseract also spaces digits from the unit characters
# around them. Only these units: a space between a label and a number stays.
_UNITS = "年月日号时分秒元岁届级条款项页章节个名人次第至"
_SPACE_DIGIT_UNIT = re.compile(rf"(?<=\d)[ \t]+(?=[{_UNITS}])|(?<=[{_UNITS}])[ \t]+(?=\d)")
_MULTI_SPACE = re.compile(r"[ \t\u3000]{2,}")
_PAREN_PAIR = re.compile(r"\(([^()]*)\)")
_HAN_RE = re.compile(f"[{_HAN}]")


def _has_han(s: str) -> bool:
    return bool(_HAN_RE.search(s))


def _brackets(text: str) -> str:
    """Pairs with Chinese inside or right beside them become （）; others stay ASCII.

    NFKC has already turned every （） into (), so this decides one form by context:
    有限责任公司（自然人投资或控股） but "ISO 9001 (2015)" stays as typed.
    """

    def pair(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if _has_han(m.group(1)) or _has_han(before) or _has_han(after):
            return f"\uff08{m.group(1)}\uff09"
        return m.group(0)

    # Innermost pairs first; nested pairs are rare on these documents, two passes suffice.
    for _ in range(2):
        text = _PAREN_PAIR.sub(pair, text)
    # Unpaired brackets (OCR lost the other half): decide by the neighbour.
    text = re.sub(rf"\((?=\s?[{_HAN}])", "\uff08", text)
    text = re.sub(rf"(?<=[{_HAN}])\)", "\uff09", text)
    return text


def clean_line(text: str) -> str:
    """One line of document text in canonical form.

    >>> clean_line("公 民 身 份 号 码  4406 0819")
    '公民身份号码 4406 0819'
    >>> clean_line("类型：有限责任公司(自然人投资或控股)")
    '类型:有限责任公司（自然人投资或控股）'
    >>> clean_line("甲方〈用人单位 ) :佛山市")
    '甲方（用人单位）:佛山市'
    >>> clean_line("发证日期: 2020 年 8 月 15 日")
    '发证日期: 2020年8月15日'
    >>> clean_line("Hello  world")
    'Hello world'
    """
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text.translate(_OCR_BRACKETS))
    t = t.replace("\u00a0", " ")
    t = _brackets(t)
    t = _SPACE_BETWEEN_CJK.sub("", t)
    t = _SPACE_HAN_PUNCT.sub("", t)
    t = _SPACE_DIGIT_UNIT.sub("", t)
    t = _MULTI_SPACE.sub(" ", t)
    return t.strip()


_DIGIT_GAP = re.compile(r"(?<=\d)[ \t]+(?=\d)")
_CHECK_X_GAP = re.compile(r"(?<=\d)[ \t]+(?=[Xx](?![0-9A-Za-z]))")


def compact_digits(text: str) -> str:
    """Remove the spaces printed or read between digit groups of an identifier.

    Meant for a candidate identifier, not for a whole line: it joins any two digits.

    >>> compact_digits("4406 0819 8503 1200 1 X")
    '44060819850312001X'
    >>> compact_digits("账号 4400 1234 5678")
    '账号 440012345678'
    """
    return _CHECK_X_GAP.sub("", _DIGIT_GAP.sub("", text))
