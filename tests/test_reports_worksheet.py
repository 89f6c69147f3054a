"""The per-dossier reviewer workbook: sheets, reviewer inputs, layout, evidence pictures, deadlines."""
from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from reports.worksheet import write_worksheet
from tests.test_reports_common import ID_ZHANG, make_case

SHEETS = ["资格初审", "资格复核", "综合评议", "疑点", "期限"]
CONCLUDED = SHEETS[:4]


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
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == SHEETS
    assert wb["工作日"].sheet_state == "hidden"  # the working-day list the 期限 formulas count in
    for name in SHEETS:
        ws = wb[name]
        head = [c.value for c in ws[1]]
        assert head[:3] == ["卷宗编号", "阶段", "规则"], ws.title
        if name in CONCLUDED:
            assert head[-5:] == ["结论", "意见", "审核人", "日期", "行类型"], ws.title
        for key in ("卷宗编号", "阶段", "规则", "行类型"):  # machine keys: not printed
            if key in head:
                assert ws.column_dimensions[_col(ws, key)].hidden, (ws.title, key)
        assert all(r["卷宗编号"] == "GM2026-001" for r in _rows(ws))


def _cells(sqref) -> set[str]:
    return {str(r) for r in sqref.ranges}


def test_one_drop_down_per_item_with_the_vocabulary_of_its_sheet(wb):
    """材料 items: 符合/不符合/需补正; 疑点: 属实/不属实/需进一步核查; the stage row: 第六条's words;
    no drop-down on detail, title or continuation rows; then 经办人 and 负责人 sign."""
    expected_items = {"资格初审": "符合,不符合,需补正", "资格复核": "符合,不符合,需补正",
                      "综合评议": "符合,不符合,需补正", "疑点": "属实,不属实,需进一步核查"}
    expected_stage = {"资格初审": "报区人力资源社会保障局", "资格复核": "提交专家评审",
                      "综合评议": "拟认定", "疑点": "未发现弄虚作假或不实情况"}
    for name in CONCLUDED:
        ws = wb[name]
        dec = _col(ws, "结论")
        kinds = {r: ws[f"{_col(ws, '行类型')}{r}"].value for r in range(2, ws.max_row + 1)}
        lists = {dv.formula1.strip('"'): _cells(dv.sqref) for dv in ws.data_validations.dataValidation
                 if dv.type == "list"}
        assert lists[expected_items[name]] == {f"{dec}{r}" for r, k in kinds.items() if k == "审查项"}, name
        stage_rows = [r for r, k in kinds.items() if k == "阶段结论"]
        assert len(stage_rows) == 1 and kinds[stage_rows[0] + 1] == "负责人审核", name
        stage_list = next(v for f, v in lists.items() if expected_stage[name] in f.split(","))
        assert stage_list == {f"{dec}{stage_rows[0]}"}, name
        assert len(lists) == 2, name  # nothing else: no list on headers, details or （续） rows
        assert any(k == "明细" for k in kinds.values()) or name in ("综合评议", "资格复核"), name
    # The member table's title and header rows are no items.
    kinds = [c.value for c in wb["资格复核"][_col(wb["资格复核"], "行类型")][1:]]
    assert kinds.count("标题") == 2
    assert "期限" not in [ws.title for ws in wb.worksheets if "结论" in [c.value for c in ws[1]]]


def test_stage_conclusion_wording_comes_from_article_6():
    from pathlib import Path
    measures = Path("/work/shared/policy/measures-zh.txt")
    from reports.labels import conclusions
    if not measures.exists():
        pytest.skip("policy text not present")
    text = measures.read_text(encoding="utf-8")
    for sheet, positive in (("资格初审", "报区人力资源社会保障局"), ("资格复核", "提交专家评审"),
                            ("综合评议", "拟认定")):
        assert conclusions(sheet)["stage"][0] == positive and positive in text


def test_frozen_header_print_setup(wb):
    for name in SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1"


