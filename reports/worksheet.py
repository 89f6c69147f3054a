"""The per-dossier reviewer workbook (worksheet.xlsx), one sheet per Art. 6 stage plus
flags and deadlines. Written from the result dict so it says exactly what result.json says.

Every sheet starts with the key columns 卷宗编号 / 阶段 / 规则 and ends with the reviewer
columns 结论 / 意见 / 审核人 / 日期; reports.decisions reads them back by header name.
"""
from __future__ import annotations

import functools
import re
from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XLImage
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from extractors.masking import mask_id
from reports import atomic, changes
from reports.deadlines import Calendar, working_days
from reports.labels import STAGES
from reports.evidence import crop_png, first_boxed, locs
from reports.page_anchor import link_location_cells, page_numbers
from reports.labels import (DOC_TYPE, FLAG, RECOMMENDATION, REPORT_SECTION, RULE_ARTICLE,
                            SEVERITY, STATUS, conclusions, rule_label)
from reports.plain import plain_and_technical, plain_text
from reports.xlsx_style import (APPROVER_ROW, BOLD, DETAIL_ROW, HEADER, INPUT, ITEM, KIND_COLUMN, REVIEWER_COLUMNS,
                                STAGE_ROW, TITLE_ROW, add_long_row, add_row, col_index, finish_sheet,
                                fit_row_heights, write_header)

COPIED_TYPES = ("id_card", "qualification_certificate", "business_licence", "bank_account",
                "labour_contract", "achievement")
MEMBER_DOCS = (("id_card", "居民身份证", "has_id_card"),
               ("qualification_certificate", "职业资格（技能等级）证书", "has_certificate"),
               ("labour_contract", "劳动合同/聘用合同/工作协议", "has_contract"))
REV = ["", "", "", "", ITEM]  # empty reviewer cells of an item row, and its kind
DETAIL = [None, None, None, None, DETAIL_ROW]  # a row that details an item: no conclusion of its own
REVIEWER_HEAD = [*REVIEWER_COLUMNS, KIND_COLUMN]
# Evidence pictures: at most 210 × 140 px, in a column Excel shows 222 px wide (7 px a unit
# plus 5), so a picture never covers the reviewer's 结论 cell beside it.
PIC_MAX_PX = (210, 140)
PIC_COL_WIDTH = 31
PIC_INSET = 3  # px


def _checks(result: dict) -> dict[str, dict]:
    return {c["rule"]: c for c in result.get("checks", [])}


def _status(check: dict | None) -> str:
    return STATUS.get((check or {}).get("status"), "")


def _docs_of(result: dict, doc_type: str) -> list[dict]:
    return [d for d in result.get("documents", []) if d.get("type") == doc_type]


def _doc_locs(docs: list[dict]) -> str:
    return locs([{"file": d["file"], "page": p} for d in docs for p in d.get("pages") or []])


def _found_row(did, stage, rule, item, found: bool, where: str, extra: str = "") -> list:
    status = STATUS["pass"] if found else STATUS["fail"]
    text = ("已找到" if found else "未找到") + (f"；{extra}" if extra else "")
    return [did, stage, rule, item, status, text, where]


def _member_prov_locs(member: dict, doc_type: str) -> str:
    recs = [r for recs in (member.get("provenance") or {}).values() for r in recs
            if r.get("doc_type") == doc_type]
    return locs(recs)


