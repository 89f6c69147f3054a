"""Finding types: the outcome of judging a dossier."""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors.records import Provenance

CHECK_STATUSES = ("pass", "fail", "needs_review", "not_applicable")
SEVERITIES = ("high", "medium", "low")
RECOMMENDATIONS = ("proceed", "request_correction", "ineligible", "refer_false_materials")


@dataclass
class Check:
    rule: str  # ART3, ART4.1 ... ART17
    status: str
    detail: str  # Chinese, citing the article: 第四条第（一）项 …
    evidence: list[Provenance] = field(default_factory=list)


@dataclass
class Flag:
    code: str  # CONTRACT.md flag code
    rule: str  # ART15.1 | ART5.X | ART10
    severity: str
    subject: str  # who or what: a member's name, the applicant, a file
    detail: str  # Chinese explanation
    evidence: list[Provenance] = field(default_factory=list)
    # What the flag rests on, in the vocabulary of validators/data/severity.yaml
    # (exact_reading, confirmed_reading, same_scan, single_ocr, unofficial_rule, ...):
    # validators/severity.py decides the severity from it, in one place.
    proof: list[str] = field(default_factory=list)


@dataclass
class Judgement:
    checks: list[Check]
    flags: list[Flag]
    recommendation: str
    recommendation_reason: str  # one line, Chinese
    warnings: list[str] = field(default_factory=list)  # region/date oddities that are not flags
