"""PDF structure, ELA, seal detection and near-duplicate images on small generated files."""
import io
import re

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from validators.forensics import ela, image_hash
from validators.forensics.pdf import count_updates, inspect_pdf
from validators.forensics.seals import find_red_seals

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _font(size):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        pytest.skip("CJK font not installed")


def _clean_pdf(path, producer="Canon iR-ADV C5535 Scan"):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Producer"] = producer
    pdf.docinfo["/CreationDate"] = "D:20260301100000"
    pdf.docinfo["/ModDate"] = "D:20260301100000"
    pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.disable)


def _append_update(path, producer="Foxit PhantomPDF"):
    """Append an incremental update that replaces the Info dictionary (what an editor's Save does)."""
    data = path.read_bytes()
    startxref = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    with pikepdf.open(path) as pdf:
        size = int(pdf.trailer["/Size"])
        root = pdf.trailer["/Root"].objgen[0]
    off = len(data)
    obj = f"{size} 0 obj\n<< /Producer ({producer}) /CreationDate (D:20260301100000) /ModDate (D:20260320100000) >>\nendobj\n".encode()
    xref_off = off + len(obj)
    xref = f"xref\n{size} 1\n{off:010d} 00000 n \ntrailer\n<< /Size {size + 1} /Root {root} 0 R /Info {size} 0 R /Prev {startxref} >>\nstartxref\n{xref_off}\n%%EOF\n".encode()
    path.write_bytes(data + obj + xref)


def test_pdf_incremental_update_detected(tmp_path):
    clean = tmp_path / "clean.pdf"
    _clean_pdf(clean)
    assert count_updates(clean) == 0
    assert inspect_pdf(clean) == []
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(clean.read_bytes())
    _append_update(edited)
    before = edited.read_bytes()
    reasons = inspect_pdf(edited)
    assert edited.read_bytes() == before  # read-only
    assert count_updates(edited) == 1
    assert any("增量更新" in r for r in reasons)
    assert any("Foxit" in r for r in reasons)
    assert any("修改日期" in r for r in reasons)


def test_pdf_editor_producer_but_not_scanner(tmp_path):
    p = tmp_path / "ps.pdf"
    _clean_pdf(p, producer="Adobe Photoshop 2024")
    assert any("Photoshop" in r for r in inspect_pdf(p))
    q = tmp_path / "distiller.pdf"
    _clean_pdf(q, producer="Acrobat Distiller 11.0 (Windows)")
    assert inspect_pdf(q) == []


def _noisy_photo(path, text_value, quality=75):
    rng = np.random.default_rng(0)
    base = rng.normal(180, 18, (600, 900, 3)).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(base)
    ImageDraw.Draw(im).text((60, 250), "公民身份号码 " + text_value, fill=(20, 20, 20), font=_font(28))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def test_ela_pasted_patch_vs_clean(tmp_path):
    clean = _noisy_photo(tmp_path, "440608198503120011")
    clean.save(tmp_path / "clean.jpg", quality=92)
    tampered = clean.copy()
    d = ImageDraw.Draw(tampered)
    d.rectangle([250, 240, 700, 290], fill=(182, 182, 182))  # flat patch pasted over the number
    d.text((260, 250), "440608198503120038", fill=(20, 20, 20), font=_font(28))
    tampered.save(tmp_path / "tampered.jpg", quality=92)
    box = [(250 / 900, 240 / 600, 700 / 900, 290 / 600)]
    s_clean = ela.region_scores(str(tmp_path / "clean.jpg"), box)[0]
    s_tamp = ela.region_scores(str(tmp_path / "tampered.jpg"), box)[0]
    assert not ela.suspicious(s_clean), s_clean
    assert ela.suspicious(s_tamp), s_tamp


def _page(seal=True, underline=False):
    im = Image.new("RGB", (620, 877), "white")
    d = ImageDraw.Draw(im)
    f = _font(18)
    for i in range(15):
        d.text((40, 40 + i * 30), f"复印件正文第{i}行 与原件相符", fill="black", font=f)
    if underline:
        d.line([(40, 600), (500, 602)], fill=(220, 30, 30), width=4)
        d.rectangle([40, 650, 400, 656], fill=(200, 20, 20))
    if seal:
        d.ellipse([400, 600, 560, 760], outline=(220, 30, 30), width=6)
        d.polygon([(480, 650), (490, 680), (520, 680), (495, 700), (505, 730), (480, 712), (455, 730), (465, 700), (440, 680), (470, 680)], fill=(220, 30, 30))
    return im


