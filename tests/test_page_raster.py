"""The work folder's page rasters: exact pixels back, damage reported as unreadable, and
every page reader taking them as it takes PNG."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from extractors import ocr, page_image, page_raster
from extractors.ingest import read_file
from extractors.ocr import preprocess as pp
from tests.fixtures.ingest import builders as b


def _pixels(h=301, w=207, seed=3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rgb = np.full((h, w, 3), 245, np.uint8)
    rgb[40:90, 20:180] = rng.integers(0, 256, (50, 160, 3), dtype=np.uint8)  # noise: no two rows alike
    return rgb


def test_written_pixels_come_back_exactly(tmp_path):
    rgb = _pixels()
    dest = tmp_path / ("p" + page_raster.SUFFIX)
    page_raster.write(dest, rgb)
    back = page_raster.read(dest)
    assert back.shape == rgb.shape and back.dtype == np.uint8 and np.array_equal(back, rgb)
    assert not back.flags.writeable  # shared by the page cache: never changed in place
    assert page_raster.size(dest) == page_raster.image_size(dest) == (207, 301)
    assert page_raster.is_raster(dest) and not list(tmp_path.glob("*.tmp"))


def test_readers_take_a_raster_as_they_take_the_same_pixels_in_png(tmp_path):
    rgb = _pixels()
    raster, png = tmp_path / ("p" + page_raster.SUFFIX), tmp_path / "p.png"
    page_raster.write(raster, rgb)
    Image.fromarray(rgb).save(png)
    assert np.array_equal(page_image.load_rgb_array(raster), page_image.load_rgb_array(png))
    assert np.array_equal(pp.load_rgb(raster), pp.load_rgb(png))
    assert page_raster.image_size(png) == page_raster.image_size(raster)
    assert not page_raster.is_raster(png)


@pytest.mark.parametrize("damage", ["truncated", "header", "magic_only", "empty"])
def test_a_damaged_raster_is_unreadable_not_a_crash(tmp_path, damage):
    dest = tmp_path / ("p" + page_raster.SUFFIX)
    page_raster.write(dest, _pixels())
    data = dest.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "header":  # a header claiming far more pixels than any page
        data = page_raster.MAGIC + (10**5).to_bytes(4, "little") * 2 + (3).to_bytes(4, "little") + data[20:]
    elif damage == "magic_only":
        data = page_raster.MAGIC
    else:
        data = b""
    dest.write_bytes(data)
    with pytest.raises(ValueError):
        page_raster.read(dest)
    with pytest.raises(ValueError):
        pp.load_rgb(dest)
    page_image.clear_cache()
    with pytest.raises((ValueError, OSError)):
        page_image.load_rgb_array(dest)
    result = ocr.ocr_page(dest, engine="tesseract", cache_dir=tmp_path / "cache")
    assert result.error == "image_unreadable" and not result.lines


def test_only_rgb_pages_are_written(tmp_path):
    with pytest.raises(ValueError):
        page_raster.write(tmp_path / "g.rgb.lz4", np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        page_raster.write(tmp_path / "f.rgb.lz4", np.zeros((10, 10, 3), np.float32))


def test_a_photo_read_into_the_work_folder_keeps_its_decoded_pixels(tmp_path):
    """A submitted JPEG becomes a raster of exactly the pixels Pillow decodes from it: no
    re-compression (error-level analysis looks at the scan's own JPEG traces)."""
    src = tmp_path / "证件.jpg"
    b.text_image(["公民身份号码", "440608198003125653"], size=36).convert("RGB").save(src, quality=83)
    reading = read_file("证件.jpg", src, tmp_path / "work")
    (page,) = reading.pages
    assert page.image_path.endswith(page_raster.SUFFIX) and page_raster.is_raster(page.image_path)
    with Image.open(src) as im:
        expected = np.asarray(im.convert("RGB"))
    assert np.array_equal(page_raster.read(page.image_path), expected)
    assert (page.width, page.height) == (expected.shape[1], expected.shape[0])
    assert src.read_bytes()[:2] == b"\xff\xd8"  # the original is untouched


def test_a_raster_claiming_more_than_its_header_is_refused_without_decompressing_it(tmp_path):
    """A hostile file with the raster's magic: a small header, and an LZ4 frame that
    expands to far more (a decompression bomb). At most the header's pixels are expanded."""
    import lz4.frame

    dest = tmp_path / ("bomb" + page_raster.SUFFIX)
    header = page_raster.MAGIC + (100).to_bytes(4, "little") + (100).to_bytes(4, "little") + (3).to_bytes(4, "little")
    dest.write_bytes(header + lz4.frame.compress(b"\0" * (64 * 2**20), compression_level=0))
    with pytest.raises(page_raster.NotARaster):
        page_raster.read(dest)


def test_a_flipped_byte_in_the_pixels_is_caught(tmp_path):
    dest = tmp_path / ("p" + page_raster.SUFFIX)
    page_raster.write(dest, _pixels())
    data = bytearray(dest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dest.write_bytes(bytes(data))
    with pytest.raises(page_raster.NotARaster):
        page_raster.read(dest)
