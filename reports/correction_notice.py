"""The 一次性告知书 for `request_correction`: every missing or defective material with the
reason and the article, in one Word document a clerk prints (A4), fills in, signs and seals.

Written from result.json alone. The measures set no correction period, so the notice leaves
the date blank for the clerk (never an invented number); the office is the 镇（街道）
公共服务办 that receives applications (第五条), named when the address says which.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reports import atomic
from reports.labels import RULE_ARTICLE
from reports.plain import plain_text
from reports.towns import UNKNOWN, town_of

FILE_NAME = "补正告知书.docx"
MEASURES = "《佛山市高明区人力资源和社会保障局技师工作站认定管理办法》"
# The rules whose failure asks for corrections (the rule set's request_correction step), and
# what the applicant has to supply for each.
MATERIAL = {
    "ART5.1": "佛山市高明区技师工作站设立申请表（附件1）",
    "ART5.2": "申请报告",
    "ART5.3": "工作站成员的身份证、职业资格证书、业绩材料、工作协议或劳动合同（聘用合同）",
    "ART5.4": "申请单位的法人登记证书（或营业执照、组织机构代码证）及基本账户证明",
    "ART5.F": "复印件（注明“与原件相符”并加盖单位公章）",
    "ART4.2": "申请报告中师带徒、拜师学艺等技能培训的内容",
    "ART4.3": "申请报告中管理制度、资金支持、场所和设备等工作条件的内容",
    "ART4.4": "生产、科研设施设备的情况",
    "ART4.5": "组织开展技术攻关、技术研讨等活动的情况",
}
FONT = "宋体"


def correction_items(result: dict) -> list[dict]:
    """[{material, reason, article}] — one per problem a failed check names (its detail
    lists problems separated by ；), and one per file that could not be read."""
    items: list[dict] = []
    for check in result.get("checks", []):
        rule = check.get("rule")
        if rule not in MATERIAL or check.get("status") != "fail":
            continue
        detail = plain_text(check.get("detail") or "")
        body = detail.split("：", 1)[1] if "：" in detail[:20] else detail
        # '…以下页面不符合：a.pdf第2页缺公章；b.jpg第1页缺公章': one row per page named
        for problem in (p.split("以下页面不符合：")[-1].strip("。； ") for p in body.split("；")):
            # '另有2页无法判断' is for the clerk to look at, not for the applicant to supply
            if problem and not problem.startswith("另有"):
                items.append({"material": MATERIAL[rule], "reason": problem, "article": RULE_ARTICLE.get(rule, rule)})
    for d in result.get("documents", []):
        if d.get("error"):
            items.append({"material": f"文件“{d.get('file')}”", "reason": f"无法读取（{plain_text(d['error'])}），请重新提交可以打开的文件",
                          "article": RULE_ARTICLE["ART5.1"].split("第（")[0]})
    return items


def _cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "____年____月____日"


def _font(run, size: float = 12, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _para(doc, text: str = "", *, size: float = 12, bold: bool = False, align=None, indent: bool = False,
          space_after: float = 4):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.line_spacing = 1.3
    if text:
        _font(p.add_run(text), size, bold)
    return p


def _cell(cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), 10.5, bold)


def write_correction_notice(result: dict, path: Path, *, intake_date: date | None = None) -> bool:
    """Write the notice to `path` (atomically) when the recommendation asks for corrections;
    returns whether it was written."""
    if result.get("recommendation") != "request_correction":
        return False
    applicant = result.get("applicant") or {}
    town = town_of(applicant.get("address"))
    office = f"{town}公共服务办" if town != UNKNOWN else "__________镇（街道）公共服务办"
    items = correction_items(result)

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin = section.bottom_margin = Cm(2.5)
    doc.core_properties.title = "技师工作站申报材料补正一次性告知书"
    doc.core_properties.author = office

    _para(doc, "佛山市高明区人力资源和社会保障局", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, office, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=10)
    _para(doc, "技师工作站认定申报材料补正一次性告知书", size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          space_after=4)
    _para(doc, "编号：______________", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=10)

    _para(doc, f"{applicant.get('name') or '____________________'}：", size=12)
    _para(doc, (f"你单位于{_cn_date(intake_date)}提交的技师工作站认定申报材料（卷宗编号：{result.get('dossier_id')}），"
                f"经形式审查，依据{MEASURES}第五条、第六条第（一）项的规定，尚需补正以下{len(items) or ''}项材料，"
                f"现一次性告知如下："), size=12, indent=True)

    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # LibreOffice keeps the column widths only with a fixed layout
    widths = (Cm(1.2), Cm(5.0), Cm(7.0), Cm(2.6))
    for col, w in zip(table.columns, widths):
        col.width = w
    for cell, head, w in zip(table.rows[0].cells, ("序号", "需补正的材料", "补正原因", "依据条款"), widths):
        _cell(cell, head, bold=True, center=True)
        cell.width = w
    for i, item in enumerate(items or [{"material": "（请经办人填写）", "reason": "", "article": ""}], start=1):
        cells = table.add_row().cells
        for cell, text, w in zip(cells, (str(i), item["material"], item["reason"], item["article"]), widths):
            _cell(cell, text, center=cell is cells[0])
            cell.width = w
    # The header row repeats on every printed page of a long list.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    tr_pr.append(header)

    _para(doc, "", space_after=2)
    _para(doc, "补正期限：请于______年____月____日前，将上述材料一次性补正后提交至" + office + "。", size=12, indent=True)
    _para(doc, ("补正材料按实际情况提供原件或校验原件留存复印件，复印件须注明“与原件相符”并加盖单位公章（"
                f"{MEASURES}第五条）。"), size=12, indent=True)
    _para(doc, "联系人：______________　　联系电话：______________", size=12, indent=True, space_after=10)

    _para(doc, f"{office}（盖章）", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=2)
    _para(doc, "经办人：______________", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=2)
    _para(doc, "____年____月____日", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=10)

    _para(doc, "-" * 30 + " 签收回执 " + "-" * 30, size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    _para(doc, "本单位已收到上述补正告知书。", size=12, indent=True)
    _para(doc, "申请单位签收人：______________　　签收日期：____年____月____日", size=12, indent=True)

    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        doc.save(tmp)
    return True
