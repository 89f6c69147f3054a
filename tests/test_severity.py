"""Severity needs proof: validators/severity.py applies validators/data/flags.yaml in one place."""
from __future__ import annotations

import pytest

from extractors.records import Provenance
from validators.findings import Flag
from validators.findings_util import data, make_flag
from validators.severity import settle, supports_high


def ev(file="a.pdf", page=1):
    return Provenance(file=file, page=page, bbox=None, confidence=1.0, text="", engine="rapidocr")


def flag(code, proof, subject="张三", file="a.pdf", severity=None):
    return make_flag(code, subject, "细节", [ev(file)], severity=severity, proof=proof)


def test_every_code_of_the_table_has_a_rule_a_verify_step_and_known_proofs():
    t = data("flags.yaml")
    known = set(t["proofs"]) | set(t["caps"])
    codes = [k for k, v in t.items() if isinstance(v, dict) and "rule" in v]
    assert {"ID_NUMBER_INVALID", "REUSED_IMAGE", "CERTIFICATE_INCONSISTENT", "TEXT_LAYER_MISMATCH"} <= set(codes)
    for code in codes:
        assert t[code]["verify"] and t[code]["rule"] in ("ART15.1", "ART5.X", "ART10")
        for alt in t[code]["high"]:
            assert set(alt) <= set(t["proofs"]), (code, alt)  # a cap never supports high
    assert not set(t["proofs"]) & set(t["caps"])
    assert known >= set(t["corroboration"]["too_weak"])


@pytest.mark.parametrize("code,proof,expected", [
    ("ID_NUMBER_INVALID", ["check_failed_twice"], "high"),
    ("ID_NUMBER_INVALID", ["exact_reading"], "high"),
    ("ID_NUMBER_INVALID", ["single_ocr"], "medium"),
    ("ID_NUMBER_INVALID", [], "medium"),  # no proof stated: never high
    ("IDENTITY_MISMATCH", ["two_documents"], "high"),
    ("IDENTITY_MISMATCH", ["two_documents", "low_confidence"], "medium"),  # a cap wins
    ("CERTIFICATE_INCONSISTENT", ["unofficial_rule"], "medium"),
    ("CERTIFICATE_INCONSISTENT", ["exact_reading"], "high"),
    ("REUSED_IMAGE", ["same_scan"], "high"),
    ("REUSED_IMAGE", ["look_alike"], "medium"),
    ("REUSED_IMAGE", ["two_documents"], "medium"),  # text route: same address is no same scan
    ("TEXT_LAYER_MISMATCH", ["single_ocr"], "medium"),
    ("TEXT_LAYER_MISMATCH", ["text_layer_both_engines"], "high"),
    ("DUPLICATE_PERSON", ["registry", "registry_earlier_year"], "medium"),
    ("DUPLICATE_PERSON", ["cross_dossier"], "high"),
    ("PDF_EDITED", ["single_forensic"], "medium"),
    ("IMAGE_TAMPERED", ["single_forensic"], "low"),
])
def test_severity_follows_the_table(code, proof, expected):
    f = flag(code, proof)
    settle([f])
    assert f.severity == expected
    assert supports_high(code, proof) == (expected == "high")
    if expected == "medium":
        assert data("flags.yaml")[code]["verify"] in f.detail and "疑点程度：中" in f.detail


def test_a_maker_cannot_ask_for_high_without_proof():
    f = flag("APPLICANT_MISMATCH", ["single_ocr"], severity="high")
    settle([f])
    assert f.severity == "medium"


def test_two_independent_medium_signals_on_one_subject_make_each_other_high():
    a = flag("CERTIFICATE_INCONSISTENT", ["unofficial_rule"])
    b = flag("REUSED_IMAGE", ["look_alike"])
    settle([a, b])
    assert a.severity == b.severity == "high"
    assert "图片疑似重复使用" in a.detail and "证书信息自相矛盾" in b.detail  # named in Chinese
    assert "corroborated" in a.proof


@pytest.mark.parametrize("pair", [
    # one of them rests on a single OCR reading: two weak readings are no proof
    (("IDENTITY_MISMATCH", ["single_ocr"]), ("CERTIFICATE_INCONSISTENT", ["unofficial_rule"])),
    # the same code twice is one signal
    (("CERTIFICATE_INCONSISTENT", ["unofficial_rule"]), ("CERTIFICATE_INCONSISTENT", ["unofficial_rule"])),
])
def test_weak_or_repeated_signals_do_not_corroborate(pair):
    flags = [flag(code, proof) for code, proof in pair]
    settle(flags)
    assert all(f.severity == "medium" for f in flags)


def test_signals_on_different_subjects_do_not_corroborate():
    a = flag("CERTIFICATE_INCONSISTENT", ["unofficial_rule"], subject="张三", file="a.pdf")
    b = flag("REUSED_IMAGE", ["look_alike"], subject="李四", file="b.pdf")
    settle([a, b])
    assert a.severity == b.severity == "medium"


def test_image_tampered_is_medium_beside_another_flag_on_its_file_but_never_corroborates():
    t = flag("IMAGE_TAMPERED", ["single_forensic"])
    c = flag("CERTIFICATE_INCONSISTENT", ["unofficial_rule"])
    settle([t, c])
    assert t.severity == "medium" and c.severity == "medium"
    alone = flag("IMAGE_TAMPERED", ["single_forensic"], file="other.jpg")
    settle([alone])
    assert alone.severity == "low"


def test_funding_conflict_is_an_art10_note_that_never_routes_to_false_materials():
    f = flag("FUNDING_CONFLICT", ["registry"])
    settle([f])
    assert f.rule == "ART10" and f.severity == "low"


def test_a_reading_is_proven_only_by_readings_of_the_same_value():
    from validators.ocr_tolerance import reading_proof

    ocr = Provenance(file="c.pdf", page=1, bbox=None, confidence=0.9, text="", engine="rapidocr", value="174406001210001")
    form = Provenance(file="f.docx", page=1, bbox=None, confidence=1.0, text="", engine="docx", value="1744060012100001")
    assert reading_proof([ocr, form], "174406001210001") == ["single_ocr"]  # the form states another number
    assert reading_proof([ocr, form], "1744060012100001") == ["exact_reading"]
    ocr.rereads = [{"engine": "tesseract", "value": "174406001210001"}]
    assert reading_proof([ocr, form], "174406001210001") == ["confirmed_reading"]
