"""Plain reviewer wording for finding texts: measurements moved aside, jargon replaced.

Finding texts in result.json keep every technical detail; a worksheet, the summary or a
notice shows `plain_text(...)`, and the 疑点 sheet's 技术依据 column the measurements that
`plain_and_technical` took out. The word lists are data (reports/data/plain_terms.yaml).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

TERMS_FILE = Path(__file__).with_name("data") / "plain_terms.yaml"
_BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")
_CLAUSE_END = "，；。"


@lru_cache(maxsize=1)
def _terms() -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8")) or {}
    return tuple(data.get("technical") or ()), tuple((data.get("replace") or {}).items())


def _is_technical(text: str) -> bool:
    return any(word in text for word in _terms()[0])


def _replace_jargon(text: str) -> str:
    for old, new in _terms()[1]:
        text = text.replace(old, new)
    return text


def _split_clauses(text: str) -> list[str]:
    """Clauses with their closing punctuation; brackets are never cut."""
    out, depth, cur = [], 0, ""
    for ch in text:
        cur += ch
        depth += ch in "（(" 
        depth -= ch in "）)" and depth > 0
        if depth == 0 and ch in _CLAUSE_END:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def plain_and_technical(text: str | None) -> tuple[str, str]:
    """(what the reviewer reads, the measurements taken out of it, one per line)."""
    if not text:
        return text or "", ""
    technical: list[str] = []
    text = _replace_jargon(str(text))

    def aside(m: re.Match) -> str:
        """A bracketed remark keeps its plain clauses (where, what to do) and loses its measurements."""
        if not _is_technical(m.group(0)):
            return m.group(0)
        inner = _split_clauses(m.group(0)[1:-1])
        technical.extend(c.rstrip(_CLAUSE_END) for c in inner if _is_technical(c))
        rest = "".join(c for c in inner if not _is_technical(c)).strip(_CLAUSE_END)
        return f"{m.group(0)[0]}{rest}{m.group(0)[-1]}" if rest else ""

    text = _BRACKETED.sub(aside, text)
    kept = []
    for clause in _split_clauses(text):
        if _is_technical(clause):
            technical.append(clause.rstrip(_CLAUSE_END))
            if kept and clause[-1:] in "；。" and kept[-1][-1:] == "，":
                kept[-1] = kept[-1][:-1] + clause[-1]
        else:
            kept.append(clause)
    plain = "".join(kept).strip("，； ")
    plain = re.sub(r"[，；]([。；])", r"\1", plain)
    return plain, "\n".join(technical)


def plain_text(text: str | None) -> str:
    return plain_and_technical(text)[0]
