"""The spaCy pipeline used for field extraction, built once per document type and reused.

No pretrained Chinese model can be installed here, so the pipeline is ``spacy.blank("zh")``
with the ``char`` segmenter (works offline, no dictionary; every CJK character is a token,
which makes label phrases and ``char_span`` alignment exact). Two components:

- an ``EntityRuler`` whose phrase patterns are the label variants from
  ``data/fields/<doc_type>.yaml`` (entity label = the field name, prefixed ``L:``);
- ``code_spans``: regex hits for code-like numbers (``data/codes.yaml``) added as entities
  through ``doc.char_span`` (ID numbers, USCCs, certificate and account numbers).

``label_vocabulary`` is every document type's labels together (plus ``data/labels.yaml``):
``fields.py`` ends a value at any of them, since a document may print a label no pipeline
of its own type knows (a form's 成立时间, a licence's 组成形式).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

DATA = Path(__file__).parent / "data"


def nfkc(s: str) -> str:
    """Patterns are matched against normalize.match_text lines: give them the same form."""
    from extractors.normalize import match_text
    return match_text(s)


@lru_cache(maxsize=None)
def load_yaml(rel: str) -> dict:
    with open(DATA / rel, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@lru_cache(maxsize=None)
def code_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    from validators.identifiers.patterns import entity_patterns

    codes = {**entity_patterns(), **load_yaml("codes.yaml")["codes"]}
    return tuple((label, re.compile(rx)) for label, rx in codes.items())


@Language.component("code_spans")
def code_spans(doc: Doc) -> Doc:
    spans: list[Span] = list(doc.ents)
    for label, rx in code_patterns():
        for m in rx.finditer(doc.text):
            span = doc.char_span(m.start(1), m.end(1), label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    doc.ents = filter_spans(spans)
    return doc


def field_spec(doc_type: str) -> dict:
    path = DATA / "fields" / f"{doc_type}.yaml"
    return load_yaml(f"fields/{doc_type}.yaml") if path.exists() else {"fields": {}}


@lru_cache(maxsize=None)
def get_nlp(doc_type: str) -> Language:
    """Pipeline for one document type; cached, so patterns are compiled once per process."""
    nlp = spacy.blank("zh")  # char segmenter by default: no dictionary download needed
    patterns = []
    for name, spec in (field_spec(doc_type).get("fields") or {}).items():
        for label in spec.get("labels", []):
            patterns.append({"label": f"L:{name}", "pattern": nfkc(label)})
    for label in field_spec(doc_type).get("stop_labels", []):
        patterns.append({"label": "L:_stop", "pattern": nfkc(label)})
    if patterns:
        nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"}).add_patterns(patterns)
    nlp.add_pipe("code_spans")
    return nlp


def _spec_labels(spec: dict) -> set[str]:
    labels = set(spec.get("stop_labels", []))
    for field in (spec.get("fields") or {}).values():
        labels.update(field.get("labels", []))
    return labels


@lru_cache(maxsize=None)
def label_vocabulary() -> frozenset[str]:
    """Every label any document prints, in matching form: all labels and stop labels of
    ``data/fields/*.yaml`` and the extra ones of ``data/labels.yaml``."""
    labels = set(load_yaml("labels.yaml").get("extra", []))
    for path in sorted((DATA / "fields").glob("*.yaml")):
        labels |= _spec_labels(load_yaml(f"fields/{path.name}"))
    return frozenset(x for x in (nfkc(label) for label in labels) if x)


@lru_cache(maxsize=None)
def foreign_labels(doc_type: str) -> re.Pattern | None:
    """The labels of other document types, longest first (the ruler already finds this
    document type's own): they end a value but never start one."""
    own = {nfkc(label) for label in _spec_labels(field_spec(doc_type))}
    others = sorted(label_vocabulary() - own, key=lambda s: (-len(s), s))
    return re.compile("|".join(re.escape(x) for x in others)) if others else None


def inline_min_chars() -> int:
    return int(load_yaml("labels.yaml").get("inline_min_chars", 4))


@lru_cache(maxsize=None)
def spaced_labels() -> re.Pattern | None:
    """Two-character labels printed letter-spaced, whose gap OCR filled with a punctuation
    mark, followed by their own colon (住:所:, 名,称:) anywhere in a line, as a two-column
    licence's right-hand label stands mid-line; ``normalize.match_text`` repairs them at a
    line's start only."""
    pairs = sorted(x for x in label_vocabulary() if len(x) == 2 and all("\u4e00" <= c <= "\u9fff" for c in x))
    if not pairs:
        return None
    alt = "|".join(f"{re.escape(a)}[:;,.·、]{re.escape(b)}" for a, b in pairs)
    return re.compile(f"(?:{alt})(?=\\s*:)")
