"""The visual review page (review.html): page images with boxes on extracted fields (blue),
flagged regions (red) and evidence of failing checks (orange), and a clickable findings list.

Static and offline: inline CSS/JS, images referenced relatively from pages/. It lives in
the user's own output folder, so values are shown in full.
"""
from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template

from reports import atomic
from reports.evidence import locs
from reports.labels import (FLAG, RECOMMENDATION, RULE_ARTICLE, SEVERITY, STATUS, field_label, rule_label)

TEMPLATE = Path(__file__).with_name("templates") / "review.html"


def _pct(bbox) -> str:
    x0, y0, x1, y1 = (max(0.0, min(1.0, float(v))) for v in bbox)
    return (f"left:{x0 * 100:.3f}%;top:{y0 * 100:.3f}%;"
            f"width:{(x1 - x0) * 100:.3f}%;height:{(y1 - y0) * 100:.3f}%")


class _Boxes:
    """Collects boxes per page and hands out element ids for the findings list."""

    def __init__(self, page_images: dict):
        self.page_images = page_images
        self.by_page: dict[tuple[str, int], list[str]] = {}
        self.n = 0

    def add(self, rec: dict, kind: str, label: str) -> str | None:
        key = (rec.get("file"), rec.get("page"))
        if not rec.get("bbox") or key not in self.page_images:
            return None
        self.n += 1
        bid = f"box{self.n}"
        self.by_page.setdefault(key, []).append(
            f'<div class="box {kind}" id="{bid}" style="{_pct(rec["bbox"])}" title="{escape(label)}">'
            f'<span>{escape(label)}</span></div>')
        return bid


def page_anchor(key: tuple[str, int], page_images: dict) -> str:
    return "page-" + Path(page_images[key]).stem


def _field_boxes(result: dict, boxes: _Boxes) -> None:
    objs = [("applicant", "单位", result.get("applicant") or {}),
            ("bank_account", "账户", result.get("bank_account") or {})]
    objs += [("member", m.get("name") or f"成员{i + 1}", m) for i, m in enumerate(result.get("members", []))]
    for kind, who, obj in objs:
        for name, recs in (obj.get("provenance") or {}).items():
            for rec in recs:
                boxes.add(rec, "field", f"{who}·{field_label(kind, name)}")


def _cite(detail: str, rule: str | None) -> str:
    """Append the article unless the detail already cites it."""
    art = RULE_ARTICLE.get(rule or "", rule or "")
    return detail if not art or art in detail else f"{detail}（{art}）"


def _finding(kind_cls: str, title: str, detail: str, recs: list[dict], boxes: _Boxes, box_kind: str,
             page_images: dict) -> str:
    ids = [b for b in (boxes.add(r, box_kind, title) for r in recs) if b]
    target = next((page_anchor((r["file"], r["page"]), page_images) for r in recs
                   if (r.get("file"), r.get("page")) in page_images), None)
    attrs = (f' data-target="{target}" data-boxes="{" ".join(ids)}"' if target else "")
    cls = "finding " + kind_cls + ("" if target else " nojump")
    where = locs(recs).replace("\n", "；")
    return (f'<div class="{cls}"{attrs}><div class="t">{escape(title)}</div>'
            f'<div>{escape(detail or "")}</div><div class="w">{escape(where or "无页面定位")}</div></div>')


def render_review(result: dict, page_images: dict) -> str:
    boxes = _Boxes(page_images)
    flags_html = [
        _finding(f"sev-{f.get('severity')}",
                 f"【{SEVERITY.get(f.get('severity'), '')}】{FLAG.get(f.get('code'), f.get('code'))} · {f.get('subject', '')}",
                 _cite(f.get("detail") or "", f.get("rule")),
                 f.get("evidence") or [], boxes, "flag", page_images)
        for f in result.get("flags", [])
    ] or ['<div class="meta">未发现疑点。</div>']
    checks_html = [
        _finding(f"st-{c['status']}", f"{STATUS.get(c['status'], c['status'])}：{rule_label(c['rule'])}",
                 c.get("detail", ""), c.get("evidence") or [], boxes, "check", page_images)
        for c in result.get("checks", []) if c.get("status") in ("fail", "needs_review")
    ] or ['<div class="meta">全部检查通过。</div>']
    _field_boxes(result, boxes)  # after findings so finding boxes are drawn under the labels

    def order(key):
        return page_images[key]
    pages_html = []
    for key in sorted(page_images, key=order):
        file, page = key
        pages_html.append(
            f'<div class="pagehead">{escape(file)} 第{page}页</div>'
            f'<div class="page" id="{page_anchor(key, page_images)}">'
            f'<img src="{escape(page_images[key])}" alt="{escape(file)} 第{page}页">'
            + "".join(boxes.by_page.get(key, [])) + "</div>")
    if not pages_html:
        pages_html = ['<div class="noimg">本卷宗没有可显示的页面图像。</div>']

    a = result.get("applicant") or {}
    rec = result.get("recommendation") or ""
    meta = (f"申报单位：{escape(a.get('name') or '未识别')}<br>"
            f"统一社会信用代码：{escape(a.get('uscc') or '未识别')}<br>"
            f"审核基准日：{escape(result.get('as_of') or '')}　规则：{escape(result.get('rule_set') or '')}")
    reason = result.get("recommendation_reason")
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=escape(f"材料审查 {result.get('dossier_id', '')}"),
        meta=meta, rec_code=escape(rec),
        rec_text=escape(RECOMMENDATION.get(rec, rec) + (f"：{reason}" if reason else "")),
        flags="\n".join(flags_html), checks="\n".join(checks_html), pages="\n".join(pages_html))


def write_review(result: dict, page_images: dict, path: Path) -> None:
    from reports.changes import inject_html

    atomic.write_text(Path(path), inject_html(render_review(result, page_images), result))
