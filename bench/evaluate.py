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
        (f"HIGH-SEVERITY FLAGS ON CLEAN DOSSIERS (must be none): {', '.join(a['high_flags_on_clean'])}"
         if a["high_flags_on_clean"] else "high-severity flags on clean dossiers: none (as required)"),
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


# --- field agreement per source document and page condition -------------------------------
#
# The truth lists every value each document prints (``fields``: file, page, doc_type,
# field, value, condition). result.json keeps, per dossier-level value, the reading of
# every document that states it (``provenance[field]``, each with file and page). So each
# printed value is scored against what the screening read from that very document.

# Page conditions as the acceptance criteria group them.
CONDITION_CLASS = {"docx": "text_layer", "text_layer": "text_layer", "clean_scan": "clean_scan",
                   "sealed": "clean_scan", "photo": "clean_scan", "degraded_scan": "degraded_scan"}
IDENTIFIER_FIELDS = ("id_number", "uscc", "certificate_number", "account_number")

# (doc type, truth field) -> (result.json group, provenance key). Values a document prints
# that result.json does not carry (the card's address, the licence's capital) are not scored.
_MEMBER_KEYS = ("name", "id_number", "sex", "birth_date", "occupation", "level", "certificate_number",
                "certificate_issue_date", "certificate_issuer", "contract_end")
_SLOTS: dict[tuple[str, str], tuple[str, str]] = {
    **{("business_licence", f): ("applicant", f) for f in
       ("uscc", "legal_representative", "address", "registration_authority", "established")},
    ("business_licence", "unit_name"): ("applicant", "name"),
    ("application_form", "unit_name"): ("applicant", "name"),
    ("application_form", "uscc"): ("applicant", "uscc"),
    ("application_form", "address"): ("applicant", "address"),
    ("application_report", "unit_name"): ("applicant", "name"),
    ("labour_contract", "unit_name"): ("applicant", "name"),
    ("labour_contract", "uscc"): ("applicant", "uscc"),
    ("bank_account", "legal_representative"): ("applicant", "legal_representative"),
    **{("bank_account", f): ("bank_account", f) for f in BANK_FIELDS},
    **{(t, f): ("members", f) for t in ("id_card", "qualification_certificate", "labour_contract",
                                        "application_form") for f in _MEMBER_KEYS},
}


def _canonical(field: str, value):
    """The truth's printed value in the form result.json states it."""
    from extractors import normalize as nz

    if value is None:
        return None
    text = str(value)
    if field in ("birth_date", "established", "certificate_issue_date", "contract_end"):
        if nz._OPEN_ENDED.search(text):
            return "open_ended"
        return nz.parse_date(text) or text
    if field == "level":
        return nz.normalize_level(text) or text
    if field in IDENTIFIER_FIELDS or field in ("basic_account_licence_no",):
        return re.sub(r"[\s\-]", "", text).upper()
    return _norm(text)


def _readings(result: dict, group: str, key: str, file: str, pages: set[int]) -> list:
    """What result.json read for (group, key) from the given pages of one file."""
    blocks = result.get("members", []) if group == "members" else [result.get(group) or {}]
    got = []
    for block in blocks:
        provs = (block.get("provenance") or {}).get(key, [])
        if key == "contract_end":
            # an open-ended contract states no end: its reading is contract_open_ended
            provs = provs + [dict(p, value="open_ended") for p in
                             (block.get("provenance") or {}).get("contract_open_ended", [])
                             if p.get("value") == "true"]
        for p in provs:
            if p.get("file") == file and p.get("page") in pages:
                got.append(p.get("value"))
    return got


def field_occurrences(result: dict, truth: dict) -> list[dict]:
    """One row per value the truth says a document prints and result.json can carry:
    doc_type, condition (raw and class), field, ok (the screening read that value from
    that document). Pure; the values themselves are not returned (personal data)."""
    doc_pages: dict[tuple[str, int], set[int]] = {}
    for d in result.get("documents", []):
        for p in d.get("pages", []):
            doc_pages[(d["file"], p)] = set(d.get("pages", []))
    rows = []
    for f in truth.get("fields", []):
        slot = _SLOTS.get((f["doc_type"], f["field"]))
        if slot is None or f.get("value") in (None, ""):
            continue
        group, key = slot
        pages = doc_pages.get((f["file"], f["page"]), {f["page"]})
        want = _canonical(key, f["value"])
        got = [_canonical(key, v) for v in _readings(result, group, key, f["file"], pages)]
        rows.append({"doc_type": f["doc_type"], "condition": f.get("condition") or "unknown",
                     "condition_class": CONDITION_CLASS.get(f.get("condition"), f.get("condition") or "unknown"),
                     "field": f["field"], "ok": want in got, "read": bool(got)})
    return rows


