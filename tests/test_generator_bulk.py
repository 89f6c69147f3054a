"""Bulk mode of the generator: many clean text-layer dossiers, each its own unit and people."""
from __future__ import annotations

import hashlib
import json

import pdfplumber
from stdnum.cn import uscc

from sample_dossiers.generator.bulk import generate_bulk


def test_bulk_dossiers_are_distinct_clean_text_layer_and_reproducible(tmp_path):
    ids = generate_bulk(tmp_path / "batch", seed=11, count=2, workers=1)
    assert ids == ["B0001", "B0002"]
    truth = {d: json.loads((tmp_path / "batch_truth" / d / "expected.json").read_text(encoding="utf-8")) for d in ids}
    units = {t["applicant"]["uscc"] for t in truth.values()}
    people = [m["id_number"] for t in truth.values() for m in t["members"]]
    assert len(units) == 2 and len(set(people)) == len(people) == 6  # nothing shared between dossiers
    assert all(uscc.is_valid(u) for u in units)
    assert all(t["recommendation"] == "proceed" and not t["flags"] for t in truth.values())
    pdf = tmp_path / "batch" / "B0002" / "2-申请材料.pdf"
    with pdfplumber.open(pdf) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    # Every member's ID number is in the text layer: no page needs OCR to be read.
    assert all(m["id_number"] in text.replace(" ", "") for m in truth["B0002"]["members"])
    again = generate_bulk(tmp_path / "again", seed=11, count=1, workers=1)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(tmp_path / "again" / again[0] / "2-申请材料.pdf") == digest(tmp_path / "batch" / "B0001" / "2-申请材料.pdf")
