"""Same-template printings against reused scans: how REUSED_IMAGE's pixel route tells them apart.

    python -m bench.reuse_pairs [--pairs N] [--seed S] [--out DIR]

For each of several templates (honour certificate, skill-level certificate, business licence,
ID card copy page, contract signature page), N pairs of two holders' documents are each
printed and scanned on their own: the holder's data, the hand-stamped seal's position and
angle, the sheet's paper texture, the scanner's placement, skew, blur, noise and JPEG quality
all differ. Those pairs are ordinary same-template printings and must not be flagged. Then N
scans are reused in several ways (re-saved, cropped, scaled, turned, or retouched with another
holder's name and number) and must be flagged as one scan. Printed: per kind how many pairs
flag, with which severity and proof, the time per pair, and a last line

    reuse_pairs: template_false_flags=F/N reuse_recall=R/M

Labels and number layouts follow /work/shared/policy/DOCUMENTS.md; names, numbers and places
are invented.
"""
from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
RED = (205, 30, 35)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁谢宋唐冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂志俊锦辉鹏华建国红梅海燕文斌"


def font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SERIF if serif else FONT, size)


def holder(rng: random.Random) -> dict:
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    birth = f"{rng.randint(1965, 1998)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    idn = rng.choice(("440608", "440684", "430405")) + birth + f"{rng.randint(0, 999):03d}" + rng.choice("0123456789X")
    return {
        "name": name, "id": idn, "birth": f"{birth[:4]}年{int(birth[4:6])}月{int(birth[6:])}日",
        # 职业技能等级证书: S + agency code + 44 + site serial + year + level + serial (DOCUMENTS.md)
        "cert": f"S{rng.randint(1, 9999):04d}44{rng.randint(0, 999999):06d}{rng.randint(21, 25)}{rng.choice('12')}{rng.randint(0, 999999):06d}",
        "date": f"{rng.randint(2020, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        "honour_no": f"第{rng.randint(2019, 2025)}{rng.randint(1, 999):03d}号",
        "uscc": "91440608" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10)),
        "unit": f"佛山市高明区{rng.choice(('恒远', '新达', '华盛', '荷城', '明城', '杨和'))}{rng.choice(('机械', '五金', '模具', '电子'))}有限公司",
        "address": f"佛山市高明区{rng.choice(('荷城街道', '杨和镇', '明城镇', '更合镇'))}{rng.choice(('文华路', '沧江路', '新圩路', '兴业路'))}{rng.randint(1, 199)}号",
        "valid": (lambda y, m, d: f"{y}.{m:02d}.{d:02d}-{y + 20}.{m:02d}.{d:02d}")(rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 28)),
        "photo": rng.randrange(1 << 30),
    }


