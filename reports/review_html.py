"""The visual review page (review.html): every page of the dossier in Article 5 order, with
boxes on extracted fields (blue), flagged regions (red) and evidence of failing checks
(orange), and a clickable findings list.

Labels never cover the page: a box carries only its outline; its number stands in the margin
beside the page image, and the side list beside each page says what each number is. Word
documents are shown as the sheets LibreOffice renders of them (reports/word_pages.py); a
reused image is shown beside the page it matches. Pages are numbered down the review page
and `review.html#page-N` opens page N (reports/page_anchor.py).

Static and offline: inline CSS/JS, images referenced relatively from pages/. It lives in
the user's own output folder, so values are shown in full.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from string import Template

from reports import atomic
from reports.evidence import locs
from reports.labels import RECOMMENDATION, RULE_ARTICLE, SEVERITY, STATUS, rule_label
from reports.page_anchor import page_numbers, page_types, review_order, section_title
from reports.page_images import matched_page
from reports.review_text import (engine_name, field_name, field_value, flag_name, note, ruleset_title,
                                 split_technical)
from reports.word_pages import WordRender, locate

TEMPLATE = Path(__file__).with_name("templates") / "review.html"
BADGE_GAP = 2.4  # percent of the sheet's height between two numbers in one margin
MAX_VALUE = 40


def _pct(bbox) -> str:
    x0, y0, x1, y1 = (max(0.0, min(1.0, float(v))) for v in bbox)
    return (f"left:{x0 * 100:.3f}%;top:{y0 * 100:.3f}%;"
            f"width:{(x1 - x0) * 100:.3f}%;height:{(y1 - y0) * 100:.3f}%")


@dataclass
class _Mark:
    num: int
    kind: str  # field | flag | check
    label: str
    sheet: int | None  # which sheet of the page holds the box; None: not located on the page
    bbox: list | None
    box_id: str | None
    unplaced: str = ""  # why there is no box


@dataclass
class _Pair:
    caption: str
    image: str | None
    boxes: list = field(default_factory=list)  # bboxes on the matching page
    missing: str = ""


@dataclass
class _Page:
    key: tuple[str, int]
    number: int
    doc_type: str
    sheets: list[str]
    chars: list | None = None  # a Word document's characters per sheet (boxes are searched for)
    note: str = ""
    marks: list[_Mark] = field(default_factory=list)
    pairs: list[_Pair] = field(default_factory=list)


class _Layout:
    """The review page's pages and the marks on them; hands out box ids for findings."""

    def __init__(self, result: dict, page_images: dict, word_pages: dict[str, WordRender]):
        types = page_types(result)
        numbers = page_numbers(result, page_images)
        errors = {d.get("file"): d.get("error") for d in result.get("documents") or [] if d.get("error")}
        self.pages: dict[tuple[str, int], _Page] = {}
        for key in review_order(result, page_images):
            file, page = key
            pg = _Page(key, numbers[key], types.get(key, "other"), [])
            render = word_pages.get(file)
            if key in page_images:
                pg.sheets = [page_images[key]]
            elif render is not None and page == 1:
                pg.sheets, pg.chars = list(render.images), list(render.chars)
                pg.note = note(render.note) if render.note else ""
            else:
                pg.note = note("no_image")
            if errors.get(file):
                pg.note = (pg.note + " " if pg.note else "") + split_technical(errors[file])[0]
            self.pages[key] = pg
        self.n = 0

    def anchor(self, rec: dict) -> str | None:
        pg = self.pages.get((rec.get("file"), rec.get("page")))
        return f"page-{pg.number}" if pg else None

    def add(self, rec: dict, kind: str, label: str) -> str | None:
        """List `rec` beside its page and box it where it can be placed; the box id or None."""
        pg = self.pages.get((rec.get("file"), rec.get("page")))
        if pg is None:
            return None
        sheet, bbox, unplaced = None, None, ""
        if pg.chars is not None:
            found = locate(rec.get("value") or rec.get("text"), rec.get("text"), pg.chars)
            if found:
                sheet, bbox = found
            else:
                unplaced = note("not_located") if pg.sheets else ""
        elif pg.sheets and rec.get("bbox"):
            sheet, bbox = 0, list(rec["bbox"])
        elif pg.sheets:
            unplaced = "整页"
        for m in pg.marks:
            if m.kind == kind and m.label == label and m.bbox == bbox:
                return m.box_id
        box_id = None
        if sheet is not None:
            self.n += 1
            box_id = f"box{self.n}"
        pg.marks.append(_Mark(len(pg.marks) + 1, kind, label, sheet, bbox, box_id, unplaced))
        return box_id


