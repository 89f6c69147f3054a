"""Every check both ways and every flag both ways, on DossierRecords built in code."""
import copy
import datetime as dt

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.records import (Applicant, BankAccount, Document, DossierRecord, FileReading, Member, Page,
                                Provenance, TextLine)
from validators.batch_index import build_index
from validators.checks.validity import check_art17
from validators.identifiers import gb11714, ric, uscc
from validators.judge import CHECK_ORDER, judge, recommend
from validators.registry import RegistryRow
from validators.ruleset import load_ruleset

AS_OF = dt.date(2026, 5, 20)
RS = load_ruleset(AS_OF)
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
UNIT = "佛山市高明区精工机械有限公司"


def make_id(region="440608", birth="19850312", seq="001"):
    body = region + birth + seq
    return body + ric.calc_check_digit(body)


def make_uscc(region="440608", org_body="MA4UQ7R3"):
    org = org_body + gb11714.calc_check_digit(org_body)
    body = "91" + region + org
    return body + uscc.calc_check_digit(body)


def prov(file, page, value, doc_type, engine="text_layer", conf=1.0, bbox=(0.1, 0.1, 0.5, 0.15), rereads=None):
    return Provenance(file=file, page=page, bbox=bbox, confidence=conf, text=value, engine=engine, value=value,
                      doc_type=doc_type, rereads=rereads or [])


def copied_image(path, lines=(), seal=True):
    im = Image.new("RGB", (310, 440), "white")
    d = ImageDraw.Draw(im)
    d.rectangle([20, 20, 290, 200], outline="black")
    try:
        f = ImageFont.truetype(FONT, 16)
        for i, t in enumerate(lines):  # distinct content per page, as real copies have
            d.text((25, 30 + i * 22), t, fill="black", font=f)
    except OSError:
        pass
    if seal:
        d.ellipse([180, 300, 280, 400], outline=(220, 30, 30), width=5)
    im.save(path)
    return str(path)


MEMBERS = [("张伟", "19850312", "011", "高级技师", "男"), ("李娜", "19900705", "022", "技师", "女"),
           ("王强", "19781120", "033", "技师", "男")]


def good_record(tmp_path, dossier_id="D1", unit=UNIT, code=None, account="44050166012345678901",
                id_offset=0, seals=True, images=False):
    """A dossier that passes every check. Page images (needed by ART5.F and REUSED_IMAGE) are
    drawn only when asked: without them ART5.F is needs_review, which changes no outcome."""
    code = code or make_uscc()
    files, docs, members = [], [], []
    tmp_path.mkdir(parents=True, exist_ok=True)

    def add(file, dtype, lines, seal=seals, mark=True):
        img = copied_image(tmp_path / f"{dossier_id}_{file}.png", lines, seal=seal) if images and dtype in RS.copy_types else None
        text = list(lines) + (["与原件相符"] if mark and dtype in RS.copy_types else [])
        page = Page(file=file, page=1, lines=[TextLine(t, (0.1, 0.1 + i * 0.05, 0.9, 0.14 + i * 0.05), 1.0, "text_layer")
                                              for i, t in enumerate(text)], text_source="text_layer", image_path=img)
        files.append(FileReading(file=file, source_path="", sha256="", kind="image", pages=[page]))
        docs.append(Document(file=file, pages=[1], type=dtype, text_source="text_layer"))

    add("form.docx", "application_form", ["佛山市高明区技师工作站设立申请表", unit])
    add("report.docx", "application_report",
        ["一、单位基本情况", "二、人才培养体系建立情况", "三、技术研发和攻关开展情况", "四、建站设想",
         "（一）组织架构和成员情况介绍以及职责分工", "（二）技师工作站管理制度", "（三）资金投入",
         "（四）场地设备配置", "（五）师带徒和技术攻关课题计划"])
    add("licence.jpg", "business_licence", ["营业执照", code, unit, "住所：佛山市高明区荷城街道", "登记机关：佛山市高明区市场监督管理局"])
    add("bank.jpg", "bank_account", ["基本存款账户信息", unit, account])
    add("award.jpg", "achievement", ["荣誉证书", unit])
    for i, (name, birth, seq, level, sex) in enumerate(MEMBERS):
        seq = f"{int(seq) + id_offset:03d}" if id_offset else seq
        idn = make_id(birth=birth, seq=seq)
        if ric.get_sex(idn) != sex:
            seq = f"{int(seq) + 1:03d}"
            idn = make_id(birth=birth, seq=seq)
        # DOCUMENTS.md's layout: year 17, province 44, city 06, institution 0 012, level, serial
        cert_no = "1744060012" + ("1" if level == "高级技师" else "2") + f"{i:05d}"
        idf, cf, kf = f"id_{i}.jpg", f"cert_{i}.jpg", f"contract_{i}.jpg"
        add(idf, "id_card", ["姓名 " + name, "公民身份号码 " + idn])
        add(cf, "qualification_certificate", [name, idn, level, cert_no])
        add(kf, "labour_contract", [unit, name, idn])
        m = Member(name=name, id_number=idn, sex=sex, birth_date=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
                   occupation="数控车工", level=level, certificate_kind="职业资格证书", certificate_number=cert_no,
                   certificate_issue_date="2017-06-30", certificate_issuer="广东省人力资源和社会保障厅",
                   has_id_card=True, has_contract=True, has_certificate=True, contract_end="2028-12-31",
                   listed_in_form=True)
        m.provenance = {
            "name": [prov(idf, 1, name, "id_card"), prov(cf, 1, name, "qualification_certificate"),
                     prov(kf, 1, name, "labour_contract"), prov("form.docx", 1, name, "application_form")],
            "id_number": [prov(idf, 1, idn, "id_card"), prov(cf, 1, idn, "qualification_certificate"),
                          prov(kf, 1, idn, "labour_contract")],
            "sex": [prov(idf, 1, sex, "id_card")],
            "birth_date": [prov(idf, 1, m.birth_date, "id_card")],
            "level": [prov(cf, 1, level, "qualification_certificate")],
            "certificate_number": [prov(cf, 1, cert_no, "qualification_certificate")],
        }
        members.append(m)
    a = Applicant(name=unit, uscc=code, legal_representative="陈明", address="佛山市高明区荷城街道",
                  registration_authority="佛山市高明区市场监督管理局", established="2010-05-01")
    a.provenance = {"name": [prov("licence.jpg", 1, unit, "business_licence"), prov("form.docx", 1, unit, "application_form")],
                    "uscc": [prov("licence.jpg", 1, code, "business_licence"), prov("form.docx", 1, code, "application_form")]}
    b = BankAccount(account_name=unit, account_number=account, bank="中国工商银行佛山高明支行", account_kind="basic")
    b.provenance = {"account_name": [prov("bank.jpg", 1, unit, "bank_account")],
                    "account_number": [prov("bank.jpg", 1, account, "bank_account")]}
    ev = {r: [prov("report.docx", 1, "开展师带徒、技术攻关等活动", "application_report")] for r in ("ART4.2", "ART4.3", "ART4.4", "ART4.5")}
    return DossierRecord(dossier_id=dossier_id, files=files, documents=docs, applicant=a, bank_account=b,
                         members=members, evidence=ev)


