"""The review page freshly made from a small dossier (a Word application form and a
born-digital contract, read without OCR), as a reviewer sees it in Chromium: every visible
word plain Chinese, the Word form shown as pages, and the zoom, rotate and label switches
doing what they say."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from reports.page_anchor import page_numbers, review_link, review_order
from reports.review_text import split_technical
from tests.test_reports_render import CHROMIUM, CHROMIUM_FLAGS

SAMPLE = Path(__file__).resolve().parents[1] / "sample_dossiers" / "batch" / "D01"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# Latin words a reviewer may read: file formats and units. Everything else in visible text
# (a flag code, a field name, a program's name, an English word) fails the test.
ALLOWED = {"PDF", "Word", "WPS", "OFD", "JPG", "JPEG", "PNG", "TIF", "TIFF",
           "pdf", "docx", "doc", "wps", "jpg", "jpeg", "png", "tif", "tiff", "mm", "cm", "KB", "MB", "dpi"}
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z_\-]*[A-Za-z](?![A-Za-z0-9_])")
RULE_ID = re.compile(r"(?<![A-Za-z0-9_])ART\d+(?:\.[0-9A-Z]+)?")  # touches digits, a code all the same
STANDARD = re.compile(r"(?<![A-Za-z])GB(?:/T)?\s*\d+")  # a national standard's number is an identifier


def latin_words(text: str, file_names) -> list[str]:
    for name in sorted(file_names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = STANDARD.sub(" ", text)
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED} | set(RULE_ID.findall(text)))


def test_the_latin_word_check_catches_codes_and_spares_identifiers():
    text = ("字段 account_kind 与 CERTIFICATE_INCONSISTENT；证书 S44060820230700012 见 4-成员/张伟.pdf 第1页，"
            "规则 gaoming-2021（ART4.1未通过）")
    assert latin_words(text, ["4-成员/张伟.pdf"]) == ["ART4.1", "CERTIFICATE_INCONSISTENT", "account_kind", "gaoming"]


@pytest.mark.parametrize("detail, plain, tech", [
    ("第五条：甲.jpg第1页的图像与申报材料D06的乙.pdf第2页内容一致（感知哈希距离4，对齐后最低分块相关系数0.91），请核对原件",
     "第五条：甲.jpg第1页的图像与申报材料D06的乙.pdf第2页内容一致，请核对原件", ["感知哈希距离4，对齐后最低分块相关系数0.91"]),
    ("第五条：文件被编辑；编辑程序为 Adobe Acrobat；请向申报单位核实", "第五条：文件被编辑；请向申报单位核实",
     ["编辑程序为 Adobe Acrobat"]),
    ("第五条：号码不符合GB 11643：校验码错误（4-成员/张伟.pdf第1页，OCR置信度0.91）", "第五条：号码不符合GB 11643：校验码错误",
     ["4-成员/张伟.pdf第1页，识别置信度0.91"]),
    # a quote is the applicant's words: a term inside it moves nothing
    ("第五条：“加工误差水平较低，良品率高”等1处；误差水平比1.5", "第五条：“加工误差水平较低，良品率高”等1处。",
     ["误差水平比1.5"]),
    ("身份证号码校验位错误（第五条）", "身份证号码校验位错误（第五条）", []),
    ("不符合申报条件（ART4.1、ART3未通过）", "不符合申报条件（第四条第（一）项、第三条未通过）", []),
])
def test_measurements_go_to_the_technical_view(detail, plain, tech):
    assert split_technical(detail, ("甲.jpg", "乙.pdf")) == (plain, tech)


@pytest.fixture(scope="module")
def fresh_page(tmp_path_factory):
    return make_fresh_page(tmp_path_factory.mktemp("review"))


def make_fresh_page(tmp: Path):
    """OUT/<id>/review.html of a two-file dossier run through extraction, judging and the
    report writers, as flows/outputs.py runs them (OCR left out: both files carry text)."""
    from extractors.records import Provenance
    from flows import pipeline
    from reports.page_images import export_page_images
    from reports.result_json import build_result
    from reports.review_html import write_review
    from reports.word_pages import export_word_pages
    from validators.batch_index import build_index
    from validators.findings import Flag
    from validators.judge import judge
    from validators.ruleset import load_ruleset

    src = tmp / "batch" / "R01"
    contract = next(sorted(SAMPLE.glob("4-成员材料/*/劳动合同.pdf")).__iter__())
    for rel in ["1-技师工作站设立申请表.docx", str(contract.relative_to(SAMPLE))]:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE / rel, src / rel)
    files = pipeline.read_dossier_files(src, tmp / "work", dpi=100)
    record = pipeline.extract_record("R01", files)
    as_of = date(2026, 5, 20)
    judgement = judge(record, build_index([record], []), load_ruleset(as_of), as_of)
    # A reused-image finding as the batch check writes it, measurements included, pointing
    # at the contract's first page (the batch index is of one dossier and raises none).
    page = next(p for p in record.pages if p.image_path)
    judgement.flags.append(Flag(
        code="REUSED_IMAGE", rule="ART5.X", severity="medium", subject=f"{page.file}第{page.page}页",
        detail=(f"{page.file}第{page.page}页的图像与申报材料R02的成员/某人.pdf第2页内容一致（感知哈希距离3，"
                "对齐后最低分块相关系数0.93），扫描纹理无法判断是否同一次扫描，请核对原件"),
        evidence=[Provenance(file=page.file, page=page.page, bbox=None, confidence=1.0, text="", engine="image")]))
    result = build_result(record, judgement, as_of=as_of, rule_set="gaoming-2021", screened_at="2026-05-20T09:00:00+08:00")
    out = tmp / "out" / "R01"
    images = export_page_images(record.pages, out)
    words = export_word_pages(record.files, out, tmp / "cache")
    write_review(result, images, out / "review.html", word_pages=words)
    return result, images, words, out / "review.html"


# After load: the visible text (and tooltips), then the effect of each control on the first
# page with a picture. The result goes into a <pre> that --dump-dom prints.
PROBE = """<script>
window.addEventListener('load', function () {
  var out = {};
  function box(el) { var r = el.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; }
  function shown(sel) { return Array.from(document.querySelectorAll(sel)).filter(function (e) {
    return e.offsetParent !== null; }).length; }
  setTimeout(function () {
    out.text = document.body.innerText;
    out.titles = Array.from(document.querySelectorAll('[title]')).map(function (e) { return e.title; }).join('\\n');
    var sec = document.querySelector('.page .frame').closest('.page');
    var frame = sec.querySelector('.frame'), tool = function (act) { sec.querySelector('[data-act=' + act + ']').click(); };
    out.page = sec.id; out.start = box(frame); out.startImg = box(sec.querySelector('.img img'));
    tool('in'); out.zoomed = box(frame); out.zoomLabel = sec.querySelector('.zoom').textContent;
    tool('fit'); tool('right'); out.turned = box(frame);
    out.turnedImg = box(sec.querySelector('.img img'));
    tool('right'); out.upsideDown = box(frame); tool('left'); tool('left'); out.back = box(frame);
    out.badges = shown('.badge'); out.marks = shown('.marks li');
    document.getElementById('showLabels').click();
    out.badgesHidden = shown('.badge'); out.marksHidden = shown('.marks li');
    var pre = document.createElement('pre'); pre.id = 'probe';
    pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  }, 300);
});
</script>"""


def _probe(html: Path) -> dict:
    page = html.with_name("probe.html")
    page.write_text(html.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    try:
        run = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900",
                              "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    m = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert m, run.stderr[-2000:]
    import html as html_lib
    return json.loads(html_lib.unescape(m.group(1)))


@pytest.mark.skipif(not CHROMIUM, reason="Chromium (apt chromium) not installed")
def test_fresh_review_page_reads_in_plain_chinese_and_its_controls_work(fresh_page):
    result, images, words, html = fresh_page
    got = _probe(html)
    names = [f["file"] for f in result["files"]] + [d["file"] for d in result["documents"]]
    assert latin_words(got["text"], names) == []
    assert latin_words(got["titles"], names) == []
    assert result["flags"] and "技术依据" in got["text"]
    assert "感知哈希" not in got["text"] and "感知哈希" in html.read_text(encoding="utf-8")  # collapsed, not gone
    assert "gaoming" not in got["text"] and "认定管理办法" in got["text"]
    # Zoom one step (125%) widens the picture; a quarter turn lays it on its side (the
    # picture's sides swap, it still fits the pane's width and its frame holds it); a half
    # turn and back restore the first size.
    w, h = got["start"]
    assert got["zoomLabel"] == "125%" and abs(got["zoomed"][0] - 1.25 * w) <= 3
    (iw, ih), (tw, th) = got["startImg"], got["turnedImg"]
    assert abs(tw / th - ih / iw) < 0.02 * (ih / iw)
    assert abs(got["turned"][0] - tw) <= 3 and got["turned"][0] <= w + 1 and got["turned"][1] >= th
    assert abs(got["upsideDown"][0] - w) <= 3 and abs(got["upsideDown"][1] - h) <= 3
    assert got["back"] == got["start"]
    assert got["badges"] > 0 and got["marks"] > 0 and got["badgesHidden"] == 0 and got["marksHidden"] == 0


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice not installed")
def test_word_form_is_shown_as_pages_with_its_values_boxed(fresh_page):
    result, images, words, html = fresh_page
    form = next(d["file"] for d in result["documents"] if d["file"].endswith(".docx"))
    render = words[form]
    assert render.note is None and render.images
    text = html.read_text(encoding="utf-8")
    n = page_numbers(result, images)[(form, 1)]
    section = text[text.index(f'id="page-{n}"'):]
    section = section[:section.index("</section>")]
    for rel in render.images:
        assert (html.parent / rel).is_file() and f'src="{rel}"' in section
    # The applicant's name is read from the form: on the rendered sheet it is boxed.
    name = result["applicant"]["name"]
    recs = [r for r in result["applicant"]["provenance"].get("name", []) if r["file"] == form]
    assert recs and name
    assert re.search(r'<div class="box field" id="box\d+"', section)
    assert re.search(r"<li class=\"mk field\" data-box=\"box\d+\"><b>\d+</b>单位名称：" + re.escape(name), section)
    # A member row's values share one number label in the margin ("4–10"), numbered in
    # reading order so the row's numbers run on.
    assert re.search(r'<a class="badge field" data-boxes="box\d+( box\d+)+"[^>]*>\d+–\d+</a>', section)
    # The form comes first (Art. 5 (一)), the contract after it.
    assert review_order(result, images)[0] == (form, 1)
    assert review_link(recs[0], page_numbers(result, images)) == f"review.html#page-{n}"


def _reuse_flag(where: str, file: str, page: int, extra_evidence=()):
    return {"code": "REUSED_IMAGE", "rule": "ART5.X", "severity": "medium", "subject": "张伟",
            "detail": f"{file}第{page}页的图像与{where}内容一致（感知哈希距离2），请核对原件",
            "evidence": [{"file": file, "page": page, "bbox": None, "confidence": 1.0, "text": "", "engine": "image"},
                         *extra_evidence], "proof": ["look_alike"]}


@pytest.mark.parametrize("structured", [True, False])
def test_reused_image_is_shown_beside_the_page_it_matches(tmp_path, structured):
    """Another dossier's page is copied in and shown beside the flagged page, with a box
    where the evidence marks the matching region; found from an evidence record naming
    the other dossier, or else from the flag's text."""
    from PIL import Image

    from reports.page_images import export_matched_pages, matched_page
    from reports.review_html import render_review
    from tests.test_reports_common import make_case

    result, images, out = make_case(tmp_path)
    other = tmp_path / "other_page.png"
    Image.new("RGB", (600, 800), (10, 120, 200)).save(other)
    extra = [{"dossier": "D06", "file": "成员/吴丽娟.pdf", "page": 2, "bbox": [0.1, 0.2, 0.5, 0.4],
              "confidence": 1.0, "text": "", "engine": "image"}] if structured else []
    flag = _reuse_flag("申报材料D06的成员/吴丽娟.pdf第2页", "成员/张伟身份证.jpg", 1, extra)
    result["flags"].append(flag)
    assert matched_page(flag, result["dossier_id"]) == ("D06", "成员/吴丽娟.pdf", 2)
    asked = []
    matched = export_matched_pages(result, lambda *key: asked.append(key) or str(other), out)
    assert asked == [("D06", "成员/吴丽娟.pdf", 2)]
    rel = matched[("D06", "成员/吴丽娟.pdf", 2)]
    with Image.open(out / rel) as im:
        assert im.size == (600, 800)
    html = render_review(result, images, matched_images=matched)
    n = page_numbers(result, images)[("成员/张伟身份证.jpg", 1)]
    section = html[html.index(f'id="page-{n}"'):]
    section = section[:section.index("</section>")]
    pair = section[section.index('<div class="pair">'):]
    assert "申报材料D06" in pair and "成员/吴丽娟.pdf 第2页" in pair and f'src="{rel}"' in pair
    box = '<div class="box flag" style="left:10.000%;top:20.000%;width:40.000%;height:20.000%">'
    assert (box in pair) == structured


