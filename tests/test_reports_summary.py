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
    write_summary([other, result], tmp_path / "out", batch="第一批")

    data = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    first = data["dossiers"][0]
    assert [d["dossier_id"] for d in data["dossiers"]] == ["GM2026-001", "GM2026-002"]
    assert first["technicians"] == 1 and first["senior_technicians"] == 1
    assert first["flags"] == {"high": 1, "medium": 0, "low": 1}
    assert list(first["checks"]) == list(RULE_IDS) and first["checks"]["ART4.1"] == "fail"

    assert first["town"] == "荷城街道" and data["batch"] == "第一批" and data["as_of"] == "2026-05-20"

    book = load_workbook(tmp_path / "out" / "summary.xlsx")
    assert book.sheetnames == ["汇总", "审查结果"]
    ws = book["汇总"]
    assert ws["A1"].value == "佛山市高明区技师工作站认定申报材料机审汇总表"
    assert "批次：第一批" in ws["A2"].value and "审查基准日：2026-05-20" in ws["A2"].value
    head = [c.value for c in ws[3]]
    assert ws["A4"].value == "GM2026-001" and ws["A4"].hyperlink.target == "GM2026-001/worksheet.xlsx"
    assert ws.cell(5, len(head)).hyperlink.target == "GM2026-002/review.html"
    assert ws.cell(4, head.index("镇（街道）") + 1).value == "荷城街道"
    assert ws.cell(4, head.index("高风险疑点") + 1).value == 1
    assert ws.cell(4, head.index("机审建议") + 1).value == "疑似提供虚假材料，建议移交核查"
    rules = book["审查结果"]
    rule_head = [c.value for c in rules[3]]
    assert len(rule_head) == 2 + len(RULE_IDS) and rule_head[3].startswith("第四条第（一）项")
    assert rules.cell(4, 4).value == "不通过"  # ART4.1 of GM2026-001
    from reports.xlsx_style import PRINT_BUDGET, print_width
    for sheet in book.worksheets:
        assert sheet.auto_filter.ref.startswith("A3:") and sheet.freeze_panes == "B4"
        assert sheet.print_title_rows == "$3:$3"  # the column heads repeat on every printed page
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert print_width(sheet) <= PRINT_BUDGET, sheet.title
    assert not ws.column_dimensions["A"].hidden  # the id is the link: it must stay visible
    assert ws.conditional_formatting  # status colours