def test_widths_fit_chinese_rows_fit_wrapped_text_and_status_colours(wb):
    from reports.xlsx_style import LINE_PT, PRINT_BUDGET, display_width, print_width, wrapped_lines
    ws = wb["资格初审"]
    item = _col(ws, "审查项目")
    width = ws.column_dimensions[item].width
    assert 20 <= width <= 24  # long Chinese item names wrap instead of widening the page
    status = _col(ws, "机审结果")
    assert ws.column_dimensions[status].width >= display_width("不通过") + 2
    # Every row is tall enough for its longest wrapped cell (LibreOffice does not grow rows).
    for row in ws.iter_rows(min_row=2):
        need = max(wrapped_lines(c.value, ws.column_dimensions[c.column_letter].width or 8.43)
                   for c in row if c.value and not ws.column_dimensions[c.column_letter].hidden)
        assert (ws.row_dimensions[row[0].row].height or 15) >= need * LINE_PT, row[0].row
    long_row = next(r for r in ws.iter_rows(min_row=2) if str(r[3].value).startswith("第五条第（三）项"))
    assert ws.row_dimensions[long_row[0].row].height >= 2 * LINE_PT
    for sheet in wb.worksheets:
        assert print_width(sheet) <= PRINT_BUDGET, sheet.title
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    formulas = {f for r in rules for f in r.formula}
    assert {'"不通过"', '"需人工审核"', '"通过"'} <= formulas
    fills = {r.formula[0]: r.dxf.fill.fgColor.rgb for r in rules}
    assert fills['"不通过"'].endswith("FFC7CE")


def test_wrapped_lines_counts_chinese_wider_than_latin():
    from reports.xlsx_style import wrapped_lines
    assert wrapped_lines("ABCDEFGHIJ", 12) == 1
    assert wrapped_lines("一二三四五六七八九十", 13) == 2  # ten CJK glyphs need ~21 units
    assert wrapped_lines("一二三四五六七八九十", 24) == 1
    assert wrapped_lines("第一行\n第二行\n第三行", 30) == 3
    assert wrapped_lines(None, 10) == 1


def test_print_area_and_page_header_name_the_applicant_and_dossier(wb):
    for name in SHEETS:
        ws = wb[name]
        assert ws.print_area and ws.print_area.endswith(f"{ws.max_row}"), ws.title
        assert ws.oddHeader.center.text == "&A" and "GM2026-001" in ws.oddHeader.right.text
        assert ws.oddHeader.left.text == "申报单位：佛山市高明区明工机械有限公司"


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


def _member_table(ws):
    """The rows under the member table's own header row (below the rule rows)."""
    start = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 4).value == "姓名")
    head = [c.value for c in ws[start]]
    return start, [dict(zip(head, r)) for r in ws.iter_rows(min_row=start + 1, values_only=True)]


def test_recheck_rules_on_top_member_table_below(wb):
    ws = wb["资格复核"]
    rules = [r["规则"] for r in _rows(ws)[:4]]
    assert rules == ["ART3", "ART4.1", "ART10", "ART17"]
    assert "F2:I2" in {str(m) for m in ws.merged_cells.ranges}  # 说明 spans the member columns
    start, members = _member_table(ws)
    assert start > 5 and [m["规则"] for m in members] == ["ART4.1", "ART4.1", "ART6.2", "ART6.2"]
    members = members[:2]  # below them: the stage conclusion and the approval
    zhang = members[0]
    assert zhang["姓名"] == "张伟\n〔第1页〕"
    cell = zhang["身份证号（脱敏）"]
    assert ID_ZHANG not in cell and cell.startswith("440608**********1X")
    assert cell.endswith("〔第1页〕")  # one source file: named once, in the table's title
    assert zhang["依据位置"] == "第1页"
    assert ws.cell(start - 1, 4).value.endswith("所在文件：成员/张伟身份证.jpg")
    assert zhang["合同期限"].startswith("至 2028-12-31")
    assert members[1]["姓名"] == "陈芳" and members[1]["合同期限"] == "未见合同"
    assert members[1]["证书编号"] == "未识别"
    # The reviewer columns are the same for rule rows and member rows.
    assert [ws.cell(start, c).value for c in range(11, 15)] == [None] * 4
    assert [c.value for c in ws[1]][10:14] == ["结论", "意见", "审核人", "日期"]
    assert ws.auto_filter.ref == "A1:O5"


def test_recheck_member_values_from_several_files_name_the_file(tmp_path):
    result, images, out = make_case(tmp_path)
    m = result["members"][0]
    m["provenance"]["certificate_number"] = [dict(m["provenance"]["id_number"][0], file="成员/张伟证书.pdf", page=2)]
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    _, members = _member_table(load_workbook(out / "worksheet.xlsx")["资格复核"])
    assert members[0]["证书编号"] == "1844060012000001\n〔②第2页〕"
    assert members[0]["身份证号（脱敏）"].endswith("〔①第1页〕")
    assert members[0]["依据位置"] == "①第1页\n②第2页"
    ws = load_workbook(out / "worksheet.xlsx")["资格复核"]
    title = next(c.value for c in ws["D"] if c.value and c.value.startswith("成员名册"))
    assert title.endswith("所在文件：①成员/张伟身份证.jpg　②成员/张伟证书.pdf")


