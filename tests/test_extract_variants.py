"""Layouts and OCR breaks neither generated batch uses, built from the document layouts in
policy/DOCUMENTS.md: values printed right of their labels but read as lines of their own
(above or below the label), labels OCR garbled, dates with misread 〇, a term whose start
was lost, a USCC read with one character too many, parenthesised remarks before a value;
and the benchmark's per-document agreement table."""
from __future__ import annotations

import pytest
from stdnum.cn import uscc as std_uscc

from bench import evaluate as ev
from extractors import normalize as nz
from extractors.classify import classify_pages, score_page
from extractors.fields import extract_fields
from extractors.records import Document, Page, TextLine
from validators.identifiers import gb11714, ric, uscc


def _page(lines, file="材料.pdf"):
    """Lines given as text (stacked top to bottom) or (text, bbox)."""
    out = []
    for i, ln in enumerate(lines):
        text, box = (ln, (0.1, 0.04 * i, 0.9, 0.04 * i + 0.03)) if isinstance(ln, str) else ln
        out.append(TextLine(text, box, 0.8, "tesseract"))
    return Page(file=file, page=1, lines=out)


def _fields(doc_type, lines):
    page = _page(lines)
    doc = extract_fields(Document(page.file, [1], doc_type), [page])
    return {k: [v.value for v in vs] for k, vs in doc.fields.items()}, doc


# --- dates ----------------------------------------------------------------------------

def test_term_with_unreadable_start_keeps_its_end_as_end():
    assert nz.parse_date_range("期限自2021年3月 ] 日起至2029年12月31日止") == (None, "2029-12-31", False)
    assert nz.parse_date_range("有效期至2031年5月1日") == (None, "2031-05-01", False)
    assert nz.parse_date_range("2016.03.04 - 2036.03.04") == ("2016-03-04", "2036-03-04", False)
    # a start alone stays a start
    assert nz.parse_date_range("2016.03.04-") == ("2016-03-04", None, False)


def test_chinese_numeral_dates_with_misread_zero():
    assert nz.parse_date("二 @ 一七年三月五日") == "2017-03-05"
    assert nz.parse_date("发证日期 二 GO 一九年十二月一日") == "2019-12-01"
    assert nz.parse_date("二 O 〇 GO 八年一月九日") == "2008-01-09"  # 〇 read twice, once as GO


def test_contract_term_with_lost_start_day_gives_end_only():
    fields, _ = _fields("labour_contract", [
        "聘用合同", "甲方(聘用单位):佛山市高明区顺景陶瓷有限公司", "乙方(受聘人员):梁子聪",
        "身份证号码:440608199102150418",
        "第二条 本合同为固定期限合同,期限自2022年5月 | 日起至2030年4月30日止。"])
    assert fields["contract_end"] == ["2030-04-30"]
    assert "contract_start" not in fields


# --- identifiers ------------------------------------------------------------------------

def _valid_uscc(body: str) -> str:
    """A code valid under GB 32100 and, for its organisation code, GB 11714."""
    body = body[:16] + gb11714.calc_check_digit(body[8:16])
    return body + std_uscc.calc_check_digit(body)


def test_uscc_read_with_one_extra_character_is_repaired_uniquely():
    code = _valid_uscc("91440608MA55R7QX3")
    assert std_uscc.is_valid(code)
    misread = code[:12] + "I" + code[12:]  # a stroke read as an extra I
    assert uscc.repair_extra_character(misread) == code
    fields, _ = _fields("labour_contract", ["劳动合同", "甲方(用人单位):佛山市高明区顺景陶瓷有限公司",
                                            "统一社会信用代码:", misread, "乙方(劳动者):梁子聪"])
    assert fields["employer_uscc"] == [code]


def test_uscc_of_18_characters_is_never_rewritten():
    code = _valid_uscc("91440608MA55R7QX3")
    wrong_check = code[:-1] + ("1" if code[-1] != "1" else "2")
    assert uscc.repair_extra_character(wrong_check) is None
    fields, _ = _fields("business_licence", ["营业执照", "统一社会信用代码 " + wrong_check])
    assert fields["uscc"] == [wrong_check]  # stays invalid, for the USCC check to report


# --- values to the right of their labels, read as separate lines ------------------------

