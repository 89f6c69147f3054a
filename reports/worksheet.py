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
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from extractors.masking import mask_id
from reports import atomic
from reports.deadlines import Calendar, stage_deadlines
from reports.evidence import crop_png, first_boxed, loc, locs
from reports.labels import (DOC_TYPE, FLAG, RECOMMENDATION, REPORT_SECTION, RULE_ARTICLE,
                            SEVERITY, STATUS, rule_label)
from reports.xlsx_style import add_row, INPUT, REVIEWER_COLUMNS, col_index, finish_sheet, write_header

COPIED_TYPES = ("id_card", "qualification_certificate", "business_licence", "bank_account",
                "labour_contract", "achievement")
MEMBER_DOCS = (("id_card", "居民身份证", "has_id_card"),
               ("qualification_certificate", "职业资格（技能等级）证书", "has_certificate"),
               ("labour_contract", "劳动合同/聘用合同/工作协议", "has_contract"))
REV = ["", "", "", ""]  # empty reviewer cells


def _checks(result: dict) -> dict[str, dict]:
    return {c["rule"]: c for c in result.get("checks", [])}


def _status(check: dict | None) -> str:
    return STATUS.get((check or {}).get("status"), "")


def _docs_of(result: dict, doc_type: str) -> list[dict]:
    return [d for d in result.get("documents", []) if d.get("type") == doc_type]


def _doc_locs(docs: list[dict]) -> str:
    return "\n".join(f"{d['file']} 第{'、'.join(map(str, d['pages']))}页" for d in docs if d.get("pages"))


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
def _sheet_first_review(wb, result, did):
    ws = wb.create_sheet("资格初审")
    stage = "资格初审"
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", "所在位置（文件/页）",
                      "与原件相符及公章", *REVIEWER_COLUMNS])
    checks = _checks(result)
    rec = result.get("recommendation")
    add_row(ws, [did, stage, "建议", "机审总体建议（不代替审核结论）", RECOMMENDATION.get(rec, rec or ""),
               result.get("recommendation_reason") or "", "", "", *REV])

    def check_row(rule):
        c = checks.get(rule)
        add_row(ws, [did, stage, rule, rule_label(rule), _status(c), (c or {}).get("detail", "未生成该项检查"),
                   locs((c or {}).get("evidence")), "", *REV])

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
    finish_sheet(ws, status_col="E")
    return ws


# ---------------------------------------------------------------- 资格复核 (ART3, ART4.1, ART10, ART17)
def _with_loc(member: dict, name: str) -> str:
    v = member.get(name)
    if v in (None, ""):
        return "未识别"
    recs = (member.get("provenance") or {}).get(name) or []
    return f"{v}\n〔{loc(recs[0])}〕" if recs else str(v)


def _contract_term(m: dict) -> str:
    if not m.get("has_contract"):
        return "未见合同"
    recs = (m.get("provenance") or {}).get("contract_end") or []
    where = f"\n〔{loc(recs[0])}〕" if recs else ""
    if m.get("contract_end"):
        return f"至 {m['contract_end']}{where}"
    return f"无固定期限{where}" if m.get("contract_open_ended") else f"期限未识别{where}"


