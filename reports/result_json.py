"""result.json: the public per-dossier record (CONTRACT.md), and its validation.

The contract may only grow by adding keys; additions here: recommendation_reason,
warnings, files, report_sections, error, and on members has_certificate,
contract_open_ended, listed_in_form; on bank_account account_kind.
"""
from __future__ import annotations

import json
from dataclasses import fields as dc_fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from extractors.records import Applicant, BankAccount, DossierRecord, Provenance
from validators.findings import Judgement
from reports.labels import RULE_IDS

SCHEMA_PATH = Path(__file__).with_name("schema") / "result.schema.json"


def _prov_map(prov: dict[str, list[Provenance]]) -> dict[str, list[dict]]:
    return {name: [p.to_dict() for p in recs] for name, recs in prov.items()}


def _plain(obj: Any) -> dict:
    """Dataclass -> dict of its scalar fields, provenance as lists of records."""
    out: dict[str, Any] = {}
    for f in dc_fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = _prov_map(v) if f.name == "provenance" else v
    return out


def _documents(record: DossierRecord) -> list[dict]:
    docs = [
        {"file": d.file, "pages": list(d.pages), "type": d.type,
         "text_source": d.text_source, "error": d.error}
        for d in record.documents
    ]
    # An unreadable file is still a submitted document: the reviewer must see why it was not
    # read. Where its pages already make a document, the file's reason goes on that entry
    # (it says more than the page's), so the file is listed once.
    for f in record.files:
        if not (f.error or f.error_code):
            continue
        reason = f.error or f.error_code
        own = [d for d in docs if d["file"] == f.file]
        if own:
            for d in own:
                if reason not in (d["error"] or ""):
                    d["error"] = reason if not d["error"] else f"{reason}；{d['error']}"
            continue
        docs.append({
            "file": f.file, "pages": [p.page for p in f.pages], "type": "other",
            "text_source": None, "error": reason,
        })
    return docs


def build_result(record: DossierRecord, judgement: Judgement, *, as_of: date,
                 rule_set: str, screened_at: str) -> dict:
    return {
        "dossier_id": record.dossier_id,
        "screened_at": screened_at,
        "as_of": as_of.isoformat(),
        "rule_set": rule_set,
        "applicant": _plain(record.applicant if record.applicant else Applicant()),
        "bank_account": _plain(record.bank_account if record.bank_account else BankAccount()),
        "members": [_plain(m) for m in record.members],
        "documents": _documents(record),
        "checks": [
            {"rule": c.rule, "status": c.status, "detail": c.detail,
             "evidence": [p.to_dict() for p in c.evidence]}
            for c in judgement.checks
        ],
        "flags": [
            {"code": f.code, "rule": f.rule, "severity": f.severity, "subject": f.subject,
             "detail": f.detail, "evidence": [p.to_dict() for p in f.evidence], "proof": list(f.proof)}
            for f in judgement.flags
        ],
        "recommendation": judgement.recommendation,
        "recommendation_reason": judgement.recommendation_reason,
        "warnings": list(judgement.warnings),
        "report_sections": _prov_map(record.report_sections),
        "files": [
            {"file": f.file, "kind": f.kind, "sha256": f.sha256, "pages": len(f.pages),
             "error_code": f.error_code, "error": f.error}
            for f in record.files
        ],
        "error": record.error,
    }


@lru_cache(maxsize=1)
def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _where(path) -> str:
    return "/".join(str(p) for p in path) or "(根)"


def validate_result(d: dict) -> list[str]:
    """Errors (empty when valid): the JSON Schema, plus what a schema cannot say —
    every rule id exactly once, and bbox corners in order."""
    validator = jsonschema.Draft202012Validator(load_schema())
    errors = [f"{_where(e.absolute_path)}: {e.message}"
              for e in sorted(validator.iter_errors(d), key=lambda e: list(map(str, e.absolute_path)))]
    checks = d.get("checks") if isinstance(d, dict) else None
    if isinstance(checks, list):
        rules = [c.get("rule") for c in checks if isinstance(c, dict)]
        for rule in RULE_IDS:
            n = rules.count(rule)
            if n != 1:
                errors.append(f"checks: 规则 {rule} 出现 {n} 次，应恰好 1 次")
    for path, rec in _provenance_records(d):
        bbox = rec.get("bbox") if isinstance(rec, dict) else None
        if isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(x, (int, float)) for x in bbox):
            if bbox[0] > bbox[2] or bbox[1] > bbox[3]:
                errors.append(f"{path}/bbox: 坐标顺序应为 [x0, y0, x1, y1]，且 x0≤x1、y0≤y1")
    return errors


def _provenance_records(d: Any):
    if not isinstance(d, dict):
        return
    for key in ("checks", "flags"):
        for i, item in enumerate(d.get(key) or []):
            if isinstance(item, dict):
                for j, rec in enumerate(item.get("evidence") or []):
                    yield f"{key}/{i}/evidence/{j}", rec
    objs = [("applicant", d.get("applicant")), ("bank_account", d.get("bank_account"))]
    objs += [(f"members/{i}", m) for i, m in enumerate(d.get("members") or [])]
    for path, obj in objs:
        if isinstance(obj, dict) and isinstance(obj.get("provenance"), dict):
            for name, recs in obj["provenance"].items():
                for j, rec in enumerate(recs or []):
                    yield f"{path}/provenance/{name}/{j}", rec