def seal_status(f_check: dict, file: str, page: int, text_source: str | None = None) -> str:
    """What the ART5.F check found on one copied page. The check's evidence holds the located
    seal (bbox set) for good pages and a page record without bbox for pages lacking the seal
    or the mark; its detail names what each bad page lacks ('…第2页缺公章和“与原件相符”字样')."""
    detail = f_check.get("detail") or ""
    m = re.search(re.escape(f"{file}第{page}页缺") + r"([^；;，]+)", detail)
    if m:
        return f"缺{m.group(1)}"
    recs = [r for r in f_check.get("evidence") or [] if r.get("file") == file and r.get("page") == page]
    # A born-digital page is an electronic original, not a copy: saying it is sealed would
    # contradict the check's own note (which names at most a few such pages, so the page's
    # text source decides for the rest).
    originals = re.search(r"电子原件或文档文字页：([^，]*)", detail)
    named = f"{file}第{page}页" in (originals.group(1) if originals else "")
    if named or (originals and not recs and text_source in ("text_layer", "docx")):
        return "电子原件或文档文字页，不要求加注（电子原件请核验其电子签章）"
    if any(r.get("bbox") for r in recs) or f_check.get("status") == "pass":
        return "已加盖公章并注明“与原件相符”"
    if recs and f_check.get("status") == "fail":
        return "缺公章或“与原件相符”字样（见说明）"
    if f_check.get("status") == "not_applicable":
        return ""
    return "未能判断（无页面图像），请核对原件"


def add_stage_rows(ws, did: str, stage: str, sheet: str, item_header: str = "审查项目") -> list[int]:
    """The sheet's closing rows: the stage conclusion (drop-down with the stage's own words,
    the handler signs in 审核人) and the head of office's approval below it. Returns their rows."""
    spec = conclusions(sheet)
    head = [c.value for c in ws[1]]
    options = "／".join(spec["stage"])
    written = []
    for kind, label, text in ((STAGE_ROW, f"{stage}结论（{spec['article']}）",
                               f"在“结论”栏选择：{options}；经办人在“审核人”栏签名并填写日期"),
                              (APPROVER_ROW, f"{stage}负责人审核",
                               "负责人在“审核人”栏签名，在“意见”栏填写审核意见并填写日期")):
        row = [None] * len(head)
        row[head.index("卷宗编号")], row[head.index("阶段")], row[head.index("规则")] = did, stage, spec["rule"]
        row[head.index(item_header)] = label
        row[head.index("说明")] = text
        for name in REVIEWER_COLUMNS:
            row[head.index(name)] = ""
        row[head.index(KIND_COLUMN)] = kind
        add_row(ws, row)
        written.append(ws.max_row)
        for cell in ws[ws.max_row]:
            cell.font = BOLD
    return written


# ---------------------------------------------------------------- 资格初审 (ART5)
# Column caps (units) per sheet: with the reviewer columns each sheet stays within
# xlsx_style.PRINT_BUDGET, so fit-to-width prints it at a readable size on A4 landscape.
FIRST_CAPS = {"规则": 7, "审查项目": 24, "机审结果": 11, "说明": 26, "所在位置（文件/页）": 16, "与原件相符及公章": 16}