# ------------------------------------------------------------------ the printed sheet
# Each template draws the sheet without its hand-stamped seal and returns where the seal
# goes and the boxes of the holder's data (a forger retouches those).
def _portrait(seed: int, size: tuple[int, int]) -> Image.Image:
    r = np.random.default_rng(seed)
    w, h = size
    base = r.normal(0, 1, (h // 8 + 1, w // 8 + 1))
    img = Image.fromarray(np.uint8(np.clip(150 + 40 * base, 60, 220))).resize((w, h), Image.BICUBIC).convert("RGB")
    d = ImageDraw.Draw(img)
    g = int(r.integers(60, 120))
    d.ellipse([w * 0.25 + r.integers(-8, 8), h * 0.15, w * 0.75 + r.integers(-8, 8), h * 0.62], fill=(g + 40, g + 30, g + 20))
    d.rectangle([w * 0.1, h * 0.7, w * 0.9, h], fill=(g, g, g + 10))
    return img


def guilloche(d: ImageDraw.ImageDraw, box, colour) -> None:
    """A faint printed security pattern of fine waves: shared by every sheet of a template."""
    x0, y0, x1, y1 = box
    xs = np.arange(x0, x1, 2)
    for k, base in enumerate(range(y0, y1, 9)):
        ys = base + 6 * np.sin(xs / 23.0 + k * 0.7) + 3 * np.sin(xs / 7.0)
        d.line(list(zip(xs.tolist(), ys.tolist())), fill=colour, width=1)


def _border(d: ImageDraw.ImageDraw, w: int, h: int, colour, m: int) -> None:
    d.rectangle([m, m, w - m, h - m], outline=colour, width=6)
    d.rectangle([m + 16, m + 16, w - m - 16, h - m - 16], outline=colour, width=2)
    step = 46
    for x in range(m + 40, w - m - 40, step):  # a band of small ornaments
        for y in (m + 8, h - m - 8):
            d.ellipse([x - 5, y - 5, x + 5, y + 5], outline=colour, width=2)
    for y in range(m + 40, h - m - 40, step):
        for x in (m + 8, w - m - 8):
            d.ellipse([x - 5, y - 5, x + 5, y + 5], outline=colour, width=2)
    for cx, cy in ((m + 40, m + 40), (w - m - 40, m + 40), (m + 40, h - m - 40), (w - m - 40, h - m - 40)):
        for r in (28, 18, 8):
            d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=3)


def honour(h: dict, rng: random.Random) -> tuple[Image.Image, tuple, list]:
    W, H = 1754, 1240
    im = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(im)
    gold = (180, 140, 60)
    _border(d, W, H, gold, 40)
    d.text((W // 2, 230), "荣誉证书", fill=RED, font=font(150, True), anchor="mm")
    d.text((260, 430), h["name"], fill="black", font=font(96, True), anchor="ls")
    name_box = (250, 330, 260 + 96 * len(h["name"]) + 20, 450)
    d.text((270 + 96 * len(h["name"]), 430), "同志：", fill="black", font=font(60))
    body = ["在二〇二四年度技能人才培养工作中成绩突出，", "被评为“优秀技能导师”。", "特发此证，以资鼓励。"]
    for i, t in enumerate(body):
        d.text((330, 540 + i * 100), t, fill="black", font=font(58))
    d.text((1150, 930), "佛山市高明区技能人才协会", fill="black", font=font(46), anchor="mm")
    d.text((1150, 1010), h["date"], fill="black", font=font(46), anchor="mm")
    d.text((220, 1080), "编号：" + h["honour_no"], fill=(60, 60, 60), font=font(34))
    no_box = (300, 1070, 700, 1125)
    date_box = (950, 980, 1350, 1045)
    return im, (1150, 960, 150), [name_box, no_box, date_box]


def honour_ornate(h: dict, rng: random.Random) -> tuple[Image.Image, tuple, list]:
    """An honour certificate whose holder's name is filled in, in a light hand, on a band of
    dense ornament: the name is a small part of every tile it touches."""
    W, H = 1754, 1240
    im = Image.new("RGB", (W, H), (253, 250, 244))
    d = ImageDraw.Draw(im)
    gold = (150, 110, 40)
    _border(d, W, H, gold, 40)
    for k in range(-H, W, 34):  # a lattice band across the page
        d.line([(k, 300), (k + 160, 460)], fill=(120, 40, 30), width=9)
        d.line([(k + 160, 300), (k, 460)], fill=(120, 40, 30), width=9)
    d.rectangle([0, 290, W, 300], fill=gold)
    d.rectangle([0, 460, W, 470], fill=gold)
    d.text((W // 2, 180), "荣  誉  证  书", fill=RED, font=font(120, True), anchor="mm")
    d.text((600, 352), h["name"], fill=(60, 60, 90), font=font(48))  # filled in over the ornament
    d.text((1000, 352), "同志", fill=(40, 40, 40), font=font(48))
    for i, t in enumerate(["在二〇二四年度技能人才培养工作中成绩突出，", "被评为“优秀技能导师”。特发此证，以资鼓励。"]):
        d.text((300, 560 + i * 90), t, fill="black", font=font(54))
    d.text((1200, 930), "佛山市高明区技能人才协会", fill="black", font=font(44), anchor="mm")
    # one award, many holders: the same date, and the issuer's seal printed with the sheet
    d.text((1200, 1000), "二〇二四年十二月", fill=(40, 40, 40), font=font(40), anchor="mm")
    stamp(im, (1200, 950, 140), 0.0, "佛山市高明区技能人才协会")
    return im, None, [(590, 350, 990, 420)]


def skill_certificate(h: dict, rng: random.Random) -> tuple[Image.Image, tuple, list]:
    W, H = 1240, 1754
    im = Image.new("RGB", (W, H), (252, 251, 247))
    d = ImageDraw.Draw(im)
    blue = (40, 80, 150)
    _border(d, W, H, blue, 50)
    guilloche(d, (120, 400, 1120, 1500), (238, 242, 248))
    d.text((W // 2, 240), "职业技能等级证书", fill=blue, font=font(92, True), anchor="mm")
    im.paste(_portrait(h["photo"], (260, 340)), (820, 420))
    rows = [("姓　　名", h["name"]), ("证件号码", h["id"]), ("职业名称", "数控车工"), ("职业技能等级", "二级/技师"),
            ("证书编号", h["cert"]), ("发证日期", h["date"])]
    boxes = []
    for i, (lab, val) in enumerate(rows):
        y = 460 + i * 120
        d.text((160, y), lab + "：", fill=(40, 40, 40), font=font(40))
        size = 56 if i == 0 else 38
        d.text((440, y - (8 if i == 0 else 0)), val, fill="black", font=font(size))
        if i in (0, 1, 4, 5):
            boxes.append((430, y - 14, 440 + size * (len(val) if i == 0 else len(val) // 2 + 2) + 20, y + size + 12))
    d.text((760, 1330), "评价机构：佛山市高明区职业技能培训中心", fill="black", font=font(34), anchor="mm")
    qr = np.random.default_rng(h["photo"]).integers(0, 2, (25, 25)).astype(np.uint8) * 255
    im.paste(Image.fromarray(255 - qr).resize((200, 200), Image.NEAREST).convert("RGB"), (170, 1400))
    # electronic certificate printed from the query service: its seal is printed, not stamped
    printed = rng.random() < 0.5
    if printed:
        stamp(im, (900, 1420, 130), 0.0, "佛山市高明区职业技能培训中心")
    return im, None if printed else (900, 1420, 130), boxes


def licence(h: dict, rng: random.Random) -> tuple[Image.Image, tuple, list]:
    W, H = 1754, 1240
    im = Image.new("RGB", (W, H), (250, 248, 240))
    d = ImageDraw.Draw(im)
    _border(d, W, H, (170, 60, 50), 36)
    d.ellipse([W // 2 - 60, 90, W // 2 + 60, 210], outline=RED, width=8)  # the emblem
    d.text((W // 2, 290), "营 业 执 照", fill=(40, 40, 40), font=font(110, True), anchor="mm")
    d.text((W // 2, 370), "（副　本）", fill=(40, 40, 40), font=font(44), anchor="mm")
    d.text((140, 430), "统一社会信用代码  " + h["uscc"], fill="black", font=font(36))
    left = [("名　　称", h["unit"]), ("类　　型", "有限责任公司（自然人投资或控股）"), ("法定代表人", h["name"])]
    right = [("注册资本", "人民币伍佰万元"), ("成立日期", h["date"]), ("营业期限", "长期"), ("住　　所", h["address"][:12])]
    boxes = [(420, 420, 900, 480)]
    for i, (lab, val) in enumerate(left):
        d.text((140, 540 + i * 80), lab, fill=(40, 40, 40), font=font(34))
        d.text((340, 540 + i * 80), val, fill="black", font=font(34))
        boxes.append((330, 530 + i * 80, 340 + 34 * len(val) + 10, 585 + i * 80)) if i != 1 else None
    for i, (lab, val) in enumerate(right):
        d.text((1000, 540 + i * 80), lab, fill=(40, 40, 40), font=font(34))
        d.text((1180, 540 + i * 80), val, fill="black", font=font(34))
    d.text((140, 800), "经营范围", fill=(40, 40, 40), font=font(34))
    for i, t in enumerate(["一般项目：通用设备制造；五金产品制造；金属制品销售；", "机械设备研发；技术服务、技术开发、技术咨询。",
                           "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"]):
        d.text((340, 800 + i * 60), t, fill="black", font=font(32))
    qr = np.random.default_rng(h["photo"]).integers(0, 2, (29, 29)).astype(np.uint8) * 255
    im.paste(Image.fromarray(255 - qr).resize((180, 180), Image.NEAREST).convert("RGB"), (140, 1000))
    d.text((1300, 1060), "登记机关", fill="black", font=font(40), anchor="mm")
    d.text((1300, 1130), h["date"], fill="black", font=font(34), anchor="mm")
    return im, (1320, 1080, 120), boxes


def id_card_copy(h: dict, rng: random.Random) -> tuple[Image.Image, tuple, list]:
    W, H = 1240, 1754
    im = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(im)
    x, y = 300 + rng.randint(-20, 20), 180 + rng.randint(-20, 20)  # where the card lay on the copier
    d.rounded_rectangle([x, y, x + 640, y + 405], 26, fill=(236, 238, 240), outline=(150, 150, 150), width=2)
    guilloche(d, (x + 20, y + 20, x + 620, y + 385), (226, 229, 233))  # the card's printed background
    lab = (90, 110, 150)
    f = font(26)
    d.text((x + 40, y + 40), "姓名", fill=lab, font=f)
    d.text((x + 120, y + 36), h["name"], fill="black", font=font(32))
    d.text((x + 40, y + 95), "性别  男    民族  汉", fill=lab, font=f)
    d.text((x + 40, y + 150), "出生  " + h["birth"], fill=lab, font=f)
    d.text((x + 40, y + 205), "住址", fill=lab, font=f)
    d.text((x + 120, y + 205), h["address"][:11], fill="black", font=f)
    d.text((x + 120, y + 245), h["address"][11:], fill="black", font=f)
    d.text((x + 40, y + 335), "公民身份号码", fill=lab, font=f)
    d.text((x + 230, y + 330), h["id"], fill="black", font=font(32))
    im.paste(_portrait(h["photo"], (170, 210)), (x + 440, y + 60))
    boxes = [(x + 110, y + 30, x + 300, y + 80), (x + 220, y + 320, x + 630, y + 375), (x + 110, y + 140, x + 400, y + 185)]
    y2 = y + 520
    d.rounded_rectangle([x, y2, x + 640, y2 + 405], 26, fill=(236, 238, 240), outline=(150, 150, 150), width=2)
    d.ellipse([x + 40, y2 + 40, x + 160, y2 + 160], outline=RED, width=6)
    d.text((x + 380, y2 + 80), "中华人民共和国", fill="black", font=font(34), anchor="mm")
    d.text((x + 380, y2 + 160), "居民身份证", fill="black", font=font(54, True), anchor="mm")
    d.text((x + 60, y2 + 270), "签发机关  佛山市公安局高明分局", fill="black", font=f)
    d.text((x + 60, y2 + 330), "有效期限  " + h["valid"], fill="black", font=f)
    d.text((x + 120, y2 + 520), "与原件相符", fill=(30, 30, 30), font=font(44))
    return im, (x + 230, y2 + 540, 120), boxes


def contract_signature_page(h: dict, rng: random.Random) -> tuple[Image.Image, tuple, list]:
    """A contract's last page: the same clauses for every employee; only the signature and
    the date are the holder's (handwritten, so they differ a little on every sheet)."""
    W, H = 1240, 1754
    im = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(im)
    f = font(32)
    clauses = ["第十二条 本合同未尽事宜，按国家和地方有关规定执行。", "第十三条 本合同一式两份，甲乙双方各执一份，",
               "具有同等法律效力。", "第十四条 本合同自双方签字盖章之日起生效。"]
    for i, t in enumerate(clauses):
        d.text((140, 200 + i * 70), t, fill="black", font=f)
    d.text((140, 700), "甲方（盖章）：", fill="black", font=f)
    d.text((700, 700), "乙方（签字）：", fill="black", font=f)
    d.text((140, 850), "日期：    年  月  日", fill="black", font=f)
    d.text((700, 850), "日期：    年  月  日", fill="black", font=f)
    hand = ImageFont.truetype(FONT, 46)  # a signature in a slightly different hand each time
    d.text((920 + rng.randint(-10, 10), 690 + rng.randint(-6, 6)), h["name"], fill=(20, 30, 90), font=hand)
    return im, (330, 760, 130), [(900, 670, 1150, 760)]


TEMPLATES = {"honour": honour, "honour_ornate": honour_ornate, "skill_certificate": skill_certificate, "licence": licence,
             "id_card_copy": id_card_copy, "contract_signature": contract_signature_page}


def stamp(im: Image.Image, at: tuple[int, int, int], angle: float, text: str = "佛山市高明区恒远机械有限公司") -> None:
    """A round red seal (unit name around a five-pointed star), turned by `angle` degrees."""
    cx, cy, r = at
    size = 2 * r + 20
    seal = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(seal)
    c = size / 2
    d.ellipse([c - r, c - r, c + r, c + r], outline=255, width=max(4, r // 16))
    pts = []
    for k in range(10):
        rr = r * (0.32 if k % 2 == 0 else 0.13)
        a = np.pi / 2 + k * np.pi / 5
        pts.append((c + rr * np.cos(a), c - rr * np.sin(a)))
    d.polygon(pts, fill=255)
    f = font(max(12, r // 5))
    n = len(text)
    for k, ch in enumerate(text):
        a = np.radians(210 - k * 240 / max(n - 1, 1))
        d.text((c + 0.72 * r * np.cos(a), c - 0.72 * r * np.sin(a)), ch, fill=255, font=f, anchor="mm")
    seal = seal.rotate(angle, resample=Image.BICUBIC)
    ink = Image.new("RGB", seal.size, RED)
    # ink multiplies the paper: text under the seal stays visible
    region = im.crop((cx - size // 2, cy - size // 2, cx - size // 2 + size, cy - size // 2 + size))
    from PIL import ImageChops

    inked = ImageChops.multiply(region, ink)
    region.paste(inked, (0, 0), seal.point(lambda v: int(v * 0.85)))
    im.paste(region, (cx - size // 2, cy - size // 2))


def printed(template: str, h: dict, rng: random.Random) -> tuple[Image.Image, list]:
    """One printed and (where the template has one) hand-stamped sheet, and its data boxes."""
    im, seal, boxes = TEMPLATES[template](h, rng)
    if seal:
        cx, cy, r = seal
        stamp(im, (cx + rng.randint(-25, 25), cy + rng.randint(-25, 25), r), rng.uniform(-25, 25))
    return im, boxes


def scanned(sheet: Image.Image, rng: random.Random) -> Image.Image:
    """The sheet on its own paper, through a scanner or copier: placement, skew, blur,
    paper texture, sensor noise, JPEG."""
    r = np.random.default_rng(rng.randrange(1 << 32))
    a = np.asarray(sheet, np.float32)
    h, w = a.shape[:2]
    # paper: a tint, slow shading and fibre texture, different on every sheet
    tint = np.array([rng.uniform(238, 252), rng.uniform(236, 250), rng.uniform(228, 246)], np.float32) / 255
    fibre = np.asarray(Image.fromarray(np.uint8(np.clip(128 + 40 * r.normal(0, 1, (h // 2, w // 2)), 0, 255)))
                       .resize((w, h), Image.BICUBIC).filter(ImageFilter.GaussianBlur(0.8)), np.float32) - 128
    shade = np.asarray(Image.fromarray(np.uint8(np.clip(128 + 60 * r.normal(0, 1, (6, 6)), 0, 255))).resize((w, h), Image.BICUBIC),
                       np.float32) - 128
    a = a * tint + (fibre * rng.uniform(0.04, 0.1) + shade * 0.05)[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    img = img.rotate(rng.uniform(-0.8, 0.8), resample=Image.BICUBIC, fillcolor=(245, 245, 242),
                     translate=(rng.randint(-12, 12), rng.randint(-12, 12)))
    scale = rng.uniform(0.7, 1.0)  # scanned at its own resolution
    img = img.resize((int(w * scale), int(h * scale)), Image.LANCZOS)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    a = np.asarray(img, np.float32) + r.normal(0, rng.uniform(1.0, 3.0), (img.height, img.width))[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if rng.random() < 0.5:  # a monochrome copier keeps only the seal's red
        g = np.asarray(img.convert("L"))
        arr = np.asarray(img).astype(np.int16)
        red = (arr[..., 0] - np.maximum(arr[..., 1], arr[..., 2])) > 60
        out = np.repeat(g[..., None], 3, axis=2)
        out[red] = arr[red]
        img = Image.fromarray(out.astype(np.uint8))
    return jpeg(img, rng.randint(55, 85))


def exported(sheet: Image.Image, rng: random.Random) -> Image.Image:
    """An electronic certificate or licence exported to a page image: no paper, no scanner."""
    return sheet if rng.random() < 0.5 else jpeg(sheet, rng.randint(75, 92))


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


# ------------------------------------------------------------------ reuse of one scan
def _paper_colour(img: Image.Image, box) -> tuple[int, int, int]:
    a = np.asarray(img.crop(box).convert("RGB")).reshape(-1, 3)
    lum = a.mean(axis=1)
    return tuple(int(v) for v in np.median(a[lum >= np.percentile(lum, 70)], axis=0))


def retouched(scan: Image.Image, sheet_size: tuple[int, int], boxes: list, other: dict, template: str,
              rng: random.Random) -> Image.Image:
    """The scan with the holder's data painted over in the paper's colour and another
    holder's typed in, then re-cropped and re-compressed (the sample batch's D06/D07 kind)."""
    out = scan.copy()
    sx, sy = scan.width / sheet_size[0], scan.height / sheet_size[1]
    d = ImageDraw.Draw(out)
    values = [other["name"], other["honour_no"] if template == "honour" else other["id"], other["date"]]
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        box = (int(x0 * sx), int(y0 * sy), int(x1 * sx), int(y1 * sy))
        d.rectangle(box, fill=_paper_colour(scan, box))
        size = max(12, int((y1 - y0) * sy * 0.6))
        d.text((box[0] + 4, box[1] + 2), values[i % len(values)], fill=(25, 25, 25), font=font(size))
    W, H = out.size
    out = out.crop((int(W * 0.02), int(H * 0.015), int(W * 0.985), int(H * 0.99))).resize((W, H), Image.BICUBIC)
    return jpeg(out, 55)


def _crop(img, rng):
    W, H = img.size
    c = [rng.uniform(0.03, 0.04) for _ in range(4)]
    out = img.crop((int(W * c[0]), int(H * c[1]), int(W * (1 - c[2])), int(H * (1 - c[3]))))
    return jpeg(out.resize((int(out.width * 0.95), int(out.height * 0.9))), 50)


def _grain(img, rng):
    """Film-like grain over the whole page, then re-saved: hides a scan's own noise."""
    r = np.random.default_rng(rng.randrange(1 << 32))
    a = np.asarray(img, np.float32) + r.normal(0, rng.uniform(4, 7), (img.height, img.width))[..., None]
    return jpeg(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), 75)


REUSE = {
    "jpeg40": lambda img, rng: jpeg(img, 40),
    "grain_noise+jpeg75": _grain,
    "crop3-4%+jpeg50+uneven_scale": _crop,
    "scale60%": lambda img, rng: img.resize((int(img.width * 0.6), int(img.height * 0.6)), Image.LANCZOS),
    "rotate1-2°": lambda img, rng: img.rotate(rng.choice((-1, 1)) * rng.uniform(1, 2), resample=Image.BICUBIC,
                                              expand=True, fillcolor=(246, 246, 244)),
}


# ------------------------------------------------------------------ judging a pair
DOC_TYPE = {"honour": "achievement", "honour_ornate": "achievement", "skill_certificate": "qualification_certificate",
            "licence": "business_licence", "id_card_copy": "id_card", "contract_signature": "labour_contract"}


def load_module(path: str | None):
    """validators.forensics.image_hash, or another version of it (a file) to compare with."""
    if not path:
        from validators.forensics import image_hash

        return image_hash
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("baseline_image_hash", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def is_candidate(fa, fb, doc_type: str) -> bool:
    """Whether the batch's candidate search (validators/forensics/candidates.py) would pair
    the two pages; a version of image_hash without shade codes compared all pairs."""
    if not hasattr(fa, "shade"):
        return True
    from validators.forensics import candidates

    pages = [candidates.PageCode(doc_type, candidates.hash_code(f.phash), f.shade) for f in (fa, fb)]
    from validators.forensics.image_hash import PHASH_CANDIDATE

    return bool(candidates.page_pairs(pages, PHASH_CANDIDATE))


def codes(fa, fb) -> dict:
    """The candidate codes' distances of two fingerprints (for --codes)."""
    out = {"phash": int(fa.phash - fb.phash)}
    if getattr(fa, "shade", None) is not None and getattr(fb, "shade", None) is not None:
        from validators.forensics import candidates

        x, y = candidates.shade_codes([fa.shade, fb.shade])
        out["shade"] = candidates.hamming(x, y)
    if hasattr(fa, "texture"):
        out["texture"] = (fa.texture, fb.texture)
    return out


def judge(module, pa: str, pb: str, doc_type: str) -> tuple[str | None, list[str], dict, float]:
    """(severity or None, proof, measurements, seconds) of the pixel route on two page files;
    the seconds are the pair's comparison (fingerprints are made once per page)."""
    from validators.flags.batch import pixel_route_flag

    fa, fb = module.fingerprint(pa), module.fingerprint(pb)
    t = time.perf_counter()
    if not is_candidate(fa, fb, doc_type):
        return None, ["not_a_candidate"], codes(fa, fb), time.perf_counter() - t
    dup, info = module.near_duplicate(fa, fb, selected=True) if hasattr(fa, "shade") else module.near_duplicate(fa, fb)
    info.update(codes(fa, fb))
    seconds = time.perf_counter() - t
    if "verdict" not in info and dup:  # a version without same-scan evidence: a match was a high flag
        return "high", [], info, seconds
    judged = pixel_route_flag(info.get("verdict"), doc_type)
    return (judged[0], judged[1], info, seconds) if judged else (None, [], info, seconds)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=12, help="pairs per template and per reuse kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="keep the page images here")
    ap.add_argument("--baseline", help="an image_hash.py to measure instead (e.g. from git show)")
    ap.add_argument("--codes", action="store_true", help="print the candidate codes' distances per kind")
    args = ap.parse_args(argv)
    module = load_module(args.baseline)
    rng = random.Random(args.seed)
    out = Path(args.out or tempfile.mkdtemp(prefix="reuse_pairs_"))
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, Counter] = defaultdict(Counter)
    seconds: dict[str, list] = defaultdict(list)
    responses: dict[str, list] = defaultdict(list)
    template_pairs = template_flags = reuse_pairs = reuse_hits = 0
    names = list(TEMPLATES)
    reuse = list(REUSE) + ["retouched"]

    distances: dict[str, list] = defaultdict(list)

    def record(kind, judged):
        sev, proof, info, sec = judged
        distances[kind].append((info.get("phash"), info.get("shade"), info.get("texture")))
        rows[kind][f"{sev}:{'+'.join(proof)}" if sev else "no flag"] += 1
        seconds[kind].append(sec)
        if "noise_response" in info:
            responses[kind].append(info["noise_response"])
        return sev, proof

    for i in range(args.pairs * len(names)):
        template = names[i % len(names)]
        doc_type = DOC_TYPE[template]
        ha, hb = holder(rng), holder(rng)
        sheet_a, boxes = printed(template, ha, rng)
        sheet_b, _ = printed(template, hb, rng)
        digital = i % 4 == 3  # every fourth pair never saw paper: exported pages
        page = exported if digital else scanned
        scan_a, scan_b = page(sheet_a, rng), page(sheet_b, rng)
        pa, pb = out / f"{i:03d}_{template}_a.png", out / f"{i:03d}_{template}_b.png"
        scan_a.save(pa)
        scan_b.save(pb)
        sev, _ = record(f"template:{template}{' (exported)' if digital else ''}", judge(module, str(pa), str(pb), doc_type))
        template_pairs += 1
        template_flags += sev is not None
        # a reuse of page a: the kind cycles so that every template meets every kind
        k = reuse[(i // len(names) + i) % len(reuse)]
        copy = retouched(scan_a, sheet_a.size, boxes, hb, template, rng) if k == "retouched" else REUSE[k](scan_a, rng)
        if digital and k == "retouched":
            continue  # a retouched page without scan texture is another page (nothing proves one scan)
        pc = out / f"{i:03d}_{template}_{k.split('+')[0].rstrip('%°')}.png"
        copy.save(pc)
        sev, proof = record(f"reuse:{k}{' (exported)' if digital else ''}", judge(module, str(pa), str(pc), doc_type))
        reuse_pairs += 1
        reuse_hits += sev == "high"
    for kind in sorted(rows):
        s, r = seconds[kind], responses[kind]
        noise = f"  noise {min(r):.3f}-{max(r):.3f}" if r else ""
        print(f"{kind:44s} n={sum(rows[kind].values()):3d}  {dict(rows[kind])}  {1000 * sum(s) / len(s):.0f} ms/pair{noise}")
    if args.codes:
        for kind in sorted(distances):
            ph = [d[0] for d in distances[kind] if d[0] is not None]
            sh = [d[1] for d in distances[kind] if d[1] is not None]
            tx = [min(d[2]) for d in distances[kind] if d[2]]
            print(f"codes {kind:44s} phash {min(ph)}-{max(ph)}  shade {f'{min(sh)}-{max(sh)}' if sh else '-'} "
                  f"(of {len(sh)} with texture)  lower texture {min(tx) if tx else '-'}-{max(tx) if tx else '-'}")
    every = [x for s in seconds.values() for x in s]
    print(f"mean {1000 * sum(every) / len(every):.0f} ms per pair; images in {out}")
    print(f"reuse_pairs: template_false_flags={template_flags}/{template_pairs} reuse_recall={reuse_hits}/{reuse_pairs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
