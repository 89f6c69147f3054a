"""Grouping pages into documents: several documents in one file, continuation pages,
ID card front and back, unreadable pages."""
from __future__ import annotations

from extractors.classify import classify_pages, score_page
from extractors.records import Page, TextLine


def page(lines: list[str], file: str = "scan.pdf", n: int = 1, error: str | None = None) -> Page:
    return Page(file=file, page=n, error=error,
                lines=[TextLine(t, (0.1, 0.05 * i, 0.9, 0.05 * i + 0.04), 0.9, "tesseract") for i, t in enumerate(lines)])


FRONT = ["姓名张伟明", "性别男民族汉", "出生1985年3月12日", "住址广东省佛山市高明区", "公民身份号码440608198503121237"]
BACK = ["中华人民共和国", "居民身份证", "签发机关佛山市公安局高明分局", "有效期限2015.06.01-2035.06.01"]
FRONT2 = ["姓名李秀英", "性别女民族汉", "出生1976年8月15日", "住址广东省佛山市高明区", "公民身份号码440608197608150023"]
CONTRACT = ["劳动合同书", "甲方(用人单位):佛山市高明区华达机械有限公司", "乙方(劳动者)姓名:张伟明",
            "合同期限:自2019年6月28日起至2024年6月27日止", "工作岗位:数控车工"]
SIGNATURE = ["甲方(盖章):", "乙方(签字):", "2019年6月28日"]
REPORT1 = ["申请报告", "一、单位基本情况", "我公司成立于2010年。", "二、人才培养体系建立情况", "推行师带徒。"]
REPORT2 = ["(三)资金投入", "计划投入50万元。", "(四)场地设备配置", "场地200平方米。"]
REPORT3 = ["此致", "敬礼"]


def types(docs):
    return [(d.type, d.pages) for d in docs]


def test_scores_are_recorded_and_weak_pages_are_other():
    cls = score_page(page(FRONT))
    assert cls.type == "id_card" and cls.score >= 3
    assert score_page(page(["谢谢"])).type == "other"


def test_id_card_front_and_back_pair_but_two_people_do_not():
    pages = [page(FRONT, n=1), page(BACK, n=2), page(FRONT2, n=3), page(BACK, n=4)]
    assert types(classify_pages(pages)) == [("id_card", [1, 2]), ("id_card", [3, 4])]
    # two fronts in a row are two cards
    pages = [page(FRONT, n=1), page(FRONT2, n=2)]
    assert types(classify_pages(pages)) == [("id_card", [1]), ("id_card", [2])]


def test_contract_signature_page_and_report_continuation():
    pages = [page(CONTRACT, n=1), page(SIGNATURE, n=2), page(CONTRACT, n=3),
             page(REPORT1, n=4), page(REPORT2, n=5), page(REPORT3, n=6)]
    assert types(classify_pages(pages)) == [
        ("labour_contract", [1, 2]), ("labour_contract", [3]), ("application_report", [4, 5, 6])]


def test_documents_never_span_files_and_order_is_by_file_then_page():
    pages = [page(REPORT3, file="b.pdf", n=1), page(REPORT2, file="a.pdf", n=2), page(REPORT1, file="a.pdf", n=1)]
    docs = classify_pages(pages)
    # b.pdf's weak page cannot continue a.pdf's report
    assert [(d.file, d.type, d.pages) for d in docs] == [("b.pdf", "other", [1]), ("a.pdf", "application_report", [1, 2])]


def test_unreadable_page_is_other_with_its_error_and_breaks_continuation():
    pages = [page(REPORT1, n=1), page([], n=2, error="ocr_timeout"), page(REPORT3, n=3)]
    docs = classify_pages(pages)
    assert types(docs) == [("application_report", [1]), ("other", [2]), ("other", [3])]
    assert docs[1].error == "ocr_timeout"
    empty = classify_pages([page([], n=1)])
    assert empty[0].type == "other" and empty[0].error


def test_every_document_type_wins_on_its_own_page():
    samples = {
        "business_licence": ["营业执照", "统一社会信用代码 91440608MA4UABCD1L", "名称 某公司", "经营范围 制造"],
        "bank_account": ["开户许可证", "核准号:J5880001234567", "开户银行 工商银行", "账号 2013001234567890123"],
        "qualification_certificate": ["职业资格证书", "证书编号 1944060011200123", "职业(工种) 数控车工", "等级 技师"],
        "application_form": ["佛山市高明区技师工作站设立申请表", "申请单位名称 | 某公司", "序号 | 姓名 | 性别 | 出生年月 | 证书编号 | 身份证号"],
        "achievement": ["荣誉证书", "张伟明同志:", "荣获技术能手称号", "特发此证"],
        # an ID number printed on a contract does not make it an ID card
        "labour_contract": ["劳动合同", "甲方:某公司", "乙方:张伟明", "公民身份号码:440608198503121237", "合同期限:无固定期限"],
    }
    for expected, lines in samples.items():
        assert classify_pages([page(lines)])[0].type == expected, expected


def test_title_word_in_body_text_is_a_mention():
    later_report_page = ["公司技能人才队伍稳定。", "近三年共有32名员工取得职业技能等级证书,", "其中技师12人。",
                         "(三)资金投入", "投入资金50万元。"]
    docs = classify_pages([page(REPORT1, n=1), page(later_report_page, n=2)])
    assert types(docs) == [("application_report", [1, 2])]