def _sheet_first_review(wb, result, did):
    ws = wb.create_sheet("资格初审")
    stage = "资格初审"
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", "所在位置（文件/页）",
                      "与原件相符及公章", *REVIEWER_HEAD])
    checks = _checks(result)
    rec = result.get("recommendation")
    long_cells = {5: FIRST_CAPS["说明"], 6: FIRST_CAPS["所在位置（文件/页）"]}
    add_long_row(ws, [did, stage, "建议", "机审总体建议（不代替审核结论）", RECOMMENDATION.get(rec, rec or ""),
                      plain_text(result.get("recommendation_reason")), "", "", *DETAIL], long_cells)

    def check_row(rule):
        c = checks.get(rule)
        add_long_row(ws, [did, stage, rule, rule_label(rule), _status(c), plain_text((c or {}).get("detail", "未生成该项检查")),
                          locs((c or {}).get("evidence")), "", *REV], long_cells)

    check_row("ART5.1")
    forms = _docs_of(result, "application_form")
    add_row(ws, _found_row(did, stage, "ART5.1", "设立申请表（附件1）", bool(forms), _doc_locs(forms)) + ["", *DETAIL])

    check_row("ART5.2")
    reports_ = _docs_of(result, "application_report")
    add_row(ws, _found_row(did, stage, "ART5.2", "申请报告", bool(reports_), _doc_locs(reports_)) + ["", *DETAIL])
    for key, recs in (result.get("report_sections") or {}).items():
        add_row(ws, _found_row(did, stage, "ART5.2", f"申请报告·{REPORT_SECTION.get(key, key)}", True, locs(recs)) + ["", *DETAIL])

    check_row("ART5.3")
    for m in result.get("members", []):
        who = m.get("name") or mask_id(m.get("id_number")) or "（姓名未识别）"
        for doc_type, label, flag in MEMBER_DOCS:
            found = bool(m.get(flag)) if flag in m else bool(m.get("certificate_number"))
            add_row(ws, _found_row(did, stage, "ART5.3", f"成员{who}：{label}", found,
                                 _member_prov_locs(m, doc_type)) + ["", *DETAIL])
    ach = _docs_of(result, "achievement")
    add_row(ws, _found_row(did, stage, "ART5.3", "业绩材料", bool(ach), _doc_locs(ach)) + ["", *DETAIL])

    check_row("ART5.4")
    lic = _docs_of(result, "business_licence")
    add_row(ws, _found_row(did, stage, "ART5.4", "法人登记证书/营业执照/组织机构代码证", bool(lic), _doc_locs(lic)) + ["", *DETAIL])
    bank = _docs_of(result, "bank_account")
    add_row(ws, _found_row(did, stage, "ART5.4", "基本账户证明（开户许可证/基本存款账户信息）", bool(bank), _doc_locs(bank)) + ["", *DETAIL])

    check_row("ART5.F")
    for d in result.get("documents", []):
        if d.get("type") not in COPIED_TYPES:
            continue
        for p in d.get("pages", []):
            add_row(ws, [did, stage, "ART5.F", f"复印件：{DOC_TYPE.get(d['type'], d['type'])}",
                       "", "", f"{d['file']} 第{p}页", seal_status(checks.get("ART5.F") or {}, d["file"], p, d.get("text_source")),
                       *DETAIL])
    for d in result.get("documents", []):
        if d.get("error"):
            add_row(ws, [did, stage, "ART5", f"无法读取的文件：{d['file']}", STATUS["needs_review"],
                       plain_text(d["error"]), d["file"], "", *REV])
    add_stage_rows(ws, did, stage, "资格初审")
    finish_sheet(ws, status_col="E", caps=FIRST_CAPS)
    return ws


# ---------------------------------------------------------------- 资格复核 (ART3, ART4.1, ART10, ART17)
# The rule rows on top, the member table below them on the same column grid: beside each
# other they made a sheet too wide to print legibly on A4. A rule row's 说明 spans the
# member columns F–I. Every member value is followed by the page it was read from.
RECHECK_HEAD = ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", None, None, None, "依据位置",
                *REVIEWER_HEAD]
MEMBER_HEAD = ["姓名", "身份证号（脱敏）", "等级", "证书编号", "发证日期", "合同期限", "依据位置"]
RECHECK_CAPS = {"规则": 7, "审查项目": 12, "机审结果": 19, "说明": 10, "G": 18, "H": 11, "I": 13, "依据位置": 16}


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


class _FileTags:
    """Member values cite their page as 〔第3页〕 when the whole table comes from one file
    (named in the table's title), else as 〔②第3页〕 with the numbered files listed in the
    title: full file names beside every value made the rows five lines tall."""

    def __init__(self, members: list[dict]):
        files: list[str] = []
        for m in members:
            for recs in (m.get("provenance") or {}).values():
                for r in recs:
                    if r.get("file") not in files:
                        files.append(r.get("file"))
        self.files = files
        self.tags = {f: ("" if len(files) == 1 else CIRCLED[i] if i < len(CIRCLED) else f"[{i + 1}]")
                     for i, f in enumerate(files)}

    def legend(self) -> str:
        if not self.files:
            return ""
        if len(self.files) == 1:
            return f"所在文件：{self.files[0]}"
        return "所在文件：" + "　".join(f"{self.tags[f]}{f}" for f in self.files)

    def page(self, rec: dict) -> str:
        return f"〔{self.tags.get(rec.get('file'), '')}第{rec.get('page', '?')}页〕"

    def pages(self, recs: list[dict]) -> str:
        """'①第2、4页\n②第1页': every page a member's values were read from."""
        by_file: dict = {}
        for r in recs:
            got = by_file.setdefault(r.get("file"), [])
            if str(r.get("page", "?")) not in got:
                got.append(str(r.get("page", "?")))
        return "\n".join(f"{self.tags.get(f, '')}第{'、'.join(ps)}页" for f, ps in by_file.items())


