"""第五条 materials (ART5.1-5.4) and the form of copies (ART5.F)."""
from __future__ import annotations

import os
import re

from extractors.page_image import is_cached
from extractors.records import DossierRecord, Provenance
from validators.checks.common import doc_provenance, doc_text, docs_of, member_has, norm_unit_name, page_text
from validators.findings import Check
from validators.findings_util import data, person_label
from validators.forensics.seals import find_red_seals, read_beside_seal
from validators.ruleset import RuleSet


def check_art5_1(record: DossierRecord) -> Check:
    forms = docs_of(record, "application_form")
    if forms:
        return Check("ART5.1", "pass", "第五条第（一）项：已提交技师工作站设立申请表（附件1）", [p for d in forms for p in doc_provenance(d)][:3])
    return Check("ART5.1", "fail", "第五条第（一）项：未找到佛山市高明区技师工作站设立申请表（附件1）")


def report_sections_found(record: DossierRecord, rs: RuleSet) -> dict[str, list[Provenance]]:
    """Section key -> provenance; from the assembled record, else from the report's text."""
    found: dict[str, list[Provenance]] = {}
    reports = docs_of(record, "application_report")
    texts = {id(d): doc_text(record, d) for d in reports}
    for key, spec in rs.report_sections.items():
        variants = spec.get("variants", [spec["title"]])
        keyed = [k for k in (key, *spec.get("keys", [])) if record.report_sections.get(k)]
        if keyed:
            found[key] = record.report_sections[keyed[0]]
            continue
        for provs in record.report_sections.values():
            hit = [p for p in provs if any(v in re.sub(r"\s", "", p.text) for v in variants)]
            if hit:
                found[key] = hit
                break
        if key in found or record.report_sections:
            # Headings were found by the extractor: trust them. Body text mentions 资金投入 or
            # 师带徒 even when the section itself is missing, so full text is only a fallback
            # for records without any heading information.
            continue
        for d in reports:
            if any(v in texts[id(d)] for v in variants):
                found[key] = doc_provenance(d)[:1]
                break
    return found


def check_art5_2(record: DossierRecord, rs: RuleSet) -> Check:
    if not docs_of(record, "application_report"):
        return Check("ART5.2", "fail", "第五条第（二）项：未找到申请报告")
    found = report_sections_found(record, rs)
    missing = [spec["title"] for key, spec in rs.report_sections.items() if key not in found]
    evidence = [p for provs in found.values() for p in provs[:1]]
    if missing:
        return Check("ART5.2", "fail", f"第五条第（二）项：申请报告缺少以下内容：{'、'.join(missing)}", evidence)
    return Check("ART5.2", "pass", "第五条第（二）项：申请报告包含单位基本情况、人才培养体系、技术研发和攻关、建站设想及其各项内容", evidence)


def check_art5_3(record: DossierRecord) -> Check:
    problems = []
    for m in record.members:
        lack = []
        if not (m.has_id_card or member_has(m, "id_card")):
            lack.append("身份证")
        if not (m.has_certificate or member_has(m, "qualification_certificate")):
            lack.append("职业资格证书/职业技能等级证书")
        if not (m.has_contract or member_has(m, "labour_contract")):
            lack.append("工作协议/劳动合同（聘用合同）")
        if lack:
            problems.append(f"{person_label(m.name, m.id_number)}缺{'、'.join(lack)}")
    achievements = docs_of(record, "achievement")
    if not achievements:
        problems.append("未找到任何业绩材料（获奖证书、荣誉证书、技术成果等）")
    if not record.members:
        problems.append("未识别到任何工作站成员")
    evidence = [p for d in achievements for p in doc_provenance(d)][:3]
    if problems:
        return Check("ART5.3", "fail", "第五条第（三）项：" + "；".join(problems), evidence)
    return Check("ART5.3", "pass", f"第五条第（三）项：{len(record.members)}名成员的身份证、证书、劳动合同齐全，并有业绩材料", evidence)


