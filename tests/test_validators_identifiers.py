"""Identifier modules against the third-party vectors in ../shared/realdata/ids (beside the checkout)."""
import csv
import datetime as dt
from pathlib import Path

import pytest

from validators.identifiers import gb11714, ric, uscc

IDS = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "ids"
TODAY = dt.date(2026, 5, 20)


def _rows(name):
    p = IDS / name
    if not p.exists():
        pytest.skip(f"{p} not available")
    return list(csv.DictReader(p.open(encoding="utf-8"), delimiter="\t"))


def test_ric_vectors_follow_gb11643_semantics():
    """Invalid iff check digit wrong, format/length wrong or date impossible; region/strict-mode
    rejections of the sources are NOT invalid here (MANIFEST caution: 7 such rows)."""
    checked = 0
    for r in _rows("ric_vectors.tsv"):
        n, exp, ck = r["number"], r["expected_per_source"], r["helper_gb11643_checksum_ok"]
        if ck == "False":
            assert not ric.is_valid(n, TODAY), n
            assert ric.reason(n, TODAY)
        elif ck == "True":
            try:
                dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
                possible = True
            except ValueError:
                possible = False
            assert ric.is_valid(n, TODAY) == possible, n
        checked += 1
    assert checked > 50
    # the named region-only rejections pass GB 11643 but give a warning
    assert ric.is_valid("990426199112010074", TODAY)
    assert any("地区码" in w for w in ric.warnings("990426199112010074", TODAY))
    assert not ric.is_valid("360426199113010079", TODAY)  # month 13


def test_ric_gaoming_codes_valid_whatever_birth_year():
    for code in ("440608", "440684", "440624"):
        body = code + "19800101001"
        n = body + ric.calc_check_digit(body)
        assert ric.is_valid(n, TODAY)
        bad = body + ("0" if n[-1] != "0" else "1")
        assert not ric.is_valid(bad, TODAY)
    assert ric.get_sex("440608198001010011"[:17] + "0") == "男"


def test_ric_future_birth_is_invalid():
    body = "44060820300101001"
    assert not ric.is_valid(body + ric.calc_check_digit(body), TODAY)


def test_ric_demo_card_fails_check_digit():
    # chineseocr idcard-demo: printed 430512198908131367, check digit should be 9
    assert not ric.is_valid("430512198908131367", TODAY)
    assert ric.calc_check_digit("430512198908131367") == "9"


def test_uscc_vectors():
    issued_but_failing = 0
    for r in _rows("uscc_vectors.tsv"):
        c, exp = r["code"], r["expected_per_source"]
        if exp == "valid" and "format only" not in r["source_api_or_mode"]:
            assert uscc.is_valid(c), c
        elif exp == "invalid_checksum_but_really_issued":
            # stated semantics: they fail GB 32100 -> our validator rejects them, but the
            # known-family note lowers the flag's severity
            assert not uscc.is_valid(c)
            assert uscc.known_nonconforming(c)
            issued_but_failing += 1
        elif exp == "invalid" and "IOZSV" not in c and len(uscc.compact(c)) == 18 and r["helper_gb32100_checksum_ok"] == "False":
            assert not uscc.is_valid(c), c
    assert issued_but_failing == 4
    # GB 32100 allows a letter registration authority; stdnum does not
    assert uscc.validate("91110000600037341L")


def test_uscc_gb11714_embedded_digit_is_checked():
    good = "91110000600037341L"
    # change the organisation code check digit (pos 17) and recompute only the GB 32100 char
    body = good[:16] + "2"
    forged = body + uscc.calc_check_digit(body)
    from stdnum.cn import uscc as stdnum_uscc
    assert stdnum_uscc.is_valid(forged)  # the gap in python-stdnum
    assert not uscc.is_valid(forged)
    with pytest.raises(uscc.InvalidOrganisationCode):
        uscc.validate(forged)
    assert uscc.known_nonconforming(good) is None


def test_gb11714():
    assert gb11714.is_valid("600037341")
    assert gb11714.is_valid("60003734-1")
    assert not gb11714.is_valid("600037342")
    # 10 -> X, 11 -> 0
    for body in ("12345678", "ABCDEFGH", "MA2UJTM7", "00000001"):
        c = gb11714.calc_check_digit(body)
        assert c in "0123456789X" and gb11714.is_valid(body + c)