def _with_loc(member: dict, name: str, tags: _FileTags, value=None) -> str:
    v = member.get(name) if value is None else value
    if v in (None, ""):
        return "未识别"
    recs = (member.get("provenance") or {}).get(name) or []
    return f"{v}\n{tags.page(recs[0])}" if recs else str(v)


def _contract_term(m: dict, tags: _FileTags) -> str:
    if not m.get("has_contract"):
        return "未见合同"
    recs = (m.get("provenance") or {}).get("contract_end") or []
    where = f"\n{tags.page(recs[0])}" if recs else ""
    if m.get("contract_end"):
        return f"至 {m['contract_end']}{where}"
    return f"无固定期限{where}" if m.get("contract_open_ended") else f"期限未识别{where}"


def _sheet_recheck(wb, result, did):
    ws = wb.create_sheet("资格复核")
    stage = "资格复核"
    write_header(ws, RECHECK_HEAD)
    ws.merge_cells("F1:I1")
    checks = _checks(result)

    explain_width = sum(RECHECK_CAPS[k] for k in ("说明", "G", "H", "I"))

    def check_row(rule, extra=""):
        c = checks.get(rule) or {}
        detail = plain_text(c.get("detail", "未生成该项检查")) + (f"\n{extra}" if extra else "")
        n = add_long_row(ws, [did, stage, rule, rule_label(rule), _status(c), detail, None, None, None,
                              locs(c.get("evidence")), *REV], {5: explain_width, 9: RECHECK_CAPS["依据位置"]})
        for r in range(ws.max_row - n + 1, ws.max_row + 1):
            ws.merge_cells(f"F{r}:I{r}")

    a = result.get("applicant") or {}
    facts = "；".join(f"{k}：{a.get(n) or '未识别'}" for n, k in
                     (("name", "单位名称"), ("uscc", "统一社会信用代码"), ("address", "住所"),
                      ("registration_authority", "登记机关")))
    check_row("ART3", facts)
    check_row("ART4.1")
    check_row("ART10")
    check_row("ART17")
    rule_rows = ws.max_row

    members = result.get("members", [])
    tags = _FileTags(members)
    title = f"成员名册（{RULE_ARTICLE['ART4.1']}，共{len(members)}人）：每项下方〔〕内为其所在页"
    add_row(ws, [did, stage, "ART4.1", title + (f"\n{tags.legend()}" if tags.files else ""),
                 *[None] * 6, None, None, None, None, TITLE_ROW])
    ws.merge_cells(f"D{ws.max_row}:J{ws.max_row}")
    title_row = ws.max_row
    add_row(ws, [did, stage, "规则", *MEMBER_HEAD, *[None] * len(REVIEWER_COLUMNS), TITLE_ROW])
    sub_header = ws.max_row
    for m in members:
        prov = m.get("provenance") or {}
        id_recs = prov.get("id_number") or []
        id_cell = mask_id(m.get("id_number")) or "未识别"
        if id_recs and m.get("id_number"):
            id_cell += f"\n{tags.page(id_recs[0])}"
        name = m.get("name") or "（姓名未识别）"
        add_row(ws, [did, stage, "ART4.1", _with_loc(m, "name", tags, name), id_cell,
                     _with_loc(m, "level", tags), _with_loc(m, "certificate_number", tags),
                     _with_loc(m, "certificate_issue_date", tags), _contract_term(m, tags),
                     tags.pages([r for rs in prov.values() for r in rs]), *REV])
    if not members:
        add_row(ws, [did, stage, "ART4.1", "未识别到成员", None, None, None, None, None, "", *REV])
    for r in add_stage_rows(ws, did, stage, "资格复核"):
        ws.merge_cells(f"F{r}:I{r}")
    # The merged 说明 keeps its full width even when the member cells below it are short.
    finish_sheet(ws, status_col="E", caps=RECHECK_CAPS, filter_rows=rule_rows,
                 min_widths={k: RECHECK_CAPS[k] for k in ("说明", "G", "H", "I")})
    for r in (title_row, sub_header):  # styled as headers: no reviewer input expected here
        for cell in ws[r]:
            cell.font = BOLD
            cell.fill = HEADER
    fit_row_heights(ws)
    return ws