def test_seal_detected_vs_red_underline(tmp_path):
    _page(seal=True).save(tmp_path / "seal.png")
    _page(seal=False, underline=True).save(tmp_path / "line.png")
    seals = find_red_seals(str(tmp_path / "seal.png"))
    assert len(seals) == 1
    x0, y0, x1, y1 = seals[0]
    assert 0.6 < x0 < 0.7 and 0.65 < y0 < 0.72 and x1 > 0.85
    assert find_red_seals(str(tmp_path / "line.png")) == []


def _card(name, num, addr, photo_seed):
    im = Image.new("RGB", (1000, 630), (236, 240, 244))
    d = ImageDraw.Draw(im)
    f, big = _font(34), _font(40)
    d.rectangle([10, 10, 990, 620], outline=(120, 150, 190), width=4)
    for i, (lab, val) in enumerate([("姓名", name), ("性别", "男   民族 汉"), ("出生", "1985年3月12日"), ("住址", addr)]):
        d.text((60, 60 + i * 80), lab, fill=(90, 120, 170), font=f)
        d.text((170, 60 + i * 80), val, fill=(10, 10, 10), font=f)
    d.text((60, 520), "公民身份号码", fill=(90, 120, 170), font=f)
    d.text((300, 515), num, fill=(10, 10, 10), font=big)
    g = 90 + photo_seed * 30
    d.rectangle([700, 80, 940, 400], fill=(g, g, g))
    return im


def test_near_duplicate_copy_vs_same_template(tmp_path):
    a = _card("张伟", "440608198503120011", "佛山市高明区荷城街道文华路8号", 1)
    a.save(tmp_path / "a.png")
    w, h = a.size
    copy = a.crop((int(w * .03), int(h * .03), int(w * .97), int(h * .97))).resize((700, 430))
    copy.save(tmp_path / "copy.jpg", quality=50)
    other = _card("李强", "440684197907210034", "佛山市高明区杨和镇新圩路19号", 1)  # same template and photo box
    other.save(tmp_path / "other.png")
    fa, fc, fo = (image_hash.fingerprint(str(tmp_path / n)) for n in ("a.png", "copy.jpg", "other.png"))
    dup, info = image_hash.near_duplicate(fa, fc)
    assert dup, info
    assert info["min_tile_correlation"] >= 0.85
    dup, info = image_hash.near_duplicate(fa, fo)
    assert not dup, info
    assert info["phash_distance"] <= image_hash.PHASH_CANDIDATE  # a hash alone would have matched


def test_heavy_crop_found_by_crop_resistant_hash(tmp_path):
    a = _card("张伟", "440608198503120011", "佛山市高明区荷城街道文华路8号", 1)
    a.save(tmp_path / "a.png")
    w, h = a.size
    a.crop((int(w * .12), int(h * .1), int(w * .92), int(h * .9))).save(tmp_path / "crop.jpg", quality=60)
    plain = [image_hash.fingerprint(str(tmp_path / n)) for n in ("a.png", "crop.jpg")]
    assert plain[0].phash - plain[1].phash > image_hash.PHASH_CANDIDATE
    assert not image_hash.near_duplicate(*plain)[0]  # phash alone misses it
    crh = [image_hash.fingerprint(str(tmp_path / n), crop_resistant=True) for n in ("a.png", "crop.jpg")]
    dup, info = image_hash.near_duplicate(*crh)
    assert dup, info


def test_pdf_xmp_disagreeing_with_info(tmp_path):
    p = tmp_path / "x.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Producer"] = "Canon iR-ADV C5535 Scan"
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdf:Producer"] = "Canon iR-ADV C5535 Scan"
    pdf.save(p)
    assert inspect_pdf(p) == []
    q = tmp_path / "y.pdf"
    pdf = pikepdf.open(p)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdf:Producer"] = "PDF-XChange Editor 9.5"
    pdf.save(q)
    reasons = inspect_pdf(q)
    assert any("XMP" in r and "不一致" in r for r in reasons), reasons


def test_background_delta_sees_a_pasted_patch_on_a_photo(tmp_path):
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from validators.forensics import ela

    rng = np.random.default_rng(3)
    paper = np.empty((600, 900, 3), np.float32)
    paper[:] = (236, 232, 220)  # yellowish photographed paper
    paper += rng.normal(0, 1.0, paper.shape)
    im = Image.fromarray(paper.clip(0, 255).astype("uint8"))
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 36)
    ImageDraw.Draw(im).text((60, 280), "发证日期：2019年6月28日", font=font, fill=(20, 20, 20))
    im.save(tmp_path / "clean.jpg", quality=80)
    box = (300 / 900, 270 / 600, 620 / 900, 330 / 600)
    clean = ela.background_delta(str(tmp_path / "clean.jpg"), box)
    patched = Image.open(tmp_path / "clean.jpg")
    patch = Image.new("RGB", (300, 50), (244, 243, 240))  # a freshly typed, cleaner strip
    ImageDraw.Draw(patch).text((6, 4), "2021年6月28日", font=font, fill=(15, 15, 15))
    patched.paste(patch, (310, 276))
    patched.save(tmp_path / "patched.jpg", quality=92)
    tampered = ela.background_delta(str(tmp_path / "patched.jpg"), box)
    assert clean < ela.BG_DELTA <= tampered



