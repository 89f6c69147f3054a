"""The per-dossier reviewer workbook (worksheet.xlsx), one sheet per Art. 6 stage plus
flags and deadlines. Written from the result dict so it says exactly what result.json says.

Every sheet starts with the key columns 卷宗编号 / 阶段 / 规则 and ends with the reviewer
columns 结论 / 意见 / 审核人 / 日期; reports.decisions reads them back by header name.
"""
from __future__ import annotations

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
from reports.deadlines import Calendar, stage_deadlines
from reports.evidence import crop_png, first_boxed, locs
from reports.labels import (DOC_TYPE, FLAG, RECOMMENDATION, REPORT_SECTION, RULE_ARTICLE,
                            SEVERITY, STATUS, rule_label)
from reports.xlsx_style import (BOLD, HEADER, INPUT, REVIEWER_COLUMNS, add_long_row, add_row, col_index,
                                 finish_sheet, fit_row_heights, write_header)

COPIED_TYPES = ("id_card", "qualification_certificate", "business_licence", "bank_account",
                "labour_contract", "achievement")
MEMBER_DOCS = (("id_card", "居民身份证", "has_id_card"),
               ("qualification_certificate", "职业资格（技能等级）证书", "has_certificate"),
               ("labour_contract", "劳动合同/聘用合同/工作协议", "has_contract"))
REV = ["", "", "", ""]  # empty reviewer cells
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


def seal_status(f_check: dict, file: str, page: int) -> str:
    """What the ART5.F check found on one copied page. The check's evidence holds the located
    seal (bbox set) for good pages and a page record without bbox for pages lacking the seal
    or the mark; its detail names what each bad page lacks ('…第2页缺公章和“与原件相符”字样')."""
    m = re.search(re.escape(f"{file}第{page}页缺") + r"([^；;，]+)", f_check.get("detail") or "")
    if m:
        return f"缺{m.group(1)}"
    recs = [r for r in f_check.get("evidence") or [] if r.get("file") == file and r.get("page") == page]
    if any(r.get("bbox") for r in recs) or f_check.get("status") == "pass":
        return "已加盖公章并注明“与原件相符”"
    if recs and f_check.get("status") == "fail":
        return "缺公章或“与原件相符”字样（见说明）"
    if f_check.get("status") == "not_applicable":
        return ""
    return "未能判断（无页面图像），请核对原件"


# ---------------------------------------------------------------- 资格初审 (ART5)
# Column caps (units) per sheet: with the reviewer columns each sheet stays within
# xlsx_style.PRINT_BUDGET, so fit-to-width prints it at a readable size on A4 landscape.
FIRST_CAPS = {"规则": 7, "审查项目": 24, "机审结果": 11, "说明": 26, "所在位置（文件/页）": 16, "与原件相符及公章": 16}