def test_reuse_within_the_dossier_shows_its_own_page_and_copies_nothing(tmp_path):
    from reports.page_images import export_matched_pages
    from reports.review_html import render_review
    from tests.test_reports_common import make_case

    result, images, out = make_case(tmp_path)
    result["flags"].append(_reuse_flag("本申报材料的申报材料.pdf第1页", "成员/张伟身份证.jpg", 1))
    assert export_matched_pages(result, lambda *key: pytest.fail("asked for another dossier"), out) == {}
    html = render_review(result, images)
    numbers = page_numbers(result, images)
    section = html[html.index(f'id="page-{numbers[("成员/张伟身份证.jpg", 1)]}"'):]
    pair = section[section.index('<div class="pair">'):section.index("</section>")]
    assert f'src="{images[("申报材料.pdf", 1)]}"' in pair
    assert f"本卷宗第{numbers[('申报材料.pdf', 1)]}页" in pair


def test_word_page_without_libreoffice_says_so_in_chinese(tmp_path, monkeypatch):
    """No converter: the Word page is still on the review page, with a note instead of a picture."""
    from extractors.records import FileReading, Page
    from reports import word_pages
    from reports.review_html import render_review
    from tests.test_reports_common import make_case

    result, images, out = make_case(tmp_path)
    doc = tmp_path / "表.docx"
    doc.write_bytes(b"not really a document")
    monkeypatch.setattr(word_pages, "soffice_path", lambda: None)
    files = [FileReading(file="申请表.docx", source_path=str(doc), sha256="d" * 64, kind="docx",
                         pages=[Page(file="申请表.docx", page=1, text_source="docx")])]
    renders = word_pages.export_word_pages(files, out, tmp_path / "cache")
    assert renders["申请表.docx"].note == "word_unavailable" and not renders["申请表.docx"].images
    result["documents"].insert(0, {"file": "申请表.docx", "pages": [1], "type": "application_form",
                                   "text_source": "docx", "error": None})
    html = render_review(result, images, word_pages=renders)
    section = html[html.index('id="page-1"'):]
    section = section[:section.index("</section>")]
    assert "申请表.docx 第1页" in section and "未安装文档转换程序" in section and "<img" not in section


