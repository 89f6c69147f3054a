"""Annex 1, 佛山市高明区技师工作站设立申请表, as a Word file with real tables."""
from __future__ import annotations

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from .documents import Style
from .people import LEVELS, Person, Unit


def _font(doc, name: str):
    st = doc.styles["Normal"]
    st.font.name = name
    st.font.size = Pt(10.5)
    st.element.rPr.rFonts.set(qn("w:eastAsia"), name)


def _set(cell, text: str, bold: bool = False):
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold


def _unit_grid(doc, rows, layout: str):
    """The unit block as real forms draw it (DOCUMENTS.md): `header_rows` puts two labels
    in a header row above their values; `pairs` holds two label–value pairs to a row. The
    last, odd pair spans the row in a merged cell."""
    pairs = [rows[i:i + 2] for i in range(0, len(rows), 2)]
    if layout == "header_rows":
        tab = doc.add_table(rows=2 * len(pairs), cols=4)
        tab.style = "Table Grid"
        for r, pair in enumerate(pairs):
            spans = [(0, 1), (2, 3)] if len(pair) == 2 else [(0, 3)]
            for (lo, hi), (lab, val, _) in zip(spans, pair):
                _set(tab.cell(2 * r, lo).merge(tab.cell(2 * r, hi)), lab, True)
                _set(tab.cell(2 * r + 1, lo).merge(tab.cell(2 * r + 1, hi)), val)
        return
    tab = doc.add_table(rows=len(pairs), cols=4)
    tab.style = "Table Grid"
    for r, pair in enumerate(pairs):
        if len(pair) == 2:
            for k, (lab, val, _) in enumerate(pair):
                _set(tab.cell(r, 2 * k), lab, True)
                _set(tab.cell(r, 2 * k + 1), val)
        else:
            lab, val, _ = pair[0]
            _set(tab.cell(r, 0), lab, True)
            _set(tab.cell(r, 1).merge(tab.cell(r, 3)), val)


def application_form(u: Unit, members: list[Person], st: Style, lead: str,
                     show: dict | None = None) -> tuple[Document, list[tuple[str, str]]]:
    """Returns the document and the (field, value) pairs it prints. `show` maps a
    member's ID number to overrides (a planted name / number the form states instead)."""
    show = show or {}
    doc = Document()
    _font(doc, "宋体" if st.font == "serif" else "仿宋")
    doc.add_paragraph("附件1")
    t = doc.add_paragraph()
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = t.add_run("佛山市高明区技师工作站设立申请表")
    r.bold = True
    r.font.size = Pt(16)
    fields: list[tuple[str, str]] = []
    name_label = "单位名称" if st.variant == "b" else "申请单位名称"
    rows = [(name_label, u.name, "unit_name"), ("统一社会信用代码", u.uscc, "uscc"),
            ("单位地址", u.address, "address"), ("单位性质", "民营企业", None),
            ("联系人", u.contact, None), ("联系电话", u.phone, None), ("技师工作站负责人", lead, None)]
    if st.form_layout in ("header_rows", "pairs"):
        _unit_grid(doc, rows, st.form_layout)
    elif st.form_table:
        tab = doc.add_table(rows=len(rows), cols=2)
        tab.style = "Table Grid"
        for i, (lab, val, _) in enumerate(rows):
            _set(tab.cell(i, 0), lab, True)
            _set(tab.cell(i, 1), val)
    else:
        for lab, val, _ in rows:
            p = doc.add_paragraph()
            p.add_run(lab + "：").bold = True
            p.add_run(val)
    fields += [(f, v) for _, v, f in rows if f]
    id_head = "身份证号" if st.variant == "a" else st.id_label
    head = ["序号", "姓名", "性别", "出生年月", "职业（工种）", "等级", "证书编号", id_head]
    if st.variant == "c":
        # DOCUMENTS.md: the member table may run onto a second page, its title a merged cell
        split = max(1, len(members) - 1)
        parts = [(0, split), (split, len(members))]
    else:
        doc.add_paragraph("技师工作站成员情况" if st.variant == "a" else "工作站成员名单")
        parts = [(0, len(members))]
    cells = {}
    for k, (lo, hi) in enumerate(parts):
        top = 1 if st.variant == "c" else 0
        mt = doc.add_table(rows=top + 1 + hi - lo, cols=len(head))
        mt.style = "Table Grid"
        if top:
            title = mt.cell(0, 0).merge(mt.cell(0, len(head) - 1))
            _set(title, "技师工作站成员情况" + ("（续）" if k else ""), True)
        for j, h in enumerate(head):
            _set(mt.cell(top, j), h, True)
        for i in range(lo, hi):
            cells[i + 1] = (mt, top + 1 + i - lo)
        if k + 1 < len(parts):
            doc.add_page_break()
    for i, m in enumerate(members, 1):
        mt, row = cells[i]
        o = show.get(m.id_number, {})
        name = o.get("name", m.name)
        idn = o.get("id_number", m.id_number)
        birth = f"{m.birth.year}.{m.birth.month:02d}" if st.date_style != "cn" else f"{m.birth.year}年{m.birth.month}月"
        level = m.level if st.variant == "a" else LEVELS[m.level][2]
        vals = [str(i), name, m.sex, birth, m.occupation, level, m.cert_number, idn]
        for j, v in enumerate(vals):
            _set(mt.cell(row, j), v)
        fields += [("name", name), ("id_number", idn), ("certificate_number", m.cert_number), ("level", m.level)]
    ot = doc.add_table(rows=3, cols=2)
    ot.style = "Table Grid"
    _set(ot.cell(0, 0), "单位意见", True)
    _set(ot.cell(0, 1), "情况属实，同意申报。\n\n（单位盖章）\n2026年4月16日")
    _set(ot.cell(1, 0), "镇（街道）初审意见", True)
    _set(ot.cell(1, 1), "\n\n（盖章）\n    年  月  日")
    _set(ot.cell(2, 0), "区人社局意见", True)
    _set(ot.cell(2, 1), "\n\n（盖章）\n    年  月  日")
    return doc, fields
