"""Normalisation of the values printed on dossier documents.

Every function takes raw text as OCR or a text layer gave it and returns a canonical
value or ``None``. Nothing here guesses: a value that cannot be read with certainty is
``None`` and the caller leaves the field absent.

Decisions:
- ``parse_date`` needs a day. ``2019年06月`` is a month, not a date: it returns ``None``;
  ``parse_month`` returns ``"2019-06"`` for fields printed as 出生年月 on the form.
- ``compact_identifier`` only repairs look-alike letters at positions where the standard
  allows nothing but a digit, so it never invents a letter in a USCC or certificate number.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from validators.identifiers import certificate, ric, uscc

# --- text --------------------------------------------------------------------------

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}（）：，。、])\s+(?=[{_CJK}（）：，。、])")

# Whole-word OCR confusions seen on these documents (高→避, 数→效 …). Only applied to
# known phrases, never character by character, so a real character is not rewritten.
_WORD_FIXES = {
    "避明": "高明",
    "效控": "数控",
    "効控": "数控",
    "人力资源和杜会保障": "人力资源和社会保障",
    "杜会保障": "社会保障",
    "统一杜会信用代码": "统一社会信用代码",
    "市场监督管埋局": "市场监督管理局",
}


def clean_text(s: str | None) -> str:
    """NFKC, no spaces between CJK characters, known OCR word confusions repaired."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s)
    s = _CJK_SPACE.sub("", s)
    return fix_ocr_words(s).strip()


_CJK_OR_PUNCT = rf"[{_CJK}():;,、。]"
_SPACE_IN_CJK = re.compile(rf"(?<={_CJK_OR_PUNCT})\s+(?={_CJK_OR_PUNCT})")


# Quotes are what OCR makes of the wide blanks between a label and its value; 《》〈〉 are
# misread brackets (these documents print （）).
_MATCH_TRANSLATE = str.maketrans({"“": None, "”": None, '"': None, "‘": None, "’": None, "„": None,
                                  "《": "(", "》": ")", "〈": "(", "〉": ")"})


# A two-character label printed letter-spaced (账    号：) whose gap OCR filled with a
# punctuation mark: 账:号:4817… (RapidOCR, sample D04). Only at the start of a line and
# only when the label's own colon follows, so running text is never touched.
_SPACED_LABEL = re.compile(rf"^(\s*[{_CJK}])\s*[:;,.·、]\s*([{_CJK}]\s*:)")


