"""Everything a reviewer reads in the worksheets, the summary and the correction notice is
Chinese: no flag code, rule id, library name or English word — Latin letters only inside
identifiers (ID, credit-code, certificate and account numbers, standard numbers), file names,
file-format names and units.

The outputs come from a small batch judged for real (validators' own finding texts) from
records built in code, as tests/test_validators_judge.py builds them: no OCR, so it is fast.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from reports.correction_notice import write_correction_notice
from reports.result_json import build_result
from reports.summary import write_summary
from reports.worksheet import write_worksheet
from tests.test_validators_judge import AS_OF, RS, good_record, make_uscc, prov
from validators.batch_index import build_index
from validators.judge import judge
from validators.registry import RegistryRow

# Not words: file names, identifiers (letters mixed with digits or masking stars, standard
# numbers), the names of file formats a clerk sees on the files themselves, and units.
FILE_NAME = re.compile(r"[^\s“”：:，,；;、（）()]*\.(?:pdf|docx?|wps|jpe?g|png|tiff?|ofd|xlsx|html|zip|csv)(?![A-Za-z0-9])", re.I)
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9])(?=[0-9A-Z*]*[0-9*])[0-9A-Z*]{6,}(?![A-Za-z0-9])|GB(?:/T)?\s?\d+(?:-\d+)?")
ALLOWED = {"PDF", "WPS", "OFD", "Word", "Excel", "cm", "mm", "px", "dpi", "pt", "KB", "MB"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


# What the document itself says, quoted (“…”): an editing program's name, a quote from the
# application report. Our own wording around it is what must be Chinese.
QUOTED = re.compile(r"“[^“”]*”")


def latin_words(text: str) -> list[str]:
    text = QUOTED.sub(" ", text)
    text = FILE_NAME.sub(" ", text)
    text = IDENTIFIER.sub(" ", text)
    return [w for w in LATIN_WORD.findall(text) if w not in ALLOWED]


def test_the_rule_itself():
    assert latin_words("张伟身份证.jpg 第1页；91440608MA4UQ7R3X5；440608**********1X；GB 11643") == []
    assert latin_words("证书Y000044001001171000001；PDF文件") == []
    assert latin_words("CERTIFICATE_INCONSISTENT") == ["CERTIFICATE_INCONSISTENT"]
    assert latin_words("校验程序python-stdnum") == ["python", "stdnum"]
    assert latin_words("ART5.1 符合；OCR置信度0.62") == ["ART", "OCR"]
    assert latin_words("生成程序为编辑软件“Adobe Acrobat Pro DC”") == []  # the file's own words


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """A batch of four judged dossiers with flags, warnings and corrections, written out."""
    tmp = tmp_path_factory.mktemp("plain")
    clean = good_record(tmp / "a", "D1")
    dup = good_record(tmp / "b", "D2", unit="佛山市高明区另一有限公司", code=make_uscc(org_body="MA4UQ7R4"),
                      account="44050166012345678901", id_offset=100)  # D1's account
    dup.members[0].id_number = clean.members[0].id_number  # D1's member
    m = dup.members[1]
    m.provenance["name"][2] = prov("contract_1.jpg", 1, "李哪", "labour_contract", engine="tesseract", conf=0.45)
    bad_id = m.id_number[:-1] + ("0" if m.id_number[-1] != "0" else "1")
    m.id_number = bad_id
    m.provenance["id_number"] = [prov("id_1.jpg", 1, bad_id, "id_card", engine="rapidocr", conf=0.8)]
    short = good_record(tmp / "c", "D3", unit="佛山市高明区杨和镇第三有限公司", code=make_uscc(org_body="MA4UQ7R5"),
                        account="44050166033333333333", id_offset=200)
    short.documents = [d for d in short.documents if d.type not in ("application_form", "achievement")]
    short.applicant.address = "佛山市高明区杨和镇发展路3号"
    funded = good_record(tmp / "d", "D4", unit="佛山市高明区第四有限公司", code=make_uscc(org_body="MA4UQ7R6"),
                         account="44050166044444444444", id_offset=300)
    funded.members[0].certificate_number = "粤人社2017-00123"
    registry = [RegistryRow("佛山市高明区第四有限公司", funded.applicant.uscc, "技能大师工作室", AS_OF.year, [], 2)]
    records = [clean, dup, short, funded]
    index = build_index(records, registry)
    out = tmp / "out"
    results = []
    for rec in records:
        j = judge(rec, index, RS, AS_OF, registry_given=True)
        result = build_result(rec, j, as_of=AS_OF, rule_set=RS.name, screened_at="2026-05-20T09:00:00+08:00")
        (out / rec.dossier_id).mkdir(parents=True)
        write_worksheet(result, {}, out / rec.dossier_id / "worksheet.xlsx", intake_date=date(2026, 5, 20))
        write_correction_notice(result, out / rec.dossier_id / "补正告知书.docx", intake_date=date(2026, 5, 20))
        results.append(result)
    write_summary(results, out, batch="第一批")
    return out, results


def _visible_texts(path):
    """(where, text) of every cell a reviewer sees or prints, the page headers and footers,
    and the text a formula shows (its string literals)."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.center):
            if part.text:
                yield f"{ws.title} 页眉页脚", re.sub(r"&[A-Z]", "", part.text)
        hidden_cols = {k for k, d in ws.column_dimensions.items() if d.hidden}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.column_letter in hidden_cols:
                    continue
                if ws.row_dimensions[cell.row].hidden:
                    continue
                text = str(cell.value)
                if text.startswith("="):
                    text = " ".join(re.findall(r'"([^"]*)"', text))
                yield f"{ws.title}!{cell.coordinate}", text
        for dv in ws.data_validations.dataValidation:
            for t in (dv.formula1 if dv.type == "list" else None, dv.prompt, dv.error, dv.promptTitle, dv.errorTitle):
                if t:
                    yield f"{ws.title} 下拉列表", t


