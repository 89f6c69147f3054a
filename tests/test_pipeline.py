"""The plain pipeline steps the flow wires: OCR job selection, applying OCR, cross-check re-reads."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.engine import OcrResult
from extractors.records import DossierRecord, FileReading, Member, Page, Provenance, TextLine
from flows import pipeline
from validators.identifiers import ric

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
GOOD_ID = "440608198003125653"


def _page(file="a.pdf", page=1, text_source="ocr", needs_ocr=True, text="", image="x.png"):
    lines = [TextLine(text, (0.1, 0.1, 0.9, 0.2), 1.0, "text_layer")] if text else []
    return Page(file=file, page=page, lines=lines, text_source=text_source, needs_ocr=needs_ocr, image_path=image)


def test_ocr_jobs_cover_scans_and_identifier_bearing_text_pages():
    scan = _page(page=1)
    text_id = _page(page=2, text_source="text_layer", needs_ocr=False, text=f"公民身份号码 {GOOD_ID}")
    text_plain = _page(page=3, text_source="text_layer", needs_ocr=False, text="一、单位基本情况")
    no_image = _page(page=4, image=None)
    files = [FileReading(file="a.pdf", source_path="/x", sha256="0", kind="pdf", pages=[scan, text_id, text_plain, no_image])]
    jobs = pipeline.ocr_jobs("D1", files)
    assert [(j.page, j.text_layer) for j in jobs] == [(1, False), (2, True)]


def test_ocr_jobs_run_largest_reading_first():
    """A photo of an ID card, a 300 dpi page, and a text-layer page of which only the band
    around the identifier's line is read: ordered by the pixels each reads."""
    photo = _page(page=1)
    photo.width, photo.height = 1000, 630
    scan = _page(page=2)
    scan.width, scan.height = 2480, 3508
    crop = _page(page=3, text_source="text_layer", needs_ocr=False, text=f"公民身份号码 {GOOD_ID}")
    crop.width, crop.height = 1654, 2339
    files = [FileReading(file="a.pdf", source_path="/x", sha256="0", kind="pdf", pages=[photo, scan, crop])]
    jobs = pipeline.ocr_jobs("D1", files)
    assert [j.page for j in jobs] == [1, 2, 3] and jobs[2].regions
    (x0, y0, x1, y1), = jobs[2].regions
    assert jobs[2].pixels == int(1654 * 2339 * (x1 - x0) * (y1 - y0)) < 1654 * 2339 / 2
    assert (jobs[0].pixels, jobs[1].pixels) == (1000 * 630, 2480 * 3508)
    assert [j.page for j in pipeline.costliest_first(jobs)] == [2, 3, 1]


def test_apply_ocr_sets_lines_rotation_and_upright_image():
    page = _page()
    line = TextLine("姓名 张三", (0, 0, 1, 0.1), 0.9, "tesseract")
    pipeline.apply_ocr(page, OcrResult(lines=[line], rotation=180, engine="tesseract", seconds=1.0, error=None,
                                       upright_image_path="up.png"))
    assert page.lines == [line] and page.rotation == 180 and page.image_path == "up.png"
    assert not page.needs_ocr and page.text_source == "ocr"


def test_apply_ocr_keeps_text_layer_and_records_timeout():
    text_page = _page(text_source="text_layer", needs_ocr=False, text="甲")
    line = TextLine("乙", (0, 0, 1, 0.1), 0.9, "tesseract")
    pipeline.apply_ocr(text_page, OcrResult([line], 0, "tesseract", 1.0, None, None))
    assert text_page.text == "甲" and text_page.ocr_lines == [line]

    scan = _page()
    pipeline.apply_ocr(scan, OcrResult([], 0, "tesseract", 60.0, "ocr_timeout", None))
    assert scan.error and "超时" in scan.error


@pytest.mark.parametrize("text,expected", [
    ("姓名 张三", "张三"),
    ("账户名称：佛山市高明区宏达汽车配件有限公司", "佛山市高明区宏达汽车配件有限公司"),
    ("甲方（用人单位）：佛山市某某有限公司", "佛山市某某有限公司"),
    ("李四", "李四"),
])
def test_name_candidate_strips_labels(text, expected):
    assert pipeline._name_candidate(text) == expected


