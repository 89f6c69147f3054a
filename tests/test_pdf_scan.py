"""A scanned PDF page that is one embedded image is read as that image, not re-rendered."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from extractors import page_image, page_raster
from extractors.carriers import pdf_scan
from extractors.carriers.pdf import read_pdf

A6 = (297.6, 419.5)  # points; small pages keep the rendered fallbacks quick


@pytest.fixture(autouse=True)
def embedded_scans_on(request, monkeypatch):
    if "shipped" not in request.node.name:
        monkeypatch.setattr(pdf_scan, "ENABLED", True)


def _scan(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    arr = np.full((height, width, 3), 235, np.uint8) + rng.integers(0, 12, (height, width, 3), dtype=np.uint8)
    img = Image.fromarray(arr, "RGB")
    draw = ImageDraw.Draw(img)
    # Something asymmetric, so a wrong turn or flip shows.
    draw.rectangle([width // 10, height // 12, width // 2, height // 6], fill=(20, 20, 20))
    draw.ellipse([width // 2, height // 2, width * 9 // 10, height * 7 // 10], fill=(180, 30, 30))
    return img


def _jpeg(img: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _pdf_with_image(path: Path, jpeg: bytes, px: tuple[int, int], page_pt: tuple[float, float],
                    at: tuple[float, float, float, float] | None = None, rotate: int = 0, extra: bytes = b"") -> Path:
    """One page, the JPEG drawn at `at` = (x, y, w, h) in points (default: the whole page)."""
    pdf = pikepdf.new()
    w_pt, h_pt = page_pt
    x, y, w, h = at or (0, 0, w_pt, h_pt)
    image = pikepdf.Stream(pdf, jpeg, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=px[0], Height=px[1],
                           ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    content = f"q {w} 0 0 {h} {x} {y} cm /Im0 Do Q\n".encode() + extra
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, w_pt, h_pt],
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                              Contents=pikepdf.Stream(pdf, content))
    if rotate:
        page.Rotate = rotate
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def _read(path: Path, tmp_path: Path):
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return read_pdf(path.name, path, tmp_path / "work", sha, dpi=300).pages[0]


def _pixels(page) -> np.ndarray:
    return np.array(page_image.load_rgb_array(page.image_path))


def _render(path: Path, size: tuple[int, int]) -> np.ndarray:
    doc = pdfium.PdfDocument(str(path))
    try:
        img = doc[0].render(scale=300 / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    return np.asarray(img.resize(size, Image.BILINEAR), dtype=np.int16)


@pytest.mark.parametrize("px,dpi_of_scan", [((620, 874), 150), ((827, 1165), 200), ((1240, 1748), 300)])
def test_the_embedded_jpeg_is_the_page_image_at_its_own_resolution(tmp_path, px, dpi_of_scan):
    img = _scan(*px, seed=dpi_of_scan)
    jpeg = _jpeg(img)
    path = _pdf_with_image(tmp_path / "scan.pdf", jpeg, px, (px[0] * 72 / dpi_of_scan, px[1] * 72 / dpi_of_scan))
    page = _read(path, tmp_path)
    assert (page.width, page.height) == px
    # Exactly the JPEG's own decoded pixels: error-level analysis sees the scanner's compression.
    assert np.array_equal(_pixels(page), np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")))
    assert page.needs_ocr and page.source_image


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_turned_page_is_turned_as_the_viewer_shows_it(tmp_path, rotate):
    px = (827, 1165)
    path = _pdf_with_image(tmp_path / "scan.pdf", _jpeg(_scan(*px, seed=rotate)), px, A6, rotate=rotate)
    page = _read(path, tmp_path)
    assert page.image_path.endswith("_scan" + page_raster.SUFFIX)
    ours = _pixels(page).astype(np.int16)
    assert ours.shape[:2] == ((px[0], px[1]) if rotate in (90, 270) else (px[1], px[0]))
    rendered = _render(path, (ours.shape[1], ours.shape[0]))
    # Same picture as the renderer draws (up to resampling), not a mirror or the other turn.
    assert np.abs(ours - rendered).mean() < 6
    assert np.abs(np.rot90(ours, 2) - rendered).mean() > 20


def _rendered(page) -> bool:
    return page.image_path.endswith("_300dpi" + page_raster.SUFFIX)


def test_pages_that_are_more_than_their_image_are_rendered(tmp_path):
    px = (827, 1165)
    jpeg = _jpeg(_scan(*px, seed=3))
    half = _pdf_with_image(tmp_path / "half.pdf", jpeg, px, A6, at=(0, 210, 297.6, 209.5))
    assert _rendered(_read(half, tmp_path))
    # A drawn box over the scan: the viewer shows it, so the page image must too.
    boxed = _pdf_with_image(tmp_path / "boxed.pdf", jpeg, px, A6, extra=b"0 0 1 rg 100 100 50 50 re f\n")
    assert _rendered(_read(boxed, tmp_path))
    flipped = _pdf_with_image(tmp_path / "flip.pdf", jpeg, px, A6, at=(0, 419.5, 297.6, -419.5))
    assert _rendered(_read(flipped, tmp_path))
    tiny = _pdf_with_image(tmp_path / "tiny.pdf", _jpeg(_scan(207, 291, seed=4)), (207, 291), A6)
    assert _rendered(_read(tiny, tmp_path))  # 50 dpi: OCR would read less than it does today


def test_a_masked_image_is_rendered(tmp_path):
    px = (827, 1165)
    path = _pdf_with_image(tmp_path / "masked.pdf", _jpeg(_scan(*px, seed=5)), px, A6)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        image = pdf.pages[0].Resources.XObject.Im0
        image.SMask = pikepdf.Stream(pdf, b"\xff" * 16, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                                     Width=4, Height=4, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
        pdf.save(path)
    assert _rendered(_read(path, tmp_path))


def test_the_choice_survives_a_rerun(tmp_path):
    px = (827, 1165)
    path = _pdf_with_image(tmp_path / "scan.pdf", _jpeg(_scan(*px, seed=6)), px, A6)
    first = _read(path, tmp_path)
    again = _read(path, tmp_path)
    assert again.image_path == first.image_path and (again.width, again.height) == px


def test_shipped_on_and_switched_off_pages_are_rendered_as_before(tmp_path, monkeypatch):
    px = (827, 1165)
    path = _pdf_with_image(tmp_path / "scan.pdf", _jpeg(_scan(*px, seed=7)), px, A6)
    assert pdf_scan.ENABLED  # the shipped setting
    assert not _rendered(_read(path, tmp_path / "on"))
    monkeypatch.setattr(pdf_scan, "ENABLED", False)
    assert _rendered(_read(path, tmp_path / "off"))