def _pct(ok: int, total: int) -> str:
    return f"{100 * ok / total:.1f}%" if total else "—"


def extraction_table(results: dict[str, dict], truth: dict[str, dict]) -> list[list[str]]:
    """The issue-4 acceptance figures as printable rows (first row is the header):
    field exact match per source document type and page condition class, per condition
    class overall, identifier fields per occurrence, page classification per type, and
    member recall on clean dossiers (truth without flags). Pure; no personal data."""
    occ = [dict(o, dossier=did) for did, want in truth.items() if did in results
           for o in field_occurrences(results[did], want)]
    classes = ("text_layer", "clean_scan", "degraded_scan")
    rows: list[list[str]] = [["section", "key", *classes, "all"]]

    def cells(items: list[dict]) -> list[str]:
        out = []
        for c in classes:
            sel = [o for o in items if o["condition_class"] == c]
            out.append(f"{sum(o['ok'] for o in sel)}/{len(sel)} {_pct(sum(o['ok'] for o in sel), len(sel))}"
                       if sel else "—")
        out.append(f"{sum(o['ok'] for o in items)}/{len(items)} {_pct(sum(o['ok'] for o in items), len(items))}")
        return out

    for doc_type in sorted({o["doc_type"] for o in occ}):
        rows.append(["fields by document", doc_type, *cells([o for o in occ if o["doc_type"] == doc_type])])
    rows.append(["fields by document", "ALL", *cells(occ)])
    for name in IDENTIFIER_FIELDS:
        rows.append(["identifiers", name, *cells([o for o in occ if o["field"] == name])])
    doc_ok: Counter = Counter()
    doc_all: Counter = Counter()
    found = total = 0
    for did, want in truth.items():
        got = results.get(did)
        if got is None:
            continue
        got_types = {(d["file"], p): d["type"] for d in got.get("documents", []) for p in d.get("pages", [])}
        for d in want.get("documents", []):
            for p in d.get("pages", []):
                doc_all[d["type"]] += 1
                doc_ok[d["type"]] += got_types.get((d["file"], p)) == d["type"]
        if not want.get("flags"):
            c = field_scores(got, want)
            found += c["ok:members.found"]
            total += c["all:members.found"]
    for t in sorted(doc_all):
        rows.append(["document type by page", t, "", "", "", f"{doc_ok[t]}/{doc_all[t]} {_pct(doc_ok[t], doc_all[t])}"])
    ok_all, n_all = sum(doc_ok.values()), sum(doc_all.values())
    rows.append(["document type by page", "ALL", "", "", "", f"{ok_all}/{n_all} {_pct(ok_all, n_all)}"])
    rows.append(["member recall", "clean dossiers", "", "", "", f"{found}/{total} {_pct(found, total)}"])
    return rows


def format_table(rows: list[list[str]]) -> str:
    """Rows of ``extraction_table`` as aligned text."""
    if not rows:
        return ""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def field_misses(results: dict[str, dict], truth: dict[str, dict]) -> list[tuple[str, str, str, str]]:
    """(dossier, doc_type, condition, field) of every value not read from its document:
    where to look next. No values (personal data)."""
    return [(did, o["doc_type"], o["condition"], o["field"]) for did, want in truth.items() if did in results
            for o in field_occurrences(results[did], want) if not o["ok"]]


# --- flag precision on clean dossiers, severity, certificate numbers ----------------------
#
# Issue 15: a screening that flags documents it has never seen is worse than none. These
# figures say, per flag code, how many flags were right, what the clean dossiers (truth
# without flags) were flagged with, and whether each found flag carries the severity its
# proof allows.

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


def _accepted(flag: dict) -> set[str]:
    """Severities the truth accepts for one planted flag (none when it states none)."""
    if flag.get("severity_accepted"):
        return set(flag["severity_accepted"])
    return {flag["severity"]} if flag.get("severity") else set()


def _member_match(result: dict, want: dict) -> dict:
    by_id = {m.get("id_number"): m for m in result.get("members", []) if m.get("id_number")}
    by_name = {m.get("name"): m for m in result.get("members", []) if m.get("name")}
    return by_id.get(want.get("id_number")) or by_name.get(want.get("name")) or {}


