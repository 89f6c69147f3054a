"""Agreement between screening results and the generator's ground truth.

Pure functions over result.json / expected.json dicts, shared by the benchmark and the
end-to-end test.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

APPLICANT_FIELDS = ("name", "uscc", "legal_representative", "address", "registration_authority", "established")
BANK_FIELDS = ("account_name", "account_number", "bank", "basic_account_licence_no")
MEMBER_FIELDS = ("name", "id_number", "sex", "birth_date", "occupation", "level", "certificate_kind",
                 "certificate_number", "certificate_issue_date", "certificate_issuer", "has_id_card",
                 "has_contract", "contract_end")


def load_truth(truth_dir: Path) -> dict[str, dict]:
    truth = {}
    for path in sorted(truth_dir.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "dossier_id" in data and "checks" in data:
            truth[data["dossier_id"]] = data
    return truth


def load_results(out_dir: Path) -> dict[str, dict]:
    results = {}
    for path in sorted(out_dir.glob("*/result.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        results[data["dossier_id"]] = data
    return results


def _norm(v):
    if isinstance(v, str):
        return re.sub(r"\s+", "", v).replace("(", "（").replace(")", "）")
    return v


def field_scores(result: dict, truth: dict) -> Counter:
    """Counter of (group, field) -> [correct, total] flattened as keys 'ok:'/'all:'."""
    c: Counter = Counter()

    def score(group, name, got, want):
        if want is None:
            return
        c[f"all:{group}.{name}"] += 1
        if _norm(got) == _norm(want):
            c[f"ok:{group}.{name}"] += 1

    for name in APPLICANT_FIELDS:
        score("applicant", name, (result.get("applicant") or {}).get(name), truth["applicant"].get(name))
    for name in BANK_FIELDS:
        score("bank_account", name, (result.get("bank_account") or {}).get(name), truth["bank_account"].get(name))
    got_members = {m.get("id_number"): m for m in result.get("members", []) if m.get("id_number")}
    got_by_name = {m.get("name"): m for m in result.get("members", []) if m.get("name")}
    for want in truth.get("members", []):
        got = got_members.get(want.get("id_number")) or got_by_name.get(want.get("name")) or {}
        c["all:members.found"] += 1
        if got:
            c["ok:members.found"] += 1
        for name in MEMBER_FIELDS:
            score("members", name, got.get(name), want.get(name))
    return c


def agreement(results: dict[str, dict], truth: dict[str, dict]) -> dict:
    fields: Counter = Counter()
    checks_ok = checks_all = 0
    check_mismatches = []
    rec_ok = 0
    flag_tp: Counter = Counter()
    flag_fn: Counter = Counter()
    flag_fp: Counter = Counter()
    high_on_clean = []
    doc_ok: Counter = Counter()
    doc_all: Counter = Counter()
    for did, want in truth.items():
        got = results.get(did)
        if got is None:
            continue
        fields.update(field_scores(got, want))
        statuses = {c["rule"]: c["status"] for c in got.get("checks", [])}
        for rule, status in want["checks"].items():
            checks_all += 1
            if statuses.get(rule) == status:
                checks_ok += 1
            else:
                check_mismatches.append((did, rule, status, statuses.get(rule)))
        if got.get("recommendation") == want.get("recommendation"):
            rec_ok += 1
        want_codes = Counter(f["code"] for f in want.get("flags", []))
        got_codes = Counter(f["code"] for f in got.get("flags", []))
        for code in set(want_codes) | set(got_codes):
            hit = min(want_codes[code], got_codes[code]) and 1
            # Per dossier: a planted code counts once, found or not.
            if want_codes[code]:
                if got_codes[code]:
                    flag_tp[code] += 1
                else:
                    flag_fn[code] += 1
            elif got_codes[code]:
                flag_fp[code] += 1
        if not want.get("flags") and any(f.get("severity") == "high" for f in got.get("flags", [])):
            high_on_clean.append(did)
        got_types = {}
        for d in got.get("documents", []):
            for p in d.get("pages", []):
                got_types[(d["file"], p)] = d["type"]
        for d in want.get("documents", []):
            for p in d.get("pages", []):
                doc_all[d["type"]] += 1
                if got_types.get((d["file"], p)) == d["type"]:
                    doc_ok[d["type"]] += 1
    per_field = {}
    for key, total in fields.items():
        if key.startswith("all:"):
            name = key[4:]
            per_field[name] = (fields.get("ok:" + name, 0), total)
    codes = sorted(set(flag_tp) | set(flag_fn) | set(flag_fp))
    flags = {
        code: {
            "planted": flag_tp[code] + flag_fn[code],
            "found": flag_tp[code],
            "false": flag_fp[code],
            "recall": flag_tp[code] / (flag_tp[code] + flag_fn[code]) if flag_tp[code] + flag_fn[code] else None,
            "precision": flag_tp[code] / (flag_tp[code] + flag_fp[code]) if flag_tp[code] + flag_fp[code] else None,
        }
        for code in codes
    }
    n = len([d for d in truth if d in results])
    ok_fields = sum(ok for ok, _ in per_field.values() if True)
    all_fields = sum(t for _, t in per_field.values())
    return {
        "dossiers": n,
        "field_accuracy": ok_fields / all_fields if all_fields else None,
        "fields": per_field,
        "check_agreement": checks_ok / checks_all if checks_all else None,
        "check_mismatches": check_mismatches,
        "recommendation_accuracy": rec_ok / n if n else None,
        "flags": flags,
        "high_flags_on_clean": high_on_clean,
        "doc_type_accuracy": {t: (doc_ok[t], doc_all[t]) for t in sorted(doc_all)},
    }


def format_agreement(a: dict) -> str:
    pct = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    lines = [
        f"dossiers scored: {a['dossiers']}",
        f"field accuracy: {pct(a['field_accuracy'])}",
        f"check agreement: {pct(a['check_agreement'])}",
        f"recommendation accuracy: {pct(a['recommendation_accuracy'])}",
        f"high-severity flags on clean dossiers: {a['high_flags_on_clean'] or 'none'}",
        "fields (correct/total):",
    ]
    for name, (ok, total) in sorted(a["fields"].items()):
        lines.append(f"  {name:36s} {ok:3d}/{total:<3d} {pct(ok / total if total else None)}")
    lines.append("document types by page (correct/total):")
    for t, (ok, total) in a["doc_type_accuracy"].items():
        lines.append(f"  {t:28s} {ok:3d}/{total:<3d}")
    lines.append("flags: code  planted found false  recall precision")
    for code, f in a["flags"].items():
        lines.append(f"  {code:26s} {f['planted']:3d} {f['found']:3d} {f['false']:3d}  {pct(f['recall']):>6s} {pct(f['precision']):>6s}")
    if a["check_mismatches"]:
        lines.append("check mismatches (dossier, rule, expected, got):")
        for m in a["check_mismatches"][:40]:
            lines.append(f"  {m}")
    return "\n".join(lines)