def _row(text: str, y: float, x0: float = 0.1):
    return [(c, (x0 + 0.02 * i, y, x0 + 0.02 * (i + 1), y + 0.02)) for i, c in enumerate(text)]


def test_locate_boxes_a_value_only_where_its_line_tells_which():
    from reports.word_pages import locate

    sheet = _row("张伟男技师", 0.30) + _row("李强男高级技师", 0.40) + _row("佛山市高明区明工机械有限公司", 0.10)
    # Unique value: boxed, spanning its characters.
    got = locate("明工机械", "单位名称 | 佛山市高明区明工机械有限公司", [sheet])
    assert got and got[0] == 0 and abs(got[1][0] - 0.22) < 1e-9 and abs(got[1][2] - 0.30) < 1e-9 and got[1][1] == 0.10
    # "男" twice: the row holding the rest of the source line wins.
    assert locate("男", "李强 | 男 | 高级技师", [sheet])[1][1] == 0.40
    assert locate("男", "张伟 | 男 | 技师", [[], sheet])[0] == 1
    # Nothing in the line tells the two apart: no box rather than a guess.
    assert locate("男", "男", [sheet]) is None
    assert locate("1985-03", "张伟 | 1985年3月", [sheet]) is None  # not on the sheet
    # A date extracted as ISO is found as the form prints it.
    dated = _row("张伟男1985年3月", 0.5)
    got = locate("1985-03", "张伟 | 男 | 1985年3月", [dated])
    assert got and abs(got[1][0] - 0.16) < 1e-9 and abs(got[1][2] - 0.30) < 1e-9


