"""The batch plan: which dossier carries which planted problem, in which files, and
the ground truth (checks, flags, recommendation) that follows from docs/SCREENING.md.

Cross-dossier plants (same person, same account, same scan) always pair two dirty
dossiers, so a clean dossier is never flagged by a partner.

Each expected flag carries the severity its proof allows: high only for a deterministic,
confirmed contradiction (a check character, the same identifier or scan in two dossiers,
a PDF's incremental edit, a text layer against its image, two documents of the dossier
stating different identities); a rule that is not official (certificate number structure)
or a registry match stays medium; local image evidence is low or medium."""
from __future__ import annotations

import copy
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from . import degrade
from .carriers import Cond, DossierWriter
from .documents import (Style, achievement_page, bank_page, business_licence_page, certificate_page,
                        contract_pages, honour_page, honour_template, id_card_page, id_cards_page, iso,
                        make_style, report_pages)
from .form import application_form
from .people import (EVALUATORS, USCC_ALPHABET, Person, Unit, cert_number, corrupt_last, level_position, make_person,
                     make_unit, make_uscc)
from .render import PT_MM, pil_font

RULES = ["ART3", "ART4.1", "ART4.2", "ART4.3", "ART4.4", "ART4.5", "ART5.1", "ART5.2", "ART5.3",
         "ART5.4", "ART5.F", "ART10", "ART17"]
AS_OF = "2026-05-20"
# code -> (rule, expected severity, severities a screening may give without being wrong)
SEVERITY = {
    "ID_NUMBER_INVALID": ("ART5.X", "high", ("high",)),
    "USCC_INVALID": ("ART5.X", "high", ("high",)),
    "IDENTITY_MISMATCH": ("ART5.X", "high", ("high",)),
    "APPLICANT_MISMATCH": ("ART5.X", "high", ("high",)),
    "CERTIFICATE_INCONSISTENT": ("ART5.X", "medium", ("medium",)),
    "DUPLICATE_PERSON": ("ART5.X", "high", ("high",)),
    "DUPLICATE_BANK_ACCOUNT": ("ART5.X", "high", ("high",)),
    "REUSED_IMAGE": ("ART5.X", "high", ("high",)),
    # high only when an incremental update changed page content; D08's update rewrites the
    # document information (producer, dates) alone: medium, verify the original
    "PDF_EDITED": ("ART5.X", "medium", ("medium",)),
    "TEXT_LAYER_MISMATCH": ("ART5.X", "high", ("high",)),
    "IMAGE_TAMPERED": ("ART5.X", "low", ("low", "medium")),
    # a funding note (第十条), no suspicion: low
    "FUNDING_CONFLICT": ("ART10", "low", ("low",)),
}


@dataclass
class Dossier:
    did: str
    unit: Unit
    members: list[Person]
    style: Style
    rng: random.Random
    checks: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    plants: list = field(default_factory=list)
    bank: dict = field(default_factory=dict)
    writer: DossierWriter | None = None
    zip: bool = False

    def __post_init__(self):
        self.checks = {r: "pass" for r in RULES}
        for r in ("ART4.2", "ART4.3", "ART4.4", "ART4.5"):
            self.checks[r] = "needs_review"
        u = self.unit
        self.bank = {"account_name": u.name, "account_number": u.account_number, "bank": u.bank,
                     "basic_account_licence_no": u.licence_no}

    def flag(self, code: str, subject: str, plant: str | None = None, severity: str | None = None):
        _, default, accepted = SEVERITY[code]
        sev = severity or default
        self.flags.append({"code": code, "subject": subject, "severity": sev,
                           "severity_accepted": list(accepted if sev == default else (sev,))})
        if plant:
            self.plants.append(plant)

    def recommendation(self) -> str:
        # only a high flag citing false materials refers; FUNDING_CONFLICT (ART10) never does
        if any(f["severity"] == "high" and SEVERITY[f["code"]][0] != "ART10" for f in self.flags):
            return "refer_false_materials"
        # ART10 is no bar to recognition (CONTRACT.md): it routes nowhere
        if any(self.checks[r] == "fail" for r in ("ART3", "ART4.1")):
            return "ineligible"
        if any(self.checks[r] == "fail" for r in RULES if r.startswith("ART5") or r[:5] == "ART4." and r != "ART4.1"):
            return "request_correction"
        return "proceed"

    def expected(self) -> dict:
        u = self.unit
        return {
            "dossier_id": self.did, "as_of": AS_OF,
            "applicant": {"name": u.name, "uscc": u.uscc, "legal_representative": u.legal_rep,
                          "address": u.address, "registration_authority": u.authority,
                          "established": iso(u.established)},
            "bank_account": self.bank,
            "members": [member_truth(m) for m in self.members],
            "documents": self.writer.truth.documents,
            "fields": self.writer.truth.fields,
            "checks": self.checks,
            "flags": [dict(f) for f in self.flags],
            "recommendation": self.recommendation(),
            "plants": self.plants,
        }