def _value_text(name: str, rec: dict, obj: dict) -> str:
    value = rec.get("value") if rec.get("value") is not None else obj.get(name)
    text = field_value(name, value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def _field_marks(result: dict, layout: _Layout) -> None:
    objs = [("applicant", "", result.get("applicant") or {}),
            ("bank_account", "", result.get("bank_account") or {})]
    objs += [("member", (m.get("name") or f"成员{i + 1}") + "·", m) for i, m in enumerate(result.get("members", []))]
    for kind, who, obj in objs:
        for name, recs in (obj.get("provenance") or {}).items():
            for rec in recs:
                value = _value_text(name, rec, obj)
                layout.add(rec, "field", f"{who}{field_name(kind, name)}" + (f"：{value}" if value else ""))


def _cite(detail: str, rule: str | None) -> str:
    """Append the article unless the detail already cites it ('第五条（虚假材料）' is cited
    by a text naming 第五条)."""
    art = RULE_ARTICLE.get(rule or "", "")
    if not art or art in detail or re.sub(r"（[^（）]*）$", "", art) in detail:
        return detail
    return f"{detail}（{art}）"


def _where(recs: list[dict], layout: _Layout) -> str:
    parts, rest = [], []
    for r in recs:
        pg = layout.pages.get((r.get("file"), r.get("page")))
        text = f"第{pg.number}页（{r.get('file')} 第{r.get('page')}页）" if pg else None
        if text and text not in parts:
            parts.append(text)
        elif not text:
            rest.append(r)
    other = locs(rest).replace("\n", "；")
    return "；".join(parts + ([other] if other else []))


def _finding(kind_cls: str, title: str, detail: str, recs: list[dict], layout: _Layout, box_kind: str,
             protected: tuple[str, ...], mark_label: str) -> str:
    ids = [b for b in (layout.add(r, box_kind, mark_label) for r in recs) if b]
    target = next((a for a in map(layout.anchor, recs) if a), None)
    attrs = f' data-target="{target}" data-boxes="{" ".join(ids)}"' if target else ""
    cls = "finding " + kind_cls + ("" if target else " nojump")
    plain, tech = split_technical(detail, protected)
    if box_kind == "flag":
        tech += _readings(recs)
    tech_html = ("<details class=\"tech\"><summary>技术依据</summary><ul>"
                 + "".join(f"<li>{escape(t)}</li>" for t in tech) + "</ul></details>") if tech else ""
    return (f'<div class="{cls}"{attrs}><div class="t">{escape(title)}</div>'
            f'<div class="d">{escape(plain)}</div>{tech_html}'
            f'<div class="w">{escape(_where(recs, layout) or "无页面定位")}</div></div>')


def _readings(recs: list[dict]) -> list[str]:
    """How each piece of evidence was read, with the reading's confidence: for the 技术依据 view."""
    out = []
    for r in recs:
        if r.get("engine") in (None, "image", "text"):
            continue
        line = f"{r.get('file')} 第{r.get('page')}页：{engine_name(r.get('engine'))}，置信度{float(r.get('confidence') or 0):.2f}"
        if line not in out:
            out.append(line)
    return out


def _pairs(result: dict, layout: _Layout, page_images: dict, matched_images: dict) -> None:
    """Put beside each reused page the page it matches."""
    did = result.get("dossier_id")
    for f in result.get("flags") or []:
        other = matched_page(f, did)
        own = next((r for r in f.get("evidence") or [] if not r.get("dossier")), None)
        pg = layout.pages.get((own.get("file"), own.get("page"))) if own else None
        if other is None or pg is None:
            continue
        o_did, o_file, o_page = other
        if o_did == did:
            image = page_images.get((o_file, o_page))
            o_pg = layout.pages.get((o_file, o_page))
            caption = f"与之相似的本卷宗第{o_pg.number}页：{o_file} 第{o_page}页" if o_pg else f"与之相似：{o_file} 第{o_page}页"
        else:
            image = matched_images.get(other)
            caption = f"与之相似：申报材料{o_did} 的 {o_file} 第{o_page}页"
        if any(p.caption == caption for p in pg.pairs):
            continue
        boxes = [r["bbox"] for r in f.get("evidence") or []
                 if r.get("bbox") and r.get("file") == o_file and r.get("page") == o_page
                 and (r.get("dossier") or did) == o_did and r is not own]
        pg.pairs.append(_Pair(caption, image, boxes,
                              "" if image else f"该页图像未能导出，请打开申报材料{o_did}的{o_file}第{o_page}页查看。"))


def _numbered(marks: list[_Mark]) -> list[_Mark]:
    """Number a page's marks in reading order (sheet, then down, then across; marks without
    a box last), so the marks of one printed row get consecutive numbers."""
    ordered = sorted(marks, key=lambda m: (m.sheet is None, m.sheet or 0, round(float(m.bbox[1]), 2) if m.bbox else 0,
                                           float(m.bbox[0]) if m.bbox else 0))
    for i, m in enumerate(ordered, start=1):
        m.num = i
    return ordered


def _ranges(nums: list[int]) -> str:
    """[4, 5, 6, 9] -> '4–6,9'."""
    out, start = [], None
    for i, n in enumerate(nums):
        if start is None:
            start = n
        if i + 1 == len(nums) or nums[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ",".join(out)


def _badges(marks: list[_Mark], sheet: int, kinds: tuple[str, ...]) -> str:
    """The numbers in one margin: the marks of one printed row (boxes overlapping in height)
    share one label, and labels that would touch move down."""
    rows: list[list[_Mark]] = []
    for m in sorted((m for m in marks if m.sheet == sheet and m.kind in kinds), key=lambda m: (m.bbox[1], m.num)):
        row = rows[-1] if rows else None
        if row and float(m.bbox[1]) < min(float(x.bbox[3]) for x in row):
            row.append(m)
        else:
            rows.append([m])
    out, last = [], -100.0
    for row in rows:
        top = max(float(row[0].bbox[1]) * 100, last + BADGE_GAP)
        last = top
        kind = "flag" if any(m.kind == "flag" for m in row) else row[0].kind
        out.append(f'<a class="badge {kind}" data-boxes="{" ".join(m.box_id for m in row)}" style="top:{top:.3f}%" '
                   f'title="{escape("；".join(m.label for m in row))}">{_ranges(sorted(m.num for m in row))}</a>')
    return "".join(out)


def _sheet_html(image: str, alt: str, boxes: str, left: str = "", right: str = "") -> str:
    return (f'<div class="frame"><div class="sheet"><div class="gut l">{left}</div>'
            f'<div class="img"><img src="{escape(image)}" alt="{escape(alt)}">{boxes}</div>'
            f'<div class="gut r">{right}</div></div></div>')


def _page_html(pg: _Page) -> str:
    pg.marks = _numbered(pg.marks)
    file, page = pg.key
    where = f"{file} 第{page}页"
    sheets = []
    for si, image in enumerate(pg.sheets):
        boxes = "".join(f'<div class="box {m.kind}" id="{m.box_id}" data-n="{m.num}" style="{_pct(m.bbox)}" '
                        f'title="{escape(m.label)}"></div>' for m in pg.marks if m.sheet == si)
        alt = where + (f"（转换后第{si + 1}张）" if pg.chars is not None else "")
        sheets.append(_sheet_html(image, alt, boxes, _badges(pg.marks, si, ("field",)),
                                  _badges(pg.marks, si, ("flag", "check"))))
    if pg.chars is not None and pg.sheets:
        where += f"（Word 文档，转换为{len(pg.sheets)}张页面显示）"
    view = "".join(sheets) + (f'<div class="noimg">{escape(pg.note)}</div>' if pg.note else "")
    pairs = "".join(
        f'<div class="pair"><div class="paircap">{escape(p.caption)}</div>'
        + (_sheet_html(p.image, p.caption, "".join(f'<div class="box flag" style="{_pct(b)}"></div>' for b in p.boxes))
           if p.image else f'<div class="noimg">{escape(p.missing)}</div>') + "</div>"
        for p in pg.pairs)
    items = "".join(
        f'<li class="mk {m.kind}{"" if m.box_id else " nobox"}"' + (f' data-box="{m.box_id}"' if m.box_id else "")
        + f'><b>{m.num}</b>{escape(m.label)}' + (f'<i>（{escape(m.unplaced)}）</i>' if m.unplaced else "") + "</li>"
        for m in pg.marks)
    marks = f'<ol class="marks">{items}</ol>' if items else ""
    tools = ('<span class="tools"><button type="button" data-act="out" title="缩小">－</button>'
             '<span class="zoom">100%</span><button type="button" data-act="in" title="放大">＋</button>'
             '<button type="button" data-act="fit">适合宽度</button>'
             '<button type="button" data-act="left" title="向左旋转">⟲</button>'
             '<button type="button" data-act="right" title="向右旋转">⟳</button></span>') if pg.sheets or pg.pairs else ""
    return (f'<section class="page" id="page-{pg.number}" data-zoom="1" data-rot="0">'
            f'<div class="pagehead"><span class="pn">第{pg.number}页</span><span class="src">来源：{escape(where)}</span>{tools}</div>'
            f'<div class="pagebody"><div class="view">{view}</div>{pairs}{marks}</div></section>')


def render_review(result: dict, page_images: dict, *, word_pages: dict[str, WordRender] | None = None,
                  matched_images: dict | None = None) -> str:
    """The page as HTML. `page_images`: (file, page) -> image path relative to the page;
    `word_pages`: Word file -> its rendering (reports.word_pages.export_word_pages);
    `matched_images`: (dossier id, file, page) -> image of another dossier's page a flag
    matches (reports.page_images.export_matched_pages)."""
    layout = _Layout(result, page_images, word_pages or {})
    protected = tuple({d.get("file") or "" for d in result.get("documents") or []}
                      | {f.get("file") or "" for f in result.get("files") or []})
    flags_html = [
        _finding(f"sev-{f.get('severity')}",
                 f"【{SEVERITY.get(f.get('severity'), '')}】{flag_name(f.get('code'))} · {f.get('subject', '')}",
                 _cite(f.get("detail") or "", f.get("rule")), f.get("evidence") or [], layout, "flag", protected,
                 f"{flag_name(f.get('code'))}（{f.get('subject', '')}）")
        for f in result.get("flags", [])
    ] or ['<div class="meta">未发现疑点。</div>']
    checks_html = [
        _finding(f"st-{c['status']}", f"{STATUS.get(c['status'], '')}：{rule_label(c['rule'])}",
                 c.get("detail", ""), c.get("evidence") or [], layout, "check", protected,
                 f"{STATUS.get(c['status'], '')}：{RULE_ARTICLE.get(c['rule'], '')}")
        for c in result.get("checks", []) if c.get("status") in ("fail", "needs_review")
    ] or ['<div class="meta">全部检查通过。</div>']
    _field_marks(result, layout)
    _pairs(result, layout, page_images, matched_images or {})

    pages_html, toc, section = [], [], None
    for pg in layout.pages.values():
        title = section_title(pg.doc_type)
        if title != section:
            section = title
            pages_html.append(f'<h2 class="sect">{escape(title)}</h2>')
            toc.append(f'<div class="tsect">{escape(title)}</div>')
        toc.append(f'<a href="#page-{pg.number}">第{pg.number}页　{escape(pg.key[0])} 第{pg.key[1]}页</a>')
        pages_html.append(_page_html(pg))
    if not pages_html:
        pages_html = ['<div class="noimg">本卷宗没有可显示的页面。</div>']

    a = result.get("applicant") or {}
    rec = result.get("recommendation") or ""
    meta = (f"申报单位：{escape(a.get('name') or '未识别')}<br>"
            f"统一社会信用代码：{escape(a.get('uscc') or '未识别')}<br>"
            f"审核基准日：{escape(result.get('as_of') or '')}<br>"
            f"审核依据：{escape(ruleset_title(result.get('rule_set')))}")
    label = RECOMMENDATION.get(rec, "")
    reason = split_technical(result.get("recommendation_reason") or "", protected)[0]
    reason = reason[len(label):].lstrip("：:，, ") if label and reason.startswith(label) else reason
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=escape(f"材料审查 {result.get('dossier_id', '')}"),
        meta=meta, rec_code=escape(rec),
        rec_text=escape(label + (reason if reason.startswith("（") else f"：{reason}" if reason else "")),
        flags="\n".join(flags_html), checks="\n".join(checks_html), pages="\n".join(pages_html),
        toc="\n".join(toc))


def write_review(result: dict, page_images: dict, path: Path, *, word_pages: dict[str, WordRender] | None = None,
                 matched_images: dict | None = None) -> None:
    from reports.changes import inject_html

    html = render_review(result, page_images, word_pages=word_pages, matched_images=matched_images)
    atomic.write_text(Path(path), inject_html(html, result))