def test_licence_values_read_above_their_labels_by_row():
    # two columns: OCR emits each value line a pixel above its label line
    rows = [("营业执照", (0.4, 0.05, 0.6, 0.09)),
            ("佛山市高明区永达塑料制品有限公司", (0.30, 0.200, 0.62, 0.228)),
            ("名称", (0.16, 0.205, 0.25, 0.222)),
            ("股份有限公司(非上市)", (0.30, 0.232, 0.55, 0.258)),
            ("类型", (0.16, 0.236, 0.25, 0.252)),
            ("李嘉欣", (0.30, 0.262, 0.36, 0.288)),
            ("法定代表人", (0.16, 0.266, 0.26, 0.284)),
            ("佛山市高明区荷城街道海华路8号", (0.30, 0.292, 0.66, 0.318)),
            ("住所", (0.16, 0.296, 0.25, 0.312)),
            ("经营范围", (0.16, 0.326, 0.25, 0.342)),
            ("塑料制品制造;模具制造;货物进出口", (0.30, 0.322, 0.80, 0.348))]
    fields, doc = _fields("business_licence", rows)
    assert fields["name"] == ["佛山市高明区永达塑料制品有限公司"]
    assert fields["unit_type"] == ["股份有限公司(非上市)"] or fields["unit_type"] == ["股份有限公司（非上市）"]
    assert fields["legal_representative"] == ["李嘉欣"]
    assert fields["address"] == ["佛山市高明区荷城街道海华路8号"]
    # provenance covers the label and the value line
    assert "住所" in doc.first("address").prov.text and "海华路" in doc.first("address").prov.text


def test_value_below_a_label_is_still_read_when_nothing_sits_beside_it():
    fields, _ = _fields("business_licence", ["营业执照", "名称", "佛山市高明区永达塑料制品有限公司", "住所",
                                             "佛山市高明区荷城街道海华路8号"])
    assert fields["name"] == ["佛山市高明区永达塑料制品有限公司"]
    assert fields["address"] == ["佛山市高明区荷城街道海华路8号"]


# --- ID card with pale labels ----------------------------------------------------------

def test_id_card_front_with_garbled_labels():
    fields, doc = _fields("id_card", ["娟名 黄美华", "性别 女 民族 汉", "出禾 1992年11月3 旦", "住址 江西省赣州市章贡区",
                                      "公民身份号码 360702199211032048"])
    assert fields["name"] == ["黄美华"]
    assert fields["birth_date"] == ["1992-11-03"]
    assert doc.first("birth_date").prov.engine == "tesseract"


def test_id_card_lone_name_line_and_lost_birth_date():
    fields, doc = _fields("id_card", ["何子聪", "男民族回", "住址 广西壮族自治区南宁市", "公民身份号码 450103198807220031"])
    assert fields["name"] == ["何子聪"]
    # the birth line was lost: the number gives it, marked as derived
    assert fields["birth_date"] == ["1988-07-22"]
    assert doc.first("birth_date").prov.engine == "derived"


def test_ethnicity_line_is_not_a_name():
    fields, _ = _fields("id_card", ["女民族满", "1969年2月8日", "住址 辽宁省沈阳市", "公民身份号码 210102196902081224"])
    assert "name" not in fields


def test_photo_of_id_card_with_garbled_labels_is_an_id_card():
    page = _page(["外呂 韦丽萍", "性另 女 艮族 壮", "出主 1990年5月6日", "仁址 广西南宁市", "么民身份号石 450103199005060027",
                  "中华人民共和国", "居民身份证", "竺发机关 南宁市公安局", "有效其限 2016.01.02-2036.01.02"],
                 file="照片.jpg")
    assert score_page(page).type == "id_card"
    assert [d.type for d in classify_pages([page])] == ["id_card"]


# --- certificates -----------------------------------------------------------------------

def test_issuer_remark_in_parentheses_is_not_the_issuer():
    fields, _ = _fields("qualification_certificate", [
        "职业资格证书", "证书编号:1344060012345678", "姓名:陈国栋", "性别:男", "身份证号:440608197701010011",
        "职业(工种):数控铣工", "等级:高级技师(国家职业资格一级)", "发证日期:2013.05.20",
        "发证机关:(职业技能鉴定指导中心", "广东省人力资源和社会保障厅"])
    assert fields["certificate_issuer"] == ["广东省人力资源和社会保障厅"]


def test_sex_derived_only_where_the_document_prints_it():
    printed, doc = _fields("qualification_certificate", [
        "职业资格证书", "证书编号:1344060012345678", "姓名:陈秀珍", "性别:", "身份证号:440608197701010027",
        "职业(工种):钳工", "等级:技师(国家职业资格二级)"])
    assert printed["sex"] == ["女"] and doc.first("sex").prov.engine == "derived"
    skill, _ = _fields("qualification_certificate", [
        "职业技能等级证书", "姓名:陈秀珍", "证件号码:440608197701010027", "职业名称:钳工",
        "职业技能等级:二级/技师", "证书编号:Y1234564406012345678"])
    assert "sex" not in skill


# --- benchmark table --------------------------------------------------------------------

