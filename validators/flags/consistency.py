"""IDENTITY_MISMATCH, APPLICANT_MISMATCH and CERTIFICATE_INCONSISTENT.

Values are compared as each document states them (`Provenance.value`), after removing
what scanning and typing vary (spaces, full/half-width brackets, letter case). Legal
forms are not normalised: 有限公司 and 有限责任公司 are different registered names.
A disagreement where one side was read by OCR with confidence below the threshold is more
likely a misreading: the flag drops to medium and says so.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from extractors.records import DossierRecord, Member, Provenance
from validators.findings import Flag
from validators.findings_util import data, make_flag, person_label, where
from validators.identifiers import certificate, ric
from validators.ocr_tolerance import (from_ocr, is_truncation, probable_misread, reading_is_solid, reading_proof,
                                       within_one_edit)

DOC_NAMES = {"id_card": "身份证", "qualification_certificate": "证书", "labour_contract": "劳动合同",
             "application_form": "申请表", "business_licence": "营业执照", "bank_account": "银行账户材料",
             "achievement": "业绩材料", "application_report": "申请报告", None: "材料", "other": "其他材料"}
def normalise(field: str, value: str) -> str:
    v = unicodedata.normalize("NFKC", value)  # full-width digits, letters and brackets -> half-width
    v = re.sub(r"\s", "", v).upper()
    if field in ("birth_date", "certificate_issue_date", "contract_end"):
        m = re.match(r"(\d{4})\D*(\d{1,2})\D*(\d{1,2})", v)
        if m:
            v = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return v


def _low_conf() -> float:
    return float(data("flags.yaml")["low_confidence"])


_EXACT_ENGINES = ("text_layer", "docx")


def _rereads(p: Provenance) -> list[str]:
    return [str(r.get("value") or r.get("text") or "") for r in p.rereads if not r.get("error")]


def _disagreement(field: str, provs: list[Provenance], warnings: list[str] | None = None
                  ) -> tuple[dict[str, list[Provenance]], list[str]] | None:
    """Groups of provenance by normalised value when they disagree, and what the
    disagreement rests on (Flag.proof), else None: `two_documents` when every stated value
    was read exactly, confirmed by a re-read, or stated alike by two documents;
    `probable_misread` / `low_confidence` / `single_ocr` otherwise.

    A reading whose re-read (second engine, same crop) gives another document's value was
    a misreading: it joins that value's group and a warning says so. Without a re-read, a
    disagreement that is a single character between OCR readings (tesseract reads 鑫 as
    秦/春/塞 on the sample batch at line confidence 0.75-0.88) or that involves a reading
    below the low-confidence threshold is kept but lowered to medium."""
    groups: dict[str, list[Provenance]] = {}
    for p in provs:
        if p.value:
            groups.setdefault(normalise(field, p.value), []).append(p)
    if len(groups) < 2:
        return None
    moved: list[Provenance] = []
    for value, ps in list(groups.items()):
        for p in list(ps):
            better = [normalise(field, r) for r in _rereads(p)]
            # A re-read that states less than the first reading (谢家 for 谢家豪: a name cut
            # short by the re-read's own parsing or crop) corrects nothing. One that drops
            # a stray mark read before the name (引张建明 -> 张建明, RapidOCR on a generated
            # ID card) does.
            target = next((v for v in better if v != value and v in groups and not is_truncation(v, value)), None)
            if target:
                ps.remove(p)
                groups[target].append(p)
                moved.append(p)
                if warnings is not None:
                    warnings.append(f"{DOC_NAMES.get(p.doc_type, '材料')}（{where(p)}）OCR读为“{value}”，复核重读为“{target}”，判断为识别错误")
    groups = {v: ps for v, ps in groups.items() if ps}
    # An OCR line cut short (by a seal, a fold, the margin) states a prefix, not another value.
    for value in sorted(groups, key=len):
        longer = [v for v in groups if v != value and is_truncation(value, v)]
        if longer and not any(p.engine in _EXACT_ENGINES for p in groups[value]):
            target = max(longer, key=lambda v: len(groups[v]))
            groups[target].extend(groups.pop(value))
            if warnings is not None:
                warnings.append(f"“{value}”为OCR读数不完整（“{target}”的前半部分），未作为不一致处理")
    if len(groups) < 2:
        return None
    ocr = [p for ps in groups.values() for p in ps if p.engine not in _EXACT_ENGINES]
    low = any(p.confidence < _low_conf() for p in ocr)
    # Only a re-read that repeats its own first reading confirms it; a reading moved into
    # another group by its re-read was a misreading, not a confirmation.
    confirmed = any(normalise(field, r) == v for v, ps in groups.items() for p in ps
                    if not any(p is q for q in moved) for r in _rereads(p))
    exact_values = {v for v, ps in groups.items() if any(p.engine in _EXACT_ENGINES for p in ps)}
    values = list(groups)
    near = all(probable_misread(a, b) for i, a in enumerate(values) for b in values[i + 1:])
    misread = (low or near) and not confirmed and len(exact_values) < 2
    if misread:
        return groups, ["low_confidence" if low else "probable_misread"]
    solid = all(len({(p.file, p.page) for p in ps}) >= 2
                or any(reading_is_solid(p, v, lambda r: normalise(field, r), tuple(o for o in groups if o != v))
                       and not any(p is q for q in moved) for p in ps)
                for v, ps in groups.items())
    return groups, ["two_documents"] if solid else ["single_ocr"]


def _digits(text: str) -> str:
    """A printed date's digits as printed, unpadded: 1986年1月11日 -> 1986111 (a dropped
    digit is then one deletion away from the ID number's date)."""
    m = re.search(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})", text or "")
    return f"{m[1]}{int(m[2])}{int(m[3])}" if m else re.sub(r"\D", "", text or "")