def run(record, others=(), registry=None, as_of=AS_OF, index_images=True):
    # index_images=False leaves the dossier out of the batch index: ART5.F tests need page
    # images but not the (slow) image fingerprints.
    idx = build_index([record, *others] if index_images else [], registry or [])
    return judge(record, idx, load_ruleset(as_of), as_of, registry_given=registry is not None)


def status(j):
    return {c.rule: c.status for c in j.checks}


def codes(j):
    return [f.code for f in j.flags]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    rec = good_record(tmp_path_factory.mktemp("clean"), images=True)
    return rec, run(rec, registry=[])


def test_clean_dossier_passes_everything(clean):
    rec, j = clean
    assert [c.rule for c in j.checks] == list(CHECK_ORDER)
    st = status(j)
    for r in ("ART3", "ART4.1", "ART5.1", "ART5.2", "ART5.3", "ART5.4", "ART5.F", "ART10", "ART17"):
        assert st[r] == "pass", (r, [c.detail for c in j.checks if c.rule == r])
    for r in ("ART4.2", "ART4.3", "ART4.4", "ART4.5"):
        assert st[r] == "needs_review"
    assert j.flags == [], [(f.code, f.detail) for f in j.flags]
    assert j.recommendation == "proceed" and j.recommendation_reason
    assert all(c.detail.startswith("第") for c in j.checks)


def test_art3_fail_when_registered_elsewhere(tmp_path):
    rec = good_record(tmp_path, code=make_uscc(region="440605"))
    rec.applicant.registration_authority = "佛山市南海区市场监督管理局"
    rec.applicant.address = "佛山市南海区桂城街道"
    j = run(rec)
    assert status(j)["ART3"] == "fail" and j.recommendation == "ineligible"
    rec.applicant.address = "佛山市高明区荷城街道"
    assert status(run(rec))["ART3"] == "needs_review"
    # city-level code but registered by the Gaoming authority with a Gaoming address: pass
    rec.applicant.registration_authority = "佛山市高明区市场监督管理局"
    assert status(run(rec))["ART3"] == "pass"
    _drop(rec, "business_licence")
    assert status(run(rec))["ART3"] == "needs_review"


def test_art4_1_fail_with_two_qualified(tmp_path):
    rec = good_record(tmp_path)
    rec.members[2].level = "高级工"
    rec.members[2].certificate_number = "1744060012300002"  # level digit 3, consistent
    j = run(rec)
    c = next(c for c in j.checks if c.rule == "ART4.1")
    assert c.status == "fail" and "仅2名" in c.detail and "王强" in c.detail
    assert j.recommendation == "ineligible"


def test_art4_1_expired_contract_and_duplicate_count(tmp_path):
    rec = good_record(tmp_path)
    rec.members[0].contract_end = "2026-01-31"
    assert status(run(rec))["ART4.1"] == "fail"
    rec = good_record(tmp_path / "b")
    rec.members[2].id_number = rec.members[1].id_number  # same person twice counts once
    assert status(run(rec))["ART4.1"] == "fail"


def test_art4_judgement_items_fail_without_evidence(tmp_path):
    rec = good_record(tmp_path)
    del rec.evidence["ART4.4"]
    j = run(rec)
    assert status(j)["ART4.4"] == "fail" and status(j)["ART4.2"] == "needs_review"
    assert j.recommendation == "request_correction"


def _drop(rec, dtype):
    rec.documents = [d for d in rec.documents if d.type != dtype]


def test_art5_1_and_5_2(tmp_path):
    rec = good_record(tmp_path)
    _drop(rec, "application_form")
    assert status(run(rec))["ART5.1"] == "fail"
    rec = good_record(tmp_path / "b")
    page = rec.page("report.docx", 1)
    page.lines = [l for l in page.lines if "资金投入" not in l.text]
    c = next(c for c in run(rec).checks if c.rule == "ART5.2")
    assert c.status == "fail" and "资金投入" in c.detail
    _drop(rec, "application_report")
    assert status(run(rec))["ART5.2"] == "fail"