def test_crosscheck_rereads_a_failing_id_with_the_second_engine(tmp_path: Path):
    img = Image.new("RGB", (1400, 200), "white")
    ImageDraw.Draw(img).text((40, 60), f"公民身份号码 {GOOD_ID}", font=ImageFont.truetype(FONT, 56), fill="black")
    path = tmp_path / "p1.png"
    img.save(path)
    misread = GOOD_ID[:-1] + "8"  # a one-digit misread breaks the check digit
    prov = Provenance(file="a.pdf", page=1, bbox=(0.0, 0.2, 1.0, 0.8), confidence=0.7, text=misread,
                      engine="tesseract", value=misread, doc_type="id_card")
    page = Page(file="a.pdf", page=1, image_path=str(path))
    record = DossierRecord(dossier_id="D1", files=[FileReading(file="a.pdf", source_path=str(path), sha256="0", kind="image", pages=[page])],
                           members=[Member(name="张三", id_number=misread, provenance={"id_number": [prov]})])
    assert pipeline.crosscheck_identifiers(record, "rapidocr") == 1
    reread = prov.rereads[0]
    assert reread["engine"] == "rapidocr" and reread["value"] == GOOD_ID


def test_crosscheck_leaves_valid_values_alone(tmp_path: Path):
    prov = Provenance(file="a.pdf", page=1, bbox=(0, 0, 1, 1), confidence=0.9, text=GOOD_ID, engine="tesseract", value=GOOD_ID)
    record = DossierRecord(dossier_id="D1", members=[Member(id_number=GOOD_ID, provenance={"id_number": [prov]})])
    assert pipeline.crosscheck_identifiers(record, "rapidocr") == 0 and prov.rereads == []


def test_confirmed_reread_becomes_the_value_and_keeps_both_readings():
    from extractors.records import Applicant

    misread, right = "佛山市高明区众春汽车配件有限公司", "佛山市高明区众鑫汽车配件有限公司"
    lic = Provenance(file="l.pdf", page=1, bbox=(0, 0, 1, 0.1), confidence=0.8, text=misread, engine="tesseract",
                     value=misread, doc_type="business_licence",
                     rereads=[{"engine": "rapidocr", "text": "使" + right, "value": right}])
    form = Provenance(file="f.docx", page=1, bbox=None, confidence=1.0, text=right, engine="docx", value=right,
                      doc_type="application_form")
    applicant = Applicant(name=misread, provenance={"name": [lic, form]})
    pipeline._adopt_reread(applicant, "name", applicant.provenance["name"])
    assert applicant.name == right and lic.value == misread and lic.rereads[0]["adopted"]


def test_unconfirmed_reread_is_not_adopted():
    from extractors.records import Applicant

    lic = Provenance(file="l.pdf", page=1, bbox=(0, 0, 1, 0.1), confidence=0.8, text="甲公司", engine="tesseract",
                     value="甲公司", doc_type="business_licence", rereads=[{"engine": "rapidocr", "value": "乙公司"}])
    applicant = Applicant(name="甲公司", provenance={"name": [lic]})
    pipeline._adopt_reread(applicant, "name", applicant.provenance["name"])
    assert applicant.name == "甲公司"


def test_name_reread_prefers_the_whole_name_over_another_documents_fragment(tmp_path: Path):
    """Another document read only part of the name (谢家 for 谢家豪): the re-read line shows
    the whole name, so the fragment must not become the re-read's value."""
    img = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(img).text((40, 60), "姓名：谢家豪", font=ImageFont.truetype(FONT, 64), fill="black")
    path = tmp_path / "p1.png"
    img.save(path)
    card = Provenance(file="a.pdf", page=1, bbox=(0.0, 0.2, 1.0, 0.8), confidence=0.8, text="谢家豪", engine="tesseract",
                      value="谢家豪", doc_type="id_card")
    contract = Provenance(file="c.pdf", page=1, bbox=None, confidence=0.8, text="谢家", engine="text_layer", value="谢家",
                          doc_type="labour_contract")
    page = Page(file="a.pdf", page=1, image_path=str(path))
    member = Member(name="谢家豪", provenance={"name": [card, contract]})
    record = DossierRecord(dossier_id="D1", files=[FileReading(file="a.pdf", source_path=str(path), sha256="0", kind="image", pages=[page])],
                           members=[member])
    assert pipeline.crosscheck_identifiers(record, "rapidocr") == 1
    assert card.rereads[0]["value"] == "谢家豪"
    assert member.name == "谢家豪"