def _one_digit_dropped(short: str, full: str) -> bool:
    """`short` is `full` with exactly one digit left out (not changed)."""
    return len(short) + 1 == len(full) and any(full[:i] + full[i + 1:] == short for i in range(len(full)))


def _describe(groups: dict[str, list[Provenance]], mask=None) -> str:
    return "；".join(f"{'、'.join(DOC_NAMES.get(p.doc_type, '材料') + '（' + where(p) + '）' for p in ps)}为“{mask(v) if mask else v}”"
                     for v, ps in groups.items())


def _by_proof(items: list[tuple[str, list[str], list[Provenance]]]) -> dict[tuple[str, ...], tuple[list[str], list[Provenance]]]:
    """Problems grouped by what they rest on: a confirmed contradiction is never diluted by a
    weak one in the same flag, nor a weak one raised by a confirmed one beside it."""
    out: dict[tuple[str, ...], tuple[list[str], list[Provenance]]] = {}
    for text, proof, evidence in items:
        texts, ev = out.setdefault(tuple(proof), ([], []))
        texts.append(text)
        ev += [p for p in evidence if p not in ev]
    return out


_MISREAD_NOTE = "（差异仅一个字或有低置信度OCR读数，且未经复核重读证实，可能为识别错误，请对照原件）"


def _mismatch_flags(code: str, subject: str, head: str, items) -> list[Flag]:
    flags = []
    for proof, (texts, evidence) in _by_proof(items).items():
        detail = head + "；".join(texts)
        if {"low_confidence", "probable_misread"} & set(proof):
            detail += _MISREAD_NOTE
        flags.append(make_flag(code, subject, detail, evidence, proof=list(proof)))
    return flags