def test_art5_3_missing_contract_and_achievement(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[1]
    m.has_contract = False
    m.provenance = {k: [p for p in v if p.doc_type != "labour_contract"] for k, v in m.provenance.items()}
    _drop(rec, "achievement")
    c = next(c for c in run(rec).checks if c.rule == "ART5.3")
    assert c.status == "fail" and "李娜" in c.detail and "业绩材料" in c.detail


def test_art5_4_account_in_other_name_or_general(tmp_path):
    rec = good_record(tmp_path)
    rec.bank_account.account_name = "陈明"
    assert status(run(rec))["ART5.4"] == "fail"
    rec = good_record(tmp_path / "b")
    rec.bank_account.account_kind = "general"
    assert status(run(rec))["ART5.4"] == "fail"
    rec = good_record(tmp_path / "c")
    _drop(rec, "bank_account")
    assert status(run(rec))["ART5.4"] == "fail"


def test_art5_f_missing_seal_or_mark(tmp_path):
    rec = good_record(tmp_path, seals=False, images=True)
    c = next(c for c in run(rec, index_images=False).checks if c.rule == "ART5.F")
    assert c.status == "fail" and "公章" in c.detail and "id_0.jpg第1页" in c.detail
    rec = good_record(tmp_path / "b", images=True)
    page = rec.page("award.jpg", 1)
    page.lines = [l for l in page.lines if "原件" not in l.text]
    c = next(c for c in run(rec, index_images=False).checks if c.rule == "ART5.F")
    assert c.status == "fail" and "award.jpg" in c.detail and "与原件相符" in c.detail
    # OCR variant of the mark is tolerated
    page.lines.append(TextLine("与原件相付", (0, 0, 1, 1), 0.7, "tesseract"))
    assert status(run(rec, index_images=False))["ART5.F"] == "pass"
    rec = good_record(tmp_path / "c", images=True)
    for p in rec.pages:
        p.image_path = None
    assert status(run(rec, index_images=False))["ART5.F"] == "needs_review"


def test_art10_and_funding_conflict(tmp_path):
    rec = good_record(tmp_path)
    row = RegistryRow(UNIT, rec.applicant.uscc, "技能大师工作室", 2026, [], 2)
    j = run(rec, registry=[row])
    assert status(j)["ART10"] == "fail" and "FUNDING_CONFLICT" in codes(j)
    # a funding note (第十条), no bar to recognition: it routes the dossier nowhere
    assert j.recommendation == "proceed"
    funding = next(f for f in j.flags if f.code == "FUNDING_CONFLICT")
    assert funding.rule == "ART10" and funding.severity == "low"
    assert "技能大师工作室" in j.recommendation_reason and "不影响认定" in j.recommendation_reason
    old = RegistryRow(UNIT, rec.applicant.uscc, "技能大师工作室", 2024, [], 2)
    j = run(rec, registry=[old])
    assert status(j)["ART10"] == "pass" and "FUNDING_CONFLICT" not in codes(j)
    assert status(run(rec))["ART10"] == "needs_review"
    # another unit of the same name (its own credit code) is not this applicant
    other = RegistryRow(UNIT, make_uscc(org_body="MA4UQ7R9"), "技能大师工作室", 2026, [], 3)
    j = run(rec, registry=[other])
    assert status(j)["ART10"] == "pass" and "FUNDING_CONFLICT" not in codes(j)
    # a row that records no code is matched by name
    j = run(rec, registry=[RegistryRow(UNIT, None, "技能大师工作室", 2026, [], 4)])
    assert "FUNDING_CONFLICT" in codes(j)


def test_art17_lapsed_in_judgement(tmp_path):
    rec = good_record(tmp_path)
    j = run(rec, as_of=dt.date(2026, 11, 28))
    assert status(j)["ART17"] == "needs_review"
    assert status(run(rec))["ART17"] == "pass"


def test_id_number_invalid_and_reread(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[0]
    bad = m.id_number[:17] + ("0" if m.id_number[17] != "0" else "1")
    m.id_number = bad
    p = prov("id_0.jpg", 1, bad, "id_card", engine="tesseract", conf=0.82)
    m.provenance["id_number"] = [p]
    j = run(rec)
    f = next(f for f in j.flags if f.code == "ID_NUMBER_INVALID")
    # one OCR reading: a request to check the card, not an accusation
    assert f.severity == "medium" and "校验码" in f.detail and "OCR" in f.detail and "0.82" in f.detail
    assert "核对" in f.detail and j.recommendation != "refer_false_materials"
    assert "*" in f.subject and bad not in f.subject
    # the second engine reads the same failing number: confirmed twice
    p.rereads = [{"engine": "rapidocr", "text": bad, "value": bad, "confidence": 0.95}]
    j = run(rec)
    f = next(f for f in j.flags if f.code == "ID_NUMBER_INVALID")
    assert f.severity == "high" and f.proof == ["check_failed_twice"]
    assert j.recommendation == "refer_false_materials"
    # a valid re-read of the same crop: OCR misread -> warning, no flag
    good = make_id(birth="19850312", seq="011")
    p.rereads = [{"engine": "rapidocr", "text": good, "confidence": 0.95}]
    j = run(rec)
    assert "ID_NUMBER_INVALID" not in codes(j)
    assert any("识别错误" in w for w in j.warnings)


def test_id_region_oddity_is_warning_not_flag(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[2]
    m.id_number = make_id(region="440608", birth="19781120", seq="033")  # 440608 before 2002
    for p in m.provenance["id_number"]:
        p.value = p.text = m.id_number
    j = run(rec)
    assert "ID_NUMBER_INVALID" not in codes(j)
    assert any("地区码" in w for w in j.warnings)


def test_uscc_invalid_gb11714(tmp_path):
    code = make_uscc()
    body = code[:16] + ("1" if code[16] != "1" else "2")
    forged = body + uscc.calc_check_digit(body)
    rec = good_record(tmp_path, code=forged)
    j = run(rec)
    f = next(f for f in j.flags if f.code == "USCC_INVALID")
    assert "GB 11714" in f.detail and f.severity == "high"
    assert "USCC_INVALID" not in codes(run(good_record(tmp_path / "b")))


def test_identity_mismatch(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[1]
    m.provenance["name"][1] = prov("cert_1.jpg", 1, "李 娜", "qualification_certificate")  # spacing only
    assert "IDENTITY_MISMATCH" not in codes(run(rec))
    m.provenance["name"][2] = prov("contract_1.jpg", 1, "李哪", "labour_contract")
    f = next(f for f in run(rec).flags if f.code == "IDENTITY_MISMATCH")
    assert f.severity == "high" and "李哪" in f.detail
    m.provenance["name"][2] = prov("contract_1.jpg", 1, "李哪", "labour_contract", engine="tesseract", conf=0.45)
    f = next(f for f in run(rec).flags if f.code == "IDENTITY_MISMATCH")
    assert f.severity == "medium" and "置信度" in f.detail
    rec = good_record(tmp_path / "b")
    rec.members[0].sex = "女"
    assert "IDENTITY_MISMATCH" in codes(run(rec))


def test_applicant_mismatch(tmp_path):
    rec = good_record(tmp_path)
    rec.applicant.provenance["name"][1] = prov("form.docx", 1, UNIT.replace("有限公司", "有限公司 "), "application_form")
    assert "APPLICANT_MISMATCH" not in codes(run(rec))
    rec.applicant.provenance["name"][1] = prov("form.docx", 1, UNIT.replace("有限公司", "有限责任公司"), "application_form")
    j = run(rec)
    assert "APPLICANT_MISMATCH" in codes(j) and j.recommendation == "refer_false_materials"
    rec = good_record(tmp_path / "b")
    rec.applicant.provenance["name"][1] = prov("form.docx", 1, "佛山市高明区精工机械(有限公司)", "application_form")
    rec.applicant.provenance["name"][0] = prov("licence.jpg", 1, "佛山市高明区精工机械（有限公司）", "business_licence")
    rec.bank_account.provenance["account_name"] = []
    assert "APPLICANT_MISMATCH" not in codes(run(rec))


@pytest.mark.parametrize("change,needle,severity", [
    # dates read exactly (text layer): a date rule may be high
    (dict(certificate_issue_date="1997-06-30", certificate_number="9744060012100001"), "16周岁", "high"),
    (dict(certificate_issue_date="2026-09-01", certificate_number="2644060012100001"), "晚于审查基准日", "high"),
    # the number's layout is an unofficial rule: verify, never accuse
    (dict(certificate_number="1744060012300001"), "等级码", "medium"),
    (dict(certificate_number="1544060012100001"), "年份", "medium"),
    (dict(certificate_issuer="佛山市某某技能培训有限公司"), "不是人力资源社会保障部门", "medium"),
    (dict(certificate_kind="职业技能等级证书", certificate_number="S000044001001171000001",
          certificate_issuer="广东省人力资源和社会保障厅"), "评价机构", "medium"),
    (dict(certificate_kind="职业技能等级证书", certificate_number="S000044001001173000001"), "第16位等级码为3", "medium"),
])
def test_certificate_inconsistent(tmp_path, change, needle, severity):
    rec = good_record(tmp_path)
    m = rec.members[0]  # 高级技师, born 1985
    for k, v in change.items():
        setattr(m, k, v)
        m.provenance[k] = [prov("cert_0.jpg", 1, v, "qualification_certificate")]
    f = [f for f in run(rec).flags if f.code == "CERTIFICATE_INCONSISTENT" and needle in f.detail]
    assert f and f[0].severity == severity, [(x.severity, x.detail) for x in f]
    if severity == "medium":
        assert "全国联网查询系统核验" in f[0].detail


def test_certificate_of_unknown_layout_is_at_most_a_request_to_verify(clean, tmp_path):
    assert "CERTIFICATE_INCONSISTENT" not in codes(clean[1])
    rec = good_record(tmp_path)
    rec.members[0].certificate_number = "粤人社2017-00123"
    # read by one OCR pass only: no finding at all
    rec.members[0].provenance["certificate_number"] = [prov("cert_0.jpg", 1, "粤人社2017-00123", "qualification_certificate",
                                                            engine="rapidocr")]
    assert "CERTIFICATE_INCONSISTENT" not in codes(run(rec))
    # printed so (text layer): a request to verify, never an accusation
    rec.members[0].provenance["certificate_number"][0].engine = "text_layer"
    f = [f for f in run(rec).flags if f.code == "CERTIFICATE_INCONSISTENT"]
    assert len(f) == 1 and f[0].severity == "medium" and "核验" in f[0].detail
    assert run(rec).recommendation == "proceed"
    rec.members[0].certificate_kind = "职业技能等级证书"
    rec.members[0].certificate_number = "S000044001001171000001"  # 17, level 1, correct
    rec.members[0].certificate_issuer = "佛山市精工职业技能评价中心有限公司"
    assert "CERTIFICATE_INCONSISTENT" not in codes(run(rec))


def test_duplicate_person_batch_and_registry(tmp_path):
    a = good_record(tmp_path / "a", "D1")
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100)
    assert "DUPLICATE_PERSON" not in codes(run(a, [b]))
    b.members[0].id_number = a.members[0].id_number
    f = [f for f in run(a, [b]).flags if f.code == "DUPLICATE_PERSON"]
    assert len(f) == 1 and f[0].severity == "high" and "D2" in f[0].detail
    row = RegistryRow("佛山市某公司", None, "技能大师工作室", 2023, [a.members[1].id_number], 7)
    f = [f for f in run(a, registry=[row]).flags if f.code == "DUPLICATE_PERSON"]
    assert len(f) == 1 and f[0].severity == "medium" and "第7行" in f[0].detail


def test_duplicate_bank_account(tmp_path):
    a = good_record(tmp_path / "a", "D1")
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100)
    assert "DUPLICATE_BANK_ACCOUNT" not in codes(run(a, [b]))
    b.bank_account.account_number = "4405 0166 0123 4567 8901"
    f = [f for f in run(a, [b]).flags if f.code == "DUPLICATE_BANK_ACCOUNT"]
    assert f and "D2" in f[0].detail and "44050166012345678901" not in f[0].detail


def _card(path, name, number):
    try:
        f = ImageFont.truetype(FONT, 34)
    except OSError:
        pytest.skip("CJK font missing")
    im = Image.new("RGB", (1000, 630), (236, 240, 244))
    d = ImageDraw.Draw(im)
    d.rectangle([10, 10, 990, 620], outline=(120, 150, 190), width=4)
    d.text((60, 60), "姓名", fill=(90, 120, 170), font=f)
    d.text((170, 60), name, fill=(10, 10, 10), font=f)
    d.text((60, 200), "住址 佛山市高明区荷城街道文华路8号", fill=(10, 10, 10), font=f)
    d.text((60, 520), "公民身份号码", fill=(90, 120, 170), font=f)
    d.text((300, 515), number, fill=(10, 10, 10), font=f)
    d.rectangle([700, 80, 940, 400], fill=(120, 120, 120))
    im.save(path)
    return str(path)


def test_reused_image(tmp_path):
    a = good_record(tmp_path / "a", "D1", images=True)
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100, images=True)
    for rec in (a, b):  # keep two document types with images: enough to test, and fast
        for p in rec.pages:
            if not p.file.startswith(("id_", "contract_")):
                p.image_path = None
    a.page("id_0.jpg", 1).image_path = _card(tmp_path / "a_card.png", "张伟", a.members[0].id_number)
    b.page("id_0.jpg", 1).image_path = _card(tmp_path / "b_card.png", "张三", b.members[0].id_number)
    assert "REUSED_IMAGE" not in codes(run(a, [b]))  # same template, different text
    im = Image.open(tmp_path / "a_card.png")
    im.crop((25, 20, 975, 610)).resize((800, 496)).save(tmp_path / "b_copy.jpg", quality=60)
    b.page("id_0.jpg", 1).image_path = str(tmp_path / "b_copy.jpg")
    b.page("id_0.jpg", 1).lines = a.page("id_0.jpg", 1).lines  # what reading the copy gives
    f = [f for f in run(a, [b]).flags if f.code == "REUSED_IMAGE"]
    assert f and "D2" in f[0].detail and f[0].severity == "high"


def test_reused_image_figures_do_not_depend_on_which_dossier_is_judged_first(tmp_path):
    """The batch judges dossiers on several threads in whatever order they finish; a pair's
    alignment is measured once and shared, so it must be measured the same way round."""
    a = good_record(tmp_path / "a", "D1", images=True)
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100, images=True)
    for rec in (a, b):
        for p in rec.pages:
            if not p.file.startswith("id_"):
                p.image_path = None
    a.page("id_0.jpg", 1).image_path = _card(tmp_path / "a_card.png", "张伟", a.members[0].id_number)
    im = Image.open(tmp_path / "a_card.png")
    im.crop((25, 20, 975, 610)).resize((800, 496)).save(tmp_path / "b_copy.jpg", quality=60)
    b.page("id_0.jpg", 1).image_path = str(tmp_path / "b_copy.jpg")
    b.page("id_0.jpg", 1).lines = a.page("id_0.jpg", 1).lines  # what reading the copy gives
    rs = load_ruleset(AS_OF)

    def details(order):
        idx = build_index([a, b], [])
        got = {r.dossier_id: judge(r, idx, rs, AS_OF) for r in order}
        return {did: sorted(f.detail for f in j.flags if f.code == "REUSED_IMAGE") for did, j in got.items()}

    first, second = details([a, b]), details([b, a])
    assert first["D1"] and first["D2"]
    assert first == second