def member_truth(m: Person) -> dict:
    return {"name": m.name, "id_number": m.id_number, "sex": m.sex, "birth_date": iso(m.birth),
            "occupation": m.occupation, "level": m.level, "certificate_kind": m.cert_kind,
            "certificate_number": m.cert_number, "certificate_issue_date": iso(m.cert_issue),
            "certificate_issuer": m.cert_issuer, "has_id_card": True, "has_contract": m.has_contract,
            "contract_end": iso(m.contract_end) if m.has_contract else None}


# ------------------------------------------------------------------ page conditions
def clean(rng, **kw) -> Cond:
    return Cond(**{"skew": round(rng.uniform(-0.4, 0.4), 2), "noise": 1.0, "quality": 58, **kw})


def light(rng, **kw) -> Cond:
    base = dict(skew=round(rng.uniform(-0.9, 0.9), 2), noise=1.2, tint=(248, 246, 238), quality=52)
    base.update(kw)
    return Cond(**base)


def heavy(rng, **kw) -> Cond:
    base = dict(skew=round(rng.choice([-1, 1]) * rng.uniform(1.0, 3.0), 2), noise=5.0, blur=0.8,
                tint=rng.choice([(242, 236, 210), (225, 225, 222)]), artefacts=45, quality=58)
    base.update(kw)
    return Cond(**base)


# ------------------------------------------------------------------ assembly helpers
def new_dossier(did: str, seed: int, variant: str, used: set, n_members: int = 3,
                levels: list[str] | None = None, district: str = "高明区") -> Dossier:
    rng = random.Random(f"{seed}:{variant}:{did}")
    st = make_style(variant, rng)
    unit = make_unit(rng, used, district)
    if district != "高明区":
        unit.bank = unit.bank.replace("高明", district[:2])
    if variant == "c" and district == "高明区":
        c_unit_kind(unit, rng)
    levels = levels or ["高级技师"] + ["技师"] * (n_members - 1)
    members = [make_person(rng, used, lv, local=rng.random() < 0.75, rare_formats=variant != "a") for lv in levels]
    return Dossier(did, unit, members, st, rng)


def c_unit_kind(u: Unit, rng: random.Random) -> None:
    """Variant c: some applicants are a 个人独资企业 or a 个体工商户, whose licences print
    投资人 / 经营者 (DOCUMENTS.md); a 个体工商户's code has type 2 (GB 32100-2015)."""
    r = rng.random()
    if r < 0.7:
        return
    core = u.name.replace("佛山市", "").replace("高明区", "").replace("科技有限公司", "").replace("有限公司", "")
    if r < 0.85:
        u.kind, u.name = "个人独资企业", f"佛山市高明区{core}厂"
    else:
        u.kind, u.name = "个体工商户", f"佛山市高明区{core}加工部"
        u.uscc = make_uscc(rng, "440608", "92")


def top_member(d: Dossier, used: set) -> Person:
    """A 特级技师 / 首席技师 beside the qualifying members (low frequency, variant c)."""
    m = make_person(d.rng, used, "技师", local=True)
    m.level = d.rng.choice(["特级技师", "首席技师"])
    m.cert_kind = "职业技能等级证书"
    # 特级技师 / 首席技师 are rated by employers' evaluation bodies, not by a bureau
    m.cert_issuer = d.rng.choice(EVALUATORS)
    m.cert_issue = dt.date(d.rng.randint(2022, 2025), d.rng.randint(1, 12), d.rng.randint(1, 28))
    m.cert_number = cert_number(d.rng, "top22", m.level, m.cert_issue)
    return m


