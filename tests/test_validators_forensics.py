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
