"""Each carrier reader on a small fixture: what it reads, and how it fails without raising."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from extractors import page_image, page_raster
from extractors.carriers import legacy
from extractors.carriers.sniff import sniff
from extractors.ingest import read_file
from tests.fixtures.ingest import builders as b

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


@pytest.fixture(scope="module")
def line_img() -> Image.Image:
    return b.text_image(["公民身份号码 " + b.ID_NUMBER], size=32)


def test_text_layer_pdf_lines_boxes_and_image(tmp_path):
    src = b.text_pdf(tmp_path / "licence.pdf", [
        "营业执照", "统一社会信用代码 91440608MA4X1234XY",
        "类型：有限责任公司(自然人投资或控股)"])
    r = read_file("licence.pdf", src, tmp_path / "work", dpi=100)
    assert r.error_code is None and r.kind == "pdf"
    page = r.pages[0]
    assert page.text_source == "text_layer" and not page.needs_ocr
    texts = [ln.text for ln in page.lines]
    assert texts == ["营业执照", "统一社会信用代码 91440608MA4X1234XY",
                     "类型:有限责任公司（自然人投资或控股）"]
    assert all(ln.engine == "text_layer" and ln.confidence == 1.0 for ln in page.lines)
    x0, y0, x1, y1 = page.lines[0].bbox
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 0.2  # the title sits near the top
    assert page.lines[0].bbox[1] < page.lines[1].bbox[1]
    # A4 rendered at 100 dpi, PNG in the work folder, named by content hash.
    assert abs(page.width - 827) <= 1 and abs(page.height - 1169) <= 1
    assert Path(page.image_path).is_file() and r.sha256[:24] in page.image_path
    assert r.meta["incremental_updates"] == 0 and "producer" in r.meta


def test_rerender_reuses_page_image(tmp_path):
    src = b.text_pdf(tmp_path / "a.pdf", ["劳动合同书 甲方乙方双方协商一致"])
    first = read_file("a.pdf", src, tmp_path / "work", dpi=72)
    mtime = Path(first.pages[0].image_path).stat().st_mtime_ns
    second = read_file("a.pdf", src, tmp_path / "work", dpi=72)
    assert second.pages[0].image_path == first.pages[0].image_path
    assert Path(second.pages[0].image_path).stat().st_mtime_ns == mtime


def test_image_only_pdf_needs_ocr(tmp_path, line_img):
    src = b.image_pdf(tmp_path / "scan.pdf", line_img)
    r = read_file("scan.pdf", src, tmp_path / "work", dpi=150)
    assert r.error_code is None
    assert [p.needs_ocr for p in r.pages] == [True]
    assert r.pages[0].text_source == "ocr" and r.pages[0].image_path
    # Pillow embeds the picture as a JPEG: the page is a photo for error-level analysis.
    assert r.pages[0].source_image and r.meta["pages"][0]["jpeg"] and r.meta["pages"][0]["images"] == 1


@pytest.mark.parametrize("rotate", [90, 180])
def test_page_with_rotate_read_upright(tmp_path, rotate):
    import pikepdf

    src = b.text_pdf(tmp_path / "a.pdf", ["营业执照", "统一社会信用代码 91440608MA4X1234XY"])
    turned = tmp_path / "turned.pdf"
    with pikepdf.open(src) as pdf:
        pdf.pages[0].Rotate = rotate
        pdf.save(turned)
    before = turned.read_bytes()
    r = read_file("turned.pdf", turned, tmp_path / "work", dpi=50)
    page = r.pages[0]
    assert [ln.text for ln in page.lines] == ["营业执照", "统一社会信用代码 91440608MA4X1234XY"]
    assert page.rotation == 360 - rotate and page.width < page.height  # upright A4 image
    assert page.lines[0].bbox[1] < 0.2  # boxes refer to that upright image
    assert turned.read_bytes() == before


def test_incremental_update_counted(tmp_path):
    src = b.text_pdf(tmp_path / "orig.pdf", ["证书编号 1844060112345678"])
    edited = b.incremental_update(src, tmp_path / "edited.pdf", "Adobe Acrobat Pro DC")
    before = read_file("orig.pdf", src, tmp_path / "work", dpi=50)
    r = read_file("edited.pdf", edited, tmp_path / "work", dpi=50)
    assert before.meta["incremental_updates"] == 0
    assert r.error_code is None and r.meta["incremental_updates"] == 1
    assert r.meta["producer"] == "Adobe Acrobat Pro DC"
    assert r.meta["mod_date"].startswith("2026-03-01T12:00:00")
    assert "1844060112345678" in r.pages[0].text


def test_docx_order_table_rows_and_embedded_image(tmp_path, line_img):
    src = b.docx_with_table_and_image(tmp_path / "form.docx", line_img)
    r = read_file("form.docx", src, tmp_path / "work")
    assert r.kind == "docx" and r.error_code is None
    p1 = r.pages[0]
    assert p1.text_source == "docx" and not p1.needs_ocr
    assert [ln.text for ln in p1.lines] == [
        "佛山市高明区技师工作站设立申请表",
        "申请单位名称:佛山市高明区精工机械有限公司",
        "姓名 | 身份证号 | 等级",
        f"张三 | {b.ID_NUMBER} | 技师",
        "单位意见:同意申报",
    ]
    n = len(p1.lines)
    assert p1.lines[2].bbox == (0.0, 2 / n, 1.0, 3 / n)
    assert len(r.pages) == 2 and r.pages[1].needs_ocr and r.meta["embedded_images"] == 1
    assert page_raster.image_size(r.pages[1].image_path) == line_img.size


def test_jpeg_exif_orientation_applied(tmp_path, line_img):
    src = b.jpeg_exif6(tmp_path / "photo.jpg", line_img)
    assert Image.open(src).size == (line_img.height, line_img.width)  # stored on its side
    r = read_file("photo.jpg", src, tmp_path / "work")
    page = r.pages[0]
    assert (page.width, page.height) == line_img.size
    assert page.source_image and page.needs_ocr
    assert r.meta["exif_present"] and r.meta["exif_orientation"] == 6 and r.meta["format"] == "JPEG"
    # Upright: the text line's ink lies in a wide horizontal band, not a vertical one.
    import numpy as np

    ink = np.asarray(page_image.load_page(page.image_path).convert("L")) < 128
    rows = np.where(ink.any(axis=1))[0]
    cols = np.where(ink.any(axis=0))[0]
    assert (cols[-1] - cols[0]) > 3 * (rows[-1] - rows[0])


def test_multipage_tiff(tmp_path, line_img):
    src = b.tiff_pages(tmp_path / "scan.tif", [line_img, line_img.rotate(180), line_img.convert("L")])
    r = read_file("scan.tif", src, tmp_path / "work")
    assert [p.page for p in r.pages] == [1, 2, 3]
    assert len({p.image_path for p in r.pages}) == 3
    assert not any(p.source_image for p in r.pages)


def test_pdf_that_is_really_png(tmp_path, line_img):
    src = tmp_path / "身份证.pdf"
    line_img.save(src, format="PNG")
    assert sniff(src) == "png"
    r = read_file("身份证.pdf", src, tmp_path / "work")
    assert r.kind == "image" and r.error_code is None and r.pages[0].needs_ocr
    assert r.meta["extension_mismatch"] is True


def test_encrypted_pdf_refused_owner_only_read(tmp_path):
    plain = b.text_pdf(tmp_path / "p.pdf", ["开户许可证 核准号 J5880001234501"])
    locked = b.encrypted_pdf(plain, tmp_path / "locked.pdf", user="secret")
    r = read_file("locked.pdf", locked, tmp_path / "work")
    assert r.error_code == "encrypted" and "密码" in r.error and not r.pages
    owner_only = b.encrypted_pdf(plain, tmp_path / "owner.pdf", user="")
    r2 = read_file("owner.pdf", owner_only, tmp_path / "work", dpi=50)
    assert r2.error_code is None and r2.meta["encrypted"] is True
    assert "J5880001234501" in r2.pages[0].text


@pytest.mark.parametrize("case", ["empty", "truncated_pdf", "garbage", "truncated_jpeg", "rar"])
def test_broken_files_give_error_codes(tmp_path, line_img, case):
    p = tmp_path / "x"
    if case == "empty":
        p = tmp_path / "empty.pdf"
        p.write_bytes(b"")
        expected = "empty"
    elif case == "truncated_pdf":
        full = b.text_pdf(tmp_path / "full.pdf", ["营业执照"]).read_bytes()
        p = tmp_path / "cut.pdf"
        p.write_bytes(full[: len(full) // 2])
        expected = "corrupt"
    elif case == "garbage":
        p = tmp_path / "notes.pdf"
        p.write_bytes(b"hello, this is not a document\n" * 20)
        expected = "unsupported"
    elif case == "truncated_jpeg":
        full = tmp_path / "full.jpg"
        line_img.save(full, format="JPEG")
        p = tmp_path / "cut.jpg"
        p.write_bytes(full.read_bytes()[:400])
        expected = "corrupt"
    else:
        p = tmp_path / "a.rar"
        p.write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 50)
        expected = "unsupported"
    r = read_file(p.name, p, tmp_path / "work")
    assert r.error_code == expected
    assert r.error and any("\u4e00" <= c <= "\u9fff" for c in r.error)


def test_too_large_file(tmp_path, monkeypatch):
    import extractors.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 1000)
    src = b.text_pdf(tmp_path / "big.pdf", ["营业执照"])
    r = read_file("big.pdf", src, tmp_path / "work")
    assert r.error_code == "too_large" and "上限" in r.error


def test_doc_without_soffice_is_legacy_unconverted(tmp_path, monkeypatch):
    monkeypatch.setattr(legacy, "soffice_path", lambda: None)
    src = b.fake_doc(tmp_path / "申请表.doc")
    r = read_file("申请表.doc", src, tmp_path / "work")
    assert r.kind == "doc" and r.error_code == "legacy_unconverted"
    assert "LibreOffice" in r.error and not r.pages


@pytest.mark.skipif(legacy.soffice_path() is None, reason="LibreOffice (soffice) not installed")
def test_doc_converted_with_libreoffice(tmp_path):
    src = FIXTURES / "form.doc"
    r = read_file("form.doc", src, tmp_path / "work")
    assert r.error_code is None and r.kind == "doc" and r.meta["converted_by"] == "libreoffice"
    assert f"张三 | {b.ID_NUMBER} | 技师" in [ln.text for ln in r.pages[0].lines]
    assert len(r.pages) == 2 and r.pages[1].needs_ocr


# --- Word forms as bureaus lay them out (policy/DOCUMENTS.md, Annex 1) ---------------------

def _annex_form(path: Path, merge_name: bool, header_rows: bool) -> Path:
    """An Annex 1 form built with python-docx: unit fields either as label | value pairs
    (the name's value merged over two grid columns) or as a header row of labels over a row
    of values; a member table whose 职业 cell is merged down two rows, continued in a second
    table after a note; then more label rows. One cell sits inside a content control."""
    import copy

    import docx
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph("佛山市高明区技师工作站设立申请表")
    if header_rows:
        t = d.add_table(rows=4, cols=3)
        for i, row in enumerate([["申请单位名称", "统一社会信用代码", "单位性质"],
                                 ["佛山市高明区恒达五金制品有限公司", "91440608MA4UH3JN6U", "民营企业"],
                                 ["单位地址", "联系电话", "联系人"],
                                 ["佛山市高明区明城镇明二路3号", "0757-88812345", "李小红"]]):
            for j, v in enumerate(row):
                t.cell(i, j).text = v
    else:
        t = d.add_table(rows=3, cols=5)
        for i, row in enumerate([["申请单位名称", "佛山市高明区恒达五金制品有限公司", "", "单位性质", "民营企业"],
                                 ["统一社会信用代码", "91440608MA4UH3JN6U", "", "联系电话", "0757-88812345"],
                                 ["单位地址", "佛山市高明区明城镇明二路3号", "", "联系人", "李小红"]]):
            for j, v in enumerate(row):
                t.cell(i, j).text = v
        if merge_name:
            for i in range(3):
                t.cell(i, 1).merge(t.cell(i, 2))
    members = d.add_table(rows=3, cols=7)
    for i, row in enumerate([["序号", "姓名", "性别", "出生年月", "职业(工种)", "等级", "身份证号"],
                             ["1", "张伟明", "男", "1985.03", "数控车工", "技师", "440608198503121237"],
                             ["2", "李秀英", "女", "1976.08", "", "高级技师", "440608197608150023"]]):
        for j, v in enumerate(row):
            members.cell(i, j).text = v
    members.cell(1, 4).merge(members.cell(2, 4))  # one occupation for both rows
    d.add_paragraph("(续上表)")
    more = d.add_table(rows=1, cols=7)
    for j, v in enumerate(["3", "陈国强", "男", "1980.01", "数控铣工", "技师", "440684198001011237"]):
        more.cell(0, j).text = v
    # the name cell of the continued table wrapped in a content control
    tc = more.rows[0].cells[1]._tc
    sdt = tc.makeelement(qn("w:sdt"), {})
    content = sdt.makeelement(qn("w:sdtContent"), {})
    sdt.append(content)
    tc.addprevious(sdt)
    content.append(copy.deepcopy(tc))
    tc.getparent().remove(tc)
    tail = d.add_table(rows=1, cols=2)
    tail.cell(0, 0).text, tail.cell(0, 1).text = "技师工作站负责人", "张伟明"
    d.add_paragraph("单位意见：同意申报")
    d.save(str(path))
    return path


@pytest.mark.parametrize("merge_name, header_rows", [(True, False), (False, False), (False, True)])
def test_docx_form_fields_end_at_their_cell_and_members_span_tables(tmp_path, merge_name, header_rows):
    from extractors.fields import extract_fields
    from extractors.records import Document

    src = _annex_form(tmp_path / "form.docx", merge_name, header_rows)
    r = read_file("form.docx", src, tmp_path / "work")
    texts = [ln.text for ln in r.pages[0].lines]
    # a merged cell keeps its grid columns: its text once, then empty cells
    widths = {t.count("|") for t in texts if t.startswith(("1 |", "2 |", "3 |", "序号"))}
    assert widths == {6}
    assert "2 | 李秀英 | 女 | 1976.08 | | 高级技师 | 440608197608150023" in texts
    doc = extract_fields(Document("form.docx", [1], "application_form"), r.pages[:1])
    got = {k: [v.value for v in vs] for k, vs in doc.fields.items()}
    assert got["name"] == ["佛山市高明区恒达五金制品有限公司"]
    assert got["uscc"] == ["91440608MA4UH3JN6U"]
    assert got["unit_type"] == ["民营企业"]
    assert got["address"] == ["佛山市高明区明城镇明二路3号"]
    assert got["phone"] == ["0757-88812345"]
    assert got["contact"] == ["李小红"]
    assert got["station_leader"] == ["张伟明"]
    rows = [{k: v.value for k, v in row.items()} for row in doc.rows]
    assert [row["name"] for row in rows] == ["张伟明", "李秀英", "陈国强"]
    assert rows[0]["occupation"] == "数控车工" and "occupation" not in rows[1]
    assert rows[2]["id_number"] == "440684198001011237"


def test_a_text_layer_page_is_rendered_at_the_resolution_its_image_is_used_at(tmp_path, line_img):
    """A page read from its text layer is drawn at TEXT_PAGE_DPI (review export, seals,
    crops of its identifiers); a scan keeps the run's resolution for OCR and forensics."""
    from extractors.carriers import pdf

    text = b.text_pdf(tmp_path / "licence.pdf", ["营业执照", "统一社会信用代码 91440608MA4X1234XY"])
    scan = b.image_pdf(tmp_path / "scan.pdf", line_img)
    dpi = pdf.TEXT_PAGE_DPI + 100
    text_page = read_file("licence.pdf", text, tmp_path / "work", dpi=dpi).pages[0]
    scan_page = read_file("scan.pdf", scan, tmp_path / "work", dpi=dpi).pages[0]
    assert text_page.text_source == "text_layer" and abs(text_page.width - round(8.27 * pdf.TEXT_PAGE_DPI)) <= 2
    # A scan that is one embedded image is that image, at its own pixels (pdf_scan);
    # otherwise it is rendered at the run's resolution (the image was saved at 150 dpi).
    from extractors.carriers import pdf_scan

    scan_width = line_img.width if pdf_scan.ENABLED else line_img.width * dpi / 150
    assert scan_page.needs_ocr and abs(scan_page.width - scan_width) <= 2
    # Below TEXT_PAGE_DPI the run's own (lower) resolution stands.
    low = read_file("licence.pdf", text, tmp_path / "work2", dpi=pdf.TEXT_PAGE_DPI - 100).pages[0]
    assert abs(low.width - round(8.27 * (pdf.TEXT_PAGE_DPI - 100))) <= 2
