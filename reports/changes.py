"""Correction rounds (补正): what changed between a dossier's earlier screening in the same
intake year and this one — files added or removed (by content hash), fields changed, members
added or removed, flags cleared or new.

`snapshot` turns a result into what the case store keeps of it (identifiers as keyed hashes
beside their masked form); `compare` makes result.json's `changes` object from two
snapshots; the rest shows that object in the worksheet, the review page and the summary.
"""
from __future__ import annotations

from html import escape
from typing import Callable

from extractors.masking import mask_account, mask_id
from reports.labels import DOC_TYPE, FIELD

Hasher = Callable[[str, str | None], str | None]

SHEET = "补正对比"
APPLICANT_FIELDS = ("name", "uscc", "legal_representative", "address", "registration_authority", "established")
BANK_FIELDS = ("account_name", "account_number", "bank", "basic_account_licence_no")
MEMBER_FIELDS = ("name", "sex", "birth_date", "occupation", "level", "certificate_kind", "certificate_number",
                 "certificate_issue_date", "certificate_issuer", "contract_end")
# values shown masked and compared by keyed hash
SECRET = {"account_number": ("account", mask_account), "id_number": ("id", mask_id),
          "certificate_number": ("certificate", mask_account)}


def _value(name: str, v, hasher: Hasher) -> dict | None:
    if v in (None, ""):
        return None
    if name in SECRET:
        kind, mask = SECRET[name]
        return {"show": mask(str(v)), "cmp": hasher(kind, str(v))}
    return {"show": str(v), "cmp": str(v)}


def snapshot(result: dict, hasher: Hasher) -> dict:
    a, b = result.get("applicant") or {}, result.get("bank_account") or {}
    types: dict[str, set[str]] = {}
    for d in result.get("documents") or []:
        types.setdefault(d.get("file"), set()).add(d.get("type") or "other")
    fields = {f"applicant.{k}": _value(k, a.get(k), hasher) for k in APPLICANT_FIELDS}
    fields.update({f"bank_account.{k}": _value(k, b.get(k), hasher) for k in BANK_FIELDS})
    members = {}
    for i, m in enumerate(result.get("members") or []):
        key = hasher("id", m.get("id_number")) or f"name:{m.get('name') or i}"
        members[key] = {"label": f"{m.get('name') or '未识别姓名'}（{mask_id(m.get('id_number')) or '号码未识别'}）",
                        "fields": {k: _value(k, m.get(k), hasher) for k in MEMBER_FIELDS}}
    return {
        "documents": {f.get("sha256") or f"?{f.get('file')}": {"file": f.get("file"), "types": sorted(types.get(f.get("file"), ()))}
                      for f in result.get("files") or []},
        "fields": fields,
        "members": members,
        "flags": sorted({(f.get("code"), f.get("severity"), f.get("subject")) for f in result.get("flags") or []}),
        "recommendation": result.get("recommendation"),
    }


def _label(path: str) -> str:
    group, _, name = path.partition(".")
    return f"{'申请单位' if group == 'applicant' else '银行账户'}·{FIELD.get(group, {}).get(name, name)}"


def _field_changes(before: dict, after: dict, label) -> list[dict]:
    out = []
    for k in list(dict.fromkeys([*before, *after])):
        x, y = before.get(k), after.get(k)
        if (x or {}).get("cmp") != (y or {}).get("cmp"):
            out.append({"field": k, "label": label(k), "before": (x or {}).get("show"), "after": (y or {}).get("show")})
    return out


def compare(previous: dict, current: dict, *, previous_round: int, this_round: int, previous_screened_at: str | None,
            previous_dossier_id: str | None) -> dict:
    pd, cd = previous.get("documents") or {}, current.get("documents") or {}
    doc = lambda h, d: {"file": d[h]["file"], "sha256": h.lstrip("?") if not h.startswith("?") else None,  # noqa: E731
                        "types": d[h]["types"]}
    pm, cm = previous.get("members") or {}, current.get("members") or {}
    member_changes = []
    for k in cm.keys() & pm.keys():
        for ch in _field_changes(pm[k]["fields"], cm[k]["fields"], lambda f: FIELD.get("member", {}).get(f, f)):
            member_changes.append({**ch, "member": cm[k]["label"]})
    pf = {tuple(f) for f in previous.get("flags") or []}
    cf = {tuple(f) for f in current.get("flags") or []}
    flag = lambda t: {"code": t[0], "severity": t[1], "subject": t[2]}  # noqa: E731
    return {
        "previous_round": previous_round, "this_round": this_round,
        "previous_screened_at": previous_screened_at, "previous_dossier_id": previous_dossier_id,
        "documents_added": [doc(h, cd) for h in cd if h not in pd],
        "documents_removed": [doc(h, pd) for h in pd if h not in cd],
        "fields_changed": _field_changes(previous.get("fields") or {}, current.get("fields") or {}, _label),
        "members_added": [cm[k]["label"] for k in cm if k not in pm],
        "members_removed": [pm[k]["label"] for k in pm if k not in cm],
        "member_fields_changed": sorted(member_changes, key=lambda c: (c["member"], c["field"])),
        "flags_new": [flag(t) for t in sorted(cf - pf, key=str)],
        "flags_cleared": [flag(t) for t in sorted(pf - cf, key=str)],
        "previous_recommendation": previous.get("recommendation"),
        "recommendation": current.get("recommendation"),
    }