def test_decision_on_a_member_row_is_read_back(tmp_path):
    from reports.decisions import read_decisions
    result, images, out = make_case(tmp_path)
    path = out / "worksheet.xlsx"
    write_worksheet(result, images, path, intake_date=date(2026, 9, 25))
    book = load_workbook(path)
    ws = book["资格复核"]
    start, _ = _member_table(ws)
    head = {c.value: c.column for c in ws[1]}
    ws.cell(start + 1, head["结论"], "需补正")
    ws.cell(start + 1, head["审核人"], "王审核")
    ws.cell(2, head["结论"], "符合")
    ws.cell(2, head["审核人"], "王审核")
    book.save(path)
    decisions, errors = read_decisions(out.parent)
    assert errors == []
    assert [(d["rule"], d["decision"], d["item"].split("\n")[0]) for d in decisions] == [
        ("ART3", "符合", "第三条 申报单位注册在高明区"), ("ART4.1", "需补正", "张伟")]
    assert decisions[1]["stage"] == "资格复核" and decisions[1]["cell"] == f"K{start + 1}"


def test_expert_review_quotes_evidence_with_score_column(wb):
    rows = {r["规则"]: r for r in _rows(wb["综合评议"])}
    assert list(rows) == ["ART4.2", "ART4.3", "ART4.4", "ART4.5", "ART6.3"]
    assert "公司每年开展师带徒结对10对" in rows["ART4.2"]["证据摘录"]
    assert "（第1页）" in rows["ART4.2"]["证据摘录"]
    ws = wb["综合评议"]
    assert any(dv.type == "decimal" for dv in ws.data_validations.dataValidation)


def test_flags_sheet_embeds_evidence_pictures(wb):
    ws = wb["疑点"]
    rows = _rows(ws)
    assert ws.column_dimensions[_col(ws, "疑点代码")].hidden  # machine code: not printed
    assert [r["疑点代码"] for r in rows[:2]] == ["ID_NUMBER_INVALID", "IMAGE_TAMPERED"]
    assert rows[0]["严重程度"] == "高" and "第十五条第（一）项" in rows[0]["疑点类型"]
    assert len(ws._images) == 2
    pic = _col(ws, "证据截图")
    anchors = sorted((im.anchor._from.col, im.anchor._from.row) for im in ws._images)
    col_idx = ws[f"{pic}1"].column - 1
    assert anchors == [(col_idx, 1), (col_idx, 2)]  # zero-based: rows 2 and 3
    assert ws.row_dimensions[2].height > 30
    pic_px = ws.column_dimensions[pic].width * 7 + 5  # Excel's column width in pixels
    assert all(im.width <= pic_px for im in ws._images)  # never covers the 结论 cell beside it
    assert any(r["疑点代码"] == "WARNING" for r in rows)


def test_control_characters_from_ocr_do_not_break_the_workbook(tmp_path):
    result, images, out = make_case(tmp_path)
    result["checks"][0]["detail"] = "第三条：登记机关\x0c佛山市高明区\x01市场监督管理局"
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    rows = _rows(load_workbook(out / "worksheet.xlsx")["资格复核"])
    assert rows[0]["说明"].startswith("第三条：登记机关佛山市高明区市场监督管理局")


def test_a_cell_too_long_for_one_printed_row_continues_below(tmp_path):
    """A row cannot break across printed pages and Excel caps it at 409 pt: a long finding
    goes on across rows marked （续） instead of being cut off, with nothing lost."""
    from reports.xlsx_style import MAX_CELL_LINES, wrapped_lines
    result, images, out = make_case(tmp_path)
    result["members"] = []  # no member cells below to widen the merged 说明
    detail = "第五条：以下页面不符合：" + "；".join(f"成员材料/汇编.pdf第{p}页缺公章" for p in range(1, 120)) + "。完"
    for rule in ("ART5.F", "ART3"):
        next(c for c in result["checks"] if c["rule"] == rule)["detail"] = detail
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    book = load_workbook(out / "worksheet.xlsx")
    for sheet, width_of in (("资格初审", lambda ws, r: ws.column_dimensions["F"].width),
                            ("资格复核", lambda ws, r: sum(ws.column_dimensions[c].width for c in "FGHI"))):
        ws = book[sheet]
        rows = [r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 6).value or "").startswith(("第五条：以下", "成员"))
                and ws.cell(r, 3).value in ("ART5.F", "ART3")]
        parts = [ws.cell(r, 6).value for r in rows]
        assert len(parts) > 2 and "".join(parts).startswith(detail), sheet
        assert all(wrapped_lines(p, width_of(ws, r)) <= MAX_CELL_LINES for p, r in zip(parts, rows))
        assert all(ws.cell(r, 4).value.endswith("（续）") for r in rows[1:])
        assert all(ws.cell(r, 5).value in (None, "") for r in rows[1:])  # status only once
    assert sum(book["资格复核"].column_dimensions[c].width for c in "FGHI") >= 50
    merged = {str(m) for m in book["资格复核"].merged_cells.ranges}
    assert all(f"F{r}:I{r}" in merged for r in range(2, 6))


