"""OCR: text cleaning, preprocessing, real Tesseract and RapidOCR calls on small rendered
images, orientation, time limits and the disk cache."""
from __future__ import annotations

import re
import time

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extractors import ocr, page_raster
from extractors.ocr import preprocess as pp
from extractors.ocr import rapid, tesseract
from extractors.textclean import clean_line, compact_digits
from tests.conftest import SAMPLE_BATCH as SAMPLE
from tests.fixtures.ingest import builders as b

ID_LINE = "公民身份号码 " + b.ID_NUMBER
PAGE_LINES = [
    "劳动合同书",
    "甲方（用人单位）：佛山市高明区精工机械有限公司",
    "乙方（劳动者）：张三",
    ID_LINE,
    "合同期限：二〇二一年一月一日至二〇二六年十二月三十一日",
    "工作岗位：数控车工 技师",
    "甲乙双方在平等自愿协商一致的基础上订立本合同",
]

# ~10.5 pt at 300 dpi, what a scanned form's body text measures.
PAGE_FONT = 44
needs_tesseract = pytest.mark.skipif(not tesseract.available(), reason="tesseract not installed")


def _ids(lines) -> list[str]:
    return [compact_digits(ln.text) for ln in lines]


# --- text cleaning -------------------------------------------------------------------


@pytest.mark.parametrize("raw, clean", [
    ("公 民 身 份 号 码 4406 0819", "公民身份号码 4406 0819"),
    ("姓 名 : 张 三", "姓名:张三"),
    ("类型：有限责任公司(自然人投资或控股)", "类型:有限责任公司（自然人投资或控股）"),
    ("甲方〈用人单位 ) :佛山市", "甲方（用人单位）:佛山市"),
    ("ＩＳＯ ９００１ (2015)", "ISO 9001 (2015)"),
    ("发证日期: 2020 年 8 月 15 日", "发证日期: 2020年8月15日"),
    ("第 3 条 至 2026 年", "第3条至2026年"),
    ("Hello   world  ", "Hello world"),
    ("", ""),
])
def test_clean_line(raw, clean):
    assert clean_line(raw) == clean


def test_compact_digits():
    assert compact_digits("4406 0819 8503 1200 1 4") == b.ID_NUMBER
    assert compact_digits("44060819850312001 X") == "44060819850312001X"
    assert compact_digits("账号 4400 1234 5678 号码 X光") == "账号 440012345678 号码 X光"


# --- preprocessing (no OCR engine) -----------------------------------------------------


def test_red_seal_removed_by_red_channel():
    img = Image.new("RGB", (200, 100), "white")
    d = ImageDraw.Draw(img)
    d.ellipse((20, 10, 100, 90), outline=(220, 30, 30), width=6)  # red seal ring
    d.rectangle((130, 40, 180, 60), fill=(20, 20, 20))  # black ink
    bw = pp.binarize(pp.red_channel(np.asarray(img)[:, :, ::-1].copy()))
    assert (bw[10:90, 20:100] == 255).all()  # seal gone
    assert (bw[45:55, 135:175] == 0).all()  # ink kept


def test_skew_estimated_and_box_mapped_back():
    img = b.text_image(PAGE_LINES, size=28)
    skewed = img.rotate(3, resample=Image.BICUBIC, expand=False, fillcolor="white")
    bw = pp.binarize(pp.red_channel(np.asarray(skewed)[:, :, ::-1].copy()))
    angle = pp.estimate_skew(bw)
    assert -3.6 <= angle <= -2.4  # cv2 angle that undoes a 3° counter-clockwise turn
    assert pp.estimate_skew(pp.binarize(pp.red_channel(np.asarray(img)[:, :, ::-1].copy()))) == 0.0
    _, m = pp.rotate_small(bw, angle, 255)
    x0, y0, x1, y1 = pp.unrotate_bbox((100, 100, 200, 120), m)
    assert x1 - x0 >= 100 and y1 - y0 > 20  # the hull of a turned box is never smaller
    assert abs((x0 + x1) / 2 - 150) < 20 and abs((y0 + y1) / 2 - 110) < 20


def test_uneven_light_flattened_before_threshold():
    page = np.asarray(b.text_image(PAGE_LINES, size=PAGE_FONT, width=1400).convert("L"), dtype=np.float32)
    h, w = page.shape
    light = np.linspace(1.0, 0.35, w, dtype=np.float32)[None, :]  # a shadow across the page
    photo = (page * light).astype(np.uint8)
    plain = pp.otsu(photo)
    assert (plain < 128).mean() > 0.25  # one threshold blacks out the shadowed half
    bw = pp.binarize(photo)
    assert (bw < 128).mean() < 0.12 and pp.line_axis_ratio(bw) > 1.0  # read as upright


def test_paper_colour_fills_rotated_corners():
    grey = np.full((200, 300), 200, np.uint8)
    out, _ = pp.rotate_small(grey, 5, pp.paper_colour(grey))
    assert out[0, 0] == 200 and out[-1, -1] == 200


# --- Tesseract -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def id_line_png(tmp_path_factory):
    p = tmp_path_factory.mktemp("ocr") / "id_line.png"
    b.text_image([ID_LINE], size=40).save(p)
    return p


