"""The per-dossier reviewer workbook: sheets, reviewer inputs, layout, evidence pictures, deadlines."""
from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from reports.worksheet import write_worksheet
from tests.test_reports_common import ID_ZHANG, make_case

SHEETS = ["资格初审", "资格复核", "综合评议", "疑点", "期限"]


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    result, images, out = make_case(tmp_path_factory.mktemp("ws"))
    path = out / "worksheet.xlsx"
    write_worksheet(result, images, path, intake_date=date(2026, 9, 25))
    return load_workbook(path)


def _col(ws, header):
    return next(c.column_letter for c in ws[1] if c.value == header)


def _rows(ws):
    head = [c.value for c in ws[1]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_five_sheets_with_key_and_reviewer_columns(wb):
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        head = [c.value for c in ws[1]]
        assert head[:3] == ["卷宗编号", "阶段", "规则"], ws.title
        assert head[-4:] == ["结论", "意见", "审核人", "日期"], ws.title
        assert all(r["卷宗编号"] == "GM2026-001" for r in _rows(ws))


def test_decision_drop_down_frozen_header_print_setup(wb):
    for ws in wb.worksheets:
        dec = _col(ws, "结论")
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert any(dv.formula1 == '"符合,不符合,需补正"' and f"{dec}2" in str(dv.sqref) for dv in lists), ws.title
        assert ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1"


def test_widths_count_chinese_double_and_status_colours(wb):
    ws = wb["资格初审"]
    item = _col(ws, "审查项目")
    assert ws.column_dimensions[item].width >= 30  # long Chinese item names
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    formulas = {f for r in rules for f in r.formula}
    assert {'"不通过"', '"需人工审核"', '"通过"'} <= formulas
    fills = {r.formula[0]: r.dxf.fill.fgColor.rgb for r in rules}
    assert fills['"不通过"'].endswith("FFC7CE")


def test_first_review_lists_materials_found_and_missing(wb):
    rows = _rows(wb["资格初审"])
    by_item = {r["审查项目"]: r for r in rows}
    assert by_item["设立申请表（附件1）"]["机审结果"] == "通过"
    assert by_item["设立申请表（附件1）"]["所在位置（文件/页）"] == "申报材料.pdf 第1页"
    assert by_item["成员陈芳：居民身份证"]["机审结果"] == "不通过"
    assert by_item["成员张伟：居民身份证"]["所在位置（文件/页）"] == "成员/张伟身份证.jpg 第1页"
    copied = [r for r in rows if r["规则"] == "ART5.F" and r["审查项目"].startswith("复印件")]
    assert copied and copied[0]["与原件相符及公章"] == "缺公章"
    assert any("旧文件.wps" in (r["审查项目"] or "") for r in rows)


def test_seal_status_per_page():
    from reports.worksheet import seal_status
    good = {"status": "fail", "detail": "第五条：…以下页面不符合：a.pdf第2页缺公章和“与原件相符”字样；b.jpg第1页缺公章",
            "evidence": [{"file": "a.pdf", "page": 1, "bbox": [0.6, 0.7, 0.8, 0.9]},
                         {"file": "a.pdf", "page": 2, "bbox": None}]}
    assert seal_status(good, "a.pdf", 2) == "缺公章和“与原件相符”字样"
    assert seal_status(good, "b.jpg", 1) == "缺公章"
    assert seal_status(good, "a.pdf", 1) == "已加盖公章并注明“与原件相符”"
    assert seal_status(good, "c.pdf", 1).startswith("未能判断")
    assert seal_status({"status": "pass", "detail": "", "evidence": []}, "a.pdf", 9).startswith("已加盖")


def test_recheck_member_table_masks_id_and_cites_pages(wb):
    rows = [r for r in _rows(wb["资格复核"]) if r["审查项目"] == "成员：张伟"]
    assert len(rows) == 1
    cell = rows[0]["身份证号（脱敏）"]
    assert ID_ZHANG not in cell and cell.startswith("440608**********1X")
    assert "成员/张伟身份证.jpg 第1页" in cell
    assert rows[0]["合同期限"].startswith("至 2028-12-31")
    rules = [r["规则"] for r in _rows(wb["资格复核"])]
    assert {"ART3", "ART4.1", "ART10", "ART17"} <= set(rules)


def test_expert_review_quotes_evidence_with_score_column(wb):
    rows = {r["规则"]: r for r in _rows(wb["综合评议"])}
    assert list(rows) == ["ART4.2", "ART4.3", "ART4.4", "ART4.5"]
    assert "公司每年开展师带徒结对10对" in rows["ART4.2"]["证据摘录"]
    assert "（第1页）" in rows["ART4.2"]["证据摘录"]
    ws = wb["综合评议"]
    assert any(dv.type == "decimal" for dv in ws.data_validations.dataValidation)


def test_flags_sheet_embeds_evidence_pictures(wb):
    ws = wb["疑点"]
    rows = _rows(ws)
    assert [r["疑点代码"] for r in rows[:2]] == ["ID_NUMBER_INVALID", "IMAGE_TAMPERED"]
    assert rows[0]["严重程度"] == "高" and "第十五条第（一）项" in rows[0]["疑点类型"]
    assert len(ws._images) == 2
    pic = _col(ws, "证据截图")
    anchors = sorted((im.anchor._from.col, im.anchor._from.row) for im in ws._images)
    col_idx = ws[f"{pic}1"].column - 1
    assert anchors == [(col_idx, 1), (col_idx, 2)]  # zero-based: rows 2 and 3
    assert ws.row_dimensions[2].height > 30
    assert any(r["疑点代码"] == "WARNING" for r in rows)


def test_deadline_sheet(wb):
    rows = _rows(wb["期限"])
    due = {r["阶段"]: r["截止日"] for r in rows}
    assert due["资格初审"] == "2026-10-12" and due["结果公示"] == "2026-11-18"
    assert all(r["规则"] == "ART6" for r in rows)


def test_unknown_year_deadline_written_as_unknown(tmp_path):
    result, images, out = make_case(tmp_path)
    from reports.deadlines import load_calendar
    empty = tmp_path / "h.yaml"
    empty.write_text("years: {}\n", encoding="utf-8")
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 12, 28),
                    calendar=load_calendar(empty))
    rows = _rows(load_workbook(out / "worksheet.xlsx")["期限"])
    assert rows[0]["截止日"] == "未知（缺少2027年节假日安排）"
    assert "holidays.yaml" in rows[0]["说明"]


def test_control_characters_from_ocr_do_not_break_the_workbook(tmp_path):
    result, images, out = make_case(tmp_path)
    result["checks"][0]["detail"] = "第三条：登记机关\x0c佛山市高明区\x01市场监督管理局"
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    rows = _rows(load_workbook(out / "worksheet.xlsx")["资格复核"])
    assert rows[0]["说明"].startswith("第三条：登记机关佛山市高明区市场监督管理局")