def _truth():
    return {"dossier_id": "X1", "checks": {}, "flags": [], "applicant": {}, "bank_account": {},
            "members": [{"name": "陈国栋", "id_number": "440608197701010011"}],
            "documents": [{"file": "a.pdf", "pages": [1], "type": "id_card", "condition": "degraded_scan"},
                          {"file": "b.docx", "pages": [1], "type": "application_form", "condition": "docx"}],
            "fields": [
                {"file": "a.pdf", "page": 1, "doc_type": "id_card", "field": "name", "value": "陈国栋", "condition": "degraded_scan"},
                {"file": "a.pdf", "page": 1, "doc_type": "id_card", "field": "id_number", "value": "440608197701010011", "condition": "degraded_scan"},
                {"file": "a.pdf", "page": 1, "doc_type": "id_card", "field": "address", "value": "不在结果中", "condition": "degraded_scan"},
                {"file": "b.docx", "page": 1, "doc_type": "application_form", "field": "level", "value": "一级/高级技师", "condition": "docx"},
                {"file": "b.docx", "page": 1, "doc_type": "application_form", "field": "uscc", "value": "91440608MA55R7QX3X", "condition": "docx"},
            ]}


def _result(name_on_card):
    prov = lambda f, v: {"file": f, "page": 1, "value": v}
    return {"dossier_id": "X1", "documents": [{"file": "a.pdf", "pages": [1], "type": "id_card"},
                                              {"file": "b.docx", "pages": [1], "type": "application_form"}],
            "applicant": {"provenance": {"uscc": [prov("b.docx", "91440608MA55R7QX3X")]}}, "bank_account": {},
            "members": [{"name": "陈国栋", "id_number": "440608197701010011", "provenance": {
                "name": [prov("a.pdf", name_on_card), prov("b.docx", "陈国栋")],
                "id_number": [prov("a.pdf", "440608197701010011")],
                "level": [prov("b.docx", "高级技师")]}}]}


def test_field_occurrences_score_each_document_reading():
    rows = ev.field_occurrences(_result("陈国东"), _truth())
    by = {(r["doc_type"], r["field"]): r for r in rows}
    assert ("id_card", "address") not in by  # not carried by result.json: not scored
    assert by[("id_card", "name")]["ok"] is False and by[("id_card", "name")]["condition_class"] == "degraded_scan"
    assert by[("id_card", "id_number")]["ok"] is True
    assert by[("application_form", "level")]["ok"] is True  # printed 一级/高级技师, read 高级技师
    assert by[("application_form", "uscc")]["condition_class"] == "text_layer"


def test_extraction_table_rows_by_document_and_condition():
    rows = ev.extraction_table({"X1": _result("陈国东")}, {"X1": _truth()})
    header, body = rows[0], {(r[0], r[1]): r for r in rows[1:]}
    assert header[2:5] == ["text_layer", "clean_scan", "degraded_scan"]
    assert body[("fields by document", "id_card")][4].startswith("1/2")
    assert body[("fields by document", "application_form")][2].startswith("2/2")
    assert body[("identifiers", "uscc")][-1].startswith("1/1")
    assert body[("document type by page", "ALL")][-1].startswith("2/2")
    assert body[("member recall", "clean dossiers")][-1].startswith("1/1")
    fixed = ev.extraction_table({"X1": _result("陈国栋")}, {"X1": _truth()})
    assert {(r[0], r[1]): r for r in fixed[1:]}[("fields by document", "ALL")][-1].startswith("4/4")
    text = ev.format_table(rows)
    assert "id_card" in text and "440608" not in text  # no personal data in the table


def test_quote_mark_read_as_le_before_a_name_is_dropped():
    fields, _ = _fields("labour_contract", ["劳动合同书", "乙方(劳动者):了韦丽萍", "身份证号码:450103199005060027"])
    assert fields["name"] == ["韦丽萍"]


def test_old_system_certificate_prints_sex_even_when_its_line_is_lost():
    fields, doc = _fields("qualification_certificate", [
        "职业资格证书", "证书编号:1344060012345678", "姓名:陈秀珍", "身份证号:440608197701010027",
        "职业(工种):钳工", "等级:技师(国家职业资格二级)"])
    assert fields["certificate_kind"] == ["职业资格证书"]
    assert fields["sex"] == ["女"] and doc.first("sex").prov.engine == "derived"


