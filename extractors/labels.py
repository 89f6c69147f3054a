"""Where a label stands in a line of matching text (``normalize.match_text`` form): pure
functions over one line and the label vocabulary of ``nlp.py``.

A label of another document type ends a value only where it stands as a label; a value
run into a label no vocabulary holds is cut after the field's own ending (``ends``);
letter-spaced two-character labels whose gap OCR filled with a mark are joined.
"""
from __future__ import annotations

import re

from extractors.nlp import foreign_labels, inline_min_chars, nfkc, spaced_labels

SEP = " \t:|;,，、"

# A label no vocabulary holds: a few Chinese characters and a colon, after a value.
_UNKNOWN_LABEL = re.compile(r"[\u4e00-\u9fff()]{2,8}:")


def stands_as_label(text: str, start: int, end: int, min_inline: int) -> bool:
    """Whether a label of another document type found at ``text[start:end]`` is printed as a
    label rather than being part of a value (名称 in 实用新型名称, 地址 in 单位地址 are caught
    by the longer label first; 代码 or 编号 inside running text are not labels)."""
    before = text[start - 1] if start else ""
    if before == "(":
        return False  # a remark qualifying the label before it: 法定代表人(单位负责人)
    after = text[end] if end < len(text) else ""
    if end - start >= min_inline or after == ":" or text[end - 1] == ":":
        return True  # long, or with its colon (姓名:陈秀珍民族:汉)
    label_before = not before or before in SEP + ")"
    label_after = not after or after in SEP + "("
    return label_before and label_after


def foreign_label_spans(text: str, taken: list[tuple[int, int]], doc_type: str) -> list[tuple[int, int]]:
    """(start, end) of the labels of other document types standing as labels in ``text``,
    outside the spans ``taken`` by this document type's own labels."""
    rx = foreign_labels(doc_type)
    if rx is None:
        return []
    min_inline = inline_min_chars()
    return [(m.start(), m.end()) for m in rx.finditer(text)
            if not any(m.start() < e and s < m.end() for s, e in taken)
            and stands_as_label(text, m.start(), m.end(), min_inline)]


def join_spaced_labels(text: str) -> str:
    rx = spaced_labels()
    return rx.sub(lambda m: m.group(0)[0] + m.group(0)[-1], text) if rx else text


def before_unknown_label(rest: str, ends: list[str] | None, glued: bool) -> str:
    """``ends`` (texts): how a value of the field ends (有限公司, 厂; 号, 室). When the
    value runs into a label no vocabulary holds (所属镇街:荷城街道, typed without a gap), or
    into one whose known tail ended it (``glued``: 经济|类型:), it is cut after the last such
    ending before that label; without an ending there, the text stays as it is."""
    if not ends:
        return rest
    ending = re.compile("|".join(re.escape(nfkc(x)) for x in ends))
    stops = [m.end() - 1 for m in _UNKNOWN_LABEL.finditer(rest)] + ([len(rest)] if glued else [])
    for stop in stops:
        head = rest[:stop]
        cut = max((e.end() for e in ending.finditer(head)), default=None)
        if cut is not None and re.fullmatch(r"[\u4e00-\u9fff()]{1,8}", head[cut:]):
            return rest[:cut]
    return rest
