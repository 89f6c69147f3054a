"""Plain Chinese for the review page: field and flag names, the rule set's title, and a
finding's text split into what the reviewer reads and the measurements behind it.

A finding's text as the validators write it mixes the reviewer's sentence with figures for
a specialist (hash distances, correlations, confidences, program names). The review page
shows the sentence and keeps the figures in a collapsed 技术依据 view: a bracketed part or
a clause naming a technical term (review_labels.yaml technical_terms), or holding a Latin
word that is not a file format or unit, goes there.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from reports.labels import FIELD, FLAG, RULE_ARTICLE
from reports.page_anchor import review_labels

RULESET_DIR = Path(__file__).resolve().parents[1] / "validators" / "rulesets"

_RULE_ID = re.compile(r"(?<![A-Za-z0-9_])ART\d+(?:\.[0-9A-Z]+)?")
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")
_QUOTED = re.compile(r"“[^“”]*”")
_SEGMENT = re.compile(r"([；;。，：])")
# A national standard's number ("GB 11643", "GB/T 32100") is an identifier, not a word.
_STANDARD = re.compile(r"(?<![A-Za-z0-9_])GB(?:/T)?\s*\d+")
# A run of Latin letters (with _ . - inside) not touching a digit: a word, not an identifier
# such as a credit code or certificate number.
_LATIN = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z_\-]*[A-Za-z](?![A-Za-z0-9_])")


def field_name(kind: str, name: str) -> str:
    """Chinese name of an object's field ('member', 'contract_start' -> '合同起始日期')."""
    labels = review_labels()
    return (FIELD.get(kind, {}).get(name) or labels["fields"].get(kind, {}).get(name)
            or labels["unknown_field"])


def field_value(name: str, value) -> str:
    words = review_labels()["field_values"].get(name, {})
    return words.get(str(value).lower(), str(value)) if value is not None else ""


def flag_name(code: str | None) -> str:
    return FLAG.get(code or "") or review_labels()["unknown_flag"]


def engine_name(engine: str | None) -> str:
    return review_labels()["engines"].get(engine or "", "其他方式")


def note(key: str) -> str:
    return review_labels()["notes"][key]


@lru_cache(maxsize=8)
def ruleset_title(name: str | None) -> str:
    """The measures' Chinese title for a rule set id such as 'gaoming-2021'."""
    if name and re.fullmatch(r"[\w\-]+", name):
        path = RULESET_DIR / f"{name}.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if data.get("title"):
                return str(data["title"])
        except (OSError, yaml.YAMLError):
            pass
    return "现行技师工作站认定管理办法"


def latin_words(text: str, protected: tuple[str, ...] = ()) -> list[str]:
    """Latin words in `text` other than allowed file formats and units; the `protected`
    strings (file names) are taken out first."""
    for p in sorted(protected, key=len, reverse=True):
        if p:
            text = text.replace(p, " ")
    text = _STANDARD.sub(" ", text)
    allowed = set(review_labels()["allowed_latin"])
    return [w for w in _LATIN.findall(text) if w not in allowed]


def _technical(part: str, protected: tuple[str, ...], shown: str | None = None) -> bool:
    """A measurement term in `part` (quotes hidden), or a Latin word in it (`shown`: with
    the quotes, where a program's name stands)."""
    return (any(t in part for t in review_labels()["technical_terms"])
            or bool(latin_words(part if shown is None else shown, protected)))


def plain_rules(text: str | None) -> str:
    """Rule ids in a text ('ART4.1未通过') as the articles they stand for."""
    return _RULE_ID.sub(lambda m: RULE_ARTICLE.get(m.group(0), "相关条款"), text or "")


def plain_words(text: str) -> str:
    """Jargon replaced by the words a reviewer uses (review_labels.yaml plain_words)."""
    for word, plain in review_labels()["plain_words"].items():
        text = text.replace(word, plain)
    return text


def split_technical(text: str | None, protected: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """(what the reviewer reads, the technical parts in their order); rule ids become the
    articles they stand for. The text's first part (the article it cites, or its first
    statement) always stays; quoted material (“…”) is the applicant's own words and is
    never searched for terms."""
    quotes: list[str] = []

    def hide(m: re.Match) -> str:
        quotes.append(m.group(0))
        return f"\x00{len(quotes) - 1}\x00"

    def show(t: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: quotes[int(m.group(1))], t)

    work = _QUOTED.sub(hide, plain_words(plain_rules(text)))
    tech: list[str] = []

    def take(m: re.Match) -> str:
        if _technical(m.group(0), protected, show(m.group(0))):
            tech.append(show(m.group(0)[1:-1]))
            return ""
        return m.group(0)
    work = _BRACKETED.sub(take, work)
    pieces = _SEGMENT.split(work)  # segment, delimiter, segment, delimiter, …
    kept = []
    for i in range(0, len(pieces), 2):
        seg, delim = pieces[i], (pieces[i + 1] if i + 1 < len(pieces) else "")
        if i > 0 and seg.strip() and _technical(seg, protected, show(seg)):
            tech.append(show(seg.strip()))
        elif seg or delim:
            kept.append(seg + delim)
    plain = show("".join(kept)).strip()
    if tech and not plain.strip("；;。，,、：: "):
        plain = "详见技术依据。"
    elif tech and plain and plain[-1] in "，,、：:；;":
        plain = plain[:-1] + "。"
    return plain, tech