def _types(t: list[str]) -> str:
    return "、".join(DOC_TYPE.get(x, x) for x in t) or "未分类"


def lines(changes: dict) -> list[tuple[str, str, str, str]]:
    """(category, item, before, after) rows, in Chinese, for every view."""
    rows = []
    for d in changes.get("documents_added") or []:
        rows.append(("新增材料", d["file"], "", _types(d["types"])))
    for d in changes.get("documents_removed") or []:
        rows.append(("撤回或替换的材料", d["file"], _types(d["types"]), ""))
    for f in changes.get("fields_changed") or []:
        rows.append(("字段变化", f["label"], f["before"] or "（无）", f["after"] or "（无）"))
    for m in changes.get("members_added") or []:
        rows.append(("新增成员", m, "", ""))
    for m in changes.get("members_removed") or []:
        rows.append(("减少成员", m, "", ""))
    for f in changes.get("member_fields_changed") or []:
        rows.append(("成员信息变化", f"{f['member']}·{f['label']}", f["before"] or "（无）", f["after"] or "（无）"))
    for f in changes.get("flags_cleared") or []:
        rows.append(("已消除的疑点", f["code"], f"{f['subject']}（{f['severity']}）", ""))
    for f in changes.get("flags_new") or []:
        rows.append(("新出现的疑点", f["code"], "", f"{f['subject']}（{f['severity']}）"))
    before, after = changes.get("previous_recommendation"), changes.get("recommendation")
    if before and after and before != after:
        from reports.labels import RECOMMENDATION

        rows.append(("机审建议", "", RECOMMENDATION.get(before, before), RECOMMENDATION.get(after, after)))
    return rows


def heading(changes: dict) -> str:
    return (f"第{changes.get('this_round')}轮补正材料，与第{changes.get('previous_round')}轮"
            f"（{(changes.get('previous_screened_at') or '')[:10]}筛查）对比")


def summary_text(changes: dict | None) -> str:
    if not changes:
        return ""
    n = {k: len(changes.get(k) or []) for k in ("documents_added", "documents_removed", "fields_changed",
                                                 "flags_new", "flags_cleared")}
    return (f"第{changes.get('this_round')}轮：新增材料{n['documents_added']}份、撤回{n['documents_removed']}份，"
            f"字段变化{n['fields_changed']}项，疑点新增{n['flags_new']}项、消除{n['flags_cleared']}项")


def add_sheet(wb, result: dict) -> None:
    """The 补正对比 sheet of the reviewer workbook (only for a correction round)."""
    changes = result.get("changes")
    if not changes:
        return
    from reports.xlsx_style import add_row, finish_sheet, write_header

    ws = wb.create_sheet(SHEET)
    write_header(ws, ["卷宗编号", "类别", "项目", "补正前", "补正后"])
    add_row(ws, [result.get("dossier_id"), heading(changes), "", "", ""])
    for row in lines(changes) or [("无变化", "两轮材料与字段相同", "", "")]:
        add_row(ws, [result.get("dossier_id"), *row])
    finish_sheet(ws, reviewer=False, hide_keys=False)


def inject_html(html: str, result: dict) -> str:
    """The review page with a 补正对比 section before its lists (only for a correction round)."""
    changes = result.get("changes")
    if not changes:
        return html
    td = 'style="border:1px solid #ccc;padding:2px 4px;vertical-align:top;word-break:break-all"'
    rows = "".join(f"<tr><td {td}>{escape(c)}</td><td {td}>{escape(i)}</td><td {td}>{escape(b)}</td><td {td}>{escape(a)}</td></tr>"
                   for c, i, b, a in lines(changes)) or f'<tr><td {td} colspan="4">两轮材料与字段相同</td></tr>'
    head = "".join(f"<th {td}>{h}</th>" for h in ("类别", "项目", "补正前", "补正后"))
    section = (f'<section class="changes"><h2>补正对比</h2><div class="meta">{escape(heading(changes))}</div>'
               f'<table class="changes" style="border-collapse:collapse;width:100%;font-size:12px">'
               f'<tr>{head}</tr>{rows}</table></section>\n')
    at = html.find("<h2")
    if at < 0:
        at = html.find("<body>") + len("<body>") if "<body>" in html else 0
    return html[:at] + section + html[at:]


def annotate_rows(rows: list[dict], results: list[dict]) -> None:
    """summary.json rows get `changes`: the one-line account of a correction round, or None."""
    by_id = {r.get("dossier_id"): r.get("changes") for r in results}
    for row in rows:
        row["changes"] = summary_text(by_id.get(row.get("dossier_id"))) or None


def add_summary_column(ws, rows: list[dict]) -> None:
    """A 补正对比 column at the end of the summary sheet (column 1 holds the dossier id), when
    the batch holds a correction round."""
    if not any(r.get("changes") for r in rows):
        return
    col = ws.max_column + 1
    ws.cell(1, col, "补正对比")
    text = {r.get("dossier_id"): r.get("changes") or "" for r in rows}
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col, text.get(ws.cell(r, 1).value, ""))