def check_art5_4(record: DossierRecord) -> Check:
    licences = docs_of(record, "business_licence")
    banks = docs_of(record, "bank_account")
    b, a = record.bank_account, record.applicant
    problems = []
    if not licences:
        problems.append("未找到法人登记证书/营业执照/组织机构代码证")
    if not banks:
        problems.append("未找到银行基本账户证明（开户许可证或基本存款账户信息）")
        return Check("ART5.4", "fail", "第五条第（四）项：" + "；".join(problems))
    evidence = [p for k in ("account_name", "account_number") for p in b.provenance.get(k, [])[:1]] or doc_provenance(banks[0])
    text = "".join(doc_text(record, d) for d in banks)
    kind = b.account_kind
    if kind in (None, "unknown"):
        kind = "basic" if ("基本存款账户" in text or "开户许可证" in text) else ("general" if "一般存款账户" in text else None)
    if not b.account_name and kind is None or all(d.error for d in banks):
        if problems:
            return Check("ART5.4", "fail", "第五条第（四）项：" + "；".join(problems), evidence)
        return Check("ART5.4", "needs_review", "第五条第（四）项：银行账户材料无法识别（账户名称、账户性质未读出），请人工核对", evidence)
    if kind == "general":
        problems.append("提交的银行账户不是基本存款账户")
    uncertain = None
    if b.account_name and a.name and norm_unit_name(b.account_name) != norm_unit_name(a.name):
        x, y = norm_unit_name(b.account_name), norm_unit_name(a.name)
        read = b.provenance.get("account_name", [])[:1] + a.provenance.get("name", [])[:1]
        rereads = {norm_unit_name(v) for p in b.provenance.get("account_name", []) for v in reread_values(p)}
        if y in rereads:
            pass  # the second engine read the applicant's own name in the same box: an OCR slip
        elif from_ocr(read) and probable_misread(x, y):
            # one character apart, or a line cut short, and read by OCR
            uncertain = f"账户名称“{b.account_name}”与申请单位“{a.name}”仅一字之差或识别不完整，可能为识别错误"
        else:
            problems.append(f"账户名称“{b.account_name}”与申请单位“{a.name}”不一致")
    if not problems and uncertain:
        return Check("ART5.4", "needs_review", f"第五条第（四）项：{uncertain}，请对照原件核实", evidence)
    if problems:
        return Check("ART5.4", "fail", "第五条第（四）项：" + "；".join(problems), evidence)
    return Check("ART5.4", "pass", "第五条第（四）项：已提交营业执照及申请单位名下的基本存款账户证明", evidence)


from validators.ocr_tolerance import from_ocr, probable_misread, reread_values  # noqa: E402


def has_copy_mark(text: str) -> bool:
    """Whether a text contains the 与原件相符 annotation (wordings and OCR variants as data)."""
    return _has_mark(re.sub(r"\s", "", text))


def _has_mark(text: str) -> bool:
    spec = data("copy_marks.yaml")
    if any(m in text for m in spec["marks"]) or any(re.search(p, text) for p in spec.get("patterns", [])):
        return True
    return _fuzzy_mark(text, spec.get("fuzzy"))


def _fuzzy_mark(text: str, spec: dict | None) -> bool:
    if not spec:
        return False
    template = spec["template"]
    n = len(template)
    for i in range(len(text) - n + 1):
        window = text[i:i + n]
        agree = [a == b for a, b in zip(window, template)]
        hits = sum(agree)
        if hits >= spec["min_matches"]:
            return True
        if hits >= spec["min_with_anchor"] and any(agree[k] for k in spec["anchors"]):
            return True
    return False