def test_a_value_patched_under_its_label_is_measured_without_the_label(tmp_path):
    """发证日期: on one line, the date on the line under it: the field's box spans both, and
    the patch, measured with the label's paper, went unseen (an untuned batch's certificate
    photo). The value's own lines are measured."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from extractors.records import Provenance
    from validators.flags.documents import value_box

    rng = np.random.default_rng(5)
    paper = np.empty((600, 900, 3), np.float32)
    paper[:] = (236, 232, 220)
    paper += rng.normal(0, 1.0, paper.shape)
    im = Image.fromarray(paper.clip(0, 255).astype("uint8"))
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 36)
    draw = ImageDraw.Draw(im)
    draw.text((60, 200), "发证日期：", font=font, fill=(20, 20, 20))
    draw.text((90, 250), "2019.06.28", font=font, fill=(20, 20, 20))
    patch = Image.new("RGB", (230, 46), (241, 238, 230))  # a retyped strip, a little whiter
    ImageDraw.Draw(patch).text((4, 2), "2021.06.28", font=font, fill=(15, 15, 15))
    im.paste(patch, (86, 248))
    im.save(tmp_path / "photo.jpg", quality=90)
    prov = Provenance(file="证书照片.jpg", page=1, bbox=(60 / 900, 200 / 600, 320 / 900, 296 / 600), confidence=0.99,
                      text="发证日期：\n2021.06.28", engine="rapidocr", value="2021-06-28")
    below = value_box(prov)
    assert below[1] > prov.bbox[1] and below[3] == prov.bbox[3] and below[0] == prov.bbox[0]
    whole = ela.background_delta(str(tmp_path / "photo.jpg"), prov.bbox)
    value = ela.background_delta(str(tmp_path / "photo.jpg"), below)
    assert whole < ela.BG_DELTA <= value
    # a value read above its label, or a first line holding more than a label: no split known
    for text in ("2021.06.28\n发证日期：", "发证日期：2021.06.28\n（补发）"):
        assert value_box(Provenance(file="x", page=1, bbox=prov.bbox, confidence=1.0, text=text, engine="rapidocr")) == prov.bbox

# ------------------------------------------------ the shared page decoder and its users
# Same pixels, same answers as before the page cache; fewer decodes and copies.
from extractors import page_image  # noqa: E402

from extractors.records import Page  # noqa: E402
from reports.page_images import MAX_WIDTH, REVIEW_MIN_WIDTH, export_page_images, review_size  # noqa: E402


def save_png(img, path) -> None:
    """A PNG test page (the readers accept PNG as well as their own page rasters)."""
    img.save(path, "PNG", compress_level=1)



def _scan_page(path, size=(2480, 3508), seed=0, mode="RGB"):
    rng = np.random.default_rng(seed)
    arr = np.full((size[1], size[0], 3), 246, np.uint8)
    arr += rng.integers(0, 8, arr.shape, dtype=np.uint8)  # paper grain
    img = Image.fromarray(arr, "RGB")
    d = ImageDraw.Draw(img)
    for i in range(12):
        y = 200 + i * 250
        d.rectangle([300, y, 300 + 120 * (i % 7 + 3), y + 60], fill=(20, 20, 20))
    d.ellipse([1700, 2600, 2100, 3000], outline=(220, 0, 0), width=14)
    if mode == "RGB":
        save_png(img, path)
    else:
        img.convert(mode).save(path)
    return path


@pytest.fixture
def fresh_page_cache():
    page_image.clear_cache()
    yield
    page_image.clear_cache()


@pytest.mark.parametrize("name,mode", [("p.png", "RGB"), ("g.png", "L"), ("a.png", "RGBA"), ("j.jpg", "RGB")])
def test_decoded_pixels_are_pillows(tmp_path, name, mode, fresh_page_cache):
    path = tmp_path / name
    if name.endswith(".jpg"):
        _scan_page(tmp_path / "src.png", size=(800, 1100)).rename(path.with_suffix(".png"))
        Image.open(path.with_suffix(".png")).save(path, quality=85)
    else:
        _scan_page(path, size=(800, 1100), mode=mode)
    got = page_image.load_rgb_array(path)
    with Image.open(path) as im:
        want = np.asarray(im.convert("RGB"))
    assert got.dtype == np.uint8 and got.shape == want.shape
    assert np.array_equal(got, want)
    assert not got.flags.writeable  # shared between steps: nobody may draw on it


def test_decoded_once_while_cached_and_again_when_rewritten(tmp_path, monkeypatch, fresh_page_cache):
    path = _scan_page(tmp_path / "p.png", size=(600, 800))
    calls = []
    real = page_image._decode
    monkeypatch.setattr(page_image, "_decode", lambda p: calls.append(p) or real(p))
    a = page_image.load_rgb_array(path)
    assert page_image.is_cached(path)
    b = page_image.load_rgb_array(path)
    assert a is b and len(calls) == 1
    _scan_page(path, size=(600, 800), seed=1)  # rewritten: new size/mtime -> decoded again
    import os

    os.utime(path, ns=(1, 1))
    page_image.load_rgb_array(path)
    assert len(calls) == 2


def test_export_numbers_pages_in_record_order_whatever_is_cached(tmp_path, fresh_page_cache):
    paths = [_scan_page(tmp_path / f"p{i}.png", size=(2000 + 100 * i, 2800), seed=i) for i in range(3)]
    pages = [Page(file="a.pdf", page=i + 1, image_path=str(p)) for i, p in enumerate(paths)]
    pages.insert(1, Page(file="a.pdf", page=9, image_path=None))
    page_image.load_rgb_array(paths[2])  # the last page is still decoded: exported first
    out = tmp_path / "out"
    mapping = export_page_images(pages, out)
    assert mapping == {("a.pdf", 1): "pages/001.jpg", ("a.pdf", 2): "pages/002.jpg", ("a.pdf", 3): "pages/003.jpg"}
    for i, p in enumerate(paths):
        with Image.open(out / mapping[("a.pdf", i + 1)]) as im:
            src = Image.open(p)
            assert im.format == "JPEG" and im.mode == "RGB" and im.size == review_size(*src.size)[1:]
            assert REVIEW_MIN_WIDTH <= im.width <= MAX_WIDTH
            assert abs(im.height / im.width - src.height / src.width) < 0.002
            # the same picture as a high-quality (Lanczos) reduction of the page
            want = np.asarray(src.convert("RGB").resize(im.size, Image.LANCZOS), dtype=np.float32)
            assert np.abs(np.asarray(im, dtype=np.float32) - want).mean() < 3.0


def test_a_reexported_page_comes_from_the_memo_not_a_new_decoding(tmp_path, fresh_page_cache, monkeypatch):
    """A dossier judged again (a batch with one dossier added) exports the same JPEG bytes
    without decoding its pages again."""
    from extractors import page_memo

    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    p = _scan_page(tmp_path / "p.png", size=(2000, 2800), seed=3)
    pages = [Page(file="a.pdf", page=1, image_path=str(p))]
    export_page_images(pages, tmp_path / "first")
    decoded = []
    real = page_image._decode
    monkeypatch.setattr(page_image, "_decode", lambda path: decoded.append(path) or real(path))
    page_image._cache.clear()
    export_page_images(pages, tmp_path / "second")
    assert decoded == []
    assert (tmp_path / "second/pages/001.jpg").read_bytes() == (tmp_path / "first/pages/001.jpg").read_bytes()


@pytest.mark.parametrize("width,height", [(2480, 3508), (3508, 2480), (1654, 2339), (2000, 2800), (4032, 3024), (1240, 1754)])
def test_review_size_keeps_small_print_legible_and_files_small(width, height):
    factor, w, h = review_size(width, height)
    assert REVIEW_MIN_WIDTH <= w <= MAX_WIDTH and factor >= 1
    assert abs(h / w - height / width) < 0.002
    # a whole factor while that keeps the page wide enough; scaled further only from above MAX_WIDTH
    assert width // factor >= REVIEW_MIN_WIDTH and (w == width // factor or width // factor > MAX_WIDTH)


def test_small_pages_are_not_enlarged(tmp_path, fresh_page_cache):
    p = _scan_page(tmp_path / "s.png", size=(900, 1200))
    mapping = export_page_images([Page(file="s.png", page=1, image_path=str(p))], tmp_path / "out")
    with Image.open(tmp_path / "out" / mapping[("s.png", 1)]) as im:
        assert im.size == (900, 1200)


def _background_delta_whole_page(image_path, bbox, margin=1.0):
    """The former implementation: the whole page converted to float first."""
    img = np.asarray(page_image.load_rgb_array(image_path), dtype=np.float32)
    h, w = img.shape[:2]
    x0, y0, x1, y1 = int(bbox[0] * w), int(bbox[1] * h), int(bbox[2] * w), int(bbox[3] * h)
    if x1 - x0 < 8 or y1 - y0 < 4:
        return None
    pad = int((y1 - y0) * margin)
    X0, Y0, X1, Y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    ring = np.ones((Y1 - Y0, X1 - X0), bool)
    ring[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0] = False
    inner, outer = img[y0:y1, x0:x1].reshape(-1, 3), img[Y0:Y1, X0:X1][ring]
    if len(outer) < 50:
        return None

    return float(np.linalg.norm(ela.paper_colour(inner) - ela.paper_colour(outer)))


@pytest.mark.parametrize("bbox", [(0.1, 0.05, 0.5, 0.08), (0.0, 0.0, 0.3, 0.02), (0.8, 0.97, 1.0, 1.0), (0.2, 0.3, 0.201, 0.31)])
def test_background_delta_on_the_box_alone_is_the_whole_page_answer(tmp_path, bbox, fresh_page_cache):
    p = _scan_page(tmp_path / "p.png", size=(1240, 1754))
    assert ela.background_delta.uncached(str(p), bbox) == _background_delta_whole_page(p, bbox)


def _tile_agreement_before(a, b):
    """The former implementation: both sides' statistics computed at full size per pair."""
    import cv2

    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(a.descriptors, b.descriptors)
    src = np.float32([b.keypoints[m.trainIdx] for m in matches])
    dst = np.float32([a.keypoints[m.queryIdx] for m in matches])
    M, inliers = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3)
    h, w = a.gray.shape
    warped = cv2.warpAffine(b.gray, M, (w, h), borderValue=255).astype(np.float32)
    valid = cv2.erode(cv2.warpAffine(np.ones_like(b.gray), M, (w, h), borderValue=0), np.ones((9, 9), np.uint8))
    A = cv2.GaussianBlur(a.gray.astype(np.float32), (0, 0), 1.5)
    B = cv2.GaussianBlur(warped, (0, 0), 1.5)
    k = (40, 40)
    mean = lambda x: cv2.blur(x, k, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    ma, mb = mean(A), mean(B)
    va, vb = mean(A * A) - ma * ma, mean(B * B) - mb * mb
    cov = mean(A * B) - ma * mb
    inside = cv2.erode(valid, np.ones(k, np.uint8))
    grid = np.ix_(np.arange(20, h - 20 + 1, 20), np.arange(20, w - 20 + 1, 20))
    va, vb, cov, inside = va[grid], vb[grid], cov[grid], inside[grid]
    content = (inside > 0) & ((va >= 144) | (vb >= 144))
    denom = np.sqrt(np.clip(va, 0, None) * np.clip(vb, 0, None))
    corr = np.where(denom > 1e-3, cov / np.maximum(denom, 1e-3), 0.0)[content]
    return float(corr.min()) if corr.size >= 20 else None


def test_tile_agreement_with_the_reference_side_cached_is_the_former_answer(tmp_path, fresh_page_cache):
    import cv2

    a = image_hash.fingerprint.uncached(str(_scan_page(tmp_path / "a.png", size=(1240, 1754))))
    other = Image.open(tmp_path / "a.png").convert("RGB")
    other = other.crop((20, 30, other.width - 10, other.height - 25))  # a slightly cropped copy
    save_png(other, tmp_path / "b.png")
    b = image_hash.fingerprint.uncached(str(tmp_path / "b.png"))
    image_hash._REFERENCE_CACHE.clear()
    cv2.setRNGSeed(7)
    first = image_hash.tile_agreement(a, b)
    assert len(image_hash._REFERENCE_CACHE) == 1
    cv2.setRNGSeed(7)
    again = image_hash.tile_agreement(a, b)  # a's side from the cache
    cv2.setRNGSeed(7)
    before = _tile_agreement_before(a, b)
    assert first is not None and first > image_hash.TILE_CORRELATION_MIN
    assert first == again == before


def _contract_page(values: list[str]) -> Image.Image:
    """A filled-in form page: the same printed labels, the given values after them."""
    im = Image.new("RGB", (1240, 1754), (248, 248, 246))
    d = ImageDraw.Draw(im)
    f = _font(30)
    d.text((420, 90), "劳动合同书", fill="black", font=_font(48))
    for i, value in enumerate(values):
        y = 220 + i * 90
        d.text((120, y), f"第{i + 1}条 约定事项", fill="black", font=f)
        d.text((520, y), value, fill=(20, 20, 60), font=f)
        d.line([(510, y + 42), (1120, y + 42)], fill=(90, 90, 90), width=2)
    d.rectangle([120, 1500, 1120, 1640], outline=(60, 60, 60), width=3)
    return im


_COPIES = {
    "crop 3 %, JPEG 60, scaled 95 % x 90 %": lambda im: _jpeg(im.crop((37, 53, 1203, 1701)).resize((1108, 1483)), 60),
    "rotated 1°": lambda im: im.rotate(1, fillcolor=(248, 248, 246)),
    "scaled to 60 %": lambda im: im.resize((744, 1052)),
}


def _jpeg(im, quality):
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


@pytest.mark.parametrize("copy", list(_COPIES))
def test_a_copy_passes_the_coarse_screen_and_is_measured_at_full_width(tmp_path, copy):
    values = [f"甲方张伟 编号{1000 + 37 * i} 自二〇二一年{i + 1}月起" for i in range(12)]
    a = _contract_page(values)
    save_png(a, tmp_path / "a.png")
    save_png(_COPIES[copy](a), tmp_path / "copy.png")
    fa, fc = (image_hash.fingerprint(str(tmp_path / n)) for n in ("a.png", "copy.png"))
    dup, info = image_hash.near_duplicate(fa, fc)
    assert dup, info
    assert "measured_at" not in info  # the figure printed in a flag is the full-width one


def test_the_same_form_filled_in_otherwise_is_turned_away_by_the_coarse_screen(tmp_path):
    a = _contract_page([f"甲方张伟 编号{1000 + 37 * i} 自二〇二一年{i + 1}月起" for i in range(12)])
    b = _contract_page([f"乙方李强 编号{5000 + 91 * i} 自二〇二三年{12 - i}月止" for i in range(12)])
    save_png(a, tmp_path / "a.png")
    save_png(b, tmp_path / "b.png")
    fa, fb = (image_hash.fingerprint(str(tmp_path / n)) for n in ("a.png", "b.png"))
    assert fa.phash - fb.phash <= image_hash.PHASH_CANDIDATE  # the hash takes them for one page
    dup, info = image_hash.near_duplicate(fa, fb)
    assert not dup, info
    assert info["measured_at"] == f"1/{image_hash.COARSE_FACTOR}", info
    assert info["min_tile_correlation"] < image_hash.COARSE_REJECT


def test_only_pairs_that_reach_the_alignment_are_kept_in_the_page_memo(tmp_path, monkeypatch):
    from extractors import page_memo

    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    a = _contract_page([f"甲方张伟 编号{1000 + 37 * i} 自二〇二一年{i + 1}月起" for i in range(12)])
    save_png(a, tmp_path / "a.png")
    save_png(_COPIES["rotated 1°"](a), tmp_path / "copy.png")
    _scan_page(tmp_path / "blocks.png", size=(1240, 1754))  # another layout: far in phash
    fa, fc, fx = (image_hash.fingerprint.uncached(str(tmp_path / n)) for n in ("a.png", "copy.png", "blocks.png"))
    assert fa.phash - fx.phash > image_hash.CROP_CANDIDATE
    assert not image_hash.near_duplicate(fa, fx)[0]
    assert not (tmp_path / "memo").exists()
    first = image_hash.near_duplicate(fa, fc)
    assert first[0]
    assert len(list((tmp_path / "memo").rglob("*"))) > 0
    monkeypatch.setattr(image_hash, "_tile_agreement", lambda *a, **k: pytest.fail("measured again"))
    assert image_hash.near_duplicate(fa, fc) == first  # from the memo


def test_a_pages_features_made_for_one_alignment_come_from_the_page_memo_for_the_next(tmp_path, monkeypatch):
    """A dossier added to a screened batch brings new partners for pages already aligned:
    their ORB features are read from the memo, not made again, and belong to their page."""
    from extractors import page_memo

    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    save_png(_contract_page([f"甲方张伟 编号{1000 + 37 * i} 自二〇二一年{i + 1}月起" for i in range(12)]), tmp_path / "a.png")
    save_png(_contract_page([f"乙方李强 编号{5000 + 91 * i} 自二〇二三年{12 - i}月止" for i in range(12)]), tmp_path / "b.png")
    fa, fb = (image_hash.fingerprint_light(str(tmp_path / n)) for n in ("a.png", "b.png"))
    assert fa.keypoints is None and fb.keypoints is None  # made only for pages that are aligned
    made = image_hash.features(fa)
    image_hash._FEATURE_CACHE.clear()  # as in the next run's new process
    orb = image_hash._orb
    monkeypatch.setattr(image_hash, "_orb", lambda g: pytest.fail("made again"))
    again = image_hash.features(fa)
    assert np.array_equal(made[0], again[0]) and np.array_equal(made[1], again[1])
    monkeypatch.setattr(image_hash, "_orb", orb)
    other = image_hash.features(fb)
    assert not (other[0].shape == made[0].shape and np.array_equal(other[0], made[0]))


def _pdf_with_text(path, text=b"BT /F1 24 Tf 72 700 Td (Certificate 1744060012100001) Tj ET"):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    page.obj["/Contents"] = pdf.make_stream(text)
    pdf.docinfo["/Producer"] = "Canon iR-ADV C5535 Scan"
    pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.disable)