# ---------------------------------------------------------------- 综合评议 (ART4.2–4.5)
EXPERT_CAPS = {"审查项目": 18, "机审结果": 11, "说明": 18, "证据摘录": 34, "依据位置": 14, "评分": 6}
# Quotes stay whole and in one cell: at most this many, each cut at a sentence end; the rest
# are counted and left to the review page.
MAX_QUOTES = 4
QUOTE_CHARS = 60


def _quote(text: str) -> str:
    """A whole sentence (or clause) of at most QUOTE_CHARS characters, never cut mid-word."""
    text = " ".join((text or "").split())
    if len(text) <= QUOTE_CHARS:
        return text
    cut = max(text.rfind(p, 0, QUOTE_CHARS) for p in "。；！？，")
    return (text[:cut + 1] if cut >= QUOTE_CHARS // 3 else text[:QUOTE_CHARS]) + "……"


def _quotes(ev: list[dict]) -> str:
    lines = [f"“{_quote(r.get('text', ''))}”（第{r.get('page')}页）" for r in ev[:MAX_QUOTES]]
    if len(ev) > MAX_QUOTES:
        lines.append(f"……另有{len(ev) - MAX_QUOTES}处，见审查页面")
    return "\n".join(lines)


def _sheet_expert(wb, result, did):
    ws = wb.create_sheet("综合评议")
    stage = "综合评议"
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", "证据摘录", "依据位置", "评分",
                      *REVIEWER_HEAD])
    checks = _checks(result)
    for rule in ("ART4.2", "ART4.3", "ART4.4", "ART4.5"):
        c = checks.get(rule) or {}
        ev = c.get("evidence") or []
        # The detail quotes what it found; 证据摘录 shows those quotes whole, so 说明 keeps
        # only the finding itself and a printed row stays short enough to share a page.
        detail = plain_text(c.get("detail", "未生成该项检查")).split("：“")[0]
        add_row(ws, [did, stage, rule, rule_label(rule), _status(c), detail,
                     _quotes(ev) or "未找到相关表述", locs(ev), None, *REV])
    add_stage_rows(ws, did, stage, "综合评议")
    finish_sheet(ws, status_col="E", min_widths={"评分": 6}, caps=EXPERT_CAPS)
    score = get_column_letter(col_index(ws, "评分"))
    kind = col_index(ws, KIND_COLUMN)
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, kind).value == ITEM]
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                        showErrorMessage=True, errorTitle="评分无效", error="请填写 0–100 的分数")
    dv.sqref = " ".join(f"{score}{r}" for r in rows)
    ws.add_data_validation(dv)
    for r in rows:
        ws[f"{score}{r}"].fill = INPUT
    return ws


# ---------------------------------------------------------------- 疑点 (flags, ART5.X / ART15.1 / ART10)
FLAG_CAPS = {"疑点类型": 14, "严重程度": 6, "对象": 12, "说明": 22, "技术依据": 14, "依据位置": 12,
             "证据截图": PIC_COL_WIDTH}


def _flag_kind(f: dict) -> str:
    """'证书信息自相矛盾（第五条（虚假材料））'; a flag citing 第十五条 too names both articles."""
    name = FLAG.get(f.get("code"), "其他疑点")
    rules = [f.get("rule")] + (["ART15.1"] if "第十五条第（一）项" in (f.get("detail") or "")
                                and f.get("rule") != "ART15.1" else [])
    return f"{name}（{'、'.join(RULE_ARTICLE.get(r, r) for r in rules if r)}）"