def test_pages_follow_article_5_and_each_members_documents_stay_together():
    """Not file-name order: the form, the report, ID cards, certificates, achievements,
    contracts, licence, account; within a kind the members' order, a contract's second
    page (no value read on it) right after its first."""
    def ev(file, page):
        return [{"file": file, "page": page, "bbox": [0.1, 0.1, 0.2, 0.2]}]
    docs = [("a-营业执照.pdf", [1], "business_licence"), ("b-李.pdf", [1], "id_card"), ("b-李.pdf", [2, 3], "labour_contract"),
            ("c-王.pdf", [1], "id_card"), ("c-王.pdf", [2], "qualification_certificate"), ("c-王.pdf", [3, 4], "labour_contract"),
            ("d-账户.jpg", [1], "bank_account"), ("e-报告.pdf", [1, 2], "application_report"), ("f-表.docx", [1], "application_form"),
            ("g-奖状.jpg", [1], "achievement")]
    result = {"documents": [{"file": f, "pages": p, "type": t} for f, p, t in docs],
              "members": [{"name": "王", "provenance": {"name": ev("c-王.pdf", 1), "contract_end": ev("c-王.pdf", 3)}},
                          {"name": "李", "provenance": {"name": ev("b-李.pdf", 1), "contract_end": ev("b-李.pdf", 2)}}]}
    images = {("z-未分类.png", 1): "pages/009.jpg"}
    assert review_order(result, images) == [
        ("f-表.docx", 1), ("e-报告.pdf", 1), ("e-报告.pdf", 2),
        ("c-王.pdf", 1), ("b-李.pdf", 1), ("c-王.pdf", 2), ("g-奖状.jpg", 1),
        ("c-王.pdf", 3), ("c-王.pdf", 4), ("b-李.pdf", 2), ("b-李.pdf", 3),
        ("a-营业执照.pdf", 1), ("d-账户.jpg", 1), ("z-未分类.png", 1)]
    numbers = page_numbers(result, images)
    assert review_link({"file": "b-李.pdf", "page": 3}, numbers) == "review.html#page-11"
    assert review_link({"file": "b-李.pdf", "page": 3}, numbers, prefix="D01/") == "D01/review.html#page-11"
    assert review_link({"file": "无此文件.pdf", "page": 1}, numbers) is None