def _sheet_first_review(wb, result, did):
    ws = wb.create_sheet("资格初审")
    stage = "资格初审"
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", "所在位置（文件/页）",
                      "与原件相符及公章", *REVIEWER_COLUMNS])
    checks = _checks(result)
    rec = result.get("recommendation")
    long_cells = {5: FIRST_CAPS["说明"], 6: FIRST_CAPS["所在位置（文件/页）"]}
    add_long_row(ws, [did, stage, "建议", "机审总体建议（不代替审核结论）", RECOMMENDATION.get(rec, rec or ""),
                      result.get("recommendation_reason") or "", "", "", *REV], long_cells)

    def check_row(rule):
        c = checks.get(rule)
        add_long_row(ws, [did, stage, rule, rule_label(rule), _status(c), (c or {}).get("detail", "未生成该项检查"),
                          locs((c or {}).get("evidence")), "", *REV], long_cells)

    check_row("ART5.1")
    forms = _docs_of(result, "application_form")
    add_row(ws, _found_row(did, stage, "ART5.1", "设立申请表（附件1）", bool(forms), _doc_locs(forms)) + ["", *REV])

    check_row("ART5.2")
    reports_ = _docs_of(result, "application_report")
    add_row(ws, _found_row(did, stage, "ART5.2", "申请报告", bool(reports_), _doc_locs(reports_)) + ["", *REV])
    for key, recs in (result.get("report_sections") or {}).items():
        add_row(ws, _found_row(did, stage, "ART5.2", f"申请报告·{REPORT_SECTION.get(key, key)}", True, locs(recs)) + ["", *REV])

    check_row("ART5.3")
    for m in result.get("members", []):
        who = m.get("name") or mask_id(m.get("id_number")) or "（姓名未识别）"
        for doc_type, label, flag in MEMBER_DOCS:
            found = bool(m.get(flag)) if flag in m else bool(m.get("certificate_number"))
            add_row(ws, _found_row(did, stage, "ART5.3", f"成员{who}：{label}", found,
                                 _member_prov_locs(m, doc_type)) + ["", *REV])
    ach = _docs_of(result, "achievement")
    add_row(ws, _found_row(did, stage, "ART5.3", "业绩材料", bool(ach), _doc_locs(ach)) + ["", *REV])

    check_row("ART5.4")
    lic = _docs_of(result, "business_licence")
    add_row(ws, _found_row(did, stage, "ART5.4", "法人登记证书/营业执照/组织机构代码证", bool(lic), _doc_locs(lic)) + ["", *REV])
    bank = _docs_of(result, "bank_account")
    add_row(ws, _found_row(did, stage, "ART5.4", "基本账户证明（开户许可证/基本存款账户信息）", bool(bank), _doc_locs(bank)) + ["", *REV])

    check_row("ART5.F")
    for d in result.get("documents", []):
        if d.get("type") not in COPIED_TYPES:
            continue
        for p in d.get("pages", []):
            add_row(ws, [did, stage, "ART5.F", f"复印件：{DOC_TYPE.get(d['type'], d['type'])}",
                       "", "", f"{d['file']} 第{p}页", seal_status(checks.get("ART5.F") or {}, d["file"], p), *REV])
    for d in result.get("documents", []):
        if d.get("error"):
            add_row(ws, [did, stage, "ART5", f"无法读取的文件：{d['file']}", STATUS["needs_review"],
                       d["error"], d["file"], "", *REV])
    finish_sheet(ws, status_col="E", caps=FIRST_CAPS)
    return ws


# ---------------------------------------------------------------- 资格复核 (ART3, ART4.1, ART10, ART17)
# The rule rows on top, the member table below them on the same column grid: beside each
# other they made a sheet too wide to print legibly on A4. A rule row's 说明 spans the
# member columns F–I. Every member value is followed by the page it was read from.
RECHECK_HEAD = ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", None, None, None, "依据位置",
                *REVIEWER_COLUMNS]
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
        detail = c.get("detail", "未生成该项检查") + (f"\n{extra}" if extra else "")
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
                 *[None] * 6, *REV])
    ws.merge_cells(f"D{ws.max_row}:J{ws.max_row}")
    title_row = ws.max_row
    add_row(ws, [did, stage, "规则", *MEMBER_HEAD, *[None] * len(REVIEWER_COLUMNS)])
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
EXPERT_CAPS = {"规则": 7, "审查项目": 18, "机审结果": 11, "说明": 22, "证据摘录": 28, "依据位置": 14, "评分": 6}


def _sheet_expert(wb, result, did):
    ws = wb.create_sheet("综合评议")
    stage = "综合评议"
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", "证据摘录", "依据位置", "评分",
                      *REVIEWER_COLUMNS])
    checks = _checks(result)
    for rule in ("ART4.2", "ART4.3", "ART4.4", "ART4.5"):
        c = checks.get(rule) or {}
        ev = c.get("evidence") or []
        quotes = "\n".join(f"“{r.get('text', '').strip()}”（第{r.get('page')}页）" for r in ev[:8])
        if len(ev) > 8:
            quotes += f"\n……另有 {len(ev) - 8} 处"
        add_long_row(ws, [did, stage, rule, rule_label(rule), _status(c), c.get("detail", "未生成该项检查"),
                          quotes or "未找到相关表述", locs(ev), None, *REV],
                     {5: EXPERT_CAPS["说明"], 6: EXPERT_CAPS["证据摘录"], 7: EXPERT_CAPS["依据位置"]})
    finish_sheet(ws, status_col="E", min_widths={"评分": 6}, caps=EXPERT_CAPS)
    score = get_column_letter(col_index(ws, "评分"))
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                        showErrorMessage=True, errorTitle="评分无效", error="请填写 0–100 的分数")
    dv.add(f"{score}2:{score}{ws.max_row}")
    ws.add_data_validation(dv)
    for r in range(2, ws.max_row + 1):
        ws[f"{score}{r}"].fill = INPUT
    return ws


