"""The application report: ART5.2 sections and ART4.2–4.5 evidence sentences.

Headings are found per line (numbered 一、/（一）/1. or short lines) against the section cues
of ``data/report.yaml``; a heading's provenance is its line. Evidence is gathered per
sentence (split on 。！？；, across line breaks) so a reviewer reads whole statements; a
sentence's provenance spans the lines it came from.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extractors.nlp import load_yaml
from extractors.normalize import match_text
from extractors.records import Page, Provenance, TextLine

SECTION_KEYS = ("单位基本情况", "人才培养体系", "技术研发和攻关", "建站设想", "组织架构和成员职责",
                "管理制度", "资金投入", "场地设备", "师带徒和攻关课题计划")
_MAX_SENTENCES_PER_RULE = 20
_SENTENCE_END = re.compile(r"[。！？!?；;]")


@lru_cache(maxsize=None)
def _config() -> dict:
    cfg = dict(load_yaml("report.yaml"))
    cfg["_number"] = re.compile(cfg["heading_number"])
    cfg["_sections"] = {k: [re.compile(rx) for rx in v] for k, v in cfg["sections"].items()}
    cfg["_evidence"] = {rule: [[re.compile(rx) for rx in group] for group in groups]
                        for rule, groups in cfg["evidence"].items()}
    return cfg


def _lines(page: Page) -> list[TextLine]:
    return [ln for ln in page.lines if ln.text and ln.text.strip()]


def _prov(page: Page, lines: list[TextLine], text: str, doc_type: str, value: str | None = None) -> Provenance:
    boxes = [ln.bbox for ln in lines if ln.bbox]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None
    return Provenance(file=page.file, page=page.page, bbox=bbox,
                      confidence=min((ln.confidence for ln in lines), default=0.0),
                      text=text, engine=lines[0].engine if lines else "unknown",
                      value=value, doc_type=doc_type)


def is_heading(text: str) -> bool:
    cfg = _config()
    t = text.strip()
    if cfg["_number"].match(t):
        return True
    # an unnumbered heading is a short line that does not read as a piece of a sentence
    return len(t) <= cfg["heading_max_chars"] and not re.search(r"[，,。；;]$", t)


def find_sections(pages: list[Page], doc_type: str = "application_report") -> dict[str, list[Provenance]]:
    """Section key -> provenance of each heading line naming it."""
    cfg = _config()
    found: dict[str, list[Provenance]] = {}
    for page in pages:
        for ln in _lines(page):
            text = match_text(ln.text).strip()
            if not is_heading(text):
                continue
            # a long numbered line is a heading only in its first clause
            # (a parenthesised list of contents in a heading does not make those sections)
            head = re.sub(r"\([^)]*\)?", "", re.split(r"[。：:；;]", text, maxsplit=1)[0])
            head = head[: cfg["heading_max_chars"] + 8]
            for key, rxs in cfg["_sections"].items():
                if any(rx.search(head) for rx in rxs):
                    found.setdefault(key, []).append(_prov(page, [ln], text, doc_type, key))
    return found


def sentences(page: Page) -> list[tuple[str, list[TextLine]]]:
    """Sentences of a page with the lines each one spans."""
    out: list[tuple[str, list[TextLine]]] = []
    buf, used = "", []
    for ln in _lines(page):
        text = match_text(ln.text).strip()
        if is_heading(text) and _config()["_number"].match(text) and buf:
            out.append((buf, used))  # a numbered heading closes the running sentence
            buf, used = "", []
        pos = 0
        for m in _SENTENCE_END.finditer(text):
            buf += text[pos:m.end()]
            used.append(ln)
            out.append((buf, used))
            buf, used, pos = "", [], m.end()
        if text[pos:]:
            buf += text[pos:]
            used.append(ln)
    if buf:
        out.append((buf, used))
    return [(s.strip(), u) for s, u in out if s.strip()]


def find_evidence(pages: list[Page], doc_type: str = "application_report") -> dict[str, list[Provenance]]:
    """Rule id (ART4.2 … ART4.5) -> provenance of each evidence sentence (``text`` = sentence)."""
    cfg = _config()
    found: dict[str, list[Provenance]] = {}
    for page in pages:
        for sentence, used in sentences(page):
            for rule, groups in cfg["_evidence"].items():
                if len(found.get(rule, [])) >= _MAX_SENTENCES_PER_RULE:
                    continue
                for group in groups:
                    if all(rx.search(sentence) for rx in group):
                        found.setdefault(rule, []).append(_prov(page, used, sentence, doc_type))
                        break
    return found