def test_skill_certificate_number_with_a_stray_mark():
    # 22 characters as DOCUMENTS.md gives the layout: Y + agency 5128 + 44 + site 406012 +
    # year 23 + level 2 + serial 345678
    for printed, number in (("7Y512844406012232345678", "Y512844406012232345678"),
                            ("S°512844406012232345678", "S512844406012232345678")):
        fields, _ = _fields("qualification_certificate", [
            "职业技能等级证书", "姓名:韦丽萍", "证件号码:450103199005060027", "证书编号:", printed])
        assert fields["certificate_number"] == [number]
    # a number of no published layout after its label is taken as printed, for the reviewer
    # to verify, not dropped and not bent into a layout
    fields, _ = _fields("qualification_certificate", ["职业技能等级证书", "证书编号:", "Y5128344406012345678901"])
    assert fields["certificate_number"] == ["Y5128344406012345678901"]


def _with_check(id17: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(id17))
    return id17 + "10X98765432"[total % 11]


def test_id_number_with_one_stray_digit_is_repaired_only_when_unique():
    number = _with_check("43012419861207153")
    fields, _ = _fields("id_card", ["姓名 龙海燕", "公民身份号码 7" + number])
    assert fields["id_number"] == [number]
    # an 18-character number with a wrong check character is kept as read (for the ID check)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    fields, _ = _fields("labour_contract", ["劳动合同书", "乙方:龙海燕", "身份证号码:" + wrong])
    assert fields["id_number"] == [wrong]
    assert ric.repair_extra_character(wrong + "5") is None or ric.repair_extra_character(wrong + "5") != wrong


def test_day_misread_as_le_or_after_a_stray_mark():
    assert nz.parse_date("发证日期:2016年4月了日") == "2016-04-07"
    assert nz.parse_date("发证日期: 2016年4月:3日") == "2016-04-03"
    assert nz.parse_date("2016年4月:日") is None  # the day itself was lost: no date
    assert nz.parse_date("了解到2016年4月3日") == "2016-04-03"  # 了 elsewhere is a word


# --- values end where the next label begins (issue 15) ----------------------------------

@pytest.mark.parametrize("doc_type, line, name, value", [
    # a label of another document type ends the value, with or without a gap before it
    ("application_form", "申请单位名称:佛山市高明区华盛电气设备有限公司成立时间:2014年8月", "name", "佛山市高明区华盛电气设备有限公司"),
    ("application_form", "申请单位名称 佛山市高明区华盛电气设备有限公司 注册资本 300万元", "name", "佛山市高明区华盛电气设备有限公司"),
    ("bank_account", "账户名称:佛山市高明区恒达五金制品有限公司统一社会信用代码:91440608MA4UH3JN6U", "account_name", "佛山市高明区恒达五金制品有限公司"),
    ("labour_contract", "甲方(用人单位):佛山市高明区顺景陶瓷有限公司 经营范围:陶瓷制造", "employer_name", "佛山市高明区顺景陶瓷有限公司"),
    ("qualification_certificate", "姓名:陈秀珍民族:汉", "name", "陈秀珍"),
    ("business_licence", "经营者 陈志明 组成形式 家庭经营", "legal_representative", "陈志明"),
    # a short label word inside a value is part of it
    ("business_licence", "住所:佛山市高明区荷城街道民族路8号", "address", "佛山市高明区荷城街道民族路8号"),
    ("application_form", "申请单位名称:佛山市高明区名称标识设计有限公司", "name", "佛山市高明区名称标识设计有限公司"),
    ("bank_account", "账户名称:佛山市高明区类型模具有限公司", "account_name", "佛山市高明区类型模具有限公司"),
    # a label's remark in parentheses is no label of its own
    ("business_licence", "法定代表人(负责人) 何国平", "legal_representative", "何国平"),
])
def test_a_value_ends_at_any_documents_label(doc_type, line, name, value):
    fields, _ = _fields(doc_type, [line])
    assert fields[name] == [value]


@pytest.mark.parametrize("label, value, expected", [
    ("经营者", "陈志明", "陈志明"), ("投资人", "梁永康", "梁永康"), ("负责人", "何国平", "何国平"),
    ("执行事务合伙人", "李强", "李强"),
    # a partnership whose executive partner is a company names no person
    ("执行事务合伙人", "佛山市高明区恒信投资有限公司(委派代表:李强)", None),
])
def test_whoever_answers_for_the_unit_is_its_representative(label, value, expected):
    fields, _ = _fields("business_licence", ["营业执照", "名称 佛山市高明区恒信五金厂", f"{label} {value}"])
    assert fields.get("legal_representative") == ([expected] if expected else None)


