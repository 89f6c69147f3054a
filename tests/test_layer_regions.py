"""The text-layer check reads only around the lines it compares (extractors/layer_regions.py,
extractors.ocr.ocr_regions), and still catches a layer that says what the image does not."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from extractors import layer_regions
from extractors.ocr import ocr_regions
from extractors.ocr_jobs import apply_ocr, ocr_jobs
from extractors.records import DossierRecord, FileReading, Page, TextLine
from validators.flags.documents import missing_layer_tokens
from validators.identifiers import ric

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
W, H = 1240, 1754  # A4 at 150 dpi: the crops are what is read, the page size only places them


def _id(seed: int) -> str:
    rng = random.Random(seed)
    body = f"4406{rng.choice(['08', '84', '24'])}{rng.randint(1965, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return body + ric.calc_check_digit(body)


def _layer(text: str, x: int, y: int, size: int) -> TextLine:
    """A text-layer line whose box sits where `text` is drawn at (x, y) in `size` px."""
    font = ImageFont.truetype(FONT, size)
    x0, y0, x1, y1 = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox((x, y), text, font=font)
    return TextLine(text, (x0 / W, y0 / H, x1 / W, y1 / H), 1.0, "text_layer")


def _page_image(tmp_path: Path, printed: list[tuple[str, int, int]], size: int, scan: bool, name: str) -> str:
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, size)
    for text, x, y in printed:
        draw.text((x, y), text, font=font, fill="black")
    if scan:
        # A scan under the layer: grey paper, sensor noise, a little blur, JPEG on the way.
        rng = np.random.default_rng(7)
        arr = np.asarray(img, dtype=np.float32) * 0.93 + 8 + rng.normal(0, 6, (H, W, 1))
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.7))
        jpeg = tmp_path / f"{name}.jpg"
        img.save(jpeg, quality=80)
        img = Image.open(jpeg).convert("RGB")
    path = tmp_path / f"{name}.png"
    img.save(path)
    return str(path)


def _text_page(lines: list[TextLine], image: str) -> Page:
    filler = [TextLine(f"第{i}条 本合同未尽事宜由双方协商解决，协商不成的按有关规定处理。", (0.1, 0.55 + i * 0.03, 0.9, 0.57 + i * 0.03),
                       1.0, "text_layer") for i in range(6)]
    return Page(file="cert.pdf", page=1, lines=lines + filler, text_source="text_layer", image_path=image,
                width=W, height=H)


def _check(page: Page) -> dict:
    """The flow's steps in order: choose the job, read it, put it on the page, compare."""
    (job,) = ocr_jobs("D1", [FileReading(file="cert.pdf", source_path="/x", sha256="0", kind="pdf", pages=[page])])
    if job.regions:
        result = ocr_regions(job.image_path, job.regions, engine="rapidocr")
    else:
        from extractors.ocr import ocr_page

        result = ocr_page(job.image_path, engine="rapidocr")
    apply_ocr(page, result)
    return missing_layer_tokens(DossierRecord(dossier_id="D1"), page)


def test_regions_are_the_identifier_and_name_lines_padded_and_merged():
    lines = [TextLine("职业技能等级证书", (0.3, 0.05, 0.7, 0.08), 1.0, "text_layer"),
             TextLine("姓名：王小明", (0.1, 0.20, 0.4, 0.22), 1.0, "text_layer"),
             TextLine(f"身份证号码：{_id(1)}", (0.1, 0.225, 0.6, 0.245), 1.0, "text_layer"),
             TextLine("本证书证明其通过职业技能评价", (0.1, 0.5, 0.8, 0.52), 1.0, "text_layer")]
    regions = layer_regions.compare_regions(Page(file="a", page=1, lines=lines, width=W, height=H))
    # The name and the number are neighbours: one crop holds both; the prose is not read.
    assert len(regions) == 1
    x0, y0, x1, y1 = regions[0]
    assert x0 < 0.1 and y0 < 0.20 and x1 > 0.6 and y1 > 0.245 and y1 < 0.5
    assert layer_regions.inside(lines[2].bbox, regions) and not layer_regions.inside(lines[3].bbox, regions)


def test_a_page_of_identifiers_is_read_whole():
    lines = [TextLine(f"{i} {_id(i)}", (0.1, 0.05 + i * 0.09, 0.9, 0.07 + i * 0.09), 1.0, "text_layer") for i in range(10)]
    assert layer_regions.compare_regions(Page(file="a", page=1, lines=lines, width=W, height=H)) is None


@pytest.mark.parametrize("scan", [False, True], ids=["rendered", "scan-under-layer"])
def test_a_layer_number_the_image_does_not_show_is_caught_from_the_crops(tmp_path: Path, scan: bool):
    layer_no, shown = _id(11), _id(12)
    size = 34
    image = _page_image(tmp_path, [("姓名：王小明", 120, 300), (f"身份证号码：{shown}", 120, 360)], size, scan, "p")
    page = _text_page([_layer("姓名：王小明", 120, 300, size), _layer(f"身份证号码：{layer_no}", 120, 360, size)], image)
    missing = _check(page)
    assert page.ocr_regions is not None  # read from crops, not the whole page
    assert set(missing) == {layer_no}


def test_a_layer_box_a_little_off_still_reads_the_printed_number(tmp_path: Path):
    layer_no, shown = _id(21), _id(22)
    size = 34
    image = _page_image(tmp_path, [(f"证书编号：{shown}", 140, 420)], size, True, "off")
    # The layer's box sits 60 % of a line lower and 30 px to the right of the print.
    off = _layer(f"证书编号：{layer_no}", 170, 440, size)
    page = _text_page([off], image)
    assert set(_check(page)) == {layer_no} and page.ocr_regions is not None


def test_a_clean_layer_is_not_flagged_from_the_crops(tmp_path: Path):
    number = _id(31)
    size = 34
    image = _page_image(tmp_path, [("姓名：李红", 120, 300), (f"公民身份号码 {number}", 120, 360)], size, True, "clean")
    page = _text_page([_layer("姓名：李红", 120, 300, size), _layer(f"公民身份号码 {number}", 120, 360, size)], image)
    assert _check(page) == {} and page.ocr_regions is not None


def test_a_box_pointing_at_blank_paper_reads_the_whole_page(tmp_path: Path):
    layer_no, shown = _id(41), _id(42)
    size = 34
    image = _page_image(tmp_path, [(f"身份证号码：{shown}", 120, 360)], size, False, "blank")
    # The layer claims its number is printed far below, where the paper is blank.
    page = _text_page([_layer(f"身份证号码：{layer_no}", 120, 1500, size)], image)
    missing = _check(page)
    assert page.ocr_regions is None  # fell back to the full page
    assert set(missing) == {layer_no}