def flag_precision(results: dict[str, dict], truth: dict[str, dict]) -> dict:
    """Per flag code (counted once per dossier): planted, found, false, precision, recall;
    flags on clean dossiers by (code, severity); severity agreement of the found planted
    flags. Pure."""
    tp: Counter = Counter()
    fn: Counter = Counter()
    fp: Counter = Counter()
    on_clean: Counter = Counter()
    clean_dossiers = 0
    sev_ok = sev_all = 0
    sev_misses = []
    for did, want in truth.items():
        got = results.get(did)
        if got is None:
            continue
        got_flags = got.get("flags", [])
        if not want.get("flags"):
            clean_dossiers += 1
            on_clean.update((f["code"], f.get("severity") or "?") for f in got_flags)
        want_by_code: dict[str, set] = defaultdict(set)
        for f in want.get("flags", []):
            want_by_code[f["code"]] |= _accepted(f)
        got_by_code: dict[str, list] = defaultdict(list)
        for f in got_flags:
            got_by_code[f["code"]].append(f.get("severity"))
        for code in set(want_by_code) | set(got_by_code):
            if code in want_by_code and code in got_by_code:
                tp[code] += 1
                accepted = want_by_code[code]
                if accepted:
                    top = max(got_by_code[code], key=lambda s: SEVERITY_RANK.get(s, -1))
                    sev_all += 1
                    if top in accepted:
                        sev_ok += 1
                    else:
                        sev_misses.append((did, code, "/".join(sorted(accepted)), top))
            elif code in want_by_code:
                fn[code] += 1
            else:
                fp[code] += 1
    codes = sorted(set(tp) | set(fn) | set(fp))
    per_code = {c: {"planted": tp[c] + fn[c], "found": tp[c], "false": fp[c],
                    "precision": tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else None,
                    "recall": tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else None} for c in codes}
    t, f_, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {"per_code": per_code,
            "precision": t / (t + f_) if t + f_ else None,
            "recall": t / (t + n) if t + n else None,
            "clean_dossiers": clean_dossiers,
            "on_clean": dict(sorted(on_clean.items())),
            "high_on_clean": sum(v for (_, sev), v in on_clean.items() if sev == "high"),
            "severity_agreement": sev_ok / sev_all if sev_all else None,
            "severity_scored": sev_all,
            "severity_misses": sev_misses}


def cert_number_accuracy(results: dict[str, dict], truth: dict[str, dict]) -> dict[str, tuple[int, int]]:
    """Certificate numbers extracted exactly, per certificate system and "ALL": (ok, total)."""
    ok: Counter = Counter()
    total: Counter = Counter()
    for did, want in truth.items():
        got = results.get(did)
        if got is None:
            continue
        for m in want.get("members", []):
            if not m.get("certificate_number"):
                continue
            kind = m.get("certificate_kind") or "?"
            hit = _norm(_member_match(got, m).get("certificate_number")) == _norm(m["certificate_number"])
            for k in (kind, "ALL"):
                total[k] += 1
                ok[k] += hit
    return {k: (ok[k], total[k]) for k in sorted(total)}


def precision_summary(results: dict[str, dict], truth: dict[str, dict]) -> dict:
    a = agreement(results, truth)
    p = flag_precision(results, truth)
    certs = cert_number_accuracy(results, truth)
    ok, n = certs.get("ALL", (0, 0))
    return {**p, "dossiers": a["dossiers"], "recommendation_agreement": a["recommendation_accuracy"],
            "fields": a["field_accuracy"], "cert_numbers": ok / n if n else None, "cert_by_kind": certs}


def _num(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def summary_line(variant: str, s: dict) -> str:
    return (f"precision: variant={variant} flags_precision={_num(s['precision'])} flags_recall={_num(s['recall'])} "
            f"high_on_clean={s['high_on_clean']} recommendation_agreement={_num(s['recommendation_agreement'])} "
            f"fields={_num(s['fields'])} cert_numbers={_num(s['cert_numbers'])}")


def format_precision(variant: str, s: dict) -> str:
    pct = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    lines = [f"== variant {variant}: {s['dossiers']} dossiers, {s['clean_dossiers']} clean",
             "flag code                  planted found false precision  recall"]
    for code, f in s["per_code"].items():
        lines.append(f"  {code:26s} {f['planted']:5d} {f['found']:5d} {f['false']:5d} {pct(f['precision']):>9s} "
                     f"{pct(f['recall']):>7s}")
    lines.append("flags on clean dossiers (code, severity: count):")
    lines += [f"  {code:26s} {sev:6s} {n}" for (code, sev), n in s["on_clean"].items()] or ["  none"]
    if s["high_on_clean"]:
        lines.append(f"HIGH-SEVERITY FLAGS ON CLEAN DOSSIERS: {s['high_on_clean']} (must be 0)")
    else:
        lines.append("high-severity flags on clean dossiers: 0 (as required)")
    lines.append(f"severity agreement on found planted flags: {pct(s['severity_agreement'])} "
                 f"of {s['severity_scored']}")
    lines += [f"  severity differs: {m}" for m in s["severity_misses"]]
    for kind, (ok, n) in s["cert_by_kind"].items():
        lines.append(f"certificate numbers exact, {kind}: {ok}/{n} {pct(ok / n if n else None)}")
    lines.append(summary_line(variant, s))
    return "\n".join(lines)