def _sheet_flags(wb, result, did, page_images: dict, base: Path):
    ws = wb.create_sheet("疑点")
    stage = "疑点核查"
    write_header(ws, ["卷宗编号", "阶段", "规则", "疑点代码", "疑点类型", "严重程度", "对象", "说明",
                      "技术依据", "依据位置", "证据截图", *REVIEWER_HEAD])
    pictures: list[tuple[int, bytes, int, int]] = []
    # Without any evidence picture the picture column shrinks and 说明 takes its width.
    with_pictures = any(first_boxed(f.get("evidence") or [], page_images) for f in result.get("flags", []))
    caps = dict(FLAG_CAPS) if with_pictures else {**FLAG_CAPS, "说明": 22 + PIC_COL_WIDTH - 12, "证据截图": 12}
    for f in result.get("flags", []):
        ev = f.get("evidence") or []
        detail, technical = plain_and_technical(f.get("detail"))
        n = add_long_row(ws, [did, stage, f.get("rule"), f.get("code"), _flag_kind(f),
                              SEVERITY.get(f.get("severity"), f.get("severity")), plain_text(f.get("subject")),
                              detail, technical, locs(ev), "", *REV],
                         {7: caps["说明"], 8: caps["技术依据"], 9: caps["依据位置"]}, item=4)
        first = ws.max_row - n + 1
        rec = first_boxed(ev, page_images)
        if rec:
            crop = crop_png(base / page_images[(rec["file"], rec["page"])], rec["bbox"],
                            max_w=PIC_MAX_PX[0], max_h=PIC_MAX_PX[1])
            if crop:
                pictures.append((first, *crop))
            else:
                ws.cell(first, col_index(ws, "证据截图"), "页面图像无法读取")
        else:
            ws.cell(first, col_index(ws, "证据截图"), "无页面图像或无定位框")
    if not result.get("flags"):
        add_row(ws, [did, stage, "", "", "未发现疑点", "", "", "机审未发现申报材料弄虚作假或不实（第五条）的疑点。",
                     "", "", "", *DETAIL])
    for w in result.get("warnings", []):
        detail, technical = plain_and_technical(w)
        add_long_row(ws, [did, stage, "", "WARNING", "提示（不属于疑点）", "", "", detail, technical, "", "", *DETAIL],
                     {7: caps["说明"], 8: caps["技术依据"]}, item=4)
    add_stage_rows(ws, did, stage, "疑点", item_header="疑点类型")
    # The code (ID_NUMBER_INVALID) is for machines: 疑点类型 says it in Chinese with the article.
    finish_sheet(ws, severity_col="F", hidden=("疑点代码",), caps=caps,
                 min_widths={"证据截图": PIC_COL_WIDTH} if with_pictures else {"说明": caps["说明"]})
    col = col_index(ws, "证据截图") - 1
    for row, png, w, h in pictures:
        img = XLImage(BytesIO(png))
        img.width, img.height = w, h
        # A few pixels in from the cell corner, so the picture does not cover the cell's borders.
        img.anchor = OneCellAnchor(_from=AnchorMarker(col=col, colOff=pixels_to_EMU(PIC_INSET),
                                                      row=row - 1, rowOff=pixels_to_EMU(PIC_INSET)),
                                   ext=XDRPositiveSize2D(pixels_to_EMU(w), pixels_to_EMU(h)))
        ws.add_image(img)
        # Points are 3/4 of a pixel: make the row tall enough for the picture.
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15, (h + 2 * PIC_INSET) * 0.75 + 2)
    return ws


# ---------------------------------------------------------------- 期限 (ART6)
DEADLINE_HEAD = ["卷宗编号", "阶段", "规则", "审查项目", "时限（工作日）", "起算日", "截止日", "实际完成日",
                 "剩余工作日", "逾期", "说明"]
DEADLINE_CAPS = {"审查项目": 14, "时限（工作日）": 8, "起算日": 11, "截止日": 14, "实际完成日": 11,
                 "剩余工作日": 8, "逾期": 12, "说明": 40}
WORKDAY_SHEET = "工作日"
# The working-day list covers the intake year's start to this many days after intake: the
# four stages and a correction period fit well inside.
WORKDAY_SPAN = 400