def match_text(s: str | None) -> str:
    """The form of a line that labels and cues are matched against: NFKC (so （）： are
    ASCII), no spaces inside Chinese (姓　　名 -> 姓名), known OCR word confusions repaired."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s).translate(_MATCH_TRANSLATE)
    s = _SPACED_LABEL.sub(r"\1\2", s)
    return fix_ocr_words(_SPACE_IN_CJK.sub("", s))


def fix_ocr_words(s: str) -> str:
    for wrong, right in _WORD_FIXES.items():
        if wrong in s:
            s = s.replace(wrong, right)
    return s


def normalize_name(s: str | None) -> str | None:
    """A person's or unit's name without spaces and stray punctuation at the ends."""
    if not s:
        return None
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"\s+", "", s)
    s = s.strip(":：|,，.。;；、-_*\"'“”")
    return s or None


# --- numbers in Chinese ------------------------------------------------------------

_CN_DIGITS = {
    # @ and o/O are what OCR makes of the round 〇 in dates printed in Chinese numerals
    "〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "0": 0, "@": 0,
    "一": 1, "壹": 1, "幺": 1, "1": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "2": 2,
    "三": 3, "叁": 3, "參": 3, "3": 3,
    "四": 4, "肆": 4, "4": 4,
    "五": 5, "伍": 5, "5": 5,
    "六": 6, "陆": 6, "陸": 6, "6": 6,
    "七": 7, "柒": 7, "7": 7,
    "八": 8, "捌": 8, "8": 8,
    "九": 9, "玖": 9, "9": 9,
}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}


def cn_to_int(s: str) -> int | None:
    """Chinese numerals, positional (二〇一九) or with units (二千零一十九, 伍佰万)."""
    s = s.strip()
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        # positional: 二〇一九 -> 2019
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
        elif c in _CN_BIG:
            section += digit or 0
            total = (total + section) * _CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


# --- dates -------------------------------------------------------------------------

# OCR confuses these with digits inside numeric dates.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1",
                                   "|": "1", "i": "1", "S": "5", "s": "5", "B": "8", "Z": "2",
                                   "z": "2", "G": "6", "b": "6", "g": "9", "q": "9"})
_CN_NUM = "〇零○Oo@一二三四五六七八九十两"
_DATE_CN = re.compile(rf"([{_CN_NUM}][{_CN_NUM}\s]{{3,10}})\s*年\s*([{_CN_NUM}]{{1,3}})\s*月\s*([{_CN_NUM}]{{1,3}})\s*[日号]?")
_CN_ZEROS = "〇零○Oo@"
_ZERO_PAIR = re.compile(rf"[{_CN_ZEROS}]{{2}}")
# tesseract reads the round 〇 as "GO" between Chinese numerals (二 GO 二四年)
_CN_ZERO_GO = re.compile(r"(?<=[〇零○O一二三四五六七八九\s])G[O0o](?=\s*[〇零○O一二三四五六七八九年])")
# a thin 一 read as a dash between Chinese numerals (二〇—一年, at a scanner's 200 dpi)
_CN_ONE_DASH = re.compile(r"(?<=[〇零○一二三四五六七八九十])[—–‒―ー－](?=[〇零○一二三四五六七八九十年月日])")


def _cn_year(s: str) -> int | None:
    """二〇一九 -> 2019; OCR reads one 〇 as two (二 O 〇二一): collapse a zero pair to fit.
    RapidOCR also puts a 〇 before a clean 二〇二三 right after its label (发证日期:〇二〇二三年):
    a year never starts with a zero, so that one is dropped."""
    s = re.sub(r"\s+", "", s)
    if len(s) == 5 and s[0] in _CN_ZEROS and s[1] not in _CN_ZEROS:
        s = s[1:]
    elif len(s) == 5 and _ZERO_PAIR.search(s):
        s = _ZERO_PAIR.sub("〇", s, count=1)
    if len(s) != 4 or s[0] in _CN_ZEROS:
        return None
    return cn_to_int(s)
_DATE_YMD = re.compile(r"(?<!\d)(\d{4})\s*(?:年|[.\-/,、])\s*(\d{1,2})\s*(?:月|[.\-/,、])\s*(\d{1,2})\s*[日号]?(?!\d)")
_DATE_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH = re.compile(r"(?<!\d)(\d{4})\s*(?:年|[.\-/])\s*(\d{1,2})\s*月?(?![\d.\-/])")


def _fix_digits(s: str) -> str:
    # 了 for 7 only where a month or day number must stand (年了月, 月了日): it is a common
    # word elsewhere; a stray mark between 月 and the day (月:1日) is dropped
    # (same length, so offsets into the text still hold)
    s = re.sub(r"(?<=年)(\s*)了(?=\s*月)", r"\g<1>7", s)
    s = re.sub(r"(?<=月)(\s*)了(?=\s*日)", r"\g<1>7", s)
    s = re.sub(r"(?<=\d月)(\s*)[:;,.'`](?=\s*\d{1,2}\s*日)", r"\g<1> ", s)
    # Only runs of digits and look-alikes next to date separators are touched.
    return re.sub(r"[0-9OoDQlIi|SsBZzGbgq]{1,8}(?=\s*[年月日.\-/]|$)",
                  lambda m: m.group(0).translate(_DIGIT_LOOKALIKES) if re.search(r"\d", m.group(0)) else m.group(0),
                  s)


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def find_dates(s: str | None) -> list[tuple[int, int, str]]:
    """Every date in ``s``: (start, end, ISO) in reading order."""
    if not s:
        return []
    s = _CN_ZERO_GO.sub("〇 ", unicodedata.normalize("NFKC", s))  # same length: offsets hold
    s = _CN_ONE_DASH.sub("一", s)
    fixed = _fix_digits(s)
    hits: list[tuple[int, int, str]] = []
    for m in _DATE_CN.finditer(s):
        y, mo, d = _cn_year(m.group(1)), cn_to_int(m.group(2)), cn_to_int(m.group(3))
        if None not in (y, mo, d):
            iso = _iso(y, mo, d)
            if iso:
                hits.append((m.start(), m.end(), iso))
    for rx in (_DATE_YMD, _DATE_COMPACT):
        for m in rx.finditer(fixed):
            if any(a < m.end() and m.start() < b for a, b, _ in hits):
                continue
            iso = _iso(*(int(g) for g in m.groups()))
            if iso:
                hits.append((m.start(), m.end(), iso))
    return sorted(hits)


def parse_date(s: str | None) -> str | None:
    """First full date in ``s`` as ISO ``YYYY-MM-DD``; ``None`` without a day.

    >>> parse_date("2019年6月28日"), parse_date("二〇一九年六月二十八日"), parse_date("2019年06月")
    ('2019-06-28', '2019-06-28', None)
    """
    hits = find_dates(s)
    return hits[0][2] if hits else None


def parse_month(s: str | None) -> str | None:
    """``1985年3月`` / ``1985.03`` -> ``1985-03`` (the form prints 出生年月 without a day)."""
    if not s:
        return None
    full = parse_date(s)
    if full:
        return full[:7]
    m = _MONTH.search(_fix_digits(unicodedata.normalize("NFKC", s)))
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


_OPEN_ENDED = re.compile(r"无固定期限|长期|永久|至今")


def parse_date_range(s: str | None) -> tuple[str | None, str | None, bool]:
    """(start, end, open_ended) of ``2015.06.01-2035.06.01``, ``自2019年6月28日起至…止``,
    ``2015.06.01-长期`` or ``无固定期限``."""
    if not s:
        return None, None, False
    hits = find_dates(s)
    dates = [iso for _, _, iso in hits]
    open_ended = bool(_OPEN_ENDED.search(s))
    if len(hits) == 1 and not open_ended and _ends_range(s[:hits[0][0]]):
        # the start was lost to OCR (2024年7月 ] 日起至2027年6月30日止): the one date
        # read is the end, never to be taken for the start
        return None, dates[0], False
    start = dates[0] if dates else None
    end = dates[1] if len(dates) > 1 and not open_ended else None
    return start, end, open_ended


_RANGE_TO_WORD = re.compile(r"(?:至|到|止于)\s*$")
_RANGE_TO_DASH = re.compile(r"[\d年月日\]\[|]\s*[~～—–-]\s*$")


def _ends_range(before: str) -> bool:
    """The date follows 至 (until), or a dash after a start that could not be read: it
    closes the range."""
    before = unicodedata.normalize("NFKC", before).rstrip()
    return bool(_RANGE_TO_WORD.search(before) or _RANGE_TO_DASH.search(before))


# --- levels --------------------------------------------------------------------------

LEVELS = ("高级技师", "技师", "高级工", "中级工", "初级工")
LEVEL_DIGIT = {"高级技师": 1, "技师": 2, "高级工": 3, "中级工": 4, "初级工": 5}
_LEVEL_BY_GRADE = {"一": "高级技师", "1": "高级技师", "二": "技师", "2": "技师", "三": "高级工",
                   "3": "高级工", "四": "中级工", "4": "中级工", "五": "初级工", "5": "初级工"}


def normalize_level(s: str | None) -> str | None:
    """高级技师 | 技师 | 高级工 | 中级工 | 初级工 from any wording of either system.

    The named level wins over the grade when both are printed, since the grade is the one
    OCR most often garbles (一 is a single stroke).
    """
    if not s:
        return None
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))
    for name in LEVELS:  # longest first: 高级技师 before 技师
        if name in s:
            return name
    m = re.search(r"([一二三四五12345])级", s)
    if m:
        return _LEVEL_BY_GRADE[m.group(1)]
    return None


# --- money -----------------------------------------------------------------------------

_MONEY_CN = re.compile(r"([零〇壹贰貳叁參肆伍陆陸柒捌玖拾佰仟万萬亿億一二三四五六七八九十百千两]+)\s*(?:元|圆)?")


def parse_money(s: str | None) -> float | None:
    """Amount in yuan: ``人民币伍佰万元`` -> 5000000.0, ``500万元`` -> 5000000.0, ``50万`` -> 500000.0."""
    if not s:
        return None
    s = unicodedata.normalize("NFKC", s).replace(" ", "")
    m = re.search(r"(\d[\d,，]*(?:\.\d+)?)\s*(亿|万)?", s)
    if m:
        value = float(m.group(1).replace(",", "").replace("，", ""))
        return value * {"亿": 1e8, "万": 1e4, None: 1}[m.group(2)]
    m = _MONEY_CN.search(s.replace("人民币", ""))
    if m:
        n = cn_to_int(m.group(1))
        return float(n) if n else None
    return None


# --- identifiers ----------------------------------------------------------------------

_TO_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "U": "0", "l": "1", "I": "1",
                           "i": "1", "|": "1", "L": "1", "T": "7", "Z": "2", "z": "2", "S": "5",
                           "s": "5", "B": "8", "G": "6", "b": "6", "g": "9", "q": "9", "A": "4"})


def _digits_only(s: str) -> str:
    return s.translate(_TO_DIGIT)


def compact_identifier(s: str | None, kind: str | None = None) -> str | None:
    """Remove spaces and hyphens, upper-case, repair look-alikes where only a digit fits.

    kind: ``id`` (GB 11643: 17 digits + digit/X), ``uscc`` (GB 32100), ``account`` (digits),
    ``cert`` (digits, or S/Y + digits), ``licence`` (J + digits) or ``None`` (spaces only).
    """
    if s is None:
        return None
    raw = re.sub(r"[\s\-—_–·.]", "", unicodedata.normalize("NFKC", s))
    if not raw:
        return None
    if kind == "id":
        body, last = raw[:-1], raw[-1:]
        last = "X" if last in "xX×" else _digits_only(last)
        return _digits_only(body) + last
    if kind == "uscc":
        return uscc.ocr_compact(raw)
    if kind == "account":
        return _digits_only(raw)
    if kind == "cert":
        return certificate.compact(raw)
    if kind == "licence":
        up = raw.upper()
        if up[:1] in ("J", "L", "1") and len(up) > 8:  # J is read as 1 or L at the start
            return "J" + _digits_only(up[1:])
        return up
    return raw.upper()


def birth_from_id(id18: str | None) -> str | None:
    """Birth date embedded in an 18-character resident ID, or ``None`` if impossible."""
    if not id18 or not re.fullmatch(r"\d{17}[\dX]", id18):
        return None
    try:
        return ric.get_birth_date(id18).isoformat()
    except ric.InvalidBirthDate:
        return None


def sex_from_id(id18: str | None) -> str | None:
    """男 for an odd sequence digit (17th character), 女 for even."""
    if not id18 or not re.fullmatch(r"\d{17}[\dX]", id18):
        return None
    return ric.get_sex(id18)


def normalize_sex(s: str | None) -> str | None:
    if not s:
        return None
    if "女" in s:
        return "女"
    if "男" in s:
        return "男"
    return None