def _line_image(tmp_path: Path, text: str, name: str) -> Path:
    img = Image.new("RGB", (1400, 200), "white")
    ImageDraw.Draw(img).text((40, 60), text, font=ImageFont.truetype(FONT, 56), fill="black")
    path = tmp_path / name
    img.save(path)
    return path


def test_an_implausible_ocr_issue_date_is_read_again_by_the_second_engine(tmp_path: Path):
    path = _line_image(tmp_path, "发证日期 2001年05月20日", "cert.png")
    prov = Provenance(file="c.pdf", page=1, bbox=(0.0, 0.2, 1.0, 0.8), confidence=0.8, text="发证日期 2001年05月20日",
                      engine="tesseract", value="2001-05-20", doc_type="qualification_certificate")
    page = Page(file="c.pdf", page=1, image_path=str(path))
    member = Member(name="张三", id_number=GOOD_ID, certificate_issue_date="2001-05-20",
                    provenance={"certificate_issue_date": [prov]})
    record = DossierRecord(dossier_id="D1", files=[FileReading(file="c.pdf", source_path=str(path), sha256="0",
                                                               kind="image", pages=[page])], members=[member])
    # born 1980, certificate at 21: plausible, nothing to re-read
    assert pipeline.crosscheck_dates(record, "rapidocr") == 0 and prov.rereads == []
    born_1990 = "44060819900312565"
    member.id_number = born_1990 + ric.calc_check_digit(born_1990)  # born 1990: issued at 11
    assert pipeline.crosscheck_dates(record, "rapidocr") == 1
    assert prov.rereads[0]["engine"] == "rapidocr" and prov.rereads[0]["value"] == "2001-05-20"


def test_a_text_layer_number_the_image_does_not_show_is_read_again_by_the_second_engine(tmp_path: Path):
    shown = GOOD_ID[:10] + "7" + GOOD_ID[11:]
    path = _line_image(tmp_path, f"公民身份号码 {shown}", "id.png")
    page = Page(file="id.pdf", page=1, text_source="text_layer", image_path=str(path),
                lines=[TextLine("姓名 张三", (0, 0, 1, 0.15), 1.0, "text_layer"),
                       TextLine(f"公民身份号码 {GOOD_ID}", (0.0, 0.2, 1.0, 0.8), 1.0, "text_layer")])
    page.ocr_lines = [TextLine("姓名 张三", (0, 0, 1, 0.15), 0.9, "rapidocr"),
                      TextLine(f"公民身份号码 {shown}", (0.0, 0.2, 1.0, 0.8), 0.9, "rapidocr")]
    record = DossierRecord(dossier_id="D1", files=[FileReading(file="id.pdf", source_path=str(path), sha256="0",
                                                               kind="pdf", pages=[page])])
    assert pipeline.crosscheck_text_layers(record, "tesseract") == 1
    assert shown in page.layer_rereads[GOOD_ID].replace(" ", "")


def test_a_reread_that_reads_nothing_gives_no_candidate_not_a_crash(tmp_path: Path, monkeypatch):
    """A second engine that times out (a loaded machine) leaves the first reading standing."""
    import extractors.ocr as ocr

    monkeypatch.setattr(ocr, "reread", lambda *a, **k: [])
    misread = GOOD_ID[:-1] + "8"
    prov = Provenance(file="a.pdf", page=1, bbox=(0.0, 0.2, 1.0, 0.8), confidence=0.7, text=misread,
                      engine="tesseract", value=misread, doc_type="id_card")
    page = Page(file="a.pdf", page=1, image_path=str(tmp_path / "p1.png"))
    member = Member(name="张三", id_number=misread, provenance={"id_number": [prov]})
    record = DossierRecord(dossier_id="D1", files=[FileReading(file="a.pdf", source_path="x", sha256="0", kind="image", pages=[page])],
                           members=[member])
    assert pipeline.crosscheck_identifiers(record, "rapidocr") == 1
    assert prov.rereads[0]["value"] is None and member.id_number == misread