def member_docs(d: Dossier, m: Person, cond_fn, show_id=None, show_cert=None, show_contract=None,
                contract: bool = True):
    """The pages of one member's copies: ID card, certificate, contract (2 pages)."""
    pages = [(id_card_page(m, d.style, random.Random(m.photo_seed), show_id), cond_fn(d.rng)),
             (certificate_page(m, d.style, d.rng, show_cert), cond_fn(d.rng))]
    if contract:
        for p in contract_pages(d.unit, m, d.style, d.rng, show=show_contract):
            pages.append((p, cond_fn(d.rng)))
    return pages


def write_form(d: Dossier, rel: str, show=None):
    lead = next((m.name for m in d.members if m.level == "高级技师"), d.members[0].name)
    doc, fields = application_form(d.unit, d.members, d.style, lead, show)
    d.writer.docx_form(rel, doc, fields)


def write_report(d: Dossier, rel: str, omit=(), producer="Microsoft® Word 2016", when=None):
    pages, _ = report_pages(d.unit, d.members, d.style, d.rng, omit)
    kw = {"when": when} if when else {}
    return d.writer.text_pdf(rel, pages, producer=producer, **kw)


def standard(d: Dossier, cond_fn=clean, bank_kind="info", per_member_folder=True, achievements=2):
    """The usual folder: form, report, licence + bank scan, one scan per member, awards."""
    st, rng = d.style, d.rng
    write_form(d, "1-技师工作站设立申请表.docx")
    write_report(d, "2-申请报告.pdf")
    d.writer.scan_pdf("3-营业执照及基本存款账户.pdf",
                      [(business_licence_page(d.unit, st, rng), cond_fn(rng)),
                       (bank_page(d.unit, st, rng, bank_kind), cond_fn(rng))])
    for i, m in enumerate(d.members, 1):
        rel = f"4-成员材料/{i:02d}-{m.name}.pdf" if per_member_folder else f"4-{m.name}材料.pdf"
        d.writer.scan_pdf(rel, member_docs(d, m, cond_fn))
    ach = [(achievement_page(d.unit, m, st, rng), cond_fn(rng)) for m in d.members[:achievements]]
    d.writer.scan_pdf("5-业绩材料.pdf", ach)


# ------------------------------------------------------------------ the ten dossiers
def d01(d: Dossier, ctx):
    """Clean. Folder with nested member sub-folder; one contract as a text-layer PDF."""
    st, rng = d.style, d.rng
    write_form(d, "1-技师工作站设立申请表.docx")
    write_report(d, "2-申请报告.pdf")
    d.writer.scan_pdf("3-营业执照及开户许可证.pdf",
                      [(business_licence_page(d.unit, st, rng), light(rng)),
                       (bank_page(d.unit, st, rng, "licence"), light(rng))])
    d.bank["basic_account_licence_no"] = d.unit.licence_no
    for i, m in enumerate(d.members, 1):
        pages = member_docs(d, m, light, contract=(i != 1))
        d.writer.scan_pdf(f"4-成员材料/{m.name}/身份证及证书.pdf", pages)
    # the first member's contract printed from the HR system: a text-layer PDF
    d.writer.text_pdf(f"4-成员材料/{d.members[0].name}/劳动合同.pdf",
                      contract_pages(d.unit, d.members[0], st, rng, title="劳动合同书"))
    d.writer.scan_pdf("5-业绩材料.pdf", [(achievement_page(d.unit, m, st, rng), light(rng)) for m in d.members[:2]])
    d.plants.append("无问题：干净样本（文本层 PDF、扫描 PDF、嵌套子文件夹）")