def _licence_rows(dy_value: float, gap: float, drop: str | None = None):
    """A two-column licence read as one box per label and per value: values ``dy_value``
    above (negative) or below their labels, ``gap`` of paper between a label and its value."""
    rows = [("名称", "佛山市高明区永达塑料制品有限公司", "注册资本", "人民币壹仟万元"),
            ("类型", "股份有限公司(非上市)", "成立日期", "2015年09月01日"),
            ("法定代表人", "李嘉欣", "营业期限", "2015年09月01日至长期")]
    out = []
    for i, (l1, v1, l2, v2) in enumerate(rows):
        y = 0.25 + 0.04 * i
        for text, x0, x1, dy in ((l1, 0.10, 0.18, 0), (v1, 0.18 + gap, 0.50, dy_value),
                                 (l2, 0.55, 0.64, 0), (v2, 0.64 + gap, 0.90, dy_value)):
            if text != drop:
                out.append((text, (x0, y + dy, x1, y + dy + 0.018)))
    return [("营业执照", (0.4, 0.1, 0.6, 0.14))] + sorted(out, key=lambda t: (t[1][1], t[1][0]))


@pytest.mark.parametrize("dy_value", [-0.004, 0.0, 0.003, 0.007])
@pytest.mark.parametrize("gap", [0.01, 0.04])
def test_two_column_licence_boxes_pair_by_row(dy_value, gap):
    fields, _ = _fields("business_licence", _licence_rows(dy_value, gap))
    assert fields["name"] == ["佛山市高明区永达塑料制品有限公司"]
    assert fields["registered_capital"] == ["10000000.00"]
    assert fields["unit_type"] == ["股份有限公司（非上市）"]
    assert fields["established"] == ["2015-09-01"]
    assert fields["legal_representative"] == ["李嘉欣"]
    assert fields["term_open_ended"] == ["true"]


@pytest.mark.parametrize("drop, absent", [("佛山市高明区永达塑料制品有限公司", "name"), ("李嘉欣", "legal_representative"),
                                          ("2015年09月01日", "established"), ("股份有限公司(非上市)", "unit_type")])
@pytest.mark.parametrize("dy_value", [-0.004, 0.003])
def test_a_lost_value_box_leaves_its_field_absent(drop, absent, dy_value):
    fields, _ = _fields("business_licence", _licence_rows(dy_value, 0.02, drop))
    assert absent not in fields
    # the neighbours keep their own values
    assert fields["registered_capital"] == ["10000000.00"]


@pytest.mark.parametrize("lines, expected", [
    # on one line, the issue date under it
    ([("登记机关 佛山市高明区市场监督管理局", (0.55, 0.78, 0.90, 0.80)), ("2021年03月02日", (0.62, 0.83, 0.80, 0.85))],
     "佛山市高明区市场监督管理局"),
    # wrapped under itself, then the date
    ([("登记机关 佛山市高明区市场", (0.55, 0.78, 0.85, 0.80)), ("监督管理局", (0.64, 0.805, 0.76, 0.823)),
      ("2022年03月15日", (0.62, 0.84, 0.80, 0.86))], "佛山市高明区市场监督管理局"),
    # the label alone, the date right under it: the authority is not read, the date is no authority
    ([("登记机关", (0.56, 0.80, 0.66, 0.82)), ("2020年01月06日", (0.58, 0.83, 0.76, 0.85))], None),
    ([("登记机关:", (0.56, 0.80, 0.66, 0.82)), ("二〇二〇年一月六日", (0.58, 0.83, 0.76, 0.85))], None),
])
def test_registration_authority_is_never_a_date(lines, expected):
    fields, _ = _fields("business_licence", [("营业执照", (0.4, 0.1, 0.6, 0.14)),
                                             ("名称 佛山市高明区永达塑料制品有限公司", (0.1, 0.25, 0.6, 0.27))] + lines)
    assert fields.get("registration_authority") == ([expected] if expected else None)


@pytest.mark.parametrize("second, expected", [
    # under the value, in its column
    (("工业大道12号", (0.62, 0.373, 0.76, 0.391)), "佛山市高明区更合镇工业大道12号"),
    # the left column's scope running on at the same height: not the address
    (("货物进出口。", (0.17, 0.373, 0.29, 0.391)), "佛山市高明区更合镇"),
    # a line far below is another block
    (("工业大道12号", (0.62, 0.45, 0.76, 0.468)), "佛山市高明区更合镇"),
])
def test_an_address_continues_only_under_itself(second, expected):
    fields, _ = _fields("business_licence", [
        ("营业执照", (0.4, 0.1, 0.6, 0.14)),
        ("经营范围 塑料制品制造 住所 佛山市高明区更合镇", (0.10, 0.35, 0.80, 0.37)), second])
    assert fields["address"] == [expected]