def test_every_visible_cell_is_plain_chinese(outputs):
    out, results = outputs
    # the batch holds what the test is about: flags, warnings, a notice, a funding note
    codes = {f["code"] for r in results for f in r["flags"]}
    assert {"DUPLICATE_PERSON", "DUPLICATE_BANK_ACCOUNT", "ID_NUMBER_INVALID", "FUNDING_CONFLICT"} <= codes
    assert any(r["recommendation"] == "request_correction" for r in results)
    bad = []
    books = [out / "summary.xlsx", *sorted(out.glob("*/worksheet.xlsx"))]
    seen = 0
    for book in books:
        for where, text in _visible_texts(book):
            seen += 1
            words = latin_words(text)
            if words:
                bad.append(f"{book.parent.name}/{book.name} {where}: {words} in {text[:80]!r}")
    assert seen > 200
    assert not bad, "\n".join(bad[:30])


def test_correction_notice_is_plain_chinese(outputs):
    out, results = outputs
    notices = sorted(out.glob("*/补正告知书.docx"))
    assert [p.parent.name for p in notices] == [r["dossier_id"] for r in results
                                                 if r["recommendation"] == "request_correction"]
    for path in notices:
        doc = Document(path)
        texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]
        bad = [(t, latin_words(t)) for t in texts if latin_words(t)]
        assert not bad, bad


def test_measurements_move_to_the_technical_column_and_jargon_is_replaced():
    from reports.plain import plain_and_technical
    plain, tech = plain_and_technical("李娜的身份证号码（id_1.jpg第1页，OCR置信度0.80，另一识别引擎复核重读仍不通过校验）；"
                                      "两页几乎相同（对齐后残差0.012，灰度增益0.998），请对照原件")
    assert "0.80" not in plain and "0.012" not in plain and "id_1.jpg第1页" in plain
    assert "请对照原件" in plain and "OCR" not in plain and "识别引擎" not in plain
    assert tech.splitlines() == ["机器识读置信度0.80", "对齐后残差0.012", "灰度增益0.998"]
    assert plain_and_technical("第三条：申请单位在高明区注册") == ("第三条：申请单位在高明区注册", "")