def d02(d: Dossier, ctx):
    """Clean, as a zip with GBK names; photos (one with EXIF orientation), a PNG, a 180° page."""
    st, rng = d.style, d.rng
    d.zip = True
    write_form(d, "申请表/技师工作站设立申请表.docx")
    write_report(d, "申请报告.pdf")
    d.writer.scan_pdf("单位资料/营业执照.pdf", [(business_licence_page(d.unit, st, rng), light(rng, rotate=180))])
    d.writer.image("单位资料/基本存款账户信息.png", bank_page(d.unit, st, rng, "info"), clean(rng, noise=0, skew=0))
    for i, m in enumerate(d.members):
        folder = f"成员/{m.name}"
        if i == 0:
            # the sealed copy photographed with a phone, stored sideways with EXIF orientation 6
            d.writer.image(f"{folder}/身份证复印件照片.jpg", id_card_page(m, st, random.Random(m.photo_seed)),
                           Cond(photo=True, noise=3, blur=0.5, dpi=200, quality=70, tint=(240, 236, 226),
                                skew=2.2), exif_orientation=6)
            d.writer.image(f"{folder}/职业资格证书.jpg", certificate_page(m, st, rng), light(rng, quality=70))
            d.writer.scan_pdf(f"{folder}/劳动合同.pdf", [(p, light(rng)) for p in contract_pages(d.unit, m, st, rng)])
        else:
            d.writer.scan_pdf(f"{folder}/{m.name}材料.pdf", member_docs(d, m, light))
    d.writer.image("业绩材料/获奖证书.jpg", achievement_page(d.unit, d.members[0], st, rng), light(rng))
    d.plants.append("无问题：干净样本（GBK 文件名 zip、JPG 带 EXIF 方向、PNG、180° 页面）")


def d03(d: Dossier, ctx):
    """Clean, everything scanned together; licence pasted into a docx; a TIFF; a 90° page;
    heavy degradation on some pages."""
    st, rng = d.style, d.rng
    write_form(d, "设立申请表.docx")
    write_report(d, "申请报告（定稿）.pdf")
    d.writer.docx_with_scan("营业执照副本.docx", business_licence_page(d.unit, st, rng), light(rng), "营业执照副本复印件")
    pages = [(bank_page(d.unit, st, rng, "info"), heavy(rng))]
    for i, m in enumerate(d.members):
        md = member_docs(d, m, light if i else heavy)
        if i == 1:
            md[2] = (md[2][0], light(rng, rotate=90))  # contract first page fed sideways
        pages += md
    d.writer.scan_pdf("全部材料扫描件.pdf", pages, producer="EPSON Scan")
    d.writer.image("业绩材料/荣誉证书.tif", achievement_page(d.unit, d.members[1], st, rng), clean(rng, dpi=200))
    d.plants.append("无问题：干净样本（所有复印件一个扫描 PDF、docx 内嵌扫描、TIFF、90° 页面、重度退化）")


def d04(d: Dossier, ctx):
    st, rng = d.style, d.rng
    bad = d.members[0]
    bad.id_number = corrupt_last(bad.id_number, "0123456789X")
    misnamed = d.members[1]
    other = misnamed.name[:-1] + ("华" if misnamed.name[-1] != "华" else "明")
    ctx["shared_person"] = d.members[2]
    d.flag("ID_NUMBER_INVALID", bad.name, f"{bad.name} 的身份证号 {bad.id_number} 校验码错误（所有材料一致）")
    d.flag("IDENTITY_MISMATCH", misnamed.name, f"{misnamed.name} 的职业资格证书上姓名印为 {other}")
    write_form(d, "1-申请表.docx")
    write_report(d, "2-申请报告.pdf")
    d.writer.scan_pdf("3-单位证照.pdf", [(business_licence_page(d.unit, st, rng), light(rng)),
                                         (bank_page(d.unit, st, rng, "info"), light(rng))])
    for i, m in enumerate(d.members):
        show_cert = {"name": other} if m is misnamed else None
        # the invalid number is printed clearly, so that two OCR engines read it alike
        d.writer.scan_pdf(f"4-成员/{m.name}.pdf", member_docs(d, m, clean if m is bad else light, show_cert=show_cert))
    d.writer.scan_pdf("5-业绩.pdf", [(achievement_page(d.unit, m, st, rng), light(rng)) for m in d.members[:2]])


