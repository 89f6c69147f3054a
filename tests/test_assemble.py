"""Linking people across documents and keeping disagreements in provenance."""
from __future__ import annotations

from extractors.assemble import assemble
from extractors.classify import classify_pages
from extractors.fields import extract_fields
from extractors.records import FileReading, Page, TextLine


def page(file: str, n: int, lines: list[str], engine: str = "tesseract") -> Page:
    return Page(file=file, page=n, lines=[TextLine(t, (0.1, 0.05 * i, 0.9, 0.05 * i + 0.04), 0.9, engine)
                                          for i, t in enumerate(lines)])


def screen(pages_by_file: dict[str, list[list[str]]]):
    files = []
    for name, pages in pages_by_file.items():
        engine = "docx" if name.endswith(".docx") else "tesseract"
        files.append(FileReading(name, "/dev/null", "0" * 64, "pdf",
                                 [page(name, i + 1, lines, engine) for i, lines in enumerate(pages)]))
    all_pages = [p for f in files for p in f.pages]
    docs = [extract_fields(d, all_pages) for d in classify_pages(all_pages)]
    return assemble("D001", files, docs)


CARD_ZHANG = ["姓名张伟明", "性别男民族汉", "出生1985年3月12日", "住址广东省佛山市高明区", "公民身份号码440608198503121237"]
CARD_LI = ["姓名李秀英", "性别女民族汉", "出生1976年8月15日", "住址广东省佛山市高明区", "公民身份号码440608197608150023"]
CERT_ZHANG = ["职业资格证书", "证书编号:1944060011200123", "姓名:张伟明", "身份证号:440608198503121237",
              "职业(工种):数控车工", "等级:技师(国家职业资格二级)", "发证日期:2019年6月28日", "发证机关:佛山市人力资源和社会保障局"]
# Li's certificate states a different ID number: the same person by name, a planted mismatch
CERT_LI = ["职业技能等级证书", "姓名:李秀英", "证件号码:440608197608150031", "职业名称:焊工", "职业技能等级:一级/高级技师",
           "证书编号:S0000444400123100045", "发证日期:2023年03月15日", "评价机构:佛山市高明区精工职业技能评价有限公司"]
CONTRACT_ZHANG = ["劳动合同书", "甲方(用人单位):佛山市高明区华达机械有限公司", "统一社会信用代码:91440608MA4UABCD1L",
                  "乙方(劳动者)姓名:张伟明", "身份证号码:440608198503121237", "合同期限:自2019年6月28日起至2029年6月27日止"]
CONTRACT_LI = ["工作协议", "甲方:佛山市高明区华达机械有限公司", "乙方:李秀英", "协议期限:无固定期限,自2020年1月1日起履行。"]
LICENCE = ["营业执照", "统一社会信用代码 91440608MA4UABCD1L", "名称 佛山市高明区华达机械有限公司", "法定代表人 陈大明",
           "成立日期 2010年05月18日", "住所 佛山市高明区荷城街道兴业路8号", "登记机关 佛山市高明区市场监督管理局"]
BANK = ["开户许可证", "核准号:J5880001234567", "经审核,佛山市高明区华达机械有限公司符合开户条件,准予开立基本存款账户。",
        "开户银行 中国工商银行佛山高明支行", "账号 2013 0012 3456 7890 123"]
FORM = ["佛山市高明区技师工作站设立申请表", "申请单位名称 | 佛山市高明区华达机械公司 | 统一社会信用代码 | 91440608MA4UABCD1L",
        "序号 | 姓名 | 性别 | 出生年月 | 职业(工种) | 等级 | 证书编号 | 身份证号",
        "1 | 张伟明 | 男 | 1985.03 | 数控车工 | 技师 | 1944060011200123 | 440608198503121237",
        "2 | 李秀英 | 女 | 1976.08 | 焊工 | 高级技师 | S0000444400123100045 | 440608197608150023",
        "3 | 王小平 | 男 | 1990.05 | 电工 | 技师 | 1944060011200999 | 440608199005051234"]
REPORT = ["申请报告", "一、单位基本情况", "公司成立于2010年。", "二、人才培养体系建立情况", "推行导师带徒制度,结对10对。",
          "三、技术研发和攻关开展情况", "完成技术攻关课题3项。", "四、建站设想", "(一)组织架构和职责分工", "(二)管理制度",
          "(三)资金投入", "投入资金50万元。", "(四)场地设备配置", "场地200平方米,配备数控机床5台。", "(五)师带徒和技术攻关课题计划"]


