"""The batch summary workbook and JSON."""
from __future__ import annotations

import copy
import json

from openpyxl import load_workbook

from reports.labels import RULE_IDS
from reports.summary import write_summary
from tests.test_reports_common import make_case


def test_summary_rows_links_and_json(tmp_path):
    result = make_case(tmp_path)[0]
    other = copy.deepcopy(result)
    other["dossier_id"] = "GM2026-002"
    other["flags"] = []
    other["recommendation"] = "proceed"
    write_summary([other, result], tmp_path / "out")

    data = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    first = data["dossiers"][0]
    assert [d["dossier_id"] for d in data["dossiers"]] == ["GM2026-001", "GM2026-002"]
    assert first["technicians"] == 1 and first["senior_technicians"] == 1
    assert first["flags"] == {"high": 1, "medium": 0, "low": 1}
    assert list(first["checks"]) == list(RULE_IDS) and first["checks"]["ART4.1"] == "fail"

    ws = load_workbook(tmp_path / "out" / "summary.xlsx").active
    head = [c.value for c in ws[1]]
    assert len([h for h in head if h and h.startswith("ART")]) == 13
    assert ws["A2"].value == "GM2026-001" and ws["A2"].hyperlink.target == "GM2026-001/worksheet.xlsx"
    assert ws.cell(3, len(head)).hyperlink.target == "GM2026-002/review.html"
    assert ws.cell(2, head.index("高风险疑点") + 1).value == 1
    assert ws.cell(2, head.index("机审建议") + 1).value == "疑似提供虚假材料，建议移交核查"
    assert ws.auto_filter.ref.startswith("A1:") and ws.freeze_panes == "B2"
    assert ws.page_setup.orientation == "landscape"
    assert not ws.column_dimensions["A"].hidden  # the id is the link: it must stay visible
    assert ws.conditional_formatting  # status colours
