"""Screens the committed sample batch with the real engines and checks every output."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess

import pytest
from openpyxl import load_workbook

from bench.evaluate import agreement, format_agreement, load_results, load_truth
from reports.result_json import validate_result
from tests.conftest import SAMPLE_TRUTH

pytestmark = pytest.mark.e2e

RULES = ["ART3", "ART4.1", "ART4.2", "ART4.3", "ART4.4", "ART4.5", "ART5.1", "ART5.2", "ART5.3",
         "ART5.4", "ART5.F", "ART10", "ART17"]


def _truth():
    return load_truth(SAMPLE_TRUTH)


def test_screen_exits_zero_and_writes_every_output(screened_sample):
    proc, out = screened_sample["proc"], screened_sample["out"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "summary.xlsx").is_file() and (out / "summary.json").is_file()
    truth = _truth()
    assert len(truth) >= 8
    for did in truth:
        for name in ("result.json", "worksheet.xlsx", "review.html"):
            assert (out / did / name).is_file(), f"{did}/{name} missing"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = summary["dossiers"] if isinstance(summary, dict) else summary
    assert {r["dossier_id"] for r in rows} == set(truth)


def test_every_result_is_valid_and_complete(screened_sample):
    results = load_results(screened_sample["out"])
    for did, result in results.items():
        assert validate_result(result) == [], did
        assert sorted(c["rule"] for c in result["checks"]) == sorted(RULES)
        for flag in result["flags"]:
            assert flag["evidence"], f"{did}: flag {flag['code']} without evidence"


def test_values_carry_provenance(screened_sample):
    results = load_results(screened_sample["out"])
    checked = 0
    for result in results.values():
        for member in result["members"]:
            for name in ("name", "id_number", "level"):
                if member.get(name) is not None:
                    provs = member["provenance"].get(name)
                    assert provs, f"{name} without provenance"
                    assert provs[0]["page"] >= 1 and all(0 <= v <= 1 for v in provs[0]["bbox"] or [0])
                    checked += 1
    assert checked > 30


def test_agreement_with_ground_truth(screened_sample, capsys):
    a = agreement(load_results(screened_sample["out"]), _truth())
    with capsys.disabled():
        print("\n" + format_agreement(a))
    # What must hold whatever the tuning: no innocent applicant accused, the rule set in force,
    # and most of the truth recovered.
    assert a["high_flags_on_clean"] == []
    assert a["check_agreement"] >= 0.8
    assert a["fields"]["members.found"][0] / a["fields"]["members.found"][1] >= 0.9
    assert a["recommendation_accuracy"] >= 0.6


def test_originals_untouched(screened_sample):
    assert screened_sample["before"] == screened_sample["after"]


def test_no_unmasked_id_numbers_outside_output(screened_sample):
    """Terminal output, the home folder and Prefect's logs and artifacts hold no full ID number."""
    ids = {m["id_number"] for t in _truth().values() for m in t["members"] if m.get("id_number")}
    assert ids
    proc = screened_sample["proc"]
    text = proc.stdout + proc.stderr
    for path in screened_sample["home"].rglob("*"):
        if path.is_file():
            text += path.read_bytes().decode("utf-8", "ignore")
    db = screened_sample["out"] / ".prefect" / "prefect.db"
    if db.exists():
        con = sqlite3.connect(db)
        for table in ("log", "artifact"):
            try:
                for row in con.execute(f"select * from {table}"):
                    text += " ".join(str(c) for c in row)
            except sqlite3.OperationalError:
                pass
    leaked = [i for i in ids if i in text]
    assert not leaked, f"{len(leaked)} ID numbers leaked"


def test_worksheets_have_the_five_stage_sheets(screened_sample):
    out = screened_sample["out"]
    did = sorted(_truth())[0]
    wb = load_workbook(out / did / "worksheet.xlsx")
    assert {"资格初审", "资格复核", "综合评议", "疑点", "期限"} <= set(wb.sheetnames)


def test_every_sample_worksheet_prints_on_a4_in_libreoffice(screened_sample, tmp_path):
    """What a clerk does with each worksheet: open it in LibreOffice and print it. Every page
    of every sample dossier's workbook comes out A4 landscape with legible Chinese text."""
    from tests.test_reports_render import PDFTOTEXT, SOFFICE, pdf_pages, pdf_raw_text

    if not (SOFFICE and PDFTOTEXT):
        pytest.skip("LibreOffice or pdftotext not installed")
    out = screened_sample["out"]
    books = sorted(out.glob("*/worksheet.xlsx"))
    assert len(books) == len(_truth())
    # One LibreOffice start for all: copies named by dossier (the workbooks share a file name).
    copies = []
    for book in books:
        copies.append(tmp_path / f"{book.parent.name}.xlsx")
        shutil.copy2(book, copies[-1])
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *map(str, copies)], check=True, capture_output=True, timeout=600)
    for copy in copies:
        did = copy.stem
        pdf = tmp_path / "pdf" / f"{did}.pdf"
        pages = pdf_pages(pdf)
        assert pages and all(p["size"] == (842, 595) for p in pages), (did, {p["size"] for p in pages})
        printed = [p["text_pt"] for p in pages if p["text_pt"]]
        assert printed and min(printed) >= 7.5, (did, min(printed or [0]))
        text = pdf_raw_text(pdf)
        for sheet in ("资格初审", "资格复核", "综合评议", "疑点", "期限"):
            assert sheet in text, (did, sheet)
