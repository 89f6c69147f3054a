"""Severity needs proof: the one place that decides how severe a flag is.

A flag can cost an applicant its application (第五条) or a station its recognition
(第十五条第（一）项), so a flag maker only states what its flag rests on (`Flag.proof`, in the
vocabulary of `data/flags.yaml`); this module turns that into a severity with the table in
`data/flags.yaml`:

- high only when the proof holds every item of one of the code's `high` alternatives and
  none of the `caps` (a single OCR reading, an unofficial rule, one forensic signal …);
- otherwise at most medium, and the detail ends with the step the reviewer should take;
- two medium flags of different codes on one subject, each resting on evidence of its own
  kind (neither on a single OCR reading), make each other high and name each other;
- IMAGE_TAMPERED, low on its own, is medium when another flag hits the same file.
"""
from __future__ import annotations

from validators.findings import Flag
from validators.findings_util import data

_RANK = {"low": 0, "medium": 1, "high": 2}


def table() -> dict:
    return data("flags.yaml")


def supports_high(code: str, proof: list[str]) -> bool:
    t = table()
    if any(p in t["caps"] for p in proof):
        return False
    have = set(proof)
    return any(alt and set(alt) <= have for alt in t[code].get("high", []))


def _capped(flag: Flag) -> str:
    """High exactly when the proof supports it; otherwise the flag's own severity (or the
    code's default), never above medium."""
    if supports_high(flag.code, flag.proof):
        return "high"
    wanted = flag.severity or table()[flag.code]["severity"]
    return wanted if _RANK[wanted] < _RANK["high"] else "medium"


def _verify_note(flag: Flag) -> str:
    spec = table()[flag.code]
    caps = [table()["caps"][p] for p in flag.proof if p in table()["caps"]]
    why = f"（{'；'.join(dict.fromkeys(caps))}）" if caps else ""
    return f"。疑点程度：中{why}，尚不足以认定虚假，{spec['verify']}" if spec.get("verify") else ""


def _same_subject(a: Flag, b: Flag) -> bool:
    if a.subject and a.subject == b.subject:
        return True
    files_a = {p.file for p in a.evidence}
    return bool(files_a & {p.file for p in b.evidence})


def _corroborates(a: Flag, b: Flag) -> bool:
    weak = set(table()["corroboration"]["too_weak"])
    return (a.code != b.code and a.code != "IMAGE_TAMPERED" and b.code != "IMAGE_TAMPERED"
            and not weak & set(a.proof) and not weak & set(b.proof) and a.proof and b.proof
            and set(a.proof) != set(b.proof) and _same_subject(a, b))


def settle(flags: list[Flag]) -> list[Flag]:
    """Set every flag's severity from its proof (in place; returns the list)."""
    for f in flags:
        f.severity = _capped(f)
    mediums = [f for f in flags if f.severity == "medium" and f.rule != "ART10"]
    raised: dict[int, list[Flag]] = {}
    for i, a in enumerate(mediums):
        for b in mediums[i + 1:]:
            if _corroborates(a, b):
                raised.setdefault(id(a), []).append(b)
                raised.setdefault(id(b), []).append(a)
    for f in flags:
        if id(f) in raised:
            f.severity = "high"
            others = "、".join(dict.fromkeys(table()[g.code].get("name", g.code) for g in raised[id(f)]))
            f.detail += f"。另有独立疑点（{others}）指向同一对象，两项相互印证"
            f.proof = list(dict.fromkeys(f.proof + ["corroborated"]))
    for f in flags:
        if f.code != "IMAGE_TAMPERED" or f.severity != "low":
            continue
        files = {p.file for p in f.evidence}
        if any(g is not f and g.code != "IMAGE_TAMPERED" and files & {p.file for p in g.evidence} for g in flags):
            f.severity = "medium"
            f.detail += "；同一文件另有其他疑点"
    for f in flags:
        if f.severity == "medium":
            f.detail += _verify_note(f)
    return flags