def _seals_of_pages(record: DossierRecord, pages: list) -> dict:
    """(file, page) -> red seals found, for the pages with a readable image (None when the
    image could not be read). Pages still decoded in the shared page cache go first (the
    findings keep the documents' order), so a dossier's pages are not decoded twice."""
    todo = []
    for d, pno in pages:
        page = record.page(d.file, pno)
        if page is not None and page.image_path and os.path.exists(page.image_path):
            todo.append(((d.file, pno), page.image_path))
    todo.sort(key=lambda t: not is_cached(t[1]))
    out = {}
    for key, path in todo:
        try:
            out[key] = find_red_seals(path)
        except OSError:
            out[key] = None
    return out


def check_art5_f(record: DossierRecord, rs: RuleSet) -> Check:
    candidates = [(d, p) for d in docs_of(record, *rs.copy_types) for p in d.pages]
    # A born-digital PDF page (text layer, not a scanned image: an electronic contract or
    # licence) is an electronic original, not a copy: no 与原件相符 mark is asked of it.
    originals = [(d, p) for d, p in candidates if _electronic_original(record.page(d.file, p))]
    copied = [c for c in candidates if c not in originals]
    note = (f"（另有{len(originals)}页为电子原件或文档文字页：" + "、".join(f"{d.file}第{p}页" for d, p in originals[:5])
            + "，不要求加注，电子原件请核验其电子签章）") if originals else ""
    if not copied:
        return Check("ART5.F", "not_applicable", "第五条：没有需加注“与原件相符”并盖章的复印件" + note)
    failures, unjudged, evidence = [], [], []
    seals_of = _seals_of_pages(record, copied)
    for d, pno in copied:
        page = record.page(d.file, pno)
        where = f"{d.file}第{pno}页"
        prov = Provenance(file=d.file, page=pno, bbox=None, confidence=1.0, text="", engine=d.text_source, doc_type=d.type)
        if page is None or not page.image_path or not os.path.exists(page.image_path):
            unjudged.append(where)
            continue
        seals = seals_of.get((d.file, pno))
        if seals is None:  # the image could not be read
            unjudged.append(where)
            continue
        mark = _has_mark(page_text(page))
        if seals and not mark and page.text_source == "ocr":
            # read again beside each seal, where the mark is written (first seals only: cost)
            mark = any(has_copy_mark(t) for s in seals[:2] for t in read_beside_seal(page.image_path, s, has_copy_mark))
        if seals and not mark and page.text_source == "ocr":
            # The seal usually covers the handwritten mark and OCR misses it: on a scanned
            # page an unread mark is "could not judge", not "absent" (sample batch: 13 of 30
            # sealed pages had the printed mark unread or read as 与原件大人褒 …).
            unjudged.append(f"{where}（有公章，未识别出“与原件相符”字样）")
            continue
        lack = ([] if seals else ["公章"]) + ([] if mark else ["“与原件相符”字样"])
        if lack:
            failures.append(f"{where}缺{'和'.join(lack)}")
            evidence.append(prov)
        elif seals:
            evidence.append(Provenance(**{**prov.__dict__, "bbox": seals[0], "text": "红色公章"}))
    if failures:
        detail = "第五条：复印件须注明与原件相符并加盖单位公章，以下页面不符合：" + "；".join(failures)
        if unjudged:
            detail += f"；另有{len(unjudged)}页无法判断"
        return Check("ART5.F", "fail", detail + note, evidence)
    if unjudged:
        return Check("ART5.F", "needs_review", "第五条：以下复印页无法判断是否注明与原件相符并盖章，请人工核对：" + "、".join(unjudged) + note, evidence)
    return Check("ART5.F", "pass", f"第五条：{len(copied)}页复印件均注明与原件相符并加盖公章" + note, evidence[:5])


def _electronic_original(page) -> bool:
    if page is None:
        return False
    # typed text of a .docx (a caption such as 营业执照副本复印件 above the embedded scan) is no
    # copy: the copy is the embedded scan, judged as its own page
    typed = page.text_source == "docx" and not page.image_path
    return typed or (page.file.lower().endswith(".pdf") and page.text_source == "text_layer" and not page.source_image)