@pytest.fixture(scope="module")
def page_png(tmp_path_factory):
    d = tmp_path_factory.mktemp("page")
    img = b.text_image(PAGE_LINES, size=PAGE_FONT)
    paths = {}
    for rot in (0, 90, 180):
        p = d / f"page_rot{rot}.png"
        img.rotate(rot, expand=True).save(p)  # lying turned: needs `rot` clockwise to read
        paths[rot] = p
    return img, paths


@needs_tesseract
def test_tesseract_reads_id_number_exactly(id_line_png):
    r = ocr.ocr_page(id_line_png, engine="tesseract", timeout=60)
    assert r.error is None and r.rotation == 0 and r.engine == "tesseract"
    assert any(b.ID_NUMBER in t for t in _ids(r.lines)), [ln.text for ln in r.lines]
    line = next(ln for ln in r.lines if b.ID_NUMBER in compact_digits(ln.text))
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", line.text)  # CJK spaces removed
    x0, y0, x1, y1 = line.bbox
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and x1 - x0 > 0.5
    assert 0.5 < line.confidence <= 1 and line.engine == "tesseract"


@needs_tesseract
@pytest.mark.parametrize("rot", [90, 180])
def test_tesseract_detects_rotation(page_png, rot):
    upright, paths = page_png
    r = ocr.ocr_page(paths[rot], engine="tesseract", timeout=60)
    assert r.error is None and r.rotation == rot
    assert r.upright_image_path and page_raster.image_size(r.upright_image_path) == upright.size
    assert any(b.ID_NUMBER in t for t in _ids(r.lines))
    # Boxes refer to the upright image: the ID line is the 4th of 7, in the middle band.
    line = next(ln for ln in r.lines if b.ID_NUMBER in compact_digits(ln.text))
    assert 0.35 < (line.bbox[1] + line.bbox[3]) / 2 < 0.65


@needs_tesseract
def test_timeout_is_an_error_not_an_exception(page_png):
    _, paths = page_png
    r = ocr.ocr_page(paths[0], engine="tesseract", timeout=0.001)
    assert r.error == "ocr_timeout" and r.lines == []


@needs_tesseract
def test_cache_hit_calls_no_engine(id_line_png, tmp_path, monkeypatch):
    first = ocr.ocr_page(id_line_png, engine="tesseract", cache_dir=tmp_path / "cache")
    assert first.error is None and not first.cached

    def boom(*a, **k):
        raise AssertionError("engine called on a cache hit")

    monkeypatch.setattr(tesseract, "recognize", boom)
    monkeypatch.setattr(tesseract, "osd", boom)
    second = ocr.ocr_page(id_line_png, engine="tesseract", cache_dir=tmp_path / "cache")
    assert second.cached and second.error is None
    assert [ln.text for ln in second.lines] == [ln.text for ln in first.lines]
    assert second.lines[0].bbox == first.lines[0].bbox
    # Other settings are another key: now the (broken) engine is reached and reported.
    monkeypatch.setattr(tesseract, "LANG", "chi_sim+eng")
    third = ocr.ocr_page(id_line_png, engine="tesseract", cache_dir=tmp_path / "cache")
    assert not third.cached and third.error and third.error.startswith("ocr_failed")