def _sheet_recheck(wb, result, did):
    ws = wb.create_sheet("资格复核")
    stage = "资格复核"
    write_header(ws, ["卷宗编号", "阶段", "规则", "审查项目", "机审结果", "说明", "姓名", "身份证号（脱敏）",
                      "等级", "证书编号", "发证日期", "合同期限", "依据位置", *REVIEWER_COLUMNS])
    checks = _checks(result)
    blank7 = [""] * 6

    def check_row(rule, extra=""):
        c = checks.get(rule) or {}
        detail = c.get("detail", "未生成该项检查") + (f"\n{extra}" if extra else "")
        add_row(ws, [did, stage, rule, rule_label(rule), _status(c), detail, *blank7,
                   locs(c.get("evidence")), *REV])

    a = result.get("applicant") or {}
    facts = "；".join(f"{k}：{a.get(n) or '未识别'}" for n, k in
                     (("name", "单位名称"), ("uscc", "统一社会信用代码"), ("address", "住所"),
                      ("registration_authority", "登记机关")))
    check_row("ART3", facts)
    check_row("ART4.1")
    for m in result.get("members", []):
        id_cell = mask_id(m.get("id_number")) or "未识别"
        id_recs = (m.get("provenance") or {}).get("id_number") or []
        if id_recs:
            id_cell += f"\n〔{loc(id_recs[0])}〕"
        add_row(ws, [did, stage, "ART4.1", f"成员：{m.get('name') or '（姓名未识别）'}", "", "",
                   _with_loc(m, "name"), id_cell, _with_loc(m, "level"),
                   _with_loc(m, "certificate_number"), _with_loc(m, "certificate_issue_date"),
                   _contract_term(m), locs([r for rs in (m.get("provenance") or {}).values() for r in rs]),
                   *REV])
    check_row("ART10")
    check_row("ART17")
    finish_sheet(ws, status_col="E", min_widths={"身份证号（脱敏）": 22})
    return ws


# ---------------------------------------------------------------- 综合评议 (ART4.2–4.5)
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
        add_row(ws, [did, stage, rule, rule_label(rule), _status(c), c.get("detail", "未生成该项检查"),
                   quotes or "未找到相关表述", locs(ev), None, *REV])
    finish_sheet(ws, status_col="E", min_widths={"证据摘录": 50, "评分": 8})
    score = get_column_letter(col_index(ws, "评分"))
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                        showErrorMessage=True, errorTitle="评分无效", error="请填写 0–100 的分数")
    dv.add(f"{score}2:{score}{ws.max_row}")
    ws.add_data_validation(dv)
    for r in range(2, ws.max_row + 1):
        ws[f"{score}{r}"].fill = INPUT
    return ws


# ---------------------------------------------------------------- 疑点 (flags, ART15.1 / ART5.X / ART10)
def _sheet_flags(wb, result, did, page_images: dict, base: Path):
    ws = wb.create_sheet("疑点")
    stage = "疑点核查"
    write_header(ws, ["卷宗编号", "阶段", "规则", "疑点代码", "疑点类型", "严重程度", "对象", "说明",
                      "依据位置", "证据截图", *REVIEWER_COLUMNS])
    pictures: list[tuple[int, bytes, int, int]] = []
    for f in result.get("flags", []):
        ev = f.get("evidence") or []
        add_row(ws, [did, stage, f.get("rule"), f.get("code"),
                   f"{FLAG.get(f.get('code'), f.get('code'))}（{RULE_ARTICLE.get(f.get('rule'), f.get('rule'))}）",
                   SEVERITY.get(f.get("severity"), f.get("severity")), f.get("subject"), f.get("detail"),
                   locs(ev), "", *REV])
        rec = first_boxed(ev, page_images)
        if rec:
            crop = crop_png(base / page_images[(rec["file"], rec["page"])], rec["bbox"])
            if crop:
                pictures.append((ws.max_row, *crop))
            else:
                ws.cell(ws.max_row, col_index(ws, "证据截图"), "页面图像无法读取")
        else:
            ws.cell(ws.max_row, col_index(ws, "证据截图"), "无页面图像或无定位框")
    if not result.get("flags"):
        add_row(ws, [did, stage, "", "", "未发现疑点", "", "", "机审未发现第十五条第（一）项所列疑点。", "", "", *REV])
    for w in result.get("warnings", []):
        add_row(ws, [did, stage, "", "WARNING", "提示（不属于疑点）", "", "", w, "", "", *REV])
    finish_sheet(ws, severity_col="F", min_widths={"证据截图": 46, "说明": 40})
    pic_col = get_column_letter(col_index(ws, "证据截图"))
    for row, png, w, h in pictures:
        img = XLImage(BytesIO(png))
        img.width, img.height = w, h
        ws.add_image(img, f"{pic_col}{row}")
        # Points are 3/4 of a pixel: make the row tall enough for the picture.
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15, h * 0.75 + 6)
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
    finish_sheet(ws)
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
    wb.properties.title = f"技师工作站申报材料审核工作表 {did}"
    wb.properties.creator = "dossier-screen"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
