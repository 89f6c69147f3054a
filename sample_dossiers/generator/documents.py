"""Page layouts of every document kind, drawn from the labels in DOCUMENTS.md.

A `Style` holds the layout choices of one dossier. Variant `a` is the plain layout the
committed batch uses; variant `b` draws other label wordings, value-below-label, serif
fonts, other date and money styles and section numbering, so a second batch tests what
extraction was not tuned to. Variant `c` draws the layouts of the real documents that
neither a nor b has (DOCUMENTS.md): the two-column licence (also 个体工商户 and
个人独资企业), forms with labels in a header row or two pairs to a row and a member table
split over two tables, several members' ID cards on one page, the electronic one-page
职业技能等级证书 and the booklet spread of the 职业资格证书, same-template honour certificates."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .people import LEVELS, Person, Unit, chinese_amount_wan
from .render import PageLayout, PT_MM

CN_DIGITS = "〇一二三四五六七八九"


def _cn_num(n: int) -> str:
    if n < 10:
        return "一二三四五六七八九"[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


@dataclass
class Style:
    variant: str = "a"
    font: str = "sans"
    date_style: str = "cn"  # cn 2019年6月28日 | dot 2019.06.28 | upper 二〇一九年六月二十八日
    id_label: str = "身份证号码"
    value_below: bool = False
    money: str = "upper"  # upper 人民币伍佰万元 | digits 500万元
    numbering: str = "cn"  # cn 一、 | paren （一） | arabic 1.
    apprentice: str = "师带徒"
    form_table: bool = True
    shift: float = 0.0  # mm offset of label columns
    licence: str = "single"  # single column | two_column (the 2016-on licence)
    form_layout: str = "table"  # table | header_rows (labels above values) | pairs (two to a row)

    @property
    def bold(self) -> str:
        return self.font + "_bold"

    def date(self, d: dt.date | None) -> str:
        if d is None:
            return ""
        if self.date_style == "dot":
            return f"{d:%Y.%m.%d}"
        if self.date_style == "upper":
            return ("".join(CN_DIGITS[int(c)] for c in str(d.year)) + "年" + _cn_num(d.month) + "月"
                    + _cn_num(d.day) + "日")
        return f"{d.year}年{d.month}月{d.day}日"

    def capital(self, wan: int) -> str:
        return "人民币" + chinese_amount_wan(wan) if self.money == "upper" else f"{wan}万元"

    def heading(self, i: int, sub: bool = False) -> str:
        if self.numbering == "paren" or (sub and self.numbering == "cn"):
            return f"（{_cn_num(i)}）"
        if self.numbering == "arabic":
            return f"{i}." if not sub else f"{i})"
        return f"{_cn_num(i)}、"


def make_style(variant: str, rng: random.Random) -> Style:
    if variant == "a":
        return Style()
    if variant == "c":
        return Style("c", rng.choice(["serif", "sans"]), rng.choice(["dot", "upper", "cn"]),
                     rng.choice(["公民身份号码", "身份证号", "证件号码"]), False,
                     rng.choice(["digits", "upper"]), rng.choice(["paren", "arabic", "cn"]),
                     rng.choice(["传帮带", "导师带徒", "拜师学艺", "师带徒"]), True,
                     rng.uniform(-4, 6), "two_column", rng.choice(["header_rows", "pairs"]))
    return Style("b", rng.choice(["serif", "sans"]), rng.choice(["dot", "upper", "cn"]),
                 rng.choice(["公民身份号码", "身份证号", "证件号码"]), rng.random() < 0.6,
                 rng.choice(["digits", "upper"]), rng.choice(["paren", "arabic", "cn"]),
                 rng.choice(["传帮带", "导师带徒", "拜师学艺", "师带徒"]), rng.random() < 0.5,
                 rng.uniform(-6, 8))


def label_value(p: PageLayout, st: Style, x: float, y: float, label: str, value: str, field: str | None,
                size: float = 11.0, gap: float = 3.0, below: bool | None = None) -> float:
    """Print `label` and its value (beside, or on the next line in some layouts); record
    the field. Returns the next baseline."""
    below = st.value_below if below is None else below
    em = size * PT_MM
    p.text(x, y, label, size, st.bold)
    if below:
        y += em * 1.5
        p.text(x + 4, y, value, size, st.font)
    else:
        p.text(x + len(label) * em + gap, y, value, size, st.font)
    if field:
        p.field(field, value if field not in ("birth_date", "certificate_issue_date", "established", "contract_end") else "")
    return y + em * 1.9


def iso(d):
    return d.isoformat() if d else None


def _set_iso(p: PageLayout, field: str, d):
    """Date fields carry the ISO value in ground truth, whatever the printed style."""
    for i, (f, v) in enumerate(p.fields):
        if f == field and v == "":
            p.fields[i] = (f, iso(d))


# ---------------------------------------------------------------- 居民身份证
def id_card(p: PageLayout, per: Person, x: float, y: float, st: Style, show: dict | None = None,
            back: tuple[float, float] = (0.0, 62.0)):
    """Front and back of the card, 85.6 × 54 mm each, the back at offset `back` from the
    front (below it, or beside it when several cards share a page)."""
    s = dict(name=per.name, id_number=per.id_number, sex=per.sex, birth=per.birth)
    s.update(show or {})
    f = st.font
    p.rect(x, y, 85.6, 54, (90, 90, 90))
    p.text(x + 5, y + 9, "姓名", 8, f, (60, 60, 120))
    p.text(x + 15, y + 9, s["name"], 11, st.bold)
    p.text(x + 5, y + 17, "性别", 8, f, (60, 60, 120))
    p.text(x + 15, y + 17, s["sex"], 9.5, f)
    p.text(x + 27, y + 17, "民族", 8, f, (60, 60, 120))
    p.text(x + 37, y + 17, per.ethnic, 9.5, f)
    b = s["birth"]
    p.text(x + 5, y + 25, "出生", 8, f, (60, 60, 120))
    p.text(x + 15, y + 25, f"{b.year}  年  {b.month}  月  {b.day}  日", 9.5, f)
    p.text(x + 5, y + 33, "住址", 8, f, (60, 60, 120))
    addr = per.address
    p.text(x + 15, y + 33, addr[:12], 9.5, f)
    if len(addr) > 12:
        p.text(x + 15, y + 38.5, addr[12:24], 9.5, f)
    if len(addr) > 24:
        p.text(x + 15, y + 44, addr[24:], 9.5, f)
    p.text(x + 4, y + 50, "公民身份号码", 8, f, (60, 60, 120))
    p.text(x + 22, y + 50, s["id_number"], 10, st.bold)
    p.photo(x + 58, y + 8, 24, 30, per.photo_seed)
    p.field("name", s["name"])
    p.field("sex", s["sex"])
    p.field("birth_date", iso(b))
    p.field("address", addr)
    p.field("id_number", s["id_number"])
    # back
    x, yb = x + back[0], y + back[1]
    p.rect(x, yb, 85.6, 54, (90, 90, 90))
    p.text(x + 26, yb + 14, "中华人民共和国", 13, st.bold)
    p.text(x + 22, yb + 25, "居 民 身 份 证", 15, st.bold)
    p.text(x + 10, yb + 41, "签发机关", 8, f, (60, 60, 120))
    p.text(x + 26, yb + 41, per.id_issuer, 9.5, f)
    p.text(x + 10, yb + 49, "有效期限", 8, f, (60, 60, 120))
    p.text(x + 26, yb + 49, per.id_valid, 9.5, f)
    p.field("id_issuer", per.id_issuer)
    p.field("id_valid", per.id_valid)


def id_card_page(per: Person, st: Style, rng: random.Random, show: dict | None = None) -> PageLayout:
    p = PageLayout("id_card", title=f"身份证 {per.name}")
    x, y = 40 + rng.uniform(-8, 12), 30 + rng.uniform(-5, 15)
    id_card(p, per, x, y, st, show)
    p.free_zone = (110, 200, 200, 285)
    return p


def id_cards_page(members: list[Person], st: Style, rng: random.Random) -> PageLayout:
    """Two or three members' cards copied onto one page, front and back side by side, in
    either order (DOCUMENTS.md: some units copy several members' cards onto one page)."""
    p = PageLayout("id_card", title="身份证 " + "、".join(m.name for m in members))
    flip = rng.random() < 0.4
    for i, m in enumerate(members):
        x, y = 14 + rng.uniform(-3, 3), 22 + i * 66 + rng.uniform(-2, 2)
        if flip:  # back on the left: the card's front sits at the right
            id_card(p, m, x + 93, y, st, back=(-93, 0))
        else:
            id_card(p, m, x, y, st, back=(93, 0))
    p.free_zone = (120, 22 + len(members) * 66, 200, 290)
    return p


def id_card_photo(per: Person, st: Style) -> PageLayout:
    """Just the front, as a phone photo of the card."""
    p = PageLayout("id_card", size=(95.6, 64.0), title=f"身份证 {per.name}")
    id_card(p, per, 5, 5, st)
    p.items = [it for it in p.items if it.y < 60]
    p.fields = [f for f in p.fields if f[0] not in ("id_issuer", "id_valid")]
    p.copy = False
    return p


# ---------------------------------------------------------------- certificates
def certificate_page(per: Person, st: Style, rng: random.Random, show: dict | None = None) -> PageLayout:
    s = dict(name=per.name, id_number=per.id_number, sex=per.sex, certificate_number=per.cert_number,
             level=per.level, issue=per.cert_issue, issuer=per.cert_issuer)
    s.update(show or {})
    if st.variant == "c":
        if per.cert_kind == "职业资格证书":
            return certificate_spread(per, st, rng, s)
        return skill_certificate_single(per, st, rng, s)
    p = PageLayout("qualification_certificate", title=f"{per.cert_kind} {per.name}")
    x0, y0 = 22 + rng.uniform(-4, 6) + st.shift, 28 + rng.uniform(-4, 8)
    p.rect(x0 - 6, y0 - 12, 178, 150, (120, 90, 40))
    lvl_digit, qual_word, skill_word = LEVELS[s["level"]]
    if per.cert_kind == "职业资格证书":
        p.text(x0 + 28, y0 + 4, "中华人民共和国", 16, st.bold)
        p.text(x0 + 22, y0 + 16, "职 业 资 格 证 书", 20, st.bold)
        p.photo(x0 + 130, y0 + 28, 30, 38, per.photo_seed)
        y = y0 + 34
        y = label_value(p, st, x0, y, "证书编号：", s["certificate_number"], "certificate_number")
        y = label_value(p, st, x0, y, "姓　　名：", s["name"], "name")
        y = label_value(p, st, x0, y, "性　　别：", s["sex"], "sex")
        y = label_value(p, st, x0, y, st.id_label + "：", s["id_number"], "id_number")
        y = label_value(p, st, x0, y, "职业（工种）：", per.occupation, "occupation")
        y = label_value(p, st, x0, y, "等　　级：", qual_word, "level")
        y = label_value(p, st, x0, y, "发证日期：", st.date(s["issue"]), "certificate_issue_date")
        y = label_value(p, st, x0, y, "发证机关：", s["issuer"], "certificate_issuer")
    else:
        p.text(x0 + 30, y0 + 10, "职业技能等级证书", 20, st.bold)
        p.photo(x0 + 130, y0 + 24, 30, 38, per.photo_seed)
        y = y0 + 30
        y = label_value(p, st, x0, y, "姓名：", s["name"], "name")
        y = label_value(p, st, x0, y, "证件号码：", s["id_number"], "id_number")
        y = label_value(p, st, x0, y, "职业名称：", per.occupation, "occupation")
        y = label_value(p, st, x0, y, "工种：", per.occupation, None)
        y = label_value(p, st, x0, y, "职业技能等级：", skill_word, "level")
        y = label_value(p, st, x0, y, "证书编号：", s["certificate_number"], "certificate_number")
        y = label_value(p, st, x0, y, "发证日期：", st.date(s["issue"]), "certificate_issue_date")
        y = label_value(p, st, x0, y, "评价机构：", s["issuer"], "certificate_issuer")
        p.text(x0, y0 + 132, QUERY_NOTE, 8.5, st.font)
    _set_iso(p, "certificate_issue_date", s["issue"])
    p.free_zone = (110, 185, 200, 285)
    return p


# The national query service DOCUMENTS.md names; its public title, 技能人才评价证书全国联网查询
# (http://zscx.osta.org.cn/, run by the ministry's 职业技能鉴定中心).
QUERY_NOTE = "本证书可在技能人才评价证书全国联网查询系统查询"


def _qr(p: PageLayout, x: float, y: float, size: float, rng: random.Random):
    """A QR-like block pattern (finder squares in three corners), size mm wide."""
    n = 21
    c = size / n
    for i in range(n):
        for j in range(n):
            if (i < 7 and j < 7) or (i < 7 and j > 13) or (i > 13 and j < 7) or rng.random() < 0.45:
                p.fill(x + i * c, y + j * c, c, c, (25, 25, 25))


def certificate_spread(per: Person, st: Style, rng: random.Random, s: dict) -> PageLayout:
    """The old 职业资格证书 booklet scanned open (DOCUMENTS.md): holder's photo and personal
    data on the left page; 职业（工种）, 等级, the theory and practical scores, 证书编号 and
    发证日期 on the right, with the issuing authority's seal."""
    p = PageLayout("qualification_certificate", size=(297.0, 210.0), title=f"{per.cert_kind} {per.name}")
    level_word = LEVELS[s["level"]][1]
    p.rect(8, 12, 136, 186, (120, 90, 40))
    p.rect(153, 12, 136, 186, (120, 90, 40))
    p.photo(54, 26, 32, 42, per.photo_seed)
    x, y = 22 + st.shift / 2, 90
    for label, value, f in (("姓　　名", s["name"], "name"), ("性　　别", s["sex"], "sex"),
                            (rng.choice(["身份证号", "公民身份号码"]), s["id_number"], "id_number")):
        y = label_value(p, st, x, y, label, value, f, 11, 6)
    x, y = 166 + st.shift / 2, 36
    # DOCUMENTS.md names the two scores, not their labels: this wording is ours.
    rows = [("职业（工种）", per.occupation, "occupation"), ("等　　级", level_word, "level"),
            ("理论知识考试成绩", str(rng.randint(62, 95)), None), ("操作技能考核成绩", str(rng.randint(62, 95)), None),
            ("证书编号", s["certificate_number"], "certificate_number"),
            ("发证日期", st.date(s["issue"]), "certificate_issue_date")]
    for label, value, f in rows:
        y = label_value(p, st, x, y, label, value, f, 11, 6)
    _set_iso(p, "certificate_issue_date", s["issue"])
    p.text(200, 168, "发证机关", 11, st.bold)
    p.text(200, 176, s["issuer"], 10, st.font)
    p.fields.append(("certificate_issuer", s["issuer"]))
    p.seal_spots = [(236 + rng.uniform(-5, 5), 162 + rng.uniform(-4, 4), s["issuer"])]
    p.free_zone = (20, 150, 135, 195)
    return p


def skill_certificate_single(per: Person, st: Style, rng: random.Random, s: dict) -> PageLayout:
    """The 职业技能等级证书 as one page, landscape or portrait, with a verification QR code
    and, when printed from the query service, no wet seal (DOCUMENTS.md)."""
    landscape = rng.random() < 0.5
    size = (297.0, 210.0) if landscape else (210.0, 297.0)
    p = PageLayout("qualification_certificate", size=size, title=f"{per.cert_kind} {per.name}")
    W, H = size
    level_word = LEVELS[s["level"]][2]
    p.rect(10, 10, W - 20, H - 20, (150, 120, 60))
    p.text(W / 2 - 50, 38, "职业技能等级证书", 22, st.bold)
    labels = [("姓名", s["name"], "name"), (rng.choice(["证件号码", "身份证号"]), s["id_number"], "id_number"),
              (rng.choice(["职业名称", "职业（工种）"]), per.occupation, "occupation"), ("工种", per.occupation, None),
              (rng.choice(["职业技能等级", "等级", "级别"]), level_word, "level"),
              ("证书编号", s["certificate_number"], "certificate_number"),
              ("发证日期", st.date(s["issue"]), "certificate_issue_date"),
              ("评价机构", s["issuer"], "certificate_issuer")]
    if landscape:
        p.photo(30, 62, 32, 42, per.photo_seed)
        x, y = 82 + st.shift, 66
    else:
        p.photo(W / 2 - 16, 55, 32, 42, per.photo_seed)
        x, y = 32 + st.shift, 122
    for label, value, f in labels:
        y = label_value(p, st, x, y, label + "：", value, f, 11.5, 3)
    _set_iso(p, "certificate_issue_date", s["issue"])
    qx, qy = (W - 58, H - 62) if landscape else (W - 58, H - 60)
    _qr(p, qx, qy, 32, rng)
    p.text(24, H - 18, QUERY_NOTE, 8.5, st.font)
    p.free_zone = (24, H - 62, qx - 12, H - 24)
    return p


# ---------------------------------------------------------------- 营业执照
def business_licence_page(u: Unit, st: Style, rng: random.Random, uscc: str | None = None) -> PageLayout:
    uscc = uscc or u.uscc
    if st.licence == "two_column":
        return business_licence_two_column(u, st, rng, uscc)
    p = PageLayout("business_licence", title="营业执照")
    p.rect(10, 10, 190, 277, (150, 60, 40))
    p.text(16, 28, "统一社会信用代码", 10, st.bold)
    p.text(16, 35, uscc, 11, st.font)
    p.field("uscc", uscc)
    p.text(78, 45, "营 业 执 照", 30, st.bold)
    p.text(98, 55, "（副　本）", 12, st.font)
    _qr(p, 165, 18, 25.2, rng)
    x = 28 + st.shift
    y = 80
    y = label_value(p, st, x, y, "名　　　称", u.name, "unit_name", 12, 8)
    y = label_value(p, st, x, y, "类　　　型", u.kind, None, 12, 8)
    y = label_value(p, st, x, y, "法定代表人", u.legal_rep, "legal_representative", 12, 8)
    y = label_value(p, st, x, y, "注册资本", st.capital(u.capital_wan), "registered_capital", 12, 8)
    y = label_value(p, st, x, y, "成立日期", st.date(u.established), "established", 12, 8)
    _set_iso(p, "established", u.established)
    y = label_value(p, st, x, y, "营业期限", "长期", None, 12, 8)
    y = label_value(p, st, x, y, "住　　　所", u.address, "address", 12, 8)
    p.text(x, y, "经营范围", 12, st.bold)
    y = p.para(x + 28, y, 130, "一般项目：" + u.scope + "；机械设备销售；技术服务、技术开发、技术咨询、"
               "技术交流、技术转让、技术推广；货物进出口。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）", 11, st.font)
    p.text(118, 250, "登记机关", 12, st.bold)
    p.text(118, 258, u.authority, 10.5, st.font)
    p.field("registration_authority", u.authority)
    p.text(128, 268, st.date(dt.date(2024, rng.randint(1, 12), rng.randint(1, 28))), 11, st.font)
    p.free_zone = (20, 215, 100, 275)
    return p


def business_licence_two_column(u: Unit, st: Style, rng: random.Random, uscc: str) -> PageLayout:
    """The 2016-on licence (DOCUMENTS.md): credit code top left, two columns of label–value
    pairs, 经营范围 running down the left, QR bottom left, 登记机关 seal and date bottom
    right. 个体工商户 print 经营者 and 组成形式 and no 注册资本; 个人独资企业 print 投资人."""
    p = PageLayout("business_licence", size=(297.0, 210.0), title="营业执照")
    p.rect(8, 8, 281, 194, (150, 60, 40))
    p.text(20, 26, "统一社会信用代码", 10, st.bold)
    p.text(20, 33, uscc, 11, st.font)
    p.field("uscc", uscc)
    p.text(108, 36, "营 业 执 照", 30, st.bold)
    p.text(132, 47, "（副　本）", 12, st.font)
    rep_label = {"个体工商户": "经营者", "个人独资企业": "投资人"}.get(u.kind, rng.choice(["法定代表人", "法定代表人", "负责人"]))
    xl, xr, y0, vx = 22 + st.shift / 2, 162 + st.shift / 2, 66, 28
    left = [("名　　称", u.name, "unit_name"), ("类　　型", u.kind, None), (rep_label, u.legal_rep, "legal_representative")]
    right = []
    if u.kind == "个体工商户":
        right.append(("组成形式", "个人经营", None))
    else:
        right.append(("注册资本", st.capital(u.capital_wan), "registered_capital"))
    right += [("成立日期", st.date(u.established), "established"), ("营业期限", "长期", None)]
    y = y0
    for label, value, f in left:
        p.text(xl, y, label, 11, st.bold)
        p.text(xl + vx, y, value, 11, st.font)
        if f:
            p.field(f, value)
        y += 11
    p.text(xl, y, "经营范围", 11, st.bold)
    p.para(xl + vx, y, 100, "一般项目：" + u.scope + "；机械设备销售；技术服务、技术开发、技术咨询、"
           "技术交流、技术转让、技术推广；货物进出口。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
           10.5, st.font)
    y = y0
    for label, value, f in right:
        p.text(xr, y, label, 11, st.bold)
        p.text(xr + vx, y, value, 11, st.font)
        if f:
            p.field(f, value if f != "established" else "")
        y += 11
    _set_iso(p, "established", u.established)
    p.text(xr, y, "住　　所", 11, st.bold)
    p.para(xr + vx, y, 90, u.address, 11, st.font)
    p.field("address", u.address)
    _qr(p, 22, 152, 30, rng)
    p.text(190, 168, "登记机关", 11, st.bold)
    p.text(190, 176, u.authority, 10.5, st.font)
    p.field("registration_authority", u.authority)
    p.text(206, 186, st.date(dt.date(2024, rng.randint(1, 12), rng.randint(1, 28))), 11, st.font)
    p.seal_spots = [(232 + rng.uniform(-4, 4), 172 + rng.uniform(-3, 3), u.authority)]
    p.free_zone = (62, 150, 172, 198)
    return p


# ---------------------------------------------------------------- bank
def bank_page(u: Unit, st: Style, rng: random.Random, kind: str = "info", account_name: str | None = None,
              account_number: str | None = None) -> PageLayout:
    """kind: licence (开户许可证, before 2019) | info (基本存款账户信息) | general (一般存款账户)."""
    name = account_name or u.name
    number = account_number or u.account_number
    grouped = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    p = PageLayout("bank_account", title="开户许可证" if kind == "licence" else "基本存款账户信息")
    x = 30 + st.shift
    if kind == "licence":
        p.rect(20, 30, 170, 130, (150, 60, 40))
        p.text(78, 50, "开户许可证", 24, st.bold)
        p.text(x, 68, f"核准号：{u.licence_no}", 11, st.font)
        # DOCUMENTS.md names a 编号 beside the 核准号 but not its form: these digits are ours
        p.text(x + 90, 68, f"编号：{rng.randint(5810000000000, 5819999999999)}", 11, st.font)
        y = p.para(x, 82, 140, f"经审核，{name}符合开户条件，准予开立基本存款账户。", 12, st.font)
        y = label_value(p, st, x, y + 4, "法定代表人（单位负责人）", u.legal_rep, "legal_representative")
        y = label_value(p, st, x, y, "开户银行", u.bank, "bank")
        y = label_value(p, st, x, y, "账　　号", grouped, "account_number")
        p.text(120, 150, "中国人民银行佛山市中心支行", 11, st.font)
        p.text(128, 157, st.date(dt.date(2016, rng.randint(1, 12), rng.randint(1, 28))), 11, st.font)
        p.fields.append(("account_name", name))
        p.fields.append(("basic_account_licence_no", u.licence_no))
        p.free_zone = (30, 165, 120, 240)
    else:
        # 一般存款账户 and 单位银行结算账户: the account kinds of 人民币银行结算账户管理办法
        # (中国人民银行令〔2003〕第5号); the title of a general account's proof is ours.
        title = "基本存款账户信息" if kind == "info" else "单位银行结算账户开户证明"
        p.text(60, 40, title, 20, st.bold)
        y = 62
        y = label_value(p, st, x, y, "账户名称：", name, "account_name")
        y = label_value(p, st, x, y, "账　　号：", grouped, "account_number")
        y = label_value(p, st, x, y, "开户银行：", u.bank, "bank")
        y = label_value(p, st, x, y, "法定代表人（单位负责人）：", u.legal_rep, "legal_representative")
        if kind == "info":
            no = u.licence_no
            y = label_value(p, st, x, y, "基本存款账户编号：", no, "basic_account_licence_no")
        else:
            y = label_value(p, st, x, y, "账户性质：", "一般存款账户", "account_kind")
        p.text(120, y + 30, u.bank, 11, st.font)
        p.text(128, y + 38, st.date(dt.date(2023, rng.randint(1, 12), rng.randint(1, 28))), 11, st.font)
        p.free_zone = (30, 160, 110, 240)
    # the account number without spaces is what is compared across dossiers
    p.fields = [(f, v.replace(" ", "") if f == "account_number" else v) for f, v in p.fields]
    return p


# ---------------------------------------------------------------- contracts
CONTRACT_TITLES = ["劳动合同书", "聘用合同", "工作协议"]


def contract_pages(u: Unit, per: Person, st: Style, rng: random.Random, title: str | None = None,
                   show: dict | None = None) -> list[PageLayout]:
    s = dict(name=per.name, id_number=per.id_number, sex=per.sex, unit=u.name)
    s.update(show or {})
    title = title or rng.choice(CONTRACT_TITLES)
    p1 = PageLayout("labour_contract", title=title)
    p1.text(75, 40, title, 22, st.bold)
    x, y = 30 + st.shift, 80
    y = label_value(p1, st, x, y, "甲方（用人单位）：", s["unit"], "unit_name")
    y = label_value(p1, st, x, y, "统一社会信用代码：", u.uscc, "uscc")
    y = label_value(p1, st, x, y, "法定代表人：", u.legal_rep, None)
    y = label_value(p1, st, x, y, "地址：", u.address, None)
    y += 4
    y = label_value(p1, st, x, y, "乙方（劳动者）：", s["name"], "name")
    y = label_value(p1, st, x, y, "性别：", s["sex"], "sex")
    y = label_value(p1, st, x, y, st.id_label + "：", s["id_number"], "id_number")
    y = label_value(p1, st, x, y, "住址：", per.address, None)
    y += 4
    p1.text(x, y, "第一条　合同期限", 12, st.bold)
    y += 8
    if per.contract_end is None:
        text = f"本合同为无固定期限劳动合同，自{st.date(per.contract_start)}起履行。"
    else:
        text = (f"本合同为固定期限劳动合同，期限自{st.date(per.contract_start)}起至"
                f"{st.date(per.contract_end)}止。")
    y = p1.para(x, y, 150, text, 11, st.font)
    p1.fields.append(("contract_end", iso(per.contract_end) if per.contract_end else "无固定期限"))
    p1.text(x, y + 3, "第二条　工作岗位", 12, st.bold)
    y = p1.para(x, y + 11, 150, f"乙方同意在甲方{per.occupation}岗位工作，工作地点为{u.address}。"
                "甲方根据生产经营需要，经与乙方协商一致，可以调整乙方工作岗位。", 11, st.font)
    p1.fields.append(("occupation", per.occupation))
    p1.free_zone = (120, 250, 200, 290)
    p2 = PageLayout("labour_contract", title=title + "（签署页）")
    y = p2.para(30, 40, 150, "第十二条　本合同一式两份，甲乙双方各执一份，经双方签字盖章后生效。"
                "本合同未尽事宜，按国家和地方有关规定执行。", 11, st.font)
    p2.text(30, 110, "甲方（盖章）：", 12, st.bold)
    p2.text(30, 118, s["unit"], 11, st.font)
    p2.text(30, 130, "法定代表人或委托代理人（签字）：", 11, st.font)
    p2.text(120, 110, "乙方（签字）：", 12, st.bold)
    p2.text(150, 110, s["name"], 14, "serif")
    sign = per.contract_start - dt.timedelta(days=rng.randint(1, 10))
    p2.text(30, 150, "签订日期：" + st.date(sign), 11, st.font)
    p2.text(120, 150, "签订日期：" + st.date(sign), 11, st.font)
    p2.fields.append(("unit_name", s["unit"]))
    p2.fields.append(("name", s["name"]))
    p2.free_zone = (110, 180, 200, 260)
    # the unit's seal on the signature line, over its printed name, as on every original
    p2.seal_spots = [(62 + rng.uniform(-6, 6), 118 + rng.uniform(-4, 4))]
    return [p1, p2]


# ---------------------------------------------------------------- achievements
def patent_number(year: int, serial: int) -> str:
    """ZL + application number: year, type 2 (utility model), 7-digit serial, check digit
    (CNIPA 专利申请号标准 ZC 0006-2003: weights 2..9 repeating, mod 11, 10 -> X)."""
    body = f"{year}2{serial:07d}"
    c = sum(int(ch) * (2 + i % 8) for i, ch in enumerate(body)) % 11
    return f"ZL {body[:4]} {body[4]} {body[5:]}.{'X' if c == 10 else c}"


def honour_template(rng: random.Random, occupation: str) -> dict:
    """One issuer's honour certificate design: every awardee's copy is the same page but
    the name (DOCUMENTS.md lists no wording for honours; this text is ours)."""
    year = rng.randint(2019, 2025)
    return {"year": year, "issuer": rng.choice(["佛山市高明区人力资源和社会保障局", "佛山市总工会", "高明区总工会"]),
            "prize": rng.choice([f"{year}年佛山市高明区职业技能大赛{occupation}项目 优秀选手",
                                 f"{year}年度高明区优秀技能人才"]),
            "date": dt.date(year, rng.randint(1, 12), rng.randint(1, 28)), "dx": rng.uniform(-3, 3)}


def honour_page(per: Person, st: Style, t: dict) -> PageLayout:
    p = PageLayout("achievement", title="荣誉证书")
    p.rect(20 + t["dx"], 30, 170, 120, (170, 120, 40))
    p.text(80 + t["dx"], 55, "荣誉证书", 24, st.bold)
    y = p.para(35 + t["dx"], 78, 140, f"{per.name}同志：", 13, st.font)
    y = p.para(45 + t["dx"], y + 4, 130, f"荣获{t['prize']}。", 13, st.font)
    p.para(45 + t["dx"], y + 4, 130, "特发此证，以资鼓励。", 13, st.font)
    p.fields.append(("name", per.name))
    p.text(115 + t["dx"], 130, t["issuer"], 11, st.font)
    p.text(125 + t["dx"], 138, st.date(t["date"]), 11, st.font)
    p.free_zone = (110, 160, 200, 240)
    return p


def achievement_page(u: Unit, per: Person, st: Style, rng: random.Random) -> PageLayout:
    kind = rng.choice(["荣誉证书", "获奖证书", "专利"])
    p = PageLayout("achievement", title=kind)
    p.rect(20, 30, 170, 120, (170, 120, 40))
    year = rng.randint(2019, 2025)
    if kind == "专利":
        p.text(60, 50, "实用新型专利证书", 20, st.bold)
        topic = rng.choice(["一种数控车床快速定位夹具", "一种焊接变形矫正装置", "一种模具冷却水路结构",
                            "一种配电柜散热装置"])
        y = label_value(p, st, 35, 70, "实用新型名称：", topic, "title")
        y = label_value(p, st, 35, y, "发明人：", per.name, "name")
        y = label_value(p, st, 35, y, "专利号：", patent_number(year, rng.randint(0, 9999999)), "patent_number")
        y = label_value(p, st, 35, y, "专利权人：", u.name, "unit_name")
        p.text(120, 140, "国家知识产权局", 12, st.font)
    else:
        p.text(80, 55, kind, 24, st.bold)
        prize = rng.choice([f"{year}年佛山市高明区职业技能大赛{per.occupation}项目 一等奖",
                            f"{year}年度佛山市“技术能手”称号", f"{year}年度高明区优秀技能人才",
                            f"第{rng.randint(5, 12)}届佛山市职工技术创新成果 二等奖"])
        y = p.para(35, 78, 140, f"{per.name}同志：", 13, st.font)
        y = p.para(45, y + 4, 130, f"荣获{prize}。", 13, st.font)
        y = p.para(45, y + 4, 130, "特发此证，以资鼓励。", 13, st.font)
        p.fields.append(("name", per.name))
        p.text(115, 130, rng.choice(["佛山市高明区人力资源和社会保障局", "佛山市总工会", "高明区总工会"]), 11, st.font)
        p.text(125, 138, st.date(dt.date(year, rng.randint(1, 12), rng.randint(1, 28))), 11, st.font)
    p.free_zone = (110, 160, 200, 240)
    return p


# ---------------------------------------------------------------- 申请报告
SECTIONS = ["单位基本情况", "人才培养体系建立情况", "技术研发和攻关开展情况", "建站设想"]
SUBSECTIONS = ["组织架构和成员情况介绍以及职责分工", "技师工作站管理制度", "资金投入", "场地设备配置",
               "{app}和技术攻关课题计划"]


def report_pages(u: Unit, members: list[Person], st: Style, rng: random.Random,
                 omit: tuple[str, ...] = ()) -> tuple[list[PageLayout], dict]:
    """The multi-page 申请报告. `omit` drops sections (planted ART5.2 failures).
    Returns the pages and the evidence values printed (funding, area, pairs, topics)."""
    funding = rng.choice([30, 45, 50, 60, 80, 120])
    area = rng.choice([120, 150, 180, 200, 260, 300])
    equipment = rng.sample(["五轴联动加工中心", "数控车床CK6150", "激光切割机", "三坐标测量仪", "慢走丝线切割机",
                            "机器人焊接工作站", "电火花成型机", "PLC实训平台"], 4)
    topics = rng.sample(["薄壁零件加工变形控制", "焊接工艺参数优化", "模具寿命提升", "配电设备节能改造",
                         "精密夹具快速换型", "刀具磨损在线监测"], 2)
    masters = [m for m in members if m.level in ("技师", "高级技师")]
    apprentices = ["学徒" + rng.choice("甲乙丙丁戊") for _ in masters]
    pairs = [(m.name, rng.choice("陈李黄张梁何") + rng.choice(["小明", "嘉俊", "文轩", "子豪", "志远"])) for m in masters]
    app = st.apprentice
    blocks: list[tuple[str, str]] = []  # (kind, text): h1 | h2 | p

    def h1(i, t):
        blocks.append(("h1", st.heading(i) + t))

    def h2(i, t):
        blocks.append(("h2", st.heading(i, True) + t))

    def par(t):
        blocks.append(("p", t))

    n = 0
    if "单位基本情况" not in omit:
        n += 1
        h1(n, "单位基本情况")
        par(f"{u.name}成立于{st.date(u.established)}，注册资本{st.capital(u.capital_wan)}，位于{u.address}，"
            f"主要从事{u.scope}。公司现有员工{rng.randint(80, 400)}人，其中技术人员{rng.randint(20, 60)}人，"
            f"技师、高级技师{len(masters)}人。")
        par(f"公司主要产品包括{rng.choice(['精密轴类零件', '冲压模具', '配电柜', '焊接结构件'])}、"
            f"{rng.choice(['汽车零部件', '五金配件', '注塑模具', '自动化设备部件'])}等，年产值约{rng.randint(3, 40)}千万元，"
            f"先后获评{rng.choice(['佛山市高新技术企业', '高明区专精特新企业', '广东省守合同重信用企业'])}。")
    if "人才培养体系建立情况" not in omit:
        n += 1
        h1(n, "人才培养体系建立情况")
        par(f"公司建立了“岗前培训—岗位练兵—{app}—技能鉴定”的人才培养体系，每年组织职业技能培训"
            f"{rng.randint(6, 20)}期，近三年共有{rng.randint(10, 40)}名员工取得职业技能等级证书。")
        par(f"公司与{rng.choice(['佛山市技师学院', '高明区职业技术学校', '佛山市高明区技工学校'])}开展校企合作，"
            "设立实训基地，实行新型学徒制，建立技能等级与薪酬挂钩的激励机制。")
    if "技术研发和攻关开展情况" not in omit:
        n += 1
        h1(n, "技术研发和攻关开展情况")
        par(f"近三年公司围绕生产难题开展技术攻关{rng.randint(3, 9)}项，完成“{topics[0]}”等项目，"
            f"获得实用新型专利{rng.randint(1, 6)}项，并定期组织技术研讨会。")
        for k, t in enumerate(rng.sample(["数控加工程序优化，节约工时15%", "焊接变形控制，返修率下降30%",
                                          "模具冷却系统改进，生产节拍缩短8%", "设备预防性维护体系建立",
                                          "来料检验夹具改进"], 3), 1):
            par(f"（{k}）{t}；")
    if "建站设想" not in omit:
        n += 1
        h1(n, "建站设想")
        subs = [s for s in SUBSECTIONS if not any(o in s for o in omit)]
        for j, s in enumerate(subs, 1):
            s = s.format(app=app)
            h2(j, s)
            if s.startswith("组织架构"):
                lead = masters[0].name if masters else members[0].name
                par(f"技师工作站设站长1名，由{lead}担任，负责工作站全面工作；成员如下：")
                for m in members:
                    par(f"{m.name}，{m.occupation}，{m.level}，负责{rng.choice(['工艺改进', '带徒培训', '设备维护', '质量攻关'])}。")
            elif s.startswith("技师工作站管理制度"):
                par("制定《技师工作站管理办法》《工作站活动台账制度》《师徒考核办法》等制度，落实站长负责制。")
                par("工作站每月召开一次技术研讨会，建立日常活动台账，年度制定培训计划和工作目标。")
            elif s == "资金投入":
                par(f"公司承诺投入建站资金{funding}万元，用于培训、技术攻关及设备购置，专款专用。")
            elif s == "场地设备配置":
                par(f"工作站场地面积{area}平方米，设培训室、研讨室和实操区，配备先进生产设备如下：")
                for k, e in enumerate(equipment, 1):
                    par(f"{k}. {e}  {rng.randint(1, 4)}台（套）")
            else:
                par(f"实行{app}，计划每年培养技能骨干不少于2名，结对如下：" +
                    "；".join(f"{a}带{b}" for a, b in pairs) + "。")
                par("师徒双方签订培养协议，明确培养目标、内容和考核方式，期满考核合格给予奖励。")
                par(f"技术攻关课题计划：{'；'.join(topics)}。")
    par("特此申请。")
    par(f"{u.name}")
    par(st.date(dt.date(2026, 4, rng.randint(1, 15))))
    # flow blocks onto pages
    pages: list[PageLayout] = []
    cur = None
    y = 0.0
    for kind, text in blocks:
        if cur is None or y > 250:
            cur = PageLayout("application_report", title="申请报告", copy=False)
            pages.append(cur)
            y = 30.0
            if len(pages) == 1:
                cur.text(80, y, "申 请 报 告", 20, st.bold)
                cur.text(20, y + 16, "佛山市高明区人力资源和社会保障局：", 12, st.font)
                y += 28
                y = cur.para(28, y, 160, f"为加强高技能人才队伍建设，我单位申请设立技师工作站，现将有关情况报告如下：",
                             12, st.font)
        if kind == "h1":
            cur.text(20, y + 3, text, 14, st.bold)
            y += 12
        elif kind == "h2":
            cur.text(24, y + 2, text, 12, st.bold)
            y += 9
        else:
            y = cur.para(28, y, 160, text, 11.5, st.font)
    for i, pg in enumerate(pages, 1):
        pg.text(100, 285, f"— {i} —", 9, st.font)
    pages[0].field("unit_name", u.name)
    for pg in pages:
        txt = "".join(it.text for it in pg.items if it.kind == "text")
        if "资金" in txt and f"{funding}万元" in txt:
            pg.field("funding_wan", str(funding))
        if f"{area}平方米" in txt:
            pg.field("site_area_m2", str(area))
    return pages, {"funding_wan": funding, "area_m2": area, "equipment": equipment, "topics": topics,
                   "pairs": pairs}
