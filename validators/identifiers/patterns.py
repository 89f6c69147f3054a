"""The OCR-tolerant patterns of every identifier standard, in one place (data/patterns.yaml
and data/certificate_formats.yaml). Extraction and the cross-check re-read take their
patterns from here; each standard's module (`ric`, `uscc`, `certificate`) checks them."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from validators.identifiers import certificate

_DATA = Path(__file__).resolve().parent / "data" / "patterns.yaml"
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"  # a code is never part of a longer one


@lru_cache(maxsize=None)
def _spec() -> dict:
    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def pattern(kind: str, form: str = "read") -> re.Pattern:
    """kind: id | uscc | cert; form: read (after a label), read_long (one character too
    many), anywhere (no label), exact (already compact)."""
    if kind == "cert":
        if form == "exact":
            return re.compile("|".join(f"(?:{f['layout']})" for f in certificate.spec()["formats"].values()))
        return certificate.read_pattern(anywhere=form == "anywhere")
    rx = _spec()[kind][form]
    return re.compile(rx if form == "exact" else _B + rx + _E)


def entity_patterns() -> dict[str, str]:
    """Regexes (group 1 the span) for spaCy's code entities: label -> regex."""
    return {
        "ID18": f"{_B}({_spec()['id']['anywhere']}){_E}",
        "USCC": f"{_B}({_spec()['uscc']['anywhere']}){_E}",
        "CERT": "(" + pattern("cert", "anywhere").pattern + ")",
    }