def record():
    return screen({
        "身份证.pdf": [CARD_ZHANG, CARD_LI], "证书.pdf": [CERT_ZHANG, CERT_LI],
        "合同.pdf": [CONTRACT_ZHANG, ["甲方(盖章):", "乙方(签字):"], CONTRACT_LI],
        "执照.pdf": [LICENCE, BANK], "申请表.docx": [FORM], "报告.pdf": [REPORT],
    })


def test_members_linked_by_id_then_name():
    rec = record()
    by_name = {m.name: m for m in rec.members}
    assert sorted(by_name) == ["张伟明", "李秀英", "王小平"]
    zhang = by_name["张伟明"]
    assert (zhang.has_id_card, zhang.has_certificate, zhang.has_contract, zhang.listed_in_form) == (True, True, True, True)
    assert (zhang.level, zhang.certificate_number, zhang.contract_end) == ("技师", "1944060011200123", "2029-06-27")
    assert zhang.sex == "男" and zhang.birth_date == "1985-03-12"
    # identity is taken from the ID card first, then the certificate, contract, form
    assert [p.doc_type for p in zhang.provenance["id_number"]] == [
        "id_card", "qualification_certificate", "labour_contract", "application_form"]
    assert zhang.provenance["birth_month"][0].value == "1985-03"
    # Li's contract has no ID number: linked by name; open-ended contract
    li = by_name["李秀英"]
    assert li.has_contract and li.contract_open_ended and li.contract_end is None
    # only in the form: no documents
    wang = by_name["王小平"]
    assert wang.listed_in_form and not (wang.has_id_card or wang.has_certificate or wang.has_contract)


def test_disagreement_is_kept_not_resolved():
    li = {m.name: m for m in record().members}["李秀英"]
    values = [(p.doc_type, p.value) for p in li.provenance["id_number"]]
    assert values[0] == ("id_card", "440608197608150023")
    assert ("qualification_certificate", "440608197608150031") in values
    assert li.id_number == "440608197608150023"
    assert li.certificate_kind == "职业技能等级证书" and li.level == "高级技师"


def test_namesakes_with_two_id_cards_stay_two_people():
    other_zhang = CARD_ZHANG[:-1] + ["公民身份号码440608197608150023"]
    rec = screen({"a.pdf": [CARD_ZHANG, other_zhang]})
    assert len(rec.members) == 2


def test_applicant_bank_report():
    rec = record()
    a = rec.applicant
    assert (a.name, a.uscc, a.established) == ("佛山市高明区华达机械有限公司", "91440608MA4UABCD1L", "2010-05-18")
    # the form spells the name differently: kept in provenance for APPLICANT_MISMATCH
    assert "佛山市高明区华达机械公司" in [p.value for p in a.provenance["name"]]
    assert [p.doc_type for p in a.provenance["uscc"]][0] == "business_licence"
    b = rec.bank_account
    assert (b.account_number, b.basic_account_licence_no, b.account_kind) == ("2013001234567890123", "J5880001234567", "basic")
    assert b.account_name == "佛山市高明区华达机械有限公司"
    assert set(rec.report_sections) == {"单位基本情况", "人才培养体系", "技术研发和攻关", "建站设想", "组织架构和成员职责",
                                        "管理制度", "资金投入", "场地设备", "师带徒和攻关课题计划"}
    assert rec.report_sections["资金投入"][0].page == 1 and rec.report_sections["资金投入"][0].file == "报告.pdf"
    assert any("导师带徒" in p.text for p in rec.evidence["ART4.2"])
    assert any("50万元" in p.text for p in rec.evidence["ART4.3"])
    assert any("数控机床" in p.text for p in rec.evidence["ART4.4"])
    assert any("技术攻关" in p.text for p in rec.evidence["ART4.5"])


def test_missing_report_gives_no_sections_or_evidence():
    rec = screen({"a.pdf": [CARD_ZHANG]})
    assert rec.report_sections == {} and rec.evidence == {}
    assert rec.applicant.name is None and rec.bank_account.account_kind is None


def test_unnumbered_card_with_misread_name_joins_the_numbered_person():
    card = ["刘盗华", "男民族汉", "1980年6月16日", "公民身份号码4525011980"]  # number cut off
    cert = ["职业技能等级证书", "姓名:刘耀华", "证件号码:452501198006163755", "职业技能等级:二级/技师"]
    rec = screen({"a.pdf": [card, cert]})
    assert len(rec.members) == 1
    m = rec.members[0]
    assert m.has_id_card and m.has_certificate and m.id_number == "452501198006163755"
    # the card's name is first (identity from the card) and the disagreement is kept
    assert [p.value for p in m.provenance["name"]] == ["刘盗华", "刘耀华"]
    assert m.birth_date == "1980-06-16"