def _workday_sheet(wb, intake: date, calendar: Calendar | None) -> tuple[str, int | None]:
    """A hidden sheet listing every working day (holidays and make-up days applied); the 期限
    formulas count in it, so they calculate the same in Excel, WPS and LibreOffice."""
    from datetime import timedelta

    days, unknown = working_days(date(intake.year, 1, 1), intake + timedelta(days=WORKDAY_SPAN), calendar)
    ws = wb.create_sheet(WORKDAY_SHEET)
    ws.append(["工作日（按国务院节假日安排，含调休上班日）"])
    for d in days:
        ws.append([d])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    ws.sheet_state = "hidden"
    last = max(ws.max_row, 2)
    return f"{WORKDAY_SHEET}!$A$2:$A${last}", unknown


def _valid_until(intake_date: date, name: str) -> date | None:
    """The named rule set's last day (None when there is none), parsed once per state of the
    rule set files rather than once per dossier."""
    from validators.ruleset import RULESET_DIR

    files = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(RULESET_DIR.glob("*.yaml")))
    return _valid_until_of(intake_date, name, files)


@functools.lru_cache(maxsize=64)
def _valid_until_of(intake_date: date, name: str, files: tuple) -> date | None:
    from validators.ruleset import load_ruleset

    try:
        return load_ruleset(intake_date, name=name).valid_until
    except (KeyError, FileNotFoundError):
        return None


def _sheet_deadlines(wb, result, did, intake_date: date, calendar: Calendar | None):
    """Dates as date cells from the 受理日; each stage runs from the previous stage's actual
    completion date when the clerk has entered it, else from its due date (第六条)."""
    ws = wb.create_sheet("期限")
    write_header(ws, DEADLINE_HEAD)
    wd, unknown = _workday_sheet(wb, intake_date, calendar)
    missing = (f"未知（缺少{unknown}年节假日安排，请在节假日补充表中补充后重新生成）" if unknown
               else "未知（超出工作日表范围）")
    expiry = _valid_until(intake_date, result.get("rule_set")) if result.get("rule_set") else None
    add_row(ws, [did, "受理", "ART5", "受理（申请单位提交申报材料）", None, None, None, intake_date, None, None,
                 "受理日：各期限自此起算。如实际受理日不同，请改正“实际完成日”栏，以下各阶段随之重算"])
    stage_days = {s: n for s, n in STAGES}
    rows = [("资格初审", stage_days["资格初审"], "第六条第（一）项：镇（街道）公共服务办7个工作日内形式审查，符合条件的报区人力资源社会保障局")]
    if result.get("recommendation") == "request_correction":
        rows.insert(0, ("补正", None, "申请单位补正材料。办法未规定补正期限：请在“时限”栏填写一次性告知书所定的工作日数；"
                                     "补正材料收齐后在“实际完成日”栏填写收齐日期，资格初审自该日起算"))
    rows += [("资格复核", stage_days["资格复核"], "第六条第（二）项：区人力资源社会保障局7个工作日内资格复核，确定提交专家评审的名单"),
             ("综合评议", stage_days["综合评议"], "第六条第（三）项：区人力资源社会保障局15个工作日内组织专家综合评审，确定拟认定的名单"),
             ("结果公示", stage_days["结果公示"], "第六条第（四）项：在区政府网站公示，公示期5个工作日")]
    formulas: dict[int, str] = {}
    for stage, n, note in rows:
        r = ws.max_row + 1
        prev = r - 1
        # A previous stage still without a date (a 补正 period not yet set) leaves this one blank.
        start = (f"=IF(H{prev}<>\"\",H{prev},IF(ISNUMBER(G{prev}),G{prev},\"\"))" if prev > 2
                 else f"=H{prev}")
        due = (f"=IF(NOT(ISNUMBER(F{r})),\"\",IF(E{r}=\"\",\"待填写时限\",IFERROR(INDEX({wd},COUNTIF({wd},\"<=\"&F{r})+E{r}),"
               f"\"{missing}\")))")
        left = (f"=IF(OR(H{r}<>\"\",NOT(ISNUMBER(G{r}))),\"\",IF(TODAY()<=G{r},"
                f"COUNTIFS({wd},\">\"&TODAY(),{wd},\"<=\"&G{r}),-COUNTIFS({wd},\">\"&G{r},{wd},\"<=\"&TODAY())))")
        late = (f"=IF(NOT(ISNUMBER(G{r})),\"\",IF(H{r}<>\"\",IF(H{r}>G{r},\"逾期\"&COUNTIFS({wd},\">\"&G{r},{wd},"
                f"\"<=\"&H{r})&\"个工作日\",\"按期完成\"),IF(TODAY()>G{r},\"已逾期\",\"未逾期\")))")
        if expiry:
            warning = (f"。注意：截止日晚于办法有效期（{expiry.year}年{expiry.month}月{expiry.day}日，第十七条），"
                       f"请确认届时适用的办法")
            exp = f"DATE({expiry.year},{expiry.month},{expiry.day})"
            # Row heights are fitted to the note with its warning; the formula goes in after.
            formulas[r] = f"=\"{note}\"&IF(AND(ISNUMBER(G{r}),G{r}>{exp}),\"{warning}\",\"\")"
            note += warning
        add_row(ws, [did, stage, "ART6", stage, n, start, due, None, left, late, note])
    add_row(ws, [did, "授牌", "ART6", "授牌", None, None, None, None, None, None,
                 "第六条第（五）项：公示期满无异议或经调查异议不成立后，由区人力资源社会保障局发文认定设立并授予牌匾"])
    shown = {}
    for r in range(2, ws.max_row + 1):  # formulas are wider than what they show
        for col in "FGIJ":
            if isinstance(ws[f"{col}{r}"].value, str) and ws[f"{col}{r}"].value.startswith("="):
                shown[f"{col}{r}"] = ws[f"{col}{r}"].value
                ws[f"{col}{r}"].value = "2026-12-31"
    finish_sheet(ws, reviewer=False, caps=DEADLINE_CAPS, min_widths={"截止日": 11, "实际完成日": 11})
    for ref, formula in shown.items():
        ws[ref].value = formula
    for r, formula in formulas.items():
        ws[f"K{r}"].value = formula
    for r in range(2, ws.max_row + 1):
        for col in "FGH":
            ws[f"{col}{r}"].number_format = "yyyy-mm-dd"
        if ws[f"D{r}"].value != "授牌":
            ws[f"H{r}"].fill = INPUT
    if result.get("recommendation") == "request_correction":
        ws["E3"].fill = INPUT  # the correction period the notice sets
    dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                        showErrorMessage=True, errorTitle="日期无效", error="请填写日期，例如 2026-05-20")
    dv.sqref = f"H2:H{ws.max_row - 1}"
    ws.add_data_validation(dv)
    return ws