def test_word_form_header_row_pairs_by_column_only():
    docx = lambda texts: [TextLine(t, (0.0, i / len(texts), 1.0, (i + 1) / len(texts)), 1.0, "docx")
                          for i, t in enumerate(texts)]
    page = Page(file="表.docx", page=1, text_source="docx", lines=docx([
        "单位性质 | 联系电话 | 单位地址",
        "民营企业 | 0757-88812345 | 佛山市高明区明城镇明二路3号",
        "联系人 | 技师工作站负责人",
        "李小红 | 张伟明 | 备注",  # a row of another shape: no guessing
    ]))
    doc = extract_fields(Document(page.file, [1], "application_form"), [page])
    got = {k: [v.value for v in vs] for k, vs in doc.fields.items()}
    assert got["unit_type"] == ["民营企业"] and got["phone"] == ["0757-88812345"]
    assert got["address"] == ["佛山市高明区明城镇明二路3号"]
    assert "contact" not in got and "station_leader" not in got


@pytest.mark.parametrize("doc_type, lines, name, expected", [
    # a booklet page read across its columns: the line after 发证机关 holds dates and numbers,
    # the authority's name stands on another line
    ("qualification_certificate", ["职业资格证书", "广东省人力资源和社会保障厅东省力高级技师(国家职业资格一级)",
                                   "发证机关 2014年4月10日1444061618125806 67 8 模具工"],
     "certificate_issuer", "广东省人力资源和社会保障厅"),
    ("qualification_certificate", ["职业技能等级证书", "评价机构:", "2023年8月9日"], "certificate_issuer", None),
    ("id_card", ["中华人民共和国", "居民身份证", "签发机关", "2016.03.01-2036.03.01"], "id_issuer", None),
])
def test_an_issuing_authority_is_never_a_date(doc_type, lines, name, expected):
    fields, _ = _fields(doc_type, lines)
    assert fields.get(name) == ([expected] if expected else None)


@pytest.mark.parametrize("doc_type, line, name, value", [
    # typed without a gap into a label no vocabulary holds: cut after the unit's form or the
    # address's number
    ("application_form", "申请单位名称:佛山市高明区华盛电气设备有限公司所属镇街:荷城街道", "name", "佛山市高明区华盛电气设备有限公司"),
    ("application_form", "单位地址:佛山市高明区明城镇明二路3号所在园区:明城工业园", "address", "佛山市高明区明城镇明二路3号"),
    ("labour_contract", "甲方(用人单位):佛山市高明区顺景陶瓷厂经济类型:私营", "employer_name", "佛山市高明区顺景陶瓷厂"),
    ("bank_account", "账户名称:佛山市高明区厂前路明记五金店开户地区:佛山", "account_name", "佛山市高明区厂前路明记五金店"),
    # an ending inside the name is not where it ends
    ("application_form", "申请单位名称:佛山市高明区中心公司大厦物业管理有限公司", "name", "佛山市高明区中心公司大厦物业管理有限公司"),
])
def test_a_value_typed_into_an_unknown_label_ends_with_its_own_form(doc_type, line, name, value):
    fields, _ = _fields(doc_type, [line])
    assert fields[name] == [value]


def test_an_address_run_into_a_known_label_keeps_its_words():
    # 8号楼 is an ending inside the address; 经营范围 is a whole label, not the tail of one
    fields, _ = _fields("business_licence", ["住所 佛山市高明区荷城街道8号楼南侧厂房经营范围 五金加工"])
    assert fields["address"] == ["佛山市高明区荷城街道8号楼南侧厂房"]


@pytest.mark.parametrize("indent", [0.0, 0.01])
def test_two_column_labels_over_their_values_pair_by_column(indent):
    # both columns' labels on one row, their values on the row under: reading order puts
    # the right column's label between a label and its value
    out = [("营业执照", (0.4, 0.1, 0.6, 0.14))]
    rows = [("名称", "佛山市高明区永达塑料制品有限公司", "注册资本", "人民币壹仟万元"),
            ("法定代表人", "李嘉欣", "成立日期", "2015年09月01日")]
    for i, (l1, v1, l2, v2) in enumerate(rows):
        y = 0.25 + 0.06 * i
        out += [(l1, (0.10, y, 0.20, y + 0.018)), (l2, (0.55, y, 0.64, y + 0.018)),
                (v1, (0.10 + indent, y + 0.024, 0.45, y + 0.042)), (v2, (0.55 + indent, y + 0.024, 0.72, y + 0.042))]
    fields, _ = _fields("business_licence", out)
    assert fields["name"] == ["佛山市高明区永达塑料制品有限公司"]
    assert fields["registered_capital"] == ["10000000.00"]
    assert fields["legal_representative"] == ["李嘉欣"]
    assert fields["established"] == ["2015-09-01"]


