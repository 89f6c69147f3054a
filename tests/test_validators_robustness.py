"""Checks and flags that must hold on layouts the code was not tuned to: each case both ways
(fires on the bad case, silent on the good one), built in code, differing from both batches."""
import datetime as dt

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.records import Member, Provenance, TextLine
from tests.test_validators_judge import UNIT, codes, good_record, prov, run, status
from validators.batch_index import id_card_text
from validators.checks.eligibility import looks_like_address
from validators.checks.materials import check_art5_f, has_copy_mark
from validators.flags.consistency import certificate_problems
from validators.ruleset import load_ruleset

AS_OF = dt.date(2026, 5, 20)
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


# ---------------------------------------------------------------- REUSED_IMAGE, text route
def test_id_card_address_found_without_its_label():
    # OCR dropped the small grey labels: the address is the line that reads like one
    lines = ["林秀兰", "女民族回", "1979年2月5日", "湖南省衡阳市珠晖区东风路", "118号", "公民身份号码 430405197902051026",
             "签发机关 衡阳市公安局珠晖分局", "有效期限 2016.08.30-2036.08.30"]
    assert id_card_text(lines) == ("湖南省衡阳市珠晖区东风路118号", "2016.08.30-2036.08.30")
    # the issuing authority names a 市 and 区 too, but is no address
    assert id_card_text(["签发机关 衡阳市公安局珠晖分局", "有效期限 2016.08.30-2036.08.30"]) is None


def _card(rec, i, lines):
    page = rec.page(f"id_{i}.jpg", 1)
    page.lines = page.lines[:2] + [TextLine(t, (0.1, 0.5, 0.9, 0.55), 0.9, "tesseract") for t in lines]


def test_reused_card_without_labels_across_dossiers(tmp_path):
    from tests.test_validators_judge import make_uscc

    a = good_record(tmp_path / "a", "A1")
    b = good_record(tmp_path / "b", "B1", unit="佛山市高明区恒远有限公司", code=make_uscc(org_body="MA4UQ7R5"),
                    account="44050166077777777777", id_offset=200)
    _card(a, 1, ["湖南省衡阳市珠晖区东风路", "118号", "签发机关 衡阳市公安局", "有效期限 2016.08.30-2036.08.30"])
    _card(b, 0, ["湖南省衡阳市珠晖区东风路", "118写", "签发机关 衡阳市公安局", "有效期限 2016.08.30-2036.08.30"])
    flags = [f for f in run(b, [a]).flags if f.code == "REUSED_IMAGE"]
    assert len(flags) == 1 and "A1" in flags[0].detail
    # another card of the same street, issued another day: a neighbour, not a reused card
    _card(b, 0, ["湖南省衡阳市珠晖区东风路", "118号", "签发机关 衡阳市公安局", "有效期限 2018.01.12-2038.01.12"])
    assert "REUSED_IMAGE" not in codes(run(b, [a]))


# ---------------------------------------------------------------- CERTIFICATE_INCONSISTENT
def _member(issuer, kind="职业资格证书"):
    return Member(name="林秀兰", id_number=None, birth_date="1979-02-05", level="技师", certificate_kind=kind,
                  certificate_number=None, certificate_issue_date="2012-04-01", certificate_issuer=issuer)


def test_issuer_of_another_kind_accuses_a_garbled_one_does_not():
    assert any("不是人力资源社会保障部门" in p for p in certificate_problems(_member("湖南湘江职业技能评价中心"), AS_OF))
    assert any("不是人力资源社会保障部门" in p for p in certificate_problems(_member("衡阳市某某培训学校"), AS_OF))
    # a seal over the issuer line leaves a fragment: no evidence of another issuer
    assert certificate_problems(_member("（职业技能鉴定指导c"), AS_OF) == []
    assert certificate_problems(_member("湖南省人力资源和社会保障厅"), AS_OF) == []