def d05(d: Dossier, ctx, used):
    st, rng = d.style, d.rng
    d.unit.uscc = corrupt_last(d.unit.uscc, USCC_ALPHABET)
    other_name = d.unit.name.replace("有限公司", "贸易有限公司").replace("科技贸易", "贸易")
    if other_name == d.unit.name:
        other_name = d.unit.name[:-4] + "贸易有限公司"
    d.bank.update({"account_name": other_name, "basic_account_licence_no": None})
    ctx["shared_account"] = (d.did, d.unit.account_number)
    d.flag("USCC_INVALID", d.unit.name, f"统一社会信用代码 {d.unit.uscc} 校验码错误（营业执照、申请表、合同一致）")
    d.flag("APPLICANT_MISMATCH", d.unit.name, f"银行账户证明户名为 {other_name}，与申请单位名称不符")
    d.checks["ART5.4"] = "fail"
    d.plants.append("ART5.4 不通过：提交的是一般存款账户证明，且户名为另一单位")
    write_form(d, "申请表.docx")
    write_report(d, "申请报告.pdf")
    d.writer.scan_pdf("营业执照.pdf", [(business_licence_page(d.unit, st, rng), clean(rng))])
    d.writer.scan_pdf("银行开户证明.pdf", [(bank_page(d.unit, st, rng, "general", account_name=other_name), clean(rng))])
    for m in d.members:
        d.writer.scan_pdf(f"成员材料/{m.name}.pdf", member_docs(d, m, clean))
    d.writer.image("业绩材料/专利证书.jpg", achievement_page(d.unit, d.members[0], st, rng), clean(rng))


def d06(d: Dossier, ctx):
    st, rng = d.style, d.rng
    a, b, c = d.members  # 技师, 高级工, 技师 with a level-3 number
    if level_position(c.cert_number) is None:  # a regional format has no level digit to plant
        c.cert_issuer = "广东省人力资源和社会保障厅"
        c.cert_number = cert_number(rng, "qual16", c.level, c.cert_issue)
    num = c.cert_number
    pos = level_position(num)  # 11th of 16, 16th of 22 (DOCUMENTS.md)
    c.cert_number = num[:pos] + "3" + num[pos + 1:]
    d.flag("CERTIFICATE_INCONSISTENT", c.name, f"{c.name} 的证书编号 {c.cert_number} 等级位为 3（高级工），证书却印“技师”")
    d.checks["ART4.1"] = "fail"
    d.plants.append(f"ART4.1 不通过：{b.name} 仅为高级工，{c.name} 的证书等级存疑，合格技师少于 3 名")
    ctx["reused_from"] = (d.did, a)
    ctx["reused_style"] = st
    write_form(d, "申请表.docx")
    write_report(d, "申请报告.pdf")
    d.writer.scan_pdf("单位证照.pdf", [(business_licence_page(d.unit, st, rng), light(rng)),
                                       (bank_page(d.unit, st, rng, "licence"), light(rng))])
    for m in d.members:
        pages = member_docs(d, m, light)
        images = None
        if m is a:
            # the scan D07 reuses: rendered from a seed of its own, so that D07 can redraw the
            # very same scan (noise, skew, seal) with only the holder's text changed
            # a scanner's grain (the light condition's 1.2 leaves none after JPEG): what makes
            # one scan recognisable as such wherever it is filed again
            from dataclasses import replace as _replace

            from .carriers import render_scan
            cond = _replace(pages[0][1], noise=3.0)
            pages[0] = (pages[0][0], cond)
            ctx["reused_cond"], ctx["reused_seal"] = cond, d.unit.name
            images = {0: render_scan(pages[0][0], cond, d.unit.name, random.Random(7))}
        d.writer.scan_pdf(f"成员/{m.name}.pdf", pages, images=images)
    ctx["reused_rel"] = f"成员/{a.name}.pdf"
    d.writer.scan_pdf("业绩.pdf", [(achievement_page(d.unit, a, st, rng), light(rng))])


