"""A dossier's 综合评议 outcome from the reviewers' decisions ledger.

The ledger's vocabulary is growing (reports/decisions.py), so entries are read by field name
and every spelling of an outcome seen is accepted: an explicit 拟认定 / 不予认定 entry wins;
otherwise a 综合评议 stage whose every item is 符合 is recognised and any 不符合 is not.
"""
from __future__ import annotations

RECOGNISED = {"拟认定", "认定", "同意认定", "通过", "recognised", "recognized", "proposed"}
NOT_RECOGNISED = {"不予认定", "不认定", "不通过", "not_recognised", "not_recognized", "rejected"}
STAGE = "综合评议"


def _get(entry, *names):
    for n in names:
        v = entry.get(n) if isinstance(entry, dict) else getattr(entry, n, None)
        if v not in (None, ""):
            return str(v).strip()
    return ""


def dossier_outcomes(decisions) -> dict[str, str | None]:
    """dossier id -> recognised | not_recognised | None (no 综合评议 conclusion yet)."""
    by_dossier: dict[str, list[str]] = {}
    for e in decisions:
        did = _get(e, "dossier_id", "卷宗编号")
        if not did:
            continue
        stage = _get(e, "stage", "sheet", "阶段")
        value = _get(e, "outcome", "decision", "结论")
        if value in RECOGNISED or value in NOT_RECOGNISED or STAGE in stage:
            by_dossier.setdefault(did, []).append(value)
    out: dict[str, str | None] = {}
    for did, values in by_dossier.items():
        if any(v in NOT_RECOGNISED for v in values):
            out[did] = "not_recognised"
        elif any(v in RECOGNISED for v in values):
            out[did] = "recognised"
        elif values and all(v == "符合" for v in values):
            out[did] = "recognised"
        elif any(v in ("不符合",) for v in values):
            out[did] = "not_recognised"
        else:
            out[did] = None
    return out