# ---------------------------------------------------------------- ART3
def test_art3_scope_text_read_as_address_is_no_sign(tmp_path):
    rec = good_record(tmp_path)
    rec.applicant.address = "许可项目：五金产品制造；金属制品销售"  # 经营范围, not 住所
    c = next(c for c in run(rec, index_images=False).checks if c.rule == "ART3")
    assert c.status == "pass" and "不像地址" in c.detail
    rec.applicant.address = "佛山市南海区桂城街道南海大道18号"  # a real address elsewhere
    assert status(run(rec, index_images=False))["ART3"] == "needs_review"
    assert looks_like_address("湖南省衡阳市珠晖区东风路118号") and not looks_like_address("机械设备销售")


# ---------------------------------------------------------------- IDENTITY_MISMATCH and re-reads
def test_shorter_reread_does_not_move_a_full_reading(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[1]
    full = m.name
    m.provenance["name"] = [
        # first reading dropped the surname, the re-read has the full name
        prov("id_1.jpg", 1, full[1:], "id_card", engine="tesseract", conf=0.9,
             rereads=[{"engine": "rapidocr", "text": "姓名" + full, "value": full}]),
        # full first reading; the re-read's value lost the last character
        prov("cert_1.jpg", 1, full, "qualification_certificate", engine="tesseract", conf=0.8,
             rereads=[{"engine": "rapidocr", "text": "姓名:" + full, "value": full[:-1]}]),
        prov("form.docx", 1, full, "application_form", engine="docx"),
    ]
    assert "IDENTITY_MISMATCH" not in codes(run(rec, index_images=False))
    # a certificate in another name, confirmed by its re-read, still accuses
    m.provenance["name"][1] = prov("cert_1.jpg", 1, "赵" + full[1:], "qualification_certificate", engine="tesseract",
                                   conf=0.9, rereads=[{"engine": "rapidocr", "value": "赵" + full[1:]}])
    flags = [f for f in run(rec, index_images=False).flags if f.code == "IDENTITY_MISMATCH"]
    assert flags and flags[0].severity == "high"


def test_reread_without_a_stray_leading_mark_moves_the_reading(tmp_path):
    """Measured on a generated batch: RapidOCR read a mark before the name on an ID card
    (引张建明); Tesseract's re-read of the crop gave the name the other documents state, and
    a certificate's own re-read confirmed it. A misreading, not a high-severity accusation."""
    rec = good_record(tmp_path)
    m = rec.members[1]
    full = m.name
    m.provenance["name"] = [
        prov("id_1.jpg", 1, "引" + full, "id_card", engine="rapidocr", conf=0.91,
             rereads=[{"engine": "tesseract", "text": "姓名“”" + full, "value": full}]),
        prov("cert_1.jpg", 1, full, "qualification_certificate", engine="rapidocr", conf=0.99,
             rereads=[{"engine": "tesseract", "text": "姓名:" + full, "value": full}]),
        prov("form.docx", 1, full, "application_form", engine="docx"),
    ]
    assert "IDENTITY_MISMATCH" not in codes(run(rec, index_images=False))
    # without the re-read, the extra character is still one edit from the name: medium, not high
    m.provenance["name"][0] = prov("id_1.jpg", 1, "引" + full, "id_card", engine="rapidocr", conf=0.91)
    m.provenance["name"][1] = prov("cert_1.jpg", 1, full, "qualification_certificate", engine="rapidocr", conf=0.99)
    flags = [f for f in run(rec, index_images=False).flags if f.code == "IDENTITY_MISMATCH"]
    assert all(f.severity != "high" for f in flags)


# ---------------------------------------------------------------- ART5.F mark under the seal
def _sealed_copy(path, mark: bool):
    im = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 40)
    d.text((120, 150), "营业执照（副本）", fill="black", font=f)
    if mark:
        d.text((620, 1320), "与原件相符", fill=(20, 20, 20), font=ImageFont.truetype(FONT, 56))
    # the seal's ring over the mark's last character, as stamped after writing it
    d.ellipse([820, 1220, 1100, 1500], outline=(215, 30, 30), width=12)
    d.text((900, 1330), "★", fill=(215, 30, 30), font=f)
    im.save(path)
    return str(path)