def d07(d: Dossier, ctx, partners: dict):
    st, rng = d.style, d.rng
    members = d.members
    if "shared_person" in ctx:
        shared = copy.deepcopy(ctx["shared_person"])
        members[1] = shared
        d.flag("DUPLICATE_PERSON", shared.id_number, f"{shared.name}（{shared.id_number}）同时是 D04 的成员")
        partners["D04"].flag("DUPLICATE_PERSON", shared.id_number,
                             f"DUPLICATE_PERSON：{shared.name}（{shared.id_number}）同时是 {d.did} 的成员")
    if "shared_account" in ctx:
        pdid, acct = ctx["shared_account"]
        d.unit.account_number = acct
        d.bank["account_number"] = acct
        d.flag("DUPLICATE_BANK_ACCOUNT", acct, f"基本存款账户账号 {acct} 与 {pdid} 的账号相同")
        partners[pdid].flag("DUPLICATE_BANK_ACCOUNT", acct, f"DUPLICATE_BANK_ACCOUNT：账号 {acct} 也出现在 {d.did}（他单位名下）")
    reused = None
    if "reused_from" in ctx:
        pdid, a = ctx["reused_from"]
        w = members[2]
        fake = copy.deepcopy(a)
        fake.name, fake.id_number, fake.sex, fake.birth = w.name, w.id_number, w.sex, w.birth
        w.address, w.photo_seed, w.ethnic, w.id_issuer, w.id_valid = a.address, a.photo_seed, a.ethnic, a.id_issuer, a.id_valid
        reused = w
        d.flag("REUSED_IMAGE", w.name, f"{w.name} 的身份证复印件是 {pdid} 成员 {a.name} 身份证扫描件换名重裁剪压缩所得")
        partners[pdid].flag("REUSED_IMAGE", a.name, f"REUSED_IMAGE：{a.name} 的身份证扫描件被 {d.did} 换名冒用为 {w.name}")
    tl = members[0]
    fake_no = tl.cert_number[:-4] + f"{(int(tl.cert_number[-4:]) + 3817) % 10000:04d}"
    d.flag("TEXT_LAYER_MISMATCH", tl.name, f"{tl.name} 证书 PDF 的隐藏文字层证书编号为 {fake_no}，图像为 {tl.cert_number}")
    write_form(d, "1-申请表.docx")
    write_report(d, "2-申请报告.pdf")
    d.writer.scan_pdf("3-营业执照.pdf", [(business_licence_page(d.unit, st, rng), light(rng))])
    d.writer.image("3-基本存款账户信息.jpg", bank_page(d.unit, st, rng, "info"), light(rng, quality=72))
    for i, m in enumerate(members):
        pages = member_docs(d, m, light)
        if m is tl:
            # scanner OCR layer edited afterwards: it carries another certificate number
            cert_layout = pages[1][0]
            items = [copy.copy(it) for it in cert_layout.items if it.kind == "text"]
            for it in items:
                if it.text == tl.cert_number:
                    it.text = fake_no
            d.writer.scan_pdf(f"4-成员/{m.name}-证书.pdf", [pages[1]], text_layers={0: items},
                              producer="Kofax OmniPage")
            d.writer.scan_pdf(f"4-成员/{m.name}-身份证合同.pdf", [pages[0]] + pages[2:])
        elif m is reused:
            img = reused_card_image(ctx, d, m)
            d.writer.image(f"4-成员/{m.name}-身份证.jpg", pages[0][0], pages[0][1], img=img)
            d.writer.scan_pdf(f"4-成员/{m.name}-证书合同.pdf", pages[1:])
        else:
            d.writer.scan_pdf(f"4-成员/{m.name}.pdf", pages)
    d.writer.scan_pdf("5-业绩.pdf", [(achievement_page(d.unit, m, st, rng), light(rng)) for m in members[:2]])


def reused_card_image(ctx, d: Dossier, w: Person) -> Image.Image:
    """D06's card scan under W's name: the same scan (card position, photo, address, noise,
    skew and D06's seal, drawn from the same seed) with the holder's name, sex, birth date
    and number retyped, then re-cropped and re-compressed as a re-used scan is."""
    from .carriers import render_scan
    lay = id_card_page(w, ctx["reused_style"], random.Random(w.photo_seed))
    img = render_scan(lay, ctx["reused_cond"], ctx["reused_seal"], random.Random(7))
    W, H = img.size
    img = img.crop((int(W * 0.02), int(H * 0.015), int(W * 0.985), int(H * 0.99))).resize((W, H), Image.BICUBIC)
    return degrade.recompress(img, 55)


def d08(d: Dossier, ctx):
    st, rng = d.style, d.rng
    d.checks["ART3"] = "fail"
    d.plants.append(f"ART3 不通过：单位注册在南海区（代码 {d.unit.uscc[2:8]}，登记机关 {d.unit.authority}）")
    d.flag("PDF_EDITED", "申请报告.pdf", "申请报告.pdf 以增量更新方式被 Adobe Acrobat 修改，修改日期晚于创建日期五个月")
    write_form(d, "申请表.docx")
    path = write_report(d, "申请报告.pdf", when=dt.datetime(2025, 11, 3, 10, 12, tzinfo=dt.timezone.utc))
    append_incremental_edit(path)
    standard_rest(d, light)