def _append_content_update(path, text: bytes):
    """An incremental update that replaces page 1's content stream, as an editor's
    'edit text' and Save does."""
    data = path.read_bytes()
    startxref = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    with pikepdf.open(path) as pdf:
        size = int(pdf.trailer["/Size"])
        root = pdf.trailer["/Root"].objgen[0]
        num = pdf.pages[0].obj["/Contents"].objgen[0]
    off = len(data)
    obj = f"{num} 0 obj\n<< /Length {len(text)} >>\nstream\n".encode() + text + b"\nendstream\nendobj\n"
    xref_off = off + len(obj)
    xref = (f"xref\n{num} 1\n{off:010d} 00000 n \ntrailer\n<< /Size {size} /Root {root} 0 R /Prev {startxref} >>\n"
            f"startxref\n{xref_off}\n%%EOF\n").encode()
    path.write_bytes(data + obj + xref)


def test_an_update_that_replaces_page_content_is_told_from_one_that_rewrites_metadata(tmp_path):
    from validators.forensics.pdf import pages_changed_by_updates

    meta = tmp_path / "meta.pdf"
    _pdf_with_text(meta)
    assert pages_changed_by_updates(meta) == []  # written once
    _append_update(meta)
    assert count_updates(meta) == 1 and pages_changed_by_updates(meta) == []
    content = tmp_path / "content.pdf"
    _pdf_with_text(content)
    _append_content_update(content, b"BT /F1 24 Tf 72 700 Td (Certificate 1744060012100009) Tj ET")
    before = content.read_bytes()
    assert pages_changed_by_updates(content) == [1]
    assert content.read_bytes() == before  # read-only
    with pikepdf.open(content) as pdf:  # the file as the reader shows it: the new text
        assert b"100009" in pdf.pages[0].obj["/Contents"].read_bytes()