def test_art5_f_reads_the_mark_beside_the_seal(tmp_path):
    rec = good_record(tmp_path, images=True)
    rs = load_ruleset(AS_OF)
    page = rec.page("licence.jpg", 1)
    # whole-page OCR missed the mark (the seal covers it): only the licence text was read
    page.lines = [TextLine(t.text, t.bbox, 0.9, "tesseract") for t in page.lines if "原件" not in t.text]
    page.text_source = "ocr"
    page.image_path = _sealed_copy(tmp_path / "lic_mark.png", mark=True)
    assert check_art5_f(rec, rs).status == "pass"
    page.image_path = _sealed_copy(tmp_path / "lic_nomark.png", mark=False)
    c = check_art5_f(rec, rs)
    assert c.status == "needs_review" and "licence.jpg" in c.detail
    assert has_copy_mark("与 原件 妨 符") and not has_copy_mark("与事实相符")


# ---------------------------------------------------------------- REUSED_IMAGE, picture route
def _portrait(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, (46, 36))
    img = Image.fromarray(np.uint8(np.clip(140 + 45 * noise, 40, 205))).resize((180, 230), Image.BICUBIC)
    d = ImageDraw.Draw(img)
    d.ellipse([45 + seed % 20, 30, 135, 140], fill=int(90 + seed % 60))  # a head of its own
    return img


def _card_with_photo(path, lines, photo, at, scale=1.0, crop=0):
    im = Image.new("RGB", (900, 620), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 26)
    for i, t in enumerate(lines):
        d.text((40 if at[0] > 300 else 300, 40 + i * 48), t, fill="black", font=f)
    p = photo.crop((crop, crop, photo.width - crop, photo.height - crop))
    p = p.resize((int(p.width * scale), int(p.height * scale)))
    im.paste(p.convert("RGB"), at)
    im.save(path, quality=85)
    return str(path)


def _one_portrait_on_two_peoples_cards(tmp_path):
    """Dossiers A1 and B1 whose ID card pages show one portrait: the same picture on another
    person's card of another layout, re-cropped and smaller."""
    from tests.test_validators_judge import make_uscc

    a = good_record(tmp_path / "a", "A1", images=True)
    b = good_record(tmp_path / "b", "B1", unit="佛山市高明区恒远有限公司", code=make_uscc(org_body="MA4UQ7R5"),
                    account="44050166077777777777", id_offset=200, images=True)
    photo = _portrait(3)
    a.page("id_0.jpg", 1).image_path = _card_with_photo(tmp_path / "a.jpg", ["姓名 张伟", "出生 1985年3月12日"], photo, (600, 80))
    b.page("id_1.jpg", 1).image_path = _card_with_photo(tmp_path / "b.jpg", ["姓名 林秀兰", "住 址 湖南省衡阳市"],
                                                        photo, (40, 300), scale=0.85, crop=4)
    return a, b


def test_reused_portrait_on_another_persons_card(tmp_path):
    a, b = _one_portrait_on_two_peoples_cards(tmp_path)
    flags = [f for f in run(b, [a]).flags if f.code == "REUSED_IMAGE"]
    assert len(flags) == 1 and flags[0].severity == "medium" and "A1" in flags[0].detail
    # another person's own portrait: silent
    b.page("id_1.jpg", 1).image_path = _card_with_photo(tmp_path / "c.jpg", ["姓名 林秀兰", "住 址 湖南省衡阳市"],
                                                        _portrait(11), (40, 300), scale=0.85, crop=4)
    assert "REUSED_IMAGE" not in codes(run(b, [a]))