# ---------------------------------------------------------------- 疑点 (flags, ART15.1 / ART5.X / ART10)
FLAG_CAPS = {"规则": 8, "疑点类型": 14, "严重程度": 6, "对象": 12, "说明": 22, "依据位置": 14,
             "证据截图": PIC_COL_WIDTH}


def _sheet_flags(wb, result, did, page_images: dict, base: Path):
    ws = wb.create_sheet("疑点")
    stage = "疑点核查"
    write_header(ws, ["卷宗编号", "阶段", "规则", "疑点代码", "疑点类型", "严重程度", "对象", "说明",
                      "依据位置", "证据截图", *REVIEWER_COLUMNS])
    pictures: list[tuple[int, bytes, int, int]] = []
    for f in result.get("flags", []):
        ev = f.get("evidence") or []
        n = add_long_row(ws, [did, stage, f.get("rule"), f.get("code"),
                              f"{FLAG.get(f.get('code'), f.get('code'))}（{RULE_ARTICLE.get(f.get('rule'), f.get('rule'))}）",
                              SEVERITY.get(f.get("severity"), f.get("severity")), f.get("subject"), f.get("detail"),
                              locs(ev), "", *REV],
                         {7: FLAG_CAPS["说明"], 8: FLAG_CAPS["依据位置"]}, item=4)
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
        add_row(ws, [did, stage, "", "", "未发现疑点", "", "", "机审未发现申报材料弄虚作假或不实（第五条）的疑点。", "", "", *REV])
    for w in result.get("warnings", []):
        add_long_row(ws, [did, stage, "", "WARNING", "提示（不属于疑点）", "", "", w, "", "", *REV],
                     {7: FLAG_CAPS["说明"]}, item=4)
    # The code (ID_NUMBER_INVALID) is for machines: 疑点类型 says it in Chinese with the article.
    finish_sheet(ws, severity_col="F", hidden=("疑点代码",), min_widths={"证据截图": PIC_COL_WIDTH},
                 caps=FLAG_CAPS)
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
def _sheet_deadlines(wb, result, did, intake_date: date, calendar: Calendar | None):
    ws = wb.create_sheet("期限")
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "时限（工作日）", "起算日", "截止日", "说明",
                      *REVIEWER_COLUMNS])
    for row in stage_deadlines(intake_date, calendar):
        note = (f"第六条：{row['stage']}应在{row['working_days']}个工作日内完成；自起算日次日起按国务院"
                f"节假日安排（含调休上班日）计算工作日")
        if row["unknown_year"]:
            note += (f"。缺少{row['unknown_year']}年节假日安排，无法计算，请在 reports/data/holidays.yaml "
                     f"补充后重新生成")
        add_row(ws, [did, row["stage"], "ART6", f"{row['stage']}截止日", row["working_days"],
                   row["start"] or "未知（上一阶段截止日未知）", row["due_text"], note, *REV])
    add_row(ws, [did, "授牌", "ART6", "授牌", "", "", "公示期满无异议后", "第六条：公示无异议的，由区人力资源和社会保障局授牌", *REV])
    finish_sheet(ws, caps={"规则": 7, "审查项目": 16, "时限（工作日）": 8, "起算日": 12, "截止日": 14, "说明": 36})
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
    changes.add_sheet(wb, result)  # 补正对比, for a correction round
    for ws in wb.worksheets:  # a printed page says which dossier and stage it belongs to
        ws.oddHeader.left.text = f"卷宗编号：{did}".replace("&", "&&")
        ws.oddHeader.center.text = "&A"
    wb.properties.title = f"技师工作站申报材料审核工作表 {did}"
    wb.properties.creator = "dossier-screen"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
