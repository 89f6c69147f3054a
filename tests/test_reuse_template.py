"""REUSED_IMAGE's pixel route: two printings of one template are not one reused scan (issue #15).

Certificates are drawn with PIL and each holder's copy is "printed" and "scanned" on its own
(its own sheet texture, placement, skew, noise, JPEG quality, and a seal stamped a little
elsewhere); reused scans are made from one such scan the ways the existing tests and the
sample batch reuse them.
"""
import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from validators.flags.batch import pixel_route_flag
from validators.forensics import image_hash

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def _font(size, bold=False):
    try:
        return ImageFont.truetype(BOLD if bold else FONT, size)
    except OSError:
        pytest.skip("CJK font not installed")


def _jpeg(im, quality):
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _seal(im, cx, cy, r, angle):
    layer = Image.new("L", (2 * r + 8, 2 * r + 8), 0)
    d = ImageDraw.Draw(layer)
    c = r + 4
    d.ellipse([c - r, c - r, c + r, c + r], outline=255, width=max(4, r // 14))
    d.polygon([(c, c - r * 0.35), (c + r * 0.1, c - r * 0.1), (c + r * 0.34, c - r * 0.1), (c + r * 0.15, c + r * 0.06),
               (c + r * 0.22, c + r * 0.3), (c, c + r * 0.15), (c - r * 0.22, c + r * 0.3), (c - r * 0.15, c + r * 0.06),
               (c - r * 0.34, c - r * 0.1), (c - r * 0.1, c - r * 0.1)], fill=255)
    d.arc([c - r * 0.75, c - r * 0.75, c + r * 0.75, c + r * 0.75], 200, 340, fill=255, width=max(3, r // 10))
    layer = layer.rotate(angle, resample=Image.BICUBIC)
    im.paste(Image.new("RGB", layer.size, (210, 35, 40)), (cx - c, cy - c), layer.point(lambda v: int(v * 0.8)))


def _ornament(d, box, colour, step, width):
    x0, y0, x1, y1 = box
    for k in range(x0 - (y1 - y0), x1, step):
        d.line([(k, y0), (k + (y1 - y0), y1)], fill=colour, width=width)
        d.line([(k + (y1 - y0), y0), (k, y1)], fill=colour, width=width)


def honour(name, number, stamp=None):
    """An honour certificate: ornamented border, big title, the holder's name in large type
    filled in on the ornamented band, a number, one award date, the issuer's seal."""
    W, H = 1500, 1060
    im = Image.new("RGB", (W, H), (254, 251, 243))
    d = ImageDraw.Draw(im)
    gold = (170, 120, 50)
    d.rectangle([30, 30, W - 30, H - 30], outline=gold, width=8)
    d.rectangle([52, 52, W - 52, H - 52], outline=gold, width=3)
    for x in range(90, W - 80, 40):
        d.ellipse([x - 6, 36, x + 6, 48], outline=gold, width=2)
        d.ellipse([x - 6, H - 48, x + 6, H - 36], outline=gold, width=2)
    d.text((W // 2, 160), "荣 誉 证 书", fill=(200, 30, 35), font=_font(110, True), anchor="mm")
    _ornament(d, (60, 260, W - 60, 400), (125, 45, 35), 30, 8)
    d.text((420, 290), name, fill=(55, 55, 85), font=_font(56))
    d.text((880, 290), "同志：", fill=(30, 30, 30), font=_font(56))
    for i, t in enumerate(["在二〇二四年度技能人才培养工作中成绩突出，", "被评为“优秀技能导师”，特发此证，以资鼓励。"]):
        d.text((170, 470 + i * 80), t, fill=(20, 20, 20), font=_font(46))
    _ornament(d, (120, 860, 560, 930), (150, 110, 60), 24, 6)
    d.text((140, 872), "编号 " + number, fill=(55, 55, 85), font=_font(34))
    d.text((1050, 790), "佛山市高明区技能人才协会", fill=(20, 20, 20), font=_font(40), anchor="mm")
    d.text((1050, 860), "二〇二四年十二月", fill=(20, 20, 20), font=_font(40), anchor="mm")
    _seal(im, *(stamp or (1050, 810, 120, 0)))
    return im


def skill_certificate(name, number, stamp=None):
    """A portrait skill-level certificate with a guilloché field behind the holder's data."""
    W, H = 1100, 1560
    im = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(im)
    blue = (40, 70, 140)
    d.rectangle([40, 40, W - 40, H - 40], outline=blue, width=10)
    for y in range(60, H - 60, 34):
        d.line([(60, y), (W - 60, y + 10)], fill=(215, 222, 238), width=2)
    d.text((W // 2, 190), "职业技能等级证书", fill=blue, font=_font(84, True), anchor="mm")
    _ornament(d, (120, 360, 980, 470), (70, 90, 150), 26, 7)
    d.text((330, 372), name, fill=(20, 20, 30), font=_font(72))
    rows = [("职业名称", "数控车工"), ("职业技能等级", "二级/技师"), ("证书编号", number), ("发证日期", "2023年6月30日")]
    for i, (lab, val) in enumerate(rows):
        d.text((140, 560 + i * 100), f"{lab}：{val}", fill=(20, 20, 20), font=_font(38))
    d.text((W // 2, 1250), "评价机构：佛山市高明区职业技能培训中心", fill=(20, 20, 20), font=_font(34), anchor="mm")
    _seal(im, *(stamp or (800, 1300, 110, 0)))
    return im


def scan(sheet, seed, quality=None, column_pattern=None):
    """The sheet on its own paper through a scanner: shading, fibre, placement, skew, blur,
    noise and JPEG all drawn from `seed`."""
    rng = np.random.default_rng(seed)
    a = np.asarray(sheet, np.float32)
    h, w = a.shape[:2]
    fibre = np.asarray(Image.fromarray(np.uint8(np.clip(128 + 40 * rng.normal(0, 1, (h // 2, w // 2)), 0, 255)))
                       .resize((w, h), Image.BICUBIC), np.float32) - 128
    a = a * rng.uniform(0.93, 0.99, 3) + (fibre * rng.uniform(0.05, 0.1))[..., None]
    im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    im = im.rotate(rng.uniform(-0.7, 0.7), resample=Image.BICUBIC, fillcolor=(244, 244, 240),
                   translate=(int(rng.integers(-10, 11)), int(rng.integers(-10, 11))))
    im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    a = np.asarray(im, np.float32) + rng.normal(0, rng.uniform(1.2, 2.5), (h, w))[..., None]
    if column_pattern is not None:
        a += column_pattern[None, :w, None]
    return _jpeg(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), quality or int(rng.integers(60, 86)))


def _stamp_jitter(kind, rng):
    cx, cy, r = (1050, 810, 120) if kind is honour else (800, 1300, 110)
    return cx + rng.randint(-14, 14), cy + rng.randint(-14, 14), r, rng.uniform(-20, 20)


def _judge(tmp_path, a, b, doc_type="achievement"):
    pa, pb = tmp_path / "a.png", tmp_path / "b.png"
    a.save(pa)
    b.save(pb)
    dup, info = image_hash.near_duplicate(image_hash.fingerprint(str(pa)), image_hash.fingerprint(str(pb)))
    return dup, info, pixel_route_flag(info.get("verdict"), doc_type)


PEOPLE = [("谭锦辉", "RY2024-0137"), ("叶志强", "RY2024-0152"), ("林秀兰", "RY2024-0188"), ("陈伟", "RY2024-0203")]


@pytest.mark.parametrize("kind,doc_type", [(honour, "achievement"), (skill_certificate, "qualification_certificate")])
@pytest.mark.parametrize("seed", [1, 2])
def test_two_holders_printings_of_one_template_are_not_one_scan(tmp_path, kind, doc_type, seed):
    rng = random.Random(seed)
    (na, xa), (nb, xb) = rng.sample(PEOPLE, 2)
    a = scan(kind(na, xa, _stamp_jitter(kind, rng)), seed * 10)
    b = scan(kind(nb, xb, _stamp_jitter(kind, rng)), seed * 10 + 1)
    dup, info, flag = _judge(tmp_path, a, b, doc_type)
    assert not dup, info
    assert flag is None, info


def test_the_name_hidden_in_decoration_is_seen_at_full_resolution(tmp_path):
    """The issue's case: one award's certificates, the same date, a printed seal, only the
    name differs, filled in over an ornament that fills every tile it touches. The tile
    correlation alone takes them for one image; the texture and the full-resolution
    comparison do not."""
    a = scan(honour("谭锦辉", "RY2024-0137"), 21)
    b = scan(honour("叶志强", "RY2024-0137"), 22)
    dup, info, flag = _judge(tmp_path, a, b)
    assert info["min_tile_correlation"] >= image_hash.TILE_CORRELATION_MIN, info  # the old test's match
    assert not dup and flag is None, info
    # the same two sheets never printed (exported images, no scan texture): content alone
    dup, info, flag = _judge(tmp_path, honour("谭锦辉", "RY2024-0137"), honour("叶志强", "RY2024-0137"))
    assert info["min_tile_correlation"] >= image_hash.TILE_CORRELATION_MIN, info
    assert info.get("largest_difference_px", 0) >= image_hash.INK_DIFFERENCE_AREA, info
    assert not dup and flag is None, info


def test_one_scanner_column_pattern_is_not_one_scan(tmp_path):
    """Every page scanned on one machine carries its sensor's column streaks."""
    columns = np.random.default_rng(5).normal(0, 2.5, 2000).astype(np.float32)
    a = scan(skill_certificate("谭锦辉", "S000144000123231000456"), 31, column_pattern=columns)
    b = scan(skill_certificate("叶志强", "S000144000123231000789"), 32, column_pattern=columns)
    dup, info, flag = _judge(tmp_path, a, b, "qualification_certificate")
    assert not dup and flag is None, info


def _retouch(im, boxes, texts):
    """Paint the holder's data over in the paper's colour and type another's, then re-crop
    and re-compress (the sample batch's D06/D07 reuse)."""
    out = im.copy()
    d = ImageDraw.Draw(out)
    for (x0, y0, x1, y1), text in zip(boxes, texts):
        patch = np.asarray(im.crop((x0, y0, x1, y1))).reshape(-1, 3)
        light = patch[patch.mean(axis=1) >= np.percentile(patch.mean(axis=1), 80)]
        d.rectangle([x0, y0, x1, y1], fill=tuple(int(v) for v in np.median(light, axis=0)))
        d.text((x0 + 6, y0 + 4), text, fill=(25, 25, 30), font=_font(max(14, int((y1 - y0) * 0.6))))
    W, H = out.size
    return _jpeg(out.crop((int(W * .02), int(H * .015), int(W * .985), int(H * .99))).resize((W, H), Image.BICUBIC), 55)


REUSES = {
    "JPEG 40": lambda im: _jpeg(im, 40),
    "crop 3-4 %, JPEG 50, uneven scale": lambda im: _jpeg(
        im.crop((int(im.width * .03), int(im.height * .04), int(im.width * .965), int(im.height * .97)))
        .resize((int(im.width * .9), int(im.height * .84))), 50),
    "scaled to 60 %": lambda im: im.resize((int(im.width * .6), int(im.height * .6)), Image.LANCZOS),
    "turned 1.5°": lambda im: im.rotate(1.5, resample=Image.BICUBIC, expand=True, fillcolor=(245, 245, 242)),
    "retouched name and number": lambda im: _retouch(im, [(150, 870, 560, 925), (860, 700, 1240, 760)],
                                                     ["RY2024-0999", "李强"]),
}


@pytest.mark.parametrize("reuse", list(REUSES))
def test_a_reused_scan_is_one_scan(tmp_path, reuse):
    a = scan(honour("谭锦辉", "RY2024-0137", (1044, 815, 120, 7)), 41)
    dup, info, flag = _judge(tmp_path, a, REUSES[reuse](a))
    assert dup and info["verdict"] == "same_scan", info
    assert info["noise_response"] >= image_hash.NOISE_SAME, info  # the texture says so, not the content
    assert flag == ("high", ["same_scan"])


def test_a_retouched_id_card_scan_keeps_its_texture(tmp_path):
    """A card copy whose name and number were replaced: the changed text is where the two
    differ, and the flag says where to look."""
    im = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(im)
    d.rounded_rectangle([300, 200, 940, 605], 26, fill=(236, 238, 240), outline=(150, 150, 150), width=2)
    for i, (lab, val) in enumerate([("姓名", "张伟"), ("性别", "男  民族 汉"), ("出生", "1985年3月12日"), ("住址", "佛山市高明区荷城街道文华路8号")]):
        d.text((340, 240 + i * 70), lab, fill=(90, 110, 150), font=_font(26))
        d.text((420, 236 + i * 70), val, fill="black", font=_font(28))
    d.text((340, 540), "公民身份号码  440608198503120011", fill="black", font=_font(28))
    d.text((420, 800), "与原件相符", fill=(30, 30, 30), font=_font(44))
    _seal(im, 520, 820, 110, 12)
    a = scan(im, 51)
    b = _retouch(a, [(410, 228, 560, 276), (520, 532, 900, 580)], ["李强", "440684197907210034"])
    dup, info, flag = _judge(tmp_path, a, b, "id_card")
    assert dup and flag == ("high", ["same_scan"]), info
    assert info["differs_at"], info  # the retouched lines are named for the reviewer


def test_a_copied_page_without_texture_is_one_image_only_if_nothing_differs(tmp_path):
    """Drawn pages (no scanner texture): a re-saved copy is one image; the same page with
    one number changed is not proven one image."""
    a = honour("谭锦辉", "RY2024-0137")
    dup, info, flag = _judge(tmp_path, a, _jpeg(a.crop((30, 25, 1470, 1040)).resize((1300, 900)), 60))
    assert dup and flag == ("high", ["same_scan"]), info
    assert "noise_response" not in info
    dup, info, flag = _judge(tmp_path, a, honour("谭锦辉", "RY2024-0173"))
    assert not dup and flag is None, info


@pytest.mark.skipif(not (REALDATA / "ocr" / "rapidocr" / "test_files" / "check_return_word_len.jpeg").exists(),
                    reason="shared realdata not present")
@pytest.mark.parametrize("reuse", ["JPEG 40", "crop 3-4 %, JPEG 50, uneven scale"])
def test_a_real_scan_reused_is_one_scan(tmp_path, reuse):
    """A real scanned form page (third-party test image, 476 px wide): its own texture, not
    ours. (Scaled to 60 % it is under 300 px wide and keeps no texture to compare.)"""
    real = Image.open(REALDATA / "ocr" / "rapidocr" / "test_files" / "check_return_word_len.jpeg").convert("RGB")
    dup, info, flag = _judge(tmp_path, real, REUSES[reuse](real), "other")
    assert dup and flag == ("high", ["same_scan"]), info


def test_the_fingerprint_names_the_file_it_was_read_from_even_from_the_memo(tmp_path, monkeypatch):
    """The full-resolution look reads the page file: a fingerprint found in the page memo
    for the same bytes under another path must name the file asked for."""
    from extractors import page_memo

    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    honour("谭锦辉", "RY2024-0137").save(tmp_path / "first.png")
    (tmp_path / "second.png").write_bytes((tmp_path / "first.png").read_bytes())
    first = image_hash.fingerprint(str(tmp_path / "first.png"))
    (tmp_path / "first.png").unlink()
    second = image_hash.fingerprint(str(tmp_path / "second.png"))
    assert second.digest == first.digest and second.path == str(tmp_path / "second.png")


# ------------------------------------------------------------------ the flags and their proof
def _two_dossiers(tmp_path):
    from tests.test_validators_judge import good_record, make_uscc

    a = good_record(tmp_path / "a", "D1", images=True)
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100, images=True)
    for rec in (a, b):  # one document type with images keeps the index small
        for p in rec.pages:
            if not p.file.startswith("cert_"):
                p.image_path = None
    return a, b


def _reused(j):
    return [f for f in j.flags if f.code == "REUSED_IMAGE"]


def test_flags_say_what_they_rest_on(tmp_path):
    from tests.test_validators_judge import run

    a, b = _two_dossiers(tmp_path)
    sheet = a.page("cert_0.jpg", 1)
    scan(skill_certificate("谭锦辉", "S000144000123231000456"), 61).save(tmp_path / "a_cert.png")
    sheet.image_path = str(tmp_path / "a_cert.png")
    # another holder's certificate of the same evaluation body, printed and scanned on its own
    scan(skill_certificate("叶志强", "S000144000123231000789", (806, 1292, 110, 9)), 62).save(tmp_path / "b_cert.png")
    b.page("cert_0.jpg", 1).image_path = str(tmp_path / "b_cert.png")
    assert _reused(run(a, [b])) == []
    # the first holder's scan, re-saved under the second's name
    _jpeg(Image.open(tmp_path / "a_cert.png"), 45).save(tmp_path / "b_copy.jpg")
    b.page("cert_0.jpg", 1).image_path = str(tmp_path / "b_copy.jpg")
    flags = _reused(run(a, [b]))
    assert len(flags) == 1 and flags[0].severity == "high" and flags[0].proof == ["same_scan"], flags
    assert "D2" in flags[0].detail and "同一次扫描" in flags[0].detail


def test_the_text_route_is_two_documents_only_when_both_cards_were_read_exactly(tmp_path):
    from extractors.records import TextLine
    from tests.test_validators_judge import good_record, make_uscc, run

    a = good_record(tmp_path / "a", "A1")
    b = good_record(tmp_path / "b", "B1", unit="佛山市高明区恒远有限公司", code=make_uscc(org_body="MA4UQ7R5"),
                    account="44050166077777777777", id_offset=200)

    def card(rec, i, engine):
        page = rec.page(f"id_{i}.jpg", 1)
        page.lines = page.lines[:2] + [TextLine(t, (0.1, 0.5, 0.9, 0.55), 0.9, engine) for t in
                                       ["住址 湖南省衡阳市珠晖区东风路118号", "签发机关 衡阳市公安局", "有效期限 2016.08.30-2036.08.30"]]

    card(a, 1, "text_layer")
    card(b, 0, "rapidocr")
    flags = _reused(run(b, [a]))
    assert len(flags) == 1 and flags[0].proof == ["single_ocr"], flags
    card(b, 0, "text_layer")
    flags = _reused(run(b, [a]))
    assert len(flags) == 1 and flags[0].proof == ["two_documents"], flags