def test_a_portrait_comparison_is_read_from_the_page_memo_when_met_again(tmp_path, monkeypatch):
    """A re-run, or a dossier added to a screened batch, judges every dossier again: the
    picture blocks compared before are answered from the memo, with the same flag."""
    from extractors import page_memo
    from validators.forensics import image_hash

    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    a, b = _one_portrait_on_two_peoples_cards(tmp_path)
    first = [f.detail for f in run(b, [a]).flags if f.code == "REUSED_IMAGE"]
    assert len(first) == 1
    monkeypatch.setattr(image_hash, "same_region", lambda *a: pytest.fail("compared again"))
    assert [f.detail for f in run(b, [a]).flags if f.code == "REUSED_IMAGE"] == first
    # the card with one mark more is another page image: a new comparison, not the memo's answer
    card = Image.open(tmp_path / "b.jpg").convert("RGB")
    ImageDraw.Draw(card).rectangle([700, 560, 720, 580], fill="black")
    card.save(tmp_path / "c.png")
    b.page("id_1.jpg", 1).image_path = str(tmp_path / "c.png")
    calls = []
    monkeypatch.setattr(image_hash, "same_region", lambda *a: calls.append(1) or (False, {}))
    assert "REUSED_IMAGE" not in codes(run(b, [a]))  # the comparison made answers "not the same"
    assert calls


def test_picture_on_three_peoples_cards_is_template_artwork(tmp_path):
    from tests.test_validators_judge import make_uscc

    a = good_record(tmp_path / "a", "A1", images=True)
    b = good_record(tmp_path / "b", "B1", unit="佛山市高明区恒远有限公司", code=make_uscc(org_body="MA4UQ7R5"),
                    account="44050166077777777777", id_offset=200, images=True)
    emblem = _portrait(5)  # the same printed artwork on every card of the template
    for rec, i, at in ((a, 0, (600, 80)), (a, 1, (600, 80)), (b, 2, (40, 300))):
        rec.page(f"id_{i}.jpg", 1).image_path = _card_with_photo(tmp_path / f"{rec.dossier_id}{i}.jpg",
                                                                 [f"姓名 成员{i}"], emblem, at)
    assert "REUSED_IMAGE" not in codes(run(b, [a]))


def test_birth_date_with_a_dropped_digit_is_a_misreading(tmp_path):
    from tests.test_validators_judge import make_id

    rec = good_record(tmp_path)
    m = rec.members[0]
    m.id_number = make_id(birth="19850911", seq="011")
    for p in m.provenance["id_number"]:
        p.value = m.id_number
    m.birth_date = "1985-09-01"  # OCR read 1985年9月1日 for 1985年9月11日
    m.provenance["birth_date"] = [prov("id_0.jpg", 1, m.birth_date, "id_card", engine="tesseract", conf=0.8)]
    m.provenance["birth_date"][0].text = "出生 1985年9月1日"
    j = run(rec, index_images=False)
    assert "IDENTITY_MISMATCH" not in codes(j) and any("少一位数字" in w for w in j.warnings)
    # a changed digit (another year) is no dropped one: still flagged
    m.birth_date = "1986-09-11"
    m.provenance["birth_date"][0].text = "出生 1986年9月11日"
    assert "IDENTITY_MISMATCH" in codes(run(rec, index_images=False))


def test_art5_f_docx_caption_is_no_copy(tmp_path):
    from extractors.records import Document, FileReading, Page

    rec = good_record(tmp_path, images=True)
    rs = load_ruleset(AS_OF)
    assert check_art5_f(rec, rs).status == "pass"
    # a typed caption page of a .docx classified with the licence it introduces
    cap = Page(file="licence.docx", page=1, lines=[TextLine("营业执照副本复印件", (0.1, 0.1, 0.6, 0.15), 1.0, "docx")],
               text_source="docx", image_path=None)
    rec.files.append(FileReading(file="licence.docx", source_path="", sha256="", kind="docx", pages=[cap]))
    rec.documents.append(Document(file="licence.docx", pages=[1], type="business_licence", text_source="docx"))
    c = check_art5_f(rec, rs)
    assert c.status == "pass" and "文档文字页" in c.detail
    # the same page as an image without a page image to judge stays "could not judge"
    cap.text_source = "ocr"
    assert check_art5_f(rec, rs).status == "needs_review"
    assert has_copy_mark("与原作和客") and not has_copy_mark("原作者")
