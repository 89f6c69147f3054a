"""第三条 (Gaoming applicant) and 第四条 (eligibility conditions)."""
from __future__ import annotations

import datetime as dt
import re

from extractors.records import DossierRecord
from validators.checks.common import doc_provenance, docs_of, member_has
from validators.findings import Check
from validators.findings_util import person_label
from validators.identifiers import uscc as uscc_id
from validators.ruleset import RuleSet

ART4_TITLES = {
    "ART4.2": ("第四条第（二）项", "师带徒、拜师学艺等培养方式"),
    "ART4.3": ("第四条第（三）项", "经营管理、资金支持及场所设备条件"),
    "ART4.4": ("第四条第（四）项", "较为先进的生产、科研设施设备"),
    "ART4.5": ("第四条第（五）项", "组织开展技术攻关、技术研讨的能力和经验"),
}


# Administrative-division and street words: a 住所 reading without two of them is not an address.
_PLACE_WORDS = re.compile(r"省|自治区|市|县|区|镇|乡|街道|村|路|街|巷|号|组|园|楼")


def looks_like_address(text: str) -> bool:
    return len(set(_PLACE_WORDS.findall(text))) >= 2


def check_art3(record: DossierRecord, rs: RuleSet) -> Check:
    a = record.applicant
    licences = docs_of(record, "business_licence")
    evidence = [p for k in ("uscc", "registration_authority", "address") for p in a.provenance.get(k, [])[:1]]
    if not licences:
        return Check("ART3", "needs_review", "第三条：未识别到营业执照（法人登记证书），无法判断申请单位是否在高明区注册，请人工核实", evidence)
    signs: dict[str, bool] = {}
    if a.uscc and len(uscc_id.compact(a.uscc)) == 18:
        signs["统一社会信用代码地区码" + uscc_id.region(a.uscc)] = uscc_id.region(a.uscc) in rs.region_codes
    if a.registration_authority:
        signs["登记机关“" + a.registration_authority + "”"] = any(n in a.registration_authority for n in rs.region_names)
    address_ok = None
    note = ""
    if a.address and looks_like_address(a.address):
        address_ok = any(n in a.address for n in rs.region_names)
        signs["住所“" + a.address + "”"] = address_ok
    elif a.address:
        # e.g. the 经营范围 read into 住所 by a layout the extractor did not know: no sign either way
        note = f"；读到的住所“{a.address[:30]}”不像地址，未作判断依据"
    evidence = evidence or [p for d in licences for p in doc_provenance(d)]
    if not signs:
        return Check("ART3", "needs_review", "第三条：营业执照上未读到地区码、登记机关或住所，请人工核实是否为高明区单位", evidence)
    listed = "；".join(f"{k}{'属高明区' if v else '不属高明区'}" for k, v in signs.items())
    registered = [v for k, v in signs.items() if not k.startswith("住所")]
    # docs/SCREENING.md: (region code or authority) points to Gaoming, and the address if read.
    if any(registered) and address_ok is not False:
        return Check("ART3", "pass", f"第三条：申请单位在高明区注册（{listed}）{note}", evidence)
    if not any(signs.values()):
        return Check("ART3", "fail", f"第三条：申请单位不在高明区（{listed}），不属于本办法认定范围{note}", evidence)
    return Check("ART3", "needs_review", f"第三条：注册地信息不一致（{listed}），请人工核实{note}", evidence)


def _date(v: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(v) if v else None
    except ValueError:
        return None


def check_art4_1(record: DossierRecord, rs: RuleSet, as_of: dt.date) -> Check:
    qualified: dict[str, object] = {}
    lacking: list[str] = []
    evidence = []
    for m in record.members:
        label = person_label(m.name, m.id_number)
        missing = []
        if m.level not in rs.qualifying_levels:
            missing.append(f"等级为{m.level or '未识别'}（须为{'或'.join(rs.qualifying_levels)}）")
        if not (m.has_id_card or member_has(m, "id_card")):
            missing.append("缺身份证")
        if not (m.has_certificate or member_has(m, "qualification_certificate")):
            missing.append("缺职业资格/技能等级证书")
        if not (m.has_contract or member_has(m, "labour_contract")):
            missing.append("缺劳动合同/工作协议")
        end = _date(m.contract_end)
        if end and end < as_of:
            missing.append(f"劳动合同已于{end}到期")
        issued = _date(m.certificate_issue_date)
        if issued and issued > as_of:
            missing.append(f"证书发证日期{issued}晚于审查基准日")
        if not m.id_number and not m.name:
            missing.append("未读到姓名和身份证号码")
        if missing:
            lacking.append(f"{label}：{'、'.join(missing)}")
            continue
        # Distinct by ID number; by name only when the number was not read at all.
        key = m.id_number.upper() if m.id_number else "name:" + m.name
        if key not in qualified:
            qualified[key] = m
            evidence += [p for k in ("level", "certificate_number") for p in m.provenance.get(k, [])[:1]]
    n = len(qualified)
    names = "、".join(person_label(m.name, m.id_number) for m in qualified.values()) or "无"
    if n >= rs.min_members:
        return Check("ART4.1", "pass", f"第四条第（一）项：符合条件的技师、高级技师{n}名（{names}），不少于{rs.min_members}名", evidence)
    detail = f"第四条第（一）项：符合条件的技师、高级技师仅{n}名（少于{rs.min_members}名）：{names}"
    if lacking:
        detail += "；不计入：" + "；".join(lacking)
    return Check("ART4.1", "fail", detail, evidence)


def check_art4_judgement(record: DossierRecord, rule: str) -> Check:
    article, topic = ART4_TITLES[rule]
    found = record.evidence.get(rule, [])
    if not found:
        return Check(rule, "fail", f"{article}：申请材料中未找到关于{topic}的任何内容")
    quotes = "；".join(f"“{p.text[:40]}”（{p.file}第{p.page}页）" for p in found[:5])
    more = f"等{len(found)}处" if len(found) > 5 else ""
    return Check(rule, "needs_review", f"{article}：找到关于{topic}的内容{more}，请评审人判断：{quotes}", list(found))