def test_a_template_page_printing_no_identifier_is_not_a_reused_image(tmp_path):
    """Two units' contracts exported from one template: a page of clauses alone is pixel for
    pixel the same in both (no scan texture, no name or number on it). That is the template,
    not one image filed twice; a page that prints the holder's number still is one."""
    try:
        f = ImageFont.truetype(FONT, 30)
    except OSError:
        pytest.skip("CJK font missing")
    clauses = ["第五条 乙方的工作时间按国家规定执行。", "第六条 甲方依法为乙方缴纳社会保险费。", "第七条 本合同一式两份，甲乙双方各执一份。"]
    im = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(im)
    for i, t in enumerate(clauses):
        d.text((120, 200 + i * 80), t, fill="black", font=f)
    im.save(tmp_path / "clauses.png")
    a = good_record(tmp_path / "a", "D1", images=True)
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100, images=True)
    for rec in (a, b):
        for p in rec.pages:
            p.image_path = None
        page = rec.page("contract_0.jpg", 1)
        page.image_path = str(tmp_path / "clauses.png")
        page.lines = [TextLine(t, (0.1, 0.1 + i * 0.05, 0.9, 0.14 + i * 0.05), 1.0, "text_layer") for i, t in enumerate(clauses)]
    assert "REUSED_IMAGE" not in codes(run(a, [b]))
    # the same page with the holder's number on it, filed by both units: one image
    d.text((120, 500), "乙方身份证号码 " + a.members[0].id_number, fill="black", font=f)
    im.save(tmp_path / "clauses_numbered.png")
    for rec in (a, b):
        page = rec.page("contract_0.jpg", 1)
        page.image_path = str(tmp_path / "clauses_numbered.png")
        page.lines = page.lines + [TextLine("乙方身份证号码 " + a.members[0].id_number, (0.1, 0.3, 0.9, 0.34), 1.0, "text_layer")]
    assert "REUSED_IMAGE" in codes(run(a, [b]))