def identity_flags(record: DossierRecord, warnings: list[str] | None = None) -> list[Flag]:
    flags = []
    labels = {"name": "姓名", "id_number": "公民身份号码", "sex": "性别", "birth_date": "出生日期"}
    for m in record.members:
        who = person_label(m.name, m.id_number)
        items: list[tuple[str, list[str], list[Provenance]]] = []
        for field, label in labels.items():
            dis = _disagreement(field, m.provenance.get(field, []), warnings)
            if dis:
                groups, proof = dis
                items.append((f"{label}不一致：{_describe(groups)}", proof, [ps[0] for ps in groups.values()]))
        # The ID number itself states sex and birth date (GB 11643): the printed value is the
        # other side, and it decides how far the contradiction is proven.
        if m.id_number and ric.is_valid(m.id_number):
            born = ric.get_birth_date(m.id_number).isoformat()
            printed = m.provenance.get("birth_date", [])[:1]
            d = ric.get_birth_date(m.id_number)
            if (m.birth_date and normalise("birth_date", m.birth_date) != born and from_ocr(printed)
                    and _one_digit_dropped(_digits(printed[0].text if printed else m.birth_date),
                                           f"{d.year}{d.month}{d.day}")):
                # 1985年9月1日 read for 1985年9月11日: OCR drops a digit, nobody forges one away
                if warnings is not None:
                    warnings.append(f"{who}的出生日期OCR读为{m.birth_date}，比身份证号码中的{born}少一位数字，判断为识别错误")
            elif m.birth_date and normalise("birth_date", m.birth_date) != born and printed[:1] and printed[0].engine != "derived":
                raw = printed[0].text if printed else m.birth_date
                proof = _printed_proof(printed, normalise("birth_date", m.birth_date), "birth_date")
                # 1986年1月1日 against 19860111: one dropped or misread digit on an OCR'd card.
                if from_ocr(printed) and (within_one_edit(normalise("birth_date", m.birth_date), born)
                                          or within_one_edit(_digits(raw), f"{d.year}{d.month}{d.day}")):
                    proof = ["probable_misread"]
                items.append((f"出生日期{m.birth_date}与身份证号码中的{born}不一致", proof, printed))
            sexes = [p for p in m.provenance.get("sex", []) if p.engine != "derived"][:1]
            if m.sex in ("男", "女") and m.sex != ric.get_sex(m.id_number) and sexes:
                items.append((f"性别“{m.sex}”与身份证号码（顺序码{'奇数' if ric.get_sex(m.id_number) == '男' else '偶数'}）不符",
                              _printed_proof(sexes, m.sex, "sex"), sexes))
        flags += _mismatch_flags("IDENTITY_MISMATCH", who, f"第十五条第（一）项：{who}在不同材料中的身份信息不一致：", items)
    return flags


def _printed_proof(provs: list[Provenance], value: str, field: str) -> list[str]:
    """A printed value set against the ID number it contradicts: proven as far as the
    printed reading is (the number itself passed its check digit)."""
    solid = any(reading_is_solid(p, value, lambda r: normalise(field, r)) for p in provs)
    return ["two_documents"] if solid else ["single_ocr"]


def applicant_flags(record: DossierRecord, warnings: list[str] | None = None) -> list[Flag]:
    a, b = record.applicant, record.bank_account
    items = []
    name_provs = list(a.provenance.get("name", [])) + list(b.provenance.get("account_name", []))
    for field, label, provs in (("name", "单位名称", name_provs), ("uscc", "统一社会信用代码", a.provenance.get("uscc", []))):
        dis = _disagreement(field, provs, warnings)
        if dis:
            groups, proof = dis
            items.append((f"{label}不一致：{_describe(groups)}", proof, [ps[0] for ps in groups.values()]))
    return _mismatch_flags("APPLICANT_MISMATCH", a.name or "申请单位",
                           "第十五条第（一）项：申请单位信息在申请表、营业执照、银行账户材料、劳动合同之间不一致：", items)