def test_a_box_inside_a_tall_skewed_line_is_not_the_line_under_it():
    # a booklet spread read sideways: the 发证机关 line's box spans several printed lines;
    # a fragment inside it is not the value printed under the label
    fields, _ = _fields("qualification_certificate", [
        ("职业资格证书", (0.40, 0.05, 0.60, 0.09)),
        ("发证机关 2016.03.21 1644064564287114 8级技师(国家职业资格二级)工具钳工", (0.197, 0.584, 0.854, 0.784)),
        ("佛山市人力资源和社会保障局力跨源", (0.157, 0.674, 0.345, 0.838)),
        ("山市人", (0.214, 0.734, 0.271, 0.755))])
    assert fields["certificate_issuer"] == ["佛山市人力资源和社会保障局"]


def _form_pages(first: list[str], second: list[str]) -> list[Page]:
    pages = []
    for n, texts in enumerate((first, second), start=1):
        lines = [TextLine(t, (0.08, 0.05 + 0.06 * i, 0.92, 0.1 + 0.06 * i), 0.85, "rapidocr") for i, t in enumerate(texts)]
        pages.append(Page(file="申请表扫描.pdf", page=n, lines=lines))
    return pages


@pytest.mark.parametrize("separator", [" ", " | "])
def test_member_table_running_onto_a_second_sheet_keeps_its_columns(separator):
    head = separator.join(["序号", "姓名", "性别", "出生年月", "职业(工种)", "等级", "证书编号", "身份证号"])
    row = lambda *cells: separator.join(cells)
    first = ["佛山市高明区技师工作站设立申请表", "申请单位名称 佛山市高明区华达机械有限公司", head,
             row("1", "张伟明", "男", "1985.03", "数控车工", "技师", "1944060011200123", "440608198503121237")]
    second = [row("2", "李秀英", "女", "1976.08", "焊工", "高级技师", "1744060011100456", "440608197608150023"),
              "单位意见", "同意申报"]
    pages = _form_pages(first, second)
    for p in pages:
        if separator.strip():
            p.lines = [TextLine(ln.text, ln.bbox, 1.0, "docx") for ln in p.lines]
    doc = extract_fields(Document("申请表扫描.pdf", [1, 2], "application_form"), pages)
    assert [r["name"].value for r in doc.rows] == ["张伟明", "李秀英"]
    assert doc.rows[1]["id_number"].value == "440608197608150023"
    assert doc.rows[1]["name"].prov.page == 2


def test_a_closed_member_table_does_not_open_on_the_next_sheet():
    first = ["佛山市高明区技师工作站设立申请表", "姓名 性别 出生年月 职业(工种) 等级 证书编号 身份证号",
             "1 张伟明 男 1985.03 数控车工 技师 1944060011200123 440608198503121237", "单位意见 同意申报"]
    second = ["承诺书", "本人 李秀英 女 承诺所填信息属实"]
    doc = extract_fields(Document("申请表扫描.pdf", [1, 2], "application_form"), _form_pages(first, second))
    assert [r["name"].value for r in doc.rows] == ["张伟明"]


@pytest.mark.parametrize("label", ["住所", "住 所", "住所:", "住:所:", "住.所:", "住 所 :"])
def test_right_column_label_with_ocr_noise_mid_line(label):
    from extractors.textclean import clean_line

    merged = clean_line(f"经营范围 纺织品印染加工;服装制造; {label} 佛山市高明区荷城街道兴业路8号")
    fields, _ = _fields("business_licence", ["营业执照", clean_line("名 称 佛山市高明区锦华纺织印染有限公司 注册资本 伍佰万元"), merged])
    assert fields["address"] == ["佛山市高明区荷城街道兴业路8号"]
    assert fields["registered_capital"] == ["5000000.00"]


_LICENCE_TRUTH = {"name": "佛山市高明区永达塑料制品有限公司", "registered_capital": "10000000.00",
                  "unit_type": "股份有限公司（非上市）", "established": "2015-09-01",
                  "legal_representative": "李嘉欣", "term_end": "2035-08-31",
                  "address": "佛山市高明区荷城街道海华路8号"}