# ------------------------------------------------ error levels and paper colour from one pass
# The statistics are taken from one partition or from histograms instead of several sorts;
# every figure must be numpy's own to the last bit, so no threshold moves.
def _arrays(seed):
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 4, 5, 8, 9, *rng.integers(10, 5000, 40)):
        yield rng.random(n).astype(np.float32) * np.float32(10.0 ** rng.integers(-3, 3))
        yield np.abs(rng.normal(0, 1, n)).astype(np.float32)
        yield rng.integers(0, 4, n).astype(np.float32) / np.float32(3)  # many ties


@pytest.mark.parametrize("q", [25, 10, 75])
def test_median_and_percentile_from_one_partition_are_numpys(q):
    for v in _arrays(q):
        median, pct = ela._median_and_percentile(v, q)
        assert median == np.median(v) and median.dtype == np.median(v).dtype
        assert pct == np.percentile(v, q)


def test_uint8_median_and_integer_blocks_are_numpys():
    import cv2

    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 64, 1001, 40000):
        for u in (rng.integers(0, 256, n, dtype=np.uint8), np.clip(rng.normal(200, 30, n), 0, 255).astype(np.uint8)):
            assert ela._uint8_median(u) == np.median(u.astype(np.float32))
    for h, w in ((8, 8), (17, 33), (64, 9), (5, 40), (120, 250)):
        grad = np.abs(cv2.Laplacian(rng.integers(0, 256, (h, w)).astype(np.float32), cv2.CV_32F))
        fast, numpy_way = ela._integer_block_levels(grad, 8), ela._block_levels(grad, 8)
        assert fast.shape == numpy_way.shape and np.array_equal(fast, numpy_way)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's median of no pixels (NaN), compared as such
