"""A realistic dossier (record + judgement + page image) shared by the report tests."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from extractors.records import (Applicant, BankAccount, Document, DossierRecord, FileReading, Member,
                                Page, Provenance)
from reports.labels import RULE_IDS
from reports.page_images import export_page_images
from reports.result_json import build_result
from validators.findings import Check, Flag, Judgement

AS_OF = date(2026, 5, 20)
ID_ZHANG = "44060819850312241X"
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def make_page_image(path: Path, colour=(255, 255, 255), size=(1000, 1400)) -> Path:
    img = Image.new("RGB", size, colour)
    d = ImageDraw.Draw(img)
    sx, sy = size[0] / 1000, size[1] / 1400
    try:  # Chinese text where the provenance boxes are, if a CJK font is installed
        font = ImageFont.truetype(CJK_FONT, int(40 * sy))
        d.text((200 * sx, 285 * sy), "姓名 张伟", fill=(20, 20, 20), font=font)
        d.text((120 * sx, 425 * sy), "公民身份号码 " + ID_ZHANG, fill=(20, 20, 20), font=font)
        d.text((100 * sx, 140 * sy), "佛山市高明区明工机械有限公司", fill=(20, 20, 20), font=font)
        d.text((100 * sx, 700 * sy), "公司每年开展师带徒结对10对", fill=(20, 20, 20), font=font)
    except OSError:  # no font: a dark block where the ID number is, so a crop shows something
        d.rectangle([300 * sx, 420 * sy, 800 * sx, 480 * sy], fill=(30, 30, 30))
    d.ellipse([650 * sx, 900 * sy, 850 * sx, 1100 * sy], outline=(220, 0, 0), width=8)  # the red seal
    img.save(path)
    return path


def P(file, page, bbox, text, doc_type, value=None, engine="tesseract", conf=0.93):
    return Provenance(file=file, page=page, bbox=bbox, confidence=conf, text=text, engine=engine,
                      value=value if value is not None else text, doc_type=doc_type)


def make_record(tmp: Path) -> DossierRecord:
    img = make_page_image(tmp / "src_p1.png")
    img2 = make_page_image(tmp / "src_p2.png", colour=(245, 245, 235))
    id_prov = P("成员/张伟身份证.jpg", 1, (0.30, 0.30, 0.80, 0.34), ID_ZHANG, "id_card")
    files = [
        FileReading(file="成员/张伟身份证.jpg", source_path=str(img), sha256="a" * 64, kind="image",
                    pages=[Page(file="成员/张伟身份证.jpg", page=1, image_path=str(img), width=1000, height=1400,
                                text_source="ocr")]),
        FileReading(file="申报材料.pdf", source_path="/x/申报材料.pdf", sha256="b" * 64, kind="pdf",
                    pages=[Page(file="申报材料.pdf", page=1, image_path=str(img2), text_source="text_layer"),
                           Page(file="申报材料.pdf", page=2, image_path=None, text_source="text_layer")]),
        FileReading(file="旧文件.wps", source_path="/x/旧文件.wps", sha256="c" * 64, kind="wps",
                    error_code="legacy_unconverted", error="无法转换的WPS旧格式文件，请申报单位提供PDF"),
    ]
    return DossierRecord(
        dossier_id="GM2026-001",
        files=files,
        documents=[
            Document(file="成员/张伟身份证.jpg", pages=[1], type="id_card", text_source="ocr"),
            Document(file="申报材料.pdf", pages=[1], type="application_form", text_source="text_layer"),
            Document(file="申报材料.pdf", pages=[2], type="application_report", text_source="text_layer"),
        ],
        applicant=Applicant(
            name="佛山市高明区明工机械有限公司", uscc="91440608MA4UABCD1X", legal_representative="李明",
            address="佛山市高明区荷城街道", registration_authority="佛山市高明区市场监督管理局",
            established="2015-06-01",
            provenance={"name": [P("申报材料.pdf", 1, (0.2, 0.1, 0.7, 0.13), "佛山市高明区明工机械有限公司",
                                   "application_form", engine="text_layer", conf=1.0)]},
        ),
        bank_account=BankAccount(account_name="佛山市高明区明工机械有限公司", account_number="44050166010900001234",
                                 bank="中国建设银行佛山高明支行", basic_account_licence_no=None),
        members=[
            Member(name="张伟", id_number=ID_ZHANG, sex="男", birth_date="1985-03-12", occupation="车工",
                   level="技师", certificate_kind="职业资格证书", certificate_number="1844060012000001",
                   certificate_issue_date="2018-09-30", certificate_issuer="佛山市人力资源和社会保障局",
                   has_id_card=True, has_contract=True, contract_end="2028-12-31", has_certificate=True,
                   provenance={"id_number": [id_prov],
                               "name": [P("成员/张伟身份证.jpg", 1, (0.2, 0.2, 0.35, 0.24), "张伟", "id_card")]}),
            Member(name="陈芳", id_number="440608199001011234", sex="女", level="高级技师",
                   has_id_card=False, has_contract=False),
        ],
        report_sections={"basic": [P("申报材料.pdf", 2, None, "一、单位基本情况", "application_report",
                                     engine="text_layer", conf=1.0)]},
        evidence={},
    )


def make_judgement() -> Judgement:
    checks = [Check(rule=r, status="pass", detail=f"{r} 符合") for r in RULE_IDS]
    by = {c.rule: c for c in checks}
    by["ART4.1"].status = "fail"
    by["ART4.1"].detail = "第四条第（一）项：具备技师、高级技师资格且材料齐全的成员不足3名（陈芳缺身份证、劳动合同）"
    by["ART4.2"].status = "needs_review"
    by["ART4.2"].detail = "第四条第（二）项：找到师带徒相关表述，请评议"
    by["ART4.2"].evidence = [P("申报材料.pdf", 1, (0.1, 0.5, 0.9, 0.55), "公司每年开展师带徒结对10对",
                               "application_report", engine="text_layer", conf=1.0)]
    by["ART5.F"].status = "fail"
    by["ART5.F"].detail = ("第五条：复印件须注明与原件相符并加盖单位公章，以下页面不符合："
                           "成员/张伟身份证.jpg第1页缺公章")
    by["ART5.F"].evidence = [P("成员/张伟身份证.jpg", 1, None, "", "id_card")]
    flags = [
        Flag(code="ID_NUMBER_INVALID", rule="ART15.1", severity="high", subject="张伟",
             detail="身份证号码校验位错误（第十五条第（一）项）",
             evidence=[P("成员/张伟身份证.jpg", 1, (0.30, 0.30, 0.80, 0.34), ID_ZHANG, "id_card")]),
        Flag(code="IMAGE_TAMPERED", rule="ART15.1", severity="low", subject="成员/张伟身份证.jpg",
             detail="印章区域噪声不一致", evidence=[P("成员/张伟身份证.jpg", 1, (0.65, 0.64, 0.85, 0.79), "", "id_card")]),
    ]
    return Judgement(checks=checks, flags=flags, recommendation="refer_false_materials",
                     recommendation_reason="存在高风险疑点：身份证号码校验不通过",
                     warnings=["张伟身份证号码地区码与出生年份不符（提示）"])


def make_case(tmp: Path):
    """(result dict, page_images mapping, dossier output folder)."""
    record = make_record(tmp)
    result = build_result(record, make_judgement(), as_of=AS_OF, rule_set="gaoming-2021",
                          screened_at="2026-05-20T09:00:00+08:00")
    out = tmp / "out" / record.dossier_id
    out.mkdir(parents=True)
    images = export_page_images(record.pages, out)
    return result, images, out


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_page_images_exported_small_and_upright(tmp_path):
    record = make_record(tmp_path)
    big = make_page_image(tmp_path / "big.png", size=(3200, 1000))
    record.files[0].pages[0].image_path = str(big)
    out = tmp_path / "o"
    images = export_page_images(record.pages, out)
    # The page without image is skipped; the others are numbered in order.
    assert images == {("成员/张伟身份证.jpg", 1): "pages/001.jpg", ("申报材料.pdf", 1): "pages/002.jpg"}
    with Image.open(out / "pages/001.jpg") as im:
        assert im.format == "JPEG" and im.size == (1600, 500)