def test_bad_inputs_are_errors(tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    assert ocr.ocr_page(junk).error == "image_unreadable"
    assert ocr.ocr_page(tmp_path / "missing.png").error == "image_unreadable"
    assert ocr.ocr_page(junk, engine="nope").error.startswith("unknown_engine")


# --- RapidOCR and re-reading -----------------------------------------------------------


@pytest.fixture(scope="module")
def rapid_engine():
    try:
        return rapid.get_engine()
    except Exception as e:  # pragma: no cover - the wheel ships its models
        pytest.skip(f"RapidOCR cannot load offline: {e}")


def test_rapidocr_reads_id_number(rapid_engine, id_line_png):
    r = ocr.ocr_page(id_line_png, engine="rapidocr", timeout=60)
    assert r.error is None and r.rotation == 0
    assert any(b.ID_NUMBER in t for t in _ids(r.lines)), [ln.text for ln in r.lines]
    assert all(ln.engine == "rapidocr" and 0 < ln.confidence <= 1 for ln in r.lines)


def test_reread_crop_with_other_engine(rapid_engine, page_png, tmp_path):
    upright, _ = page_png
    p = tmp_path / "upright.png"
    upright.save(p)
    # The ID line of the 7-line page: 4th line, known from the renderer's geometry.
    h = upright.height
    top = (30 + 3 * PAGE_FONT * 1.6) / h
    bbox = (0.02, top, 0.98, top + PAGE_FONT * 1.1 / h)
    lines = ocr.reread(p, bbox, engine="rapidocr", scale=2.0)
    assert any(b.ID_NUMBER in t for t in _ids(lines)), [ln.text for ln in lines]
    hit = next(ln for ln in lines if b.ID_NUMBER in compact_digits(ln.text))
    assert abs((hit.bbox[1] + hit.bbox[3]) / 2 - (bbox[1] + bbox[3]) / 2) < 0.05  # page fractions


def _a4_page(tmp_path, lines, size=42):
    """A 300 dpi A4 page (2480 x 3508) with `lines` a third of the way down."""
    from PIL import Image

    page = Image.new("RGB", (2480, 3508), "white")
    block = b.text_image(lines, size=size)
    page.paste(block, (200, 1100))
    p = tmp_path / "a4.png"
    page.save(p)
    return p, (1100 + 30) / 3508


def test_rapidocr_detects_small_and_reads_large(rapid_engine, tmp_path, monkeypatch):
    """A 300 dpi page is detected at DET_SIDE but read from the larger image: the reading
    and its place on the page are those of detection at full size."""
    lines = ["劳动合同书", "公民身份号码 " + b.ID_NUMBER, "工作岗位：数控车工", "合同期限自2021年3月1日起"]
    path, top = _a4_page(tmp_path, lines)
    split = ocr.ocr_page(path, engine="rapidocr", timeout=120)
    monkeypatch.setattr(rapid, "DET_SIDE", 4000)  # no downscaling: the engine's own path
    whole = ocr.ocr_page(path, engine="rapidocr", timeout=120)
    assert split.error is None and whole.error is None
    assert [ln.text for ln in split.lines] == [ln.text for ln in whole.lines]
    hit = next(ln for ln in split.lines if b.ID_NUMBER in compact_digits(ln.text))
    twin = next(ln for ln in whole.lines if b.ID_NUMBER in compact_digits(ln.text))
    assert all(abs(a - c) < 0.01 for a, c in zip(hit.bbox, twin.bbox)), (hit.bbox, twin.bbox)
    # Second of four lines, 42 px type at 1.6 line pitch, below a 30 px pad.
    expected_mid = top + (1.5 * 42 * 1.6) / 3508
    assert abs((hit.bbox[1] + hit.bbox[3]) / 2 - expected_mid) < 0.01
    assert rapid.settings()["det_side"] == 4000  # the cache key follows the setting


def test_rapidocr_page_call_honours_the_deadline(rapid_engine, tmp_path):
    path, _ = _a4_page(tmp_path, ["公民身份号码 " + b.ID_NUMBER])
    img, _ = rapid.pp.cap_size(rapid.pp.load_rgb(path), rapid.REC_SIDE)
    with pytest.raises(tesseract.OcrTimeout):
        rapid.detect_page(img, time.monotonic() - 1)
    assert any(b.ID_NUMBER in compact_digits(t) for _, t, _ in rapid.detect_page(img, time.monotonic() + 120))


@pytest.mark.parametrize("seed", [100, 104])
def test_rapidocr_turns_an_upside_down_scan(rapid_engine, tmp_path, seed):
    """Measured failure: on these degraded upside-down pages the detector finds a few
    fragments that read with a mean score of 0.80-0.84; the page must still be turned."""
    from bench.ocr_quality import degrade, render_page

    page, _, fields = render_page(seed)
    p = tmp_path / "rot180.png"
    degrade(page, "rot180", seed).save(p)
    r = ocr.ocr_page(p, engine="rapidocr", timeout=120, upright_dir=tmp_path)
    assert r.error is None and r.rotation == 180
    text = compact_digits("".join(ln.text for ln in r.lines))
    assert all(compact_digits(v) in text for k, v in fields if k == "id_number")


def test_rapidocr_reads_a_name_under_a_seal_on_a_degraded_scan(rapid_engine, tmp_path):
    """Measured failure (sample D03, contract page 5): on a JPEG-degraded scan, Otsu on the
    red channel turned the seal's fringes into blotches over 华盛 and 设备, and the unit
    name in the signature block read as 佛山市高明区华 / .1 有限公司."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SAMPLE / "D03" / "全部材料扫描件.pdf"))
    page = pdf[4].render(scale=300 / 72).to_pil().convert("RGB")
    w, h = page.size
    block = page.crop((int(0.08 * w), int(0.33 * h), int(0.6 * w), int(0.47 * h)))
    p = tmp_path / "signature_block.png"
    block.save(p)
    bgr = np.asarray(block)[:, :, ::-1]
    assert pp.has_red_ink(bgr)  # the seal is on it: the red-ink path is what is tested
    r = ocr.ocr_page(p, engine="rapidocr", timeout=120, upright_dir=tmp_path)
    assert r.error is None
    assert any("佛山市高明区华盛电气设备有限公司" in ln.text for ln in r.lines), [ln.text for ln in r.lines]


def test_rapidocr_recogniser_settings_are_in_the_cache_key(rapid_engine, monkeypatch):
    """Lines are recognised one per call (batching pads every crop to the widest of its
    batch: 1.9x the time on 351 lines of the sample); a change of it must re-OCR."""
    assert rapid_engine.text_rec.rec_batch_num == rapid.REC_BATCH
    from extractors.ocr import cache

    def key() -> str:
        return cache.cache_key("0" * 64, "rapidocr", rapid.version(), rapid.settings())

    before = key()
    monkeypatch.setattr(rapid, "REC_BATCH", 6)
    assert key() != before