def standard_rest(d: Dossier, cond_fn):
    st, rng = d.style, d.rng
    d.writer.scan_pdf("营业执照及开户证明.pdf", [(business_licence_page(d.unit, st, rng), cond_fn(rng)),
                                                 (bank_page(d.unit, st, rng, "info"), cond_fn(rng))])
    for m in d.members:
        d.writer.scan_pdf(f"成员材料/{m.name}.pdf", member_docs(d, m, cond_fn))
    d.writer.scan_pdf("业绩材料.pdf", [(achievement_page(d.unit, m, st, rng), cond_fn(rng)) for m in d.members[:2]])


def append_incremental_edit(path: Path) -> None:
    """Append an incremental update (new Info: Acrobat producer, ModDate months later),
    as saving in a PDF editor does; the original bytes stay in front of it."""
    import re
    data = path.read_bytes()
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", data)[-1]
    obj = size
    body = (f"{obj} 0 obj\n<</Producer (Adobe Acrobat Pro DC 21.1.20155)/Creator (Microsoft Word)"
            f"/CreationDate (D:20251103101200Z)/ModDate (D:20260418163205+08'00')>>\nendobj\n").encode()
    if not data.endswith(b"\n"):
        data += b"\n"
    off = len(data)
    xref_at = off + len(body)
    xref = (f"xref\n0 1\n0000000000 65535 f \n{obj} 1\n{off:010d} 00000 n \n"
            f"trailer\n<</Size {obj + 1}/Root {root.decode()}/Info {obj} 0 R/Prev {prev}>>\n"
            f"startxref\n{xref_at}\n%%EOF\n").encode()
    path.write_bytes(data + body + xref)


def d09(d: Dossier, ctx):
    st, rng = d.style, d.rng
    nocontract = d.members[3]
    nocontract.has_contract = False
    d.checks.update({"ART5.1": "fail", "ART5.2": "fail", "ART5.3": "fail", "ART5.F": "fail"})
    d.plants += ["ART5.1 不通过：未提交设立申请表",
                 "ART5.2 不通过：申请报告缺“技术研发和攻关开展情况”和“资金投入”",
                 f"ART5.3 不通过：{nocontract.name} 无劳动合同/工作协议",
                 "ART5.F 不通过：身份证复印件未加盖公章、未注明与原件相符"]
    write_report(d, "申请报告.pdf", omit=("技术研发和攻关开展情况", "资金投入"))
    d.writer.scan_pdf("营业执照.pdf", [(business_licence_page(d.unit, st, rng), light(rng))])
    d.writer.scan_pdf("开户许可证.pdf", [(bank_page(d.unit, st, rng, "licence"), light(rng))])
    tampered = d.members[1]
    for m in d.members:
        pages = member_docs(d, m, light, contract=m is not nocontract)
        pages[0] = (pages[0][0], light(rng, seal=False, mark=False))  # ID copies unsealed
        if m is tampered:
            d.writer.image(f"成员/{m.name}/证书照片.jpg", pages[1][0], Cond(photo=True, seal=False, mark=False),
                           img=tampered_certificate(pages[1][0], st, m, rng))
            pages = pages[:1] + pages[2:]
        d.writer.scan_pdf(f"成员/{m.name}/{m.name}.pdf", pages)
    d.flag("IMAGE_TAMPERED", f"成员/{tampered.name}/证书照片.jpg",
           f"{tampered.name} 证书照片的发证日期区域为另行打字粘贴后重新保存")
    d.writer.scan_pdf("业绩材料.pdf", [(achievement_page(d.unit, m, st, rng), light(rng)) for m in d.members[:2]])


def tampered_certificate(lay, st: Style, m: Person, rng: random.Random) -> Image.Image:
    """Photo of the certificate, JPEG-saved, then the issue-date value covered by a
    freshly typed patch (other font, clean background) and saved again at high quality."""
    from .carriers import render_scan
    cond = Cond(photo=True, seal=False, mark=False, noise=4, blur=0.6, tint=(236, 232, 220), artefacts=60)
    img = render_scan(lay, cond, "", rng)
    k = cond.dpi / 25.4
    target = st.date(m.cert_issue)
    it = next(i for i in lay.items if i.kind == "text" and i.text == target)
    em = it.size * PT_MM
    x0, y0 = int(it.x * k) - 4, int((it.y - em * 1.05) * k)
    x1, y1 = int((it.x + len(target) * em * 0.8 + 4) * k), int((it.y + em * 0.35) * k)
    patch = Image.new("RGB", (x1 - x0, y1 - y0), (240, 238, 232))
    ImageDraw.Draw(patch).text((4, int(em * 1.05 * k)), target, font=pil_font("hei", round(it.size * cond.dpi / 72)),
                               fill=(15, 15, 15), anchor="ls")
    img.paste(patch, (x0, y0))
    return Image.open(io.BytesIO(degrade.jpeg_bytes(img, 92))).convert("RGB")