def test_pages_printing_few_numbers_are_aligned_only_when_their_words_agree():
    """A contract's clause pages print no distinctive number; one image read again (or
    cropped, or with a name retouched) still gives most of the same words, while two
    different pages of clauses share only the legal vocabulary, and are not aligned."""
    from validators.batch_index import ImageEntry, may_be_same_image, words_on_page

    five = ("第五条 乙方的工作时间按国家有关规定执行，甲方安排乙方延长工作时间的，应当依法支付加班工资。"
            "第六条 甲方依法为乙方缴纳社会保险费，乙方个人应缴纳的部分由甲方从工资中代扣代缴。")
    twelve = ("第十一条 乙方有下列情形之一的，甲方可以解除本合同：在试用期间被证明不符合录用条件的；"
              "严重违反甲方依法制定的规章制度的。第十二条 本合同一式两份，甲乙双方各执一份，具有同等效力。")

    def page(text, numbers=()):
        return ImageEntry("D", "contract.pdf", 2, "labour_contract", None, None, frozenset(numbers), words_on_page(text))

    a = page(five)
    assert may_be_same_image(a, page(five.replace(" ", "\n")))  # the same words, other line breaks
    assert may_be_same_image(a, page(five[:len(five) // 2]))  # a cropped copy: part of the page
    assert may_be_same_image(a, page(five + "乙方签名：张伟", numbers=("2024",)))  # a name written in
    assert not may_be_same_image(a, page(twelve))
    assert not may_be_same_image(page(twelve), a)
    # too little read on one side to tell: aligned as before
    assert may_be_same_image(a, page("第十二条 本合同一式两份"))
    assert may_be_same_image(a, page(""))
    # pages printing numbers are still told apart by them
    assert not may_be_same_image(page(five, ("20240101", "440606199001011234")),
                                 page(five, ("20230505", "440606198812125678")))


def _pdf_record(tmp_path, edited):
    import test_validators_forensics as tf  # noqa: PLC0415 - reuse the PDF builders
    rec = good_record(tmp_path)
    p = tmp_path / "licence.pdf"
    tf._clean_pdf(p)
    if edited:
        tf._append_update(p)
    rec.files[2].kind = "pdf"
    rec.files[2].source_path = str(p)
    return rec


def test_pdf_edited_flag(tmp_path):
    pytest.importorskip("pikepdf")
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    assert "PDF_EDITED" not in codes(run(_pdf_record(tmp_path / "a", False)))
    f = [f for f in run(_pdf_record(tmp_path / "b", True)).flags if f.code == "PDF_EDITED"]
    assert f and f[0].severity == "medium" and "增量更新" in f[0].detail  # metadata only
    import test_validators_forensics as tf  # noqa: PLC0415
    rec = _pdf_record(tmp_path / "c", False)
    path = tmp_path / "c" / "licence.pdf"
    tf._pdf_with_text(path)
    tf._append_content_update(path, b"BT /F1 24 Tf 72 700 Td (Certificate 1744060012100009) Tj ET")
    j = run(rec)
    f = [f for f in j.flags if f.code == "PDF_EDITED"]
    assert f and f[0].severity == "high" and "第1页的页面内容" in f[0].detail and f[0].proof == ["pdf_incremental_edit"]
    assert j.recommendation == "refer_false_materials"


def test_text_layer_mismatch(tmp_path):
    rec = good_record(tmp_path)
    page = rec.page("id_0.jpg", 1)
    idn = rec.members[0].id_number
    page.ocr_lines = [TextLine("姓名 张伟", (0, 0, 1, 0.1), 0.9, "tesseract"),
                      TextLine("公民身份号码 " + idn, (0, 0.1, 1, 0.2), 0.9, "tesseract")]
    assert "TEXT_LAYER_MISMATCH" not in codes(run(rec))  # clean text-layer page
    # one confusable OCR error (0 read as O) is forgiven
    page.ocr_lines[1] = TextLine("公民身份号码 " + idn.replace("0", "O", 1), (0, 0.1, 1, 0.2), 0.9, "tesseract")
    assert "TEXT_LAYER_MISMATCH" not in codes(run(rec))
    # the image shows another number (one digit, not a confusable pair): the text layer was edited
    shown = idn[:10] + ("7" if idn[10] != "7" else "4") + idn[11:]
    page.ocr_lines[1] = TextLine("公民身份号码 " + shown, (0, 0.1, 1, 0.2), 0.9, "tesseract")
    f = [f for f in run(rec).flags if f.code == "TEXT_LAYER_MISMATCH"]
    assert f and f[0].severity == "medium"  # one engine's reading of the image
    page.layer_rereads = {idn: "公民身份号码 " + shown}  # the second engine sees the same
    f = [f for f in run(rec).flags if f.code == "TEXT_LAYER_MISMATCH"]
    assert f and f[0].severity == "high" and "另一识别引擎" in f[0].detail
    page.layer_rereads = {idn: "公民身份号码 " + idn}  # the second engine sees the layer's number
    assert "TEXT_LAYER_MISMATCH" not in codes(run(rec))


def test_image_tampered_low_then_medium(tmp_path):
    import numpy as np
    rng = np.random.default_rng(1)
    im = Image.fromarray(rng.normal(180, 18, (440, 620, 3)).clip(0, 255).astype("uint8"))
    im.save(tmp_path / "clean.jpg", quality=85)
    rec = good_record(tmp_path)
    page = rec.page("id_1.jpg", 1)
    page.source_image = True
    page.image_path = str(tmp_path / "clean.jpg")
    box = (0.3, 0.4, 0.8, 0.5)
    rec.members[1].provenance["id_number"][0].bbox = box
    assert "IMAGE_TAMPERED" not in codes(run(rec))
    t = Image.open(tmp_path / "clean.jpg").convert("RGB")
    ImageDraw.Draw(t).rectangle([186, 176, 496, 220], fill=(181, 181, 181))
    t.save(tmp_path / "t.jpg", quality=92)
    page.image_path = str(tmp_path / "t.jpg")
    f = [f for f in run(rec).flags if f.code == "IMAGE_TAMPERED"]
    assert f and f[0].severity == "low"
    rec.members[1].provenance["name"][0] = prov("id_1.jpg", 1, "李哪", "id_card")
    j = run(rec)
    f = [f for f in j.flags if f.code == "IMAGE_TAMPERED"]
    assert f and f[0].severity == "medium" and "IDENTITY_MISMATCH" in codes(j)


def test_recommendation_order():
    from validators.findings import Check, Flag
    checks = [Check("ART3", "fail", ""), Check("ART5.1", "fail", "")]
    assert recommend(checks, [Flag("PDF_EDITED", "ART15.1", "medium", "", "")], RS)[0] == "ineligible"
    assert recommend(checks, [Flag("REUSED_IMAGE", "ART15.1", "high", "", "")], RS)[0] == "refer_false_materials"
    assert recommend([Check("ART5.1", "fail", "")], [], RS)[0] == "request_correction"
    assert recommend([Check("ART5.1", "pass", "")], [], RS)[0] == "proceed"


def test_reused_id_card_details_across_dossiers(tmp_path):
    a = good_record(tmp_path / "a", "D1")
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100)

    def card_lines(rec, i, address2, validity):
        page = rec.page(f"id_{i}.jpg", 1)
        extra = ["住址 广东省佛山市高明区更合镇", address2, "签发机关 佛山市公安局高明分局", "有效期限 " + validity]
        page.lines += [TextLine(t, (0.1, 0.5, 0.9, 0.55), 0.9, "tesseract") for t in extra]

    card_lines(a, 0, "文华路204号", "2020.05.22-2040.05.22")
    card_lines(b, 2, "文华路204号", "2019.03.01-2039.03.01")  # same street, other card
    assert "REUSED_IMAGE" not in codes(run(a, [b]))
    b.page("id_2.jpg", 1).lines[-1] = TextLine("有效期限 2020.05.22-2040.05.22", (0.1, 0.5, 0.9, 0.55), 0.9, "tesseract")
    f = [f for f in run(a, [b]).flags if f.code == "REUSED_IMAGE"]
    assert len(f) == 1 and "D2" in f[0].detail and f[0].subject.startswith("张伟")
    g = [f for f in run(b, [a]).flags if f.code == "REUSED_IMAGE"]
    assert len(g) == 1 and g[0].subject.startswith("王强")


def test_art5_2_uses_extractor_section_keys(tmp_path):
    rec = good_record(tmp_path)
    keys = ["单位基本情况", "人才培养体系", "技术研发和攻关", "建站设想", "组织架构和成员职责", "管理制度", "资金投入",
            "场地设备", "师带徒和攻关课题计划"]
    rec.report_sections = {k: [prov("report.docx", 1, k, "application_report")] for k in keys}
    assert status(run(rec))["ART5.2"] == "pass"
    del rec.report_sections["资金投入"], rec.report_sections["管理制度"]
    c = next(c for c in run(rec).checks if c.rule == "ART5.2")
    # the body text still says 资金投入, but the extractor found no such heading
    assert c.status == "fail" and "资金投入" in c.detail and "管理制度" in c.detail


def test_text_layer_mismatch_certificate_number(tmp_path):
    rec = good_record(tmp_path)
    page = rec.page("cert_0.jpg", 1)
    cert = rec.members[0].certificate_number
    ocr = [TextLine(l.text, l.bbox, 0.9, "tesseract") for l in page.lines]
    page.ocr_lines = ocr
    assert "TEXT_LAYER_MISMATCH" not in codes(run(rec))
    # the text layer carries another serial than the image shows (sample plant D07)
    fake = cert[:-4] + f"{(int(cert[-4:]) + 3817) % 10000:04d}"
    page.lines = [TextLine(l.text.replace(cert, fake), l.bbox, 1.0, "text_layer") for l in page.lines]
    f = [f for f in run(rec).flags if f.code == "TEXT_LAYER_MISMATCH"]
    assert f and fake in f[0].detail
    # a poorly read page image is no basis for comparison
    page.ocr_lines = [TextLine(l.text, l.bbox, 0.3, "tesseract") for l in ocr]
    assert "TEXT_LAYER_MISMATCH" not in codes(run(rec))


def test_art4_1_member_without_id_number_counts_by_name(tmp_path):
    rec = good_record(tmp_path)
    rec.members[0].id_number = None
    assert status(run(rec))["ART4.1"] == "pass"
    rec.members[0].name = None
    c = next(c for c in run(rec).checks if c.rule == "ART4.1")
    assert c.status == "fail" and "未读到姓名和身份证号码" in c.detail


def test_art5_4_unreadable_bank_document(tmp_path):
    rec = good_record(tmp_path)
    rec.bank_account = BankAccount()
    rec.page("bank.jpg", 1).lines = []
    c = next(c for c in run(rec).checks if c.rule == "ART5.4")
    assert c.status == "needs_review" and "无法识别" in c.detail


def test_mismatch_ocr_single_character_and_rereads(tmp_path):
    rec = good_record(tmp_path)
    unit_ocr = UNIT.replace("精工", "精王")
    rec.applicant.provenance["name"][0] = prov("licence.jpg", 1, unit_ocr, "business_licence", engine="tesseract", conf=0.85)
    f = next(f for f in run(rec).flags if f.code == "APPLICANT_MISMATCH")
    assert f.severity == "medium" and "识别错误" in f.detail
    # a second engine confirms the odd reading: the document really says something else
    rec.applicant.provenance["name"][0].rereads = [{"engine": "rapidocr", "text": unit_ocr, "value": unit_ocr}]
    f = next(f for f in run(rec).flags if f.code == "APPLICANT_MISMATCH")
    assert f.severity == "high"
    # the re-read gives the other documents' value: a misreading, warning only
    rec.applicant.provenance["name"][0].rereads = [{"engine": "rapidocr", "text": UNIT, "value": UNIT}]
    j = run(rec)
    assert "APPLICANT_MISMATCH" not in codes(j) and any("识别错误" in w for w in j.warnings)
    # a structural difference (inserted 贸易) on one OCR reading: still only a request to check
    other = UNIT.replace("有限公司", "贸易有限公司")
    rec.applicant.provenance["name"][0] = prov("licence.jpg", 1, other, "business_licence", engine="tesseract", conf=0.85)
    f = next(f for f in run(rec).flags if f.code == "APPLICANT_MISMATCH")
    assert f.severity == "medium" and f.proof == ["single_ocr"]
    # read the same by the second engine: proven
    rec.applicant.provenance["name"][0].rereads = [{"engine": "rapidocr", "text": other, "value": other}]
    assert next(f for f in run(rec).flags if f.code == "APPLICANT_MISMATCH").severity == "high"
    # the re-read slips on another character but backs 贸易 against the other documents' name
    slipped = other.replace("精工", "精王")
    rec.applicant.provenance["name"][0].rereads = [{"engine": "rapidocr", "text": slipped, "value": slipped}]
    assert next(f for f in run(rec).flags if f.code == "APPLICANT_MISMATCH").severity == "high"


def test_art5_4_one_character_ocr_difference_needs_review(tmp_path):
    rec = good_record(tmp_path)
    rec.bank_account.account_name = UNIT.replace("精工", "精王")
    rec.bank_account.provenance["account_name"][0].engine = "tesseract"
    assert status(run(rec))["ART5.4"] == "needs_review"
    rec.bank_account.provenance["account_name"][0].engine = "text_layer"
    assert status(run(rec))["ART5.4"] == "fail"


def test_truncated_ocr_line_is_not_a_mismatch(tmp_path):
    rec = good_record(tmp_path)
    cut = UNIT[:-1]  # a seal cut the last character off the OCR line
    rec.bank_account.account_name = cut
    rec.bank_account.provenance["account_name"] = [prov("bank.jpg", 1, cut, "bank_account", engine="tesseract", conf=0.9)]
    j = run(rec)
    assert "APPLICANT_MISMATCH" not in codes(j)
    assert any("不完整" in w for w in j.warnings)
    assert status(j)["ART5.4"] == "needs_review"
    # The same shortened name typed into a text layer is a real difference.
    rec.bank_account.provenance["account_name"][0].engine = "text_layer"
    assert status(run(rec))["ART5.4"] == "fail"


def test_account_name_confirmed_by_reread_passes(tmp_path):
    rec = good_record(tmp_path)
    misread = UNIT.replace("精工", "精王")
    rec.bank_account.account_name = misread
    rec.bank_account.provenance["account_name"] = [
        prov("bank.jpg", 1, misread, "bank_account", engine="tesseract", conf=0.8,
             rereads=[{"engine": "rapidocr", "text": UNIT, "value": UNIT}])]
    assert status(run(rec))["ART5.4"] == "pass"


def test_birth_date_misread_by_one_digit_is_medium_but_a_different_date_is_high(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[0]
    born = ric.get_birth_date(m.id_number)
    assert born.day >= 10  # make_id's default birth date, so a digit can be dropped
    m.birth_date = f"{born.year}-{born.month:02d}-{born.day // 10:02d}"  # 12日 read as 1日
    m.provenance["birth_date"] = [prov("id_1.jpg", 1, m.birth_date, "id_card", engine="tesseract", conf=0.9)]
    m.provenance["birth_date"][0].text = f"出生 {born.year}年{born.month}月{born.day // 10}日"
    # a dropped digit is an OCR slip: a warning, no flag (batch b: 1985年9月1日 for 19850911)
    j = run(rec)
    assert "IDENTITY_MISMATCH" not in codes(j) and any("少一位数字" in w for w in j.warnings)
    # one digit read as another (12日 as 13日) may be either: medium
    m.birth_date = f"{born.year}-{born.month:02d}-{born.day + 1:02d}"
    m.provenance["birth_date"] = [prov("id_1.jpg", 1, m.birth_date, "id_card", engine="tesseract", conf=0.9)]
    m.provenance["birth_date"][0].text = f"出生 {born.year}年{born.month}月{born.day + 1}日"
    f = next(f for f in run(rec).flags if f.code == "IDENTITY_MISMATCH")
    assert f.severity == "medium"
    other = born.replace(year=born.year - 7)
    m.birth_date = other.isoformat()
    m.provenance["birth_date"] = [prov("id_1.jpg", 1, m.birth_date, "id_card", engine="tesseract", conf=0.9)]
    m.provenance["birth_date"][0].text = f"出生 {other.year}年{other.month}月{other.day}日"
    f = next(f for f in run(rec).flags if f.code == "IDENTITY_MISMATCH")
    assert f.severity == "medium"  # one OCR reading of the printed date
    m.provenance["birth_date"][0].rereads = [{"engine": "rapidocr", "text": f"{other.year}年{other.month}月{other.day}日",
                                              "value": other.isoformat()}]
    f = next(f for f in run(rec).flags if f.code == "IDENTITY_MISMATCH")
    assert f.severity == "high"


@pytest.mark.parametrize("text,found", [
    ("与原件相符", True), ("与原作相符", True), ("与原件福符", True), ("与原尼榴符", True),
    ("此复印件与原件一致", True), ("所填内容与事实相符", False), ("合同期限自2020年起", False),
])
def test_copy_mark_tolerates_ocr_garbling_but_not_prose(text, found):
    from validators.checks.materials import _has_mark

    assert _has_mark(text) is found


def test_art5_f_born_digital_pdf_is_an_original_not_a_copy(tmp_path):
    rec = good_record(tmp_path, images=True)
    contract = next(d for d in rec.documents if d.type == "labour_contract")
    page = rec.page(contract.file, 1)
    page.lines = [l for l in page.lines if "原件" not in l.text]
    assert status(run(rec, index_images=False))["ART5.F"] == "fail"  # a scanned copy without the mark
    old = contract.file
    for obj in [contract, page] + [f for f in rec.files if f.file == old]:
        obj.file = old.rsplit(".", 1)[0] + ".pdf"
    c = next(c for c in run(rec, index_images=False).checks if c.rule == "ART5.F")
    assert c.status == "pass" and "电子原件" in c.detail
    page.source_image = True  # the same PDF as a scanned image is a copy again
    assert status(run(rec, index_images=False))["ART5.F"] == "fail"


def test_rereads_that_correct_misreadings_do_not_confirm_a_mismatch(tmp_path):
    rec = good_record(tmp_path)
    wrong1, wrong2 = UNIT.replace("精工", "精王"), UNIT.replace("精工", "精土")
    rec.applicant.provenance["name"] = [
        prov("licence.jpg", 1, wrong1, "business_licence", engine="tesseract", conf=0.8,
             rereads=[{"engine": "rapidocr", "value": UNIT}]),
        prov("bank.jpg", 1, wrong2, "bank_account", engine="tesseract", conf=0.8,
             rereads=[{"engine": "rapidocr", "value": UNIT}]),
        prov("form.docx", 1, UNIT, "application_form", engine="docx"),
    ]
    j = run(rec)
    assert "APPLICANT_MISMATCH" not in codes(j)
    assert sum("识别错误" in w for w in j.warnings) >= 2


def test_index_fingerprints_on_threads_are_the_sequential_ones(tmp_path):
    a = good_record(tmp_path / "a", "D1", images=True)
    b = good_record(tmp_path / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                    account="44050166099999999999", id_offset=100, images=True)
    for rec in (a, b):
        for p in rec.pages:
            if not p.file.startswith(("id_", "contract_")):
                p.image_path = None
    a.page("id_0.jpg", 1).image_path = _card(tmp_path / "a_card.png", "张伟", a.members[0].id_number)
    b.page("id_0.jpg", 1).image_path = _card(tmp_path / "b_card.png", "张三", b.members[0].id_number)
    one, two = build_index([a, b], [], workers=1), build_index([a, b], [], workers=2)
    assert len(one.images) == len(two.images) >= 2
    for x, y in zip(one.images, two.images):
        assert (x.dossier_id, x.file, x.page, x.doc_type, x.person) == (y.dossier_id, y.file, y.page, y.doc_type, y.person)
        assert (x.fp.digest, str(x.fp.phash), str(x.fp.crop_resistant), len(x.fp.regions)) == \
               (y.fp.digest, str(y.fp.phash), str(y.fp.crop_resistant), len(y.fp.regions))


def test_false_materials_cite_article_5_and_article_15_only_for_a_recognised_station(tmp_path):
    rec = good_record(tmp_path)
    m = rec.members[0]
    m.certificate_number = "1744060012300001"  # level digit 3 on a 高级技师 certificate
    f = next(f for f in run(rec).flags if f.code == "CERTIFICATE_INCONSISTENT")
    assert f.rule == "ART5.X" and f.detail.startswith("第五条") and "第十五条" not in f.detail
    row = RegistryRow(rec.applicant.name, rec.applicant.uscc, "技师工作站", 2023, [], 4)
    f = next(f for f in run(rec, registry=[row]).flags if f.code == "CERTIFICATE_INCONSISTENT")
    assert f.rule == "ART5.X" and "第十五条第（一）项" in f.detail and "第4行" in f.detail
    other = RegistryRow(rec.applicant.name, rec.applicant.uscc, "技能大师工作室", 2023, [], 5)
    f = next(f for f in run(rec, registry=[other]).flags if f.code == "CERTIFICATE_INCONSISTENT")
    assert "第十五条" not in f.detail