def test_an_electronic_original_is_not_called_sealed():
    from reports.worksheet import seal_status
    check = {"status": "pass", "evidence": [{"file": "a.pdf", "page": 1, "bbox": [0.6, 0.7, 0.8, 0.9]}],
             "detail": "第五条：3页复印件均注明与原件相符并加盖公章（另有2页为电子原件或文档文字页：合同.pdf第1页、"
                       "合同.pdf第2页，不要求加注，电子原件请核验其电子签章）"}
    assert seal_status(check, "合同.pdf", 2).startswith("电子原件")
    assert seal_status(check, "营业执照.pdf", 1, "text_layer").startswith("电子原件")
    assert seal_status(check, "a.pdf", 1, "ocr").startswith("已加盖")


def test_style_cells_writes_what_assigning_each_cell_writes(tmp_path):
    import zipfile

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from reports.xlsx_style import BORDER, GREY, INPUT, WRAP, style_cells

    def book(fast: bool):
        wb = Workbook()
        ws = wb.active
        for r in range(1, 7):
            ws.append([f"第{r}行", r, None, "备注" * r])
        ws.merge_cells("A5:B5")
        styles = [dict(alignment=WRAP, border=BORDER), dict(fill=GREY), dict(fill=INPUT, font=Font(bold=True)),
                  dict(alignment=Alignment(wrap_text=True, vertical="center"))]
        for i, st in enumerate(styles):
            cells = [c for row in ws.iter_rows(min_row=1 + i, max_row=6) for c in row][i::2]
            if fast:
                style_cells(ws, cells, **st)
            else:
                for c in cells:
                    for name, value in st.items():
                        setattr(c, name, value)
        path = tmp_path / f"{fast}.xlsx"
        wb.save(path)
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n.startswith("xl/")}

    fast, slow = book(True), book(False)
    assert fast == slow
    assert b"EDEDED" in fast["xl/styles.xml"] and b"FFFDE7" in fast["xl/styles.xml"]


@pytest.mark.parametrize("mode,ext", [("RGB", "jpg"), ("L", "png"), ("P", "png"), ("RGBA", "png")])
def test_evidence_crop_is_the_crop_of_the_converted_page(tmp_path, mode, ext):
    from io import BytesIO

    import numpy as np
    from PIL import Image, ImageDraw

    from reports.evidence import crop_png

    rng = np.random.default_rng(len(mode))
    page = Image.fromarray(rng.integers(0, 256, (300, 220, 3), dtype=np.uint8), "RGB")
    ImageDraw.Draw(page).rectangle([40, 60, 150, 90], fill=(200, 30, 30))
    path = tmp_path / f"page.{ext}"
    page.convert(mode).save(path)
    bbox = (0.15, 0.18, 0.7, 0.32)
    png, w, h = crop_png(path, bbox)
    # the former way: the whole page converted, then cut, scaled and framed
    with Image.open(path) as im:
        im = im.convert("RGB")
        W, H = im.size
        region = im.crop((max(0, int((bbox[0] - 0.02) * W)), max(0, int((bbox[1] - 0.02) * H)),
                          min(W, int((bbox[2] + 0.02) * W) + 1), min(H, int((bbox[3] + 0.02) * H) + 1)))
    region.thumbnail((320, 160))
    ImageDraw.Draw(region).rectangle([0, 0, region.width - 1, region.height - 1], outline=(150, 150, 150))
    assert (w, h) == region.size
    assert np.array_equal(np.asarray(Image.open(BytesIO(png))), np.asarray(region))