def d10(d: Dossier, ctx, registry: list):
    st, rng = d.style, d.rng
    d.checks["ART10"] = "fail"
    d.flag("FUNDING_CONFLICT", d.unit.name, "登记册：本单位 2026 年已获技能大师工作室资助")
    earlier = d.members[1]
    d.flag("DUPLICATE_PERSON", earlier.id_number, severity="medium")
    d.plants.append(f"DUPLICATE_PERSON（中）：{earlier.name} 已是登记册中 2023 年他单位技师工作站成员")
    other_rng = random.Random(f"registry:{d.did}")
    registry.append([d.unit.name, d.unit.uscc, "技能大师工作室", "2026",
                     ";".join(make_person(other_rng, set()).id_number for _ in range(3))])
    registry.append(["佛山市高明区永利精密机械有限公司" if "永利" not in d.unit.name else "佛山市高明区众鑫模具有限公司",
                     make_unit(other_rng, set()).uscc, "技师工作站", "2023",
                     ";".join([make_person(other_rng, set()).id_number, earlier.id_number,
                               make_person(other_rng, set()).id_number])])
    write_form(d, "申请表.docx")
    write_report(d, "申请报告.pdf")
    standard_rest(d, light)


def clean_extra(d: Dossier, ctx):
    if d.style.variant == "c":
        return clean_c(d, ctx)
    standard(d, light)
    d.plants.append("无问题：干净样本")


def clean_c(d: Dossier, ctx, used: set | None = None, zip_it: bool = False):
    """A clean variant-c dossier: several members' ID cards on one page, one-page or
    booklet-spread certificates, same-template honour certificates for different people,
    sometimes a 特级技师 / 首席技师 beside the qualifying members."""
    st, rng = d.style, d.rng
    d.zip = zip_it
    if used is not None and rng.random() < 0.35:
        d.members.append(top_member(d, used))
    write_form(d, "01-设立申请表.docx")
    write_report(d, "02-申请报告.pdf")
    d.writer.scan_pdf("03-营业执照及银行账户.pdf", [(business_licence_page(d.unit, st, rng), light(rng)),
                                                   (bank_page(d.unit, st, rng, rng.choice(["info", "licence"])), light(rng))])
    per_page = rng.choice([2, 3])
    ids = [(id_cards_page(d.members[i:i + per_page], st, rng), light(rng))
           for i in range(0, len(d.members), per_page)]
    d.writer.scan_pdf("04-成员身份证复印件.pdf", ids)
    for i, m in enumerate(d.members, 1):
        cert = certificate_page(m, st, rng)
        pages = [(p, light(rng)) for p in contract_pages(d.unit, m, st, rng)]
        if zip_it and i == 1:
            # a phone photo of the certificate (skewed, shadowed), beside the scans
            d.writer.image(f"05-成员材料/{i:02d}-{m.name}-证书.jpg", cert,
                           Cond(photo=True, noise=3, blur=0.4, dpi=200, quality=72, tint=(238, 234, 224), skew=1.8))
        else:
            pages.insert(0, (cert, light(rng)))
        d.writer.scan_pdf(f"05-成员材料/{i:02d}-{m.name}.pdf", pages)
    t = honour_template(rng, d.members[0].occupation)
    d.writer.scan_pdf("06-荣誉证书.pdf", [(honour_page(m, st, t), light(rng)) for m in d.members[:3]])
    d.plants.append("无问题：干净样本（多人身份证同页、同模板荣誉证书、两栏营业执照、表头式申请表）")


PLAN = [("D01", 3, None), ("D02", 3, None), ("D03", 3, None), ("D04", 4, None), ("D05", 3, None),
        ("D06", 3, ["技师", "高级工", "技师"]), ("D07", 4, None), ("D08", 3, None), ("D09", 4, None),
        ("D10", 3, None)]
