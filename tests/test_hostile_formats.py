"""Formats real dossiers bring besides PDF and Word: OFD (GB/T 33190) electronic licences
and receipts, and WPS / legacy Office files converted by LibreOffice."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from extractors import page_image
from extractors.carriers import archive
from extractors.carriers.sniff import sniff
from extractors.ingest import open_dossier, read_file
from flows import pipeline
from tests.fixtures.ingest import builders as b
from tests.fixtures.ingest import hostile

LICENCE = hostile.LICENCE


@pytest.mark.parametrize("page_mm", [(210.0, 297.0), (297.0, 210.0), (148.0, 105.0)])
def test_ofd_text_geometry_and_page_image(tmp_path, page_mm):
    src = b.ofd_file(tmp_path / "执照.ofd", LICENCE[:3], page_mm=page_mm)
    assert sniff(src) == "ofd"
    reading = read_file("执照.ofd", src, tmp_path / "work", dpi=100)
    assert reading.error is None and reading.kind == "ofd" and len(reading.pages) == 1
    page = reading.pages[0]
    assert [ln.text for ln in page.lines][:2] == ["营业执照", f"统一社会信用代码 {hostile.USCC}"]
    assert "佛山市高明区华达机械有限公司" in page.lines[2].text
    assert page.text_source == "text_layer" and not page.needs_ocr
    assert all(ln.engine == "text_layer" for ln in page.lines)
    # Boxes are fractions of the page box: the first line starts 10 mm from the left, 20 mm down.
    x0, y0, x1, y1 = page.lines[0].bbox
    assert x0 == pytest.approx(10 / page_mm[0], abs=1e-3) and y0 == pytest.approx(20 / page_mm[1], abs=1e-3)
    assert (page.width, page.height) == (round(page_mm[0] / 25.4 * 100), round(page_mm[1] / 25.4 * 100))
    with page_image.load_page(page.image_path) as im:  # the text was drawn where its box says
        grey = im.convert("L")
        w, h = grey.size
        ink = grey.crop((int(x0 * w), int(y0 * h), int(x1 * w) + 1, int(y1 * h) + 1))
        assert ink.getextrema()[0] < 128
    assert reading.meta["ofd_signed"] is False and "note" not in reading.meta
    # Drawn from its own text, the page is not sent to OCR to be compared with itself.
    assert pipeline.ocr_jobs("D", [reading]) == []


def test_ofd_licence_is_extracted_like_a_pdf(tmp_path):
    src = b.ofd_file(tmp_path / "电子营业执照.ofd", LICENCE, signed=True)
    reading = read_file("电子营业执照.ofd", src, tmp_path / "work", dpi=72)
    record = pipeline.extract_record("D1", [reading])
    assert [d.type for d in record.documents] == ["business_licence"]
    assert record.applicant.uscc == hostile.USCC
    prov = record.applicant.provenance["uscc"][0]
    assert prov.file == "电子营业执照.ofd" and prov.page == 1 and prov.engine == "text_layer" and prov.bbox
    assert reading.meta["ofd_signed"] is True and "未验证" in reading.meta["note"]


def test_ofd_scan_goes_to_ocr_and_its_image_is_drawn(tmp_path):
    scan = b.text_image(["开户许可证", "核准号 J5880001234567"], size=40)
    src = b.ofd_file(tmp_path / "scan.ofd", [], image=scan, page_mm=(210.0, 297.0))
    reading = read_file("scan.ofd", src, tmp_path / "work", dpi=72)
    page = reading.pages[0]
    assert page.needs_ocr and page.lines == []
    with page_image.load_page(page.image_path) as im:
        lower = im.convert("L").crop((0, im.height // 2, im.width, im.height * 3 // 4))
        assert lower.getextrema()[0] < 128  # the image sits in the lower half, as its Boundary says
    assert [j.page for j in pipeline.ocr_jobs("D", [reading])] == [1]


def test_ofd_in_a_dossier_is_a_document_not_an_archive(tmp_path):
    d = tmp_path / "D1"
    d.mkdir()
    b.ofd_file(d / "回单.ofd", ["中国工商银行 电子回单"])
    b.ofd_file(d / "改名.zip", ["营业执照"])  # named .zip, sniffed by content
    files, errors = open_dossier(d, tmp_path / "work")
    assert sorted(rel for rel, _ in files) == ["回单.ofd", "改名.zip"] and errors == []


def test_ofd_bomb_and_broken_parts_are_findings(tmp_path, monkeypatch):
    src = b.ofd_file(tmp_path / "a.ofd", ["营业执照"])
    with zipfile.ZipFile(src, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Doc_0/Res/zeros.png", b"\0" * (4 << 20))
    reading = read_file("a.ofd", src, tmp_path / "work")
    assert reading.error_code == "unsafe_package" and "压缩炸弹" in reading.error
    broken = tmp_path / "b.ofd"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml"
                              "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    reading = read_file("b.ofd", broken, tmp_path / "work")
    assert reading.error_code == "corrupt" and "Doc_0/Document.xml" in reading.error


needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
FORM_DOC = Path(__file__).parent / "fixtures" / "ingest" / "form.doc"


@needs_soffice
def test_wps_writer_file_read_like_its_word_counterpart(tmp_path):
    """LibreOffice has no WPS export filter; WPS Writer saves Word-compatible binaries, so
    what is tested is a Word 97 file made by LibreOffice (fixtures/ingest/form.doc) named .wps."""
    src = tmp_path / "申请表.wps"
    shutil.copyfile(FORM_DOC, src)
    assert sniff(src) == "wps"
    wps = read_file("申请表.wps", src, tmp_path / "work")
    assert wps.error is None and wps.kind == "wps" and wps.meta["converted_by"] == "libreoffice"
    texts = [ln.text for ln in wps.pages[0].lines]
    assert "佛山市高明区技师工作站设立申请表" in texts and any(b.ID_NUMBER in t for t in texts)
    assert len(wps.pages) == 2  # the form and its embedded picture, as for the .docx


@needs_soffice
def test_spreadsheet_made_by_libreoffice_read_as_xls_and_et(tmp_path):
    import subprocess

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "职业技能等级"])
    ws.append(["张三", b.ID_NUMBER, "技师"])
    wb.save(tmp_path / "名册.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp_path / "x"), str(tmp_path / "名册.xlsx")], check=True, capture_output=True, timeout=120)
    et = tmp_path / "名册.et"
    shutil.copyfile(tmp_path / "x" / "名册.xls", et)  # what Kingsoft ET saves is an Excel binary
    assert sniff(et) == "xls" and sniff(tmp_path / "名册.xlsx") == "xlsx"
    for name, path, kind in (("名册.et", et, "xls"), ("名册.xlsx", tmp_path / "名册.xlsx", "xlsx")):
        reading = read_file(name, path, tmp_path / "work", dpi=72)
        assert reading.error is None and reading.kind == kind and len(reading.pages) == 1
        # Read by cell, not as printed: the ID number in its narrow column is whole.
        assert [ln.text for ln in reading.pages[0].lines] == ["姓名 | 身份证号 | 职业技能等级", f"张三 | {b.ID_NUMBER} | 技师"]


def test_ole_kind_by_streams_not_name(tmp_path):
    word = tmp_path / "x.et"
    shutil.copyfile(FORM_DOC, word)
    assert sniff(word) == "doc"  # a Word binary misnamed .et is still read as Word