def _d(v: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(normalise("birth_date", v)) if v else None
    except ValueError:
        return None


def _date_proof(m: Member, field: str) -> list[str]:
    value = getattr(m, field)
    provs = [p for p in m.provenance.get(field, []) if p.engine != "derived"]
    if not value or not provs:
        return ["single_ocr"]
    return reading_proof(provs, normalise("birth_date", value), lambda r: normalise("birth_date", r))


def certificate_findings(m: Member, as_of: dt.date) -> list[tuple[str, list[str], list[Provenance]]]:
    """(problem, what it rests on, evidence) for one member's certificate. A date rule
    stands on a date read exactly or read the same way twice; the number's layout and the
    issuer's kind are rules DOCUMENTS.md gives as unofficial: they only ask to verify."""
    out = []
    first = lambda k: m.provenance.get(k, [])[:1]  # noqa: E731
    issued = _d(m.certificate_issue_date)
    issued_proof = _date_proof(m, "certificate_issue_date")
    by_number = m.id_number and ric.is_valid(m.id_number)
    born = (ric.get_birth_date(m.id_number) if by_number else None) or _d(m.birth_date)
    # the ID number passed its check digit: its birth date is as sound as its reading
    born_proof = ["confirmed_reading"] if by_number else _date_proof(m, "birth_date")
    if issued and born:
        try:
            sixteen = born.replace(year=born.year + 16)
        except ValueError:  # 29 February
            sixteen = born.replace(year=born.year + 16, day=28)
        if issued < sixteen:
            weak = set(issued_proof + born_proof) & {"single_ocr"}
            out.append((f"发证日期{issued}早于持证人年满16周岁（{sixteen}）",
                        ["single_ocr"] if weak else issued_proof,
                        first("certificate_issue_date") + first("id_number" if by_number else "birth_date")))
    if issued and issued > as_of:
        out.append((f"发证日期{issued}晚于审查基准日{as_of}", issued_proof, first("certificate_issue_date")))
    problems = certificate.layout_problems(m.certificate_number, m.level, issued.year if issued else None)
    number_ev = first("certificate_number") + first("level")
    for text in problems:
        out.append((text + "（编码规则为民间流传的非官方说明）", ["unofficial_rule"], number_ev))
    if m.certificate_number and certificate.parse(m.certificate_number) is None:
        provs = m.provenance.get("certificate_number", [])
        if reading_proof(provs, m.certificate_number) != ["single_ocr"]:
            out.append((f"证书编号{m.certificate_number}不符合常见的编码规则（16位职业资格证书编号或22位职业技能等级证书编号）",
                        ["unofficial_rule"], number_ev))
    issuer = m.certificate_issuer or ""
    kind = m.certificate_kind
    if issuer:
        kinds = data("issuers.yaml")
        gov = any(s in issuer for s in kinds["government"])
        # Only an issuer that names another kind of body asks: a garbled or partly read
        # issuer (a seal over 职业技能鉴定指导中心 read as 职业技能鉴定指导f) proves nothing.
        other = not gov and any(s in issuer for s in kinds["non_government"])
        if kind == "职业资格证书" and other:
            out.append((f"职业资格证书的发证机关“{issuer}”不是人力资源社会保障部门", ["unofficial_rule"], first("certificate_issuer")))
        if kind == "职业技能等级证书" and gov:
            out.append((f"职业技能等级证书应由评价机构颁发，发证单位却为政府部门“{issuer}”", ["unofficial_rule"], first("certificate_issuer")))
    return out


def certificate_problems(m: Member, as_of: dt.date) -> list[str]:
    return [text for text, _, _ in certificate_findings(m, as_of)]


def certificate_flags(record: DossierRecord, as_of: dt.date) -> list[Flag]:
    flags = []
    for m in record.members:
        who = person_label(m.name, m.id_number)
        head = f"第十五条第（一）项：{who}的{m.certificate_kind or '证书'}内容自相矛盾："
        for proof, (texts, evidence) in _by_proof(certificate_findings(m, as_of)).items():
            flags.append(make_flag("CERTIFICATE_INCONSISTENT", who, head + "；".join(texts), evidence, proof=list(proof)))
    return flags