def test_counted_paper_colour_is_paper_colour():
    rng = np.random.default_rng(9)
    checked = 0
    for t in range(300):
        h, w = rng.integers(1, 50, 2)
        region = np.clip(rng.normal(rng.integers(0, 256), rng.integers(1, 80), (h, w, 3)), 0, 255).astype(np.uint8)
        if t % 4 == 0:
            region = rng.integers(0, 3, (h, w, 3)).astype(np.uint8) * 100  # few distinct colours
        mask = (rng.random((h, w)) < rng.random()).astype(np.uint8)
        if not mask.any():
            continue
        rgb_sum = region.astype(np.uint16).sum(axis=2).astype(np.uint16)
        got = ela._counted_paper_colour(region, rgb_sum, mask)
        want = ela.paper_colour(region.astype(np.float32)[mask.astype(bool)])
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
        checked += 1
    assert checked > 200


def _region_scores_before(image_path, bboxes):
    """The former implementation: np.percentile / np.median on every array."""
    import cv2

    page = np.array(page_image.load_rgb_array(image_path))
    H, W = page.shape[:2]
    x0 = max(0, int(min(b[0] for b in bboxes) * W - 0.1 * W)) // 8 * 8
    y0 = max(0, int(min(b[1] for b in bboxes) * H - 0.1 * H)) // 8 * 8
    x1 = min(W, int(max(b[2] for b in bboxes) * W + 0.1 * W))
    y1 = min(H, int(max(b[3] for b in bboxes) * H + 0.1 * H))
    im = Image.fromarray(page[y0:y1, x0:x1], "RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=ela.ELA_QUALITY)
    diff = np.abs(np.asarray(im, dtype=np.int16) - np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), dtype=np.int16))
    e = diff.max(axis=2).astype(np.float32)
    gray = np.asarray(im.convert("L"), dtype=np.float32)
    cw, ch = x1 - x0, y1 - y0
    bboxes = [((b[0] * W - x0) / cw, (b[1] * H - y0) / ch, (b[2] * W - x0) / cw, (b[3] * H - y0) / ch) for b in bboxes]
    grad = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    norm = (e + 0.5) / (grad + 1.0)
    gblocks = ela._block_levels(grad, 8)
    content = gblocks > np.percentile(gblocks, 75)
    page_norm = float(np.median(ela._block_levels(norm, 8)[content])) if content.any() else 1.0
    noise = ela._noise(gray)
    strokes = cv2.dilate((gray < np.median(gray) - 40).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    paper = noise[~strokes]
    page_noise = float(np.median(paper)) if paper.size else 0.0
    page_low = float(np.percentile(paper, ela.NOISE_PERCENTILE)) if paper.size else 0.0
    out = []
    for bb in bboxes:
        nreg, greg, noi, stk = (ela._crop(a, bb) for a in (norm, grad, noise, strokes))
        if min(nreg.shape[:2], default=0) < 8:
            out.append({"ela_ratio": 0.0, "noise_ratio": 1.0})
            continue
        nb, gb = ela._block_levels(nreg, 8), ela._block_levels(greg, 8)
        c = gb > np.percentile(gblocks, 75)
        ela_ratio = float(nb[c].mean()) / max(page_norm, 1e-6) if c.any() else 0.0
        out.append({
            "ela_ratio": round(ela_ratio, 2),
            "noise_ratio": round((float(np.percentile(noi[~stk], ela.NOISE_PERCENTILE)) + 0.05) / (page_low + 0.05), 2)
            if (~stk).sum() >= 50 else 1.0,
            "page_noise": round(page_noise, 2),
        })
    return out


@pytest.mark.parametrize("seed,grain", [(1, 1.5), (2, 0.0), (4, 6.0)])
def test_region_scores_are_the_former_ones(tmp_path, seed, grain, fresh_page_cache):
    rng = np.random.default_rng(seed)
    paper = np.full((700, 1000, 3), (236, 232, 220), np.float32) + rng.normal(0, grain, (700, 1000, 3))
    im = Image.fromarray(paper.clip(0, 255).astype("uint8"))
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 34)
    d = ImageDraw.Draw(im)
    for i, line in enumerate(["姓名：张伟", "发证日期：2019年6月28日", "证书编号：20190628001"]):
        d.text((60 + 20 * i, 120 + 160 * i), line, font=font, fill=(20, 20, 20))
    im.paste(Image.new("RGB", (260, 44), (244, 243, 240)), (330, 290))  # a cleaner strip
    path = tmp_path / "photo.jpg"
    im.save(path, quality=int(rng.integers(60, 95)))
    boxes = [(0.25, 0.16, 0.5, 0.23), (0.3, 0.4, 0.62, 0.47), (0.1, 0.62, 0.7, 0.7), (0.9, 0.9, 0.905, 0.905)]
    assert ela._region_scores(str(path), boxes) == _region_scores_before(str(path), boxes)