def write_worksheet(result: dict, page_images: dict, path: Path, *, intake_date: date,
                    calendar: Calendar | None = None) -> None:
    """Write the reviewer workbook to `path` atomically. `page_images` maps (file, page) to
    paths relative to `path`'s folder (reports.page_images.export_page_images)."""
    path = Path(path)
    did = result.get("dossier_id", "")
    wb = Workbook()
    wb.remove(wb.active)
    _sheet_first_review(wb, result, did)
    _sheet_recheck(wb, result, did)
    _sheet_expert(wb, result, did)
    _sheet_flags(wb, result, did, page_images, path.parent)
    _sheet_deadlines(wb, result, did, intake_date, calendar)
    link_location_cells(wb, page_numbers(result, page_images))  # each page reference opens its page
    changes.add_sheet(wb, result)  # 补正对比, for a correction round
    applicant = (result.get("applicant") or {}).get("name") or "申报单位名称未识别"
    for ws in wb.worksheets:  # a printed page says whose dossier and which stage it belongs to
        ws.oddHeader.left.text = f"申报单位：{applicant}".replace("&", "&&")
        ws.oddHeader.center.text = "&A"
        ws.oddHeader.right.text = f"卷宗编号：{did}".replace("&", "&&")
    wb.properties.title = f"技师工作站申报材料审核工作表 {did}"
    wb.properties.creator = "dossier-screen"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