def _random_licence(rng):
    """The two-column licence as an OCR engine may return it: each printed row's four boxes
    either merged into one line (RapidOCR) or kept apart (Tesseract blocks), values a little
    above or below their labels, gaps of varying width, one value box sometimes lost."""
    from extractors.textclean import clean_line

    rows = [("名称", "佛山市高明区永达塑料制品有限公司", "注册资本", "人民币壹仟万元"),
            ("类型", "股份有限公司(非上市)", "成立日期", "2015年09月01日"),
            ("法定代表人", "李嘉欣", "营业期限", "2015年09月01日至2035年08月31日"),
            ("经营范围", "塑料制品制造;模具制造;", "住所", "佛山市高明区荷城街道海华路8号")]
    lost = rng.choice([None, None] + [r[i] for r in rows for i in (1, 3)])
    out = [("营业执照", (0.4, 0.08, 0.6, 0.12))]
    for i, row in enumerate(rows):
        y = 0.22 + rng.uniform(0.035, 0.05) * i
        xs = [0.08, 0.08 + rng.uniform(0.08, 0.14), 0.54, 0.54 + rng.uniform(0.08, 0.12)]
        ends = [xs[1] - rng.uniform(0.01, 0.04), 0.50, xs[3] - rng.uniform(0.01, 0.03), 0.93]
        boxes = [(t, (x0, y + rng.uniform(-0.004, 0.004), x1, 0.0)) for t, x0, x1 in zip(row, xs, ends) if t != lost]
        boxes = [(t, (b[0], b[1], b[2], b[1] + 0.018)) for t, b in boxes]
        if rng.random() < 0.5:
            text = clean_line("  ".join(t for t, _ in boxes))
            out.append((text, (boxes[0][1][0], min(b[1] for _, b in boxes), boxes[-1][1][2], max(b[3] for _, b in boxes))))
        else:
            out.extend(boxes)
    return sorted(out, key=lambda t: (t[1][1], t[1][0])), lost


def test_a_licence_read_in_any_of_many_ways_never_gives_a_field_another_fields_value():
    import random

    rng = random.Random(15)
    wrong, right = [], 0
    for _ in range(60):
        lines, lost = _random_licence(rng)
        fields, _ = _fields("business_licence", lines)
        for name, want in _LICENCE_TRUTH.items():
            got = fields.get(name)
            if got is None:
                continue
            if got != [want]:
                wrong.append((name, got, lost))
            else:
                right += 1
    assert not wrong, wrong[:5]
    assert right >= 0.9 * 60 * (len(_LICENCE_TRUTH) - 1)  # few values go missing besides the lost box


_FORM_TRUTH = {"name": "佛山市高明区恒达五金制品有限公司", "uscc": "91440608MA4UH3JN6U",
               "address": "佛山市高明区明城镇明二路3号", "unit_type": "民营企业", "contact": "李小红",
               "phone": "0757-88812345", "station_leader": "张伟明"}
_FORM_LABELS = {"name": ["申请单位名称", "单位名称"], "uscc": ["统一社会信用代码"], "address": ["单位地址", "地址"],
                "unit_type": ["单位性质", "企业性质"], "contact": ["联系人"], "phone": ["联系电话", "电话"],
                "station_leader": ["技师工作站负责人", "工作站负责人"]}
# pairs the form may print that no field reads (labels of the vocabulary, or none at all)
_FORM_OTHERS = [("成立时间", "2016年5月"), ("职工人数", "120"), ("邮政编码", "528500"), ("所属镇街", "荷城街道"),
                ("主营业务", "五金制品加工")]


def _random_form(rng):
    """An Annex 1 form's unit fields as the Word reader gives them: groups of pairs as
    label | value rows (with merged, empty cells), as a header row over a value row, or
    typed in a paragraph (label:value, no gap)."""
    from extractors.textclean import clean_line

    pairs = [(rng.choice(_FORM_LABELS[k]), v) for k, v in _FORM_TRUTH.items()] + rng.sample(_FORM_OTHERS, 2)
    rng.shuffle(pairs)
    texts = ["佛山市高明区技师工作站设立申请表"]
    while pairs:
        k = rng.randint(1, 3)
        group, pairs = pairs[:k], pairs[k:]
        style = rng.choice(["cells", "header", "typed"])
        if style == "cells":
            cells = []
            for label, value in group:
                cells += [label, value] + [""] * rng.choice([0, 0, 1])
            texts.append(" | ".join(cells))
        elif style == "header":
            texts += [" | ".join(lab for lab, _ in group), " | ".join(v for _, v in group)]
        else:
            texts.append("".join(f"{lab}:{v}" for lab, v in group))
    return [clean_line(t) for t in texts]


def test_a_word_form_laid_out_in_any_of_many_ways_never_gives_a_field_another_fields_value():
    import random

    rng = random.Random(15)
    wrong, right = [], 0
    for _ in range(60):
        texts = _random_form(rng)
        page = Page(file="表.docx", page=1, text_source="docx", lines=[
            TextLine(t, (0.0, i / len(texts), 1.0, (i + 1) / len(texts)), 1.0, "docx") for i, t in enumerate(texts)])
        doc = extract_fields(Document(page.file, [1], "application_form"), [page])
        for name, want in _FORM_TRUTH.items():
            got = [v.value for v in doc.fields.get(name, [])]
            if got and got != [want]:
                wrong.append((name, got, texts))
            right += got == [want]
    assert not wrong, wrong[:3]
    assert right >= 0.9 * 60 * len(_FORM_TRUTH)
