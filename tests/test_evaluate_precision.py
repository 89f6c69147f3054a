"""Flag precision, flags on clean dossiers, severity agreement and certificate numbers
(bench/evaluate.py), on hand-made result / truth dicts: no OCR."""
from __future__ import annotations

from bench.evaluate import (cert_number_accuracy, flag_precision, format_precision, precision_summary,
                            summary_line)

CHECKS = {"ART3": "pass"}


def _truth(did, flags=(), members=()):
    return {"dossier_id": did, "applicant": {"name": "甲公司"}, "bank_account": {}, "members": list(members),
            "documents": [], "checks": dict(CHECKS), "flags": list(flags),
            "recommendation": "refer_false_materials" if flags else "proceed"}


def _result(did, flags=(), members=(), recommendation="proceed"):
    return {"dossier_id": did, "applicant": {"name": "甲公司"}, "bank_account": {}, "members": list(members),
            "documents": [], "checks": [{"rule": "ART3", "status": "pass"}], "flags": list(flags),
            "recommendation": recommendation}


def _f(code, severity, accepted=None):
    f = {"code": code, "subject": "x", "severity": severity}
    if accepted:
        f["severity_accepted"] = accepted
    return f


TRUTH = {
    "D1": _truth("D1"),
    "D2": _truth("D2"),
    "D3": _truth("D3", [_f("ID_NUMBER_INVALID", "high"), _f("CERTIFICATE_INCONSISTENT", "medium")]),
    "D4": _truth("D4", [_f("IMAGE_TAMPERED", "low", ["low", "medium"])]),
}
RESULTS = {
    "D1": _result("D1", [_f("REUSED_IMAGE", "high"), _f("CERTIFICATE_INCONSISTENT", "medium")],
                  recommendation="refer_false_materials"),
    "D2": _result("D2", [_f("CERTIFICATE_INCONSISTENT", "medium"), _f("CERTIFICATE_INCONSISTENT", "low")]),
    "D3": _result("D3", [_f("ID_NUMBER_INVALID", "high"), _f("CERTIFICATE_INCONSISTENT", "high")],
                  recommendation="refer_false_materials"),
    "D4": _result("D4", [_f("IMAGE_TAMPERED", "medium")], recommendation="refer_false_materials"),
}


def test_per_code_precision_and_recall():
    p = flag_precision(RESULTS, TRUTH)
    ci = p["per_code"]["CERTIFICATE_INCONSISTENT"]
    # counted once per dossier: D3 right, D1 and D2 false (D2's two flags count once)
    assert (ci["planted"], ci["found"], ci["false"]) == (1, 1, 2)
    assert abs(ci["precision"] - 1 / 3) < 1e-9 and ci["recall"] == 1.0
    assert p["per_code"]["REUSED_IMAGE"]["precision"] == 0.0
    assert p["per_code"]["REUSED_IMAGE"]["recall"] is None
    # 3 right (D3 x2, D4), 3 false (D1 x2, D2)
    assert p["precision"] == 0.5 and p["recall"] == 1.0


def test_flags_on_clean_dossiers_by_code_and_severity():
    p = flag_precision(RESULTS, TRUTH)
    assert p["clean_dossiers"] == 2
    assert p["on_clean"] == {("CERTIFICATE_INCONSISTENT", "low"): 1, ("CERTIFICATE_INCONSISTENT", "medium"): 2,
                             ("REUSED_IMAGE", "high"): 1}
    assert p["high_on_clean"] == 1
    # a high flag on a dirty dossier is not counted as one on a clean dossier
    only_dirty = {k: v for k, v in RESULTS.items() if k in ("D3", "D4")}
    assert flag_precision(only_dirty, TRUTH)["high_on_clean"] == 0


def test_severity_agreement_uses_accepted_severities():
    p = flag_precision(RESULTS, TRUTH)
    # D3 ID high = high (ok); D3 CI found high, truth medium (miss); D4 medium accepted
    assert p["severity_scored"] == 3
    assert abs(p["severity_agreement"] - 2 / 3) < 1e-9
    assert p["severity_misses"] == [("D3", "CERTIFICATE_INCONSISTENT", "medium", "high")]


def test_truth_without_severity_is_not_scored_for_severity():
    truth = {"D1": _truth("D1", [{"code": "PDF_EDITED", "subject": "a.pdf"}])}
    res = {"D1": _result("D1", [_f("PDF_EDITED", "medium")])}
    p = flag_precision(res, truth)
    assert p["severity_scored"] == 0 and p["severity_agreement"] is None and p["precision"] == 1.0


def test_cert_numbers_exact_per_system():
    members = [{"name": "张三", "id_number": "1", "certificate_kind": "职业资格证书",
                "certificate_number": "1644061001200001"},
               {"name": "李四", "id_number": "2", "certificate_kind": "职业技能等级证书",
                "certificate_number": "S0000441234562320000001"[:22]},
               {"name": "王五", "id_number": "3", "certificate_kind": "职业技能等级证书",
                "certificate_number": "Y0001440000012320000002"[:22]}]
    truth = {"D1": _truth("D1", members=members)}
    got = [dict(members[0], certificate_number="1644 0610 0120 0001"),  # spaces are layout
           dict(members[1], id_number=None),  # matched by name
           dict(members[2], certificate_number=members[2]["certificate_number"][:-1] + "9")]
    c = cert_number_accuracy({"D1": _result("D1", members=got)}, truth)
    assert c == {"ALL": (2, 3), "职业技能等级证书": (1, 2), "职业资格证书": (1, 1)}


def test_summary_line_and_plain_statement():
    s = precision_summary(RESULTS, TRUTH)
    line = summary_line("c", s)
    assert line.startswith("precision: variant=c flags_precision=0.500 flags_recall=1.000 high_on_clean=1 ")
    assert "recommendation_agreement=0.750" in line and "cert_numbers=" in line and "fields=" in line
    text = format_precision("c", s)
    assert "HIGH-SEVERITY FLAGS ON CLEAN DOSSIERS: 1 (must be 0)" in text
    clean = {k: v for k, v in RESULTS.items() if k in ("D3", "D4")}
    assert "high-severity flags on clean dossiers: 0 (as required)" in format_precision("c", precision_summary(clean, TRUTH))


def test_precision_command_scores_each_variant(tmp_path, capsys, monkeypatch):
    import json
    import subprocess

    from bench import precision

    for variant, flags in (("a", []), ("c", [_f("REUSED_IMAGE", "high")])):
        (tmp_path / variant / "batch_truth" / "D1").mkdir(parents=True)
        (tmp_path / variant / "out" / "D1").mkdir(parents=True)
        (tmp_path / variant / "batch_truth" / "D1" / "expected.json").write_text(
            json.dumps(_truth("D1"), ensure_ascii=False), encoding="utf-8")
        (tmp_path / variant / "out" / "D1" / "result.json").write_text(
            json.dumps(_result("D1", flags), ensure_ascii=False), encoding="utf-8")
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    assert precision.main(["--variants", "a,c", "--out", str(tmp_path), "--no-generate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "precision: variant=a flags_precision=— flags_recall=— high_on_clean=0" in out[-2]
    assert out[-1].startswith("precision: variant=c flags_precision=0.000 flags_recall=— high_on_clean=1 ")
    # screened as a user runs it: the CLI in its own process, with the as-of date and registry
    assert [c[1:4] for c in calls] == [["-m", "flows.cli", "screen"]] * 2
    assert all("--as-of" in c and "2026-05-20" in c and "--registry" in c for c in calls)