def test_card_with_number_cut_short_links_by_its_prefix():
    card = ["女民族壮", "1994年10月19日", "公民身份码”440684199410198"]  # name lost, 15 digits read
    cert = ["职业资格证书", "姓名:谢淑仪", "身份证号码:440684199410198765", "等级:技师"]
    other = ["职业资格证书", "姓名:谢淑华", "身份证号码:440684199001011234", "等级:技师"]
    rec = screen({"a.pdf": [card, cert, other]})
    assert len(rec.members) == 2
    xie = {m.name: m for m in rec.members}["谢淑仪"]
    assert xie.has_id_card and xie.birth_date == "1994-10-19"
    # the partial number is never stated as the ID number
    assert [p.value for p in xie.provenance["id_number"]] == ["440684199410198765"]


def test_misread_card_links_by_birth_date_and_surname_only():
    card = ["冯虐蒜", "女民族汉", "1985年5月21日", "公民身份纪码 430524198305214"]  # name and digits misread
    cert = ["职业资格证书", "姓名:冯晓燕", "身份证号码:430524198505214368", "等级:高级技师"]
    rec = screen({"a.pdf": [card, cert]})
    assert len(rec.members) == 1 and rec.members[0].has_id_card
    # another surname: no link, two people
    card_other = ["王虐蒜"] + card[1:]
    assert len(screen({"a.pdf": [card_other, cert]}).members) == 2


def test_second_copy_of_a_card_joins_its_holder():
    photo = ["张伟明", "男民族汉", "1985年3月12日"]  # a phone photo of the front, number unread
    rec = screen({"a.pdf": [CARD_ZHANG, CERT_ZHANG], "photo.jpg": [photo]})
    assert len(rec.members) == 1
    assert [p.file for p in rec.members[0].provenance["name"]][:2] == ["a.pdf", "photo.jpg"]


def test_certificate_without_holder_lines_links_by_number_or_by_file():
    # OCR lost the name and ID lines under the photo; the number is still read.
    nameless = ["职业技能等级证书", "职业名称:模具工", "职业技能等级:一级/高级技师", "证书编号:S0000444400123100045",
                "发证日期:2023年03月15日", "评价机构:佛山市高明区精工职业技能评价有限公司"]
    by_number = screen({"身份证.pdf": [CARD_LI], "证书.pdf": [nameless], "申请表.docx": [FORM]})
    li = {m.name: m for m in by_number.members}["李秀英"]
    assert li.has_certificate and li.level == "高级技师"
    # No form: the certificate scanned into the same file as one member's ID card is theirs.
    by_file = screen({"李秀英.pdf": [CARD_LI, nameless], "张伟明.pdf": [CARD_ZHANG]})
    li = {m.name: m for m in by_file.members}["李秀英"]
    assert li.has_certificate and len(by_file.members) == 2
    # Alone in a file with nobody to match, it stays unlinked rather than guessed.
    alone = screen({"a.pdf": [CARD_LI], "b.pdf": [CARD_ZHANG], "c.pdf": [nameless]})
    assert not any(m.has_certificate for m in alone.members if m.name in ("李秀英", "张伟明"))


def _two_cards_page(layout: str) -> Page:
    """Two members' ID card fronts copied onto one sheet: stacked, or side by side."""
    lines = []
    for k, card in enumerate((CARD_ZHANG, CARD_LI)):
        for i, text in enumerate(card):
            if layout == "stacked":
                box = (0.1, 0.05 + 0.45 * k + 0.07 * i, 0.6, 0.05 + 0.45 * k + 0.07 * i + 0.05)
            else:
                box = (0.05 + 0.5 * k, 0.1 + 0.08 * i, 0.45 + 0.5 * k, 0.1 + 0.08 * i + 0.05)
            lines.append(TextLine(text, box, 0.9, "rapidocr"))
    lines.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))  # OCR's reading order
    return Page(file="身份证.pdf", page=1, lines=lines)


def test_several_members_id_cards_on_one_page_each_go_to_their_holder():
    for layout in ("stacked", "side_by_side"):
        p = _two_cards_page(layout)
        files = [FileReading("身份证.pdf", "/dev/null", "0" * 64, "pdf", [p])]
        docs = [extract_fields(d, [p]) for d in classify_pages([p])]
        rec = assemble("D001", files, docs)
        by_id = {m.id_number: m for m in rec.members}
        assert set(by_id) == {"440608198503121237", "440608197608150023"}, layout
        assert by_id["440608198503121237"].name == "张伟明" and by_id["440608197608150023"].name == "李秀英", layout
        assert by_id["440608197608150023"].birth_date == "1976-08-15", layout
        assert all(m.has_id_card for m in rec.members)
