"""Page classification and grouping of pages into documents.

A page's type is decided from its content only (never its file name): weighted cues per
type from ``data/classify.yaml``. Pages are then grouped, within one file and in page order:

- a page that fits nothing (score below threshold) continues the previous document when
  that document's type can span pages (a contract's signature page, a report's later
  pages); otherwise it is ``other``;
- a page of the same multi-page type joins the previous document unless it carries a
  title (a new contract starts with 劳动合同) or names a different person;
- an untitled page whose best type is another one still continues a multi-page document
  when it scores at least ``continuation_min`` for that document's type;
- an ID card front and back on separate pages pair up (their parts do not overlap).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from extractors.nlp import load_yaml
from extractors.normalize import match_text
from extractors.records import Document, Page

_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@dataclass
class PageClass:
    type: str
    score: float
    titled: bool  # a title cue of the type in the page's first lines
    parts: frozenset = frozenset()
    ids: frozenset = frozenset()
    scores: dict = field(default_factory=dict)


@lru_cache(maxsize=None)
def _config() -> dict:
    cfg = dict(load_yaml("classify.yaml"))
    compiled = {}
    for name, spec in cfg["types"].items():
        compiled[name] = {
            **spec,
            "cues": [(re.compile(c["rx"], re.M), float(c["w"]), bool(c.get("title"))) for c in spec["cues"]],
            "parts": {p: [re.compile(rx) for rx in rxs] for p, rxs in (spec.get("parts") or {}).items()},
        }
    cfg["types"] = compiled
    return cfg


def score_page(page: Page) -> PageClass:
    """The best type for one page with its score; ``other`` when nothing reaches the threshold."""
    cfg = _config()
    texts = [match_text(ln.text) for ln in page.lines if ln.text and ln.text.strip()]
    text = "\n".join(texts)
    # a title is a short line of its own near the top, not a clause of a sentence
    head = "\n".join(t for t in texts[: cfg["title_lines"]]
                     if len(t) <= cfg["title_max_chars"] and not re.search(r"[,，。;；]$", t))
    scores: dict[str, float] = {}
    titled: dict[str, bool] = {}
    for name, spec in cfg["types"].items():
        total, has_title = 0.0, False
        for rx, weight, is_title in spec["cues"]:
            if not rx.search(text):
                continue
            if is_title and rx.search(head):
                total += weight * cfg["title_boost"]
                has_title = True
            elif is_title:
                # a title word inside body text (报告中"取得职业技能等级证书") is a mention
                total += weight * cfg["mention_weight"]
            else:
                total += weight
        scores[name], titled[name] = total, has_title
    best = max(scores, key=lambda n: (scores[n], titled[n])) if scores else "other"
    ids = frozenset(m.group(0).upper() for m in _ID18.finditer(text))
    if not scores or scores[best] < cfg["threshold"]:
        return PageClass("other", scores.get(best, 0.0), False, ids=ids, scores=scores)
    parts = frozenset(p for p, rxs in cfg["types"][best]["parts"].items() if any(rx.search(text) for rx in rxs))
    return PageClass(best, scores[best], titled[best], parts, ids, scores)


def _joins(prev: Document, prev_cls: PageClass, cls: PageClass, spec: dict | None) -> bool:
    if cls.type == "other":
        # a weak page continues a multi-page document (signature page, later report pages);
        # a page recognised as other (a table of contents, a cover) does not
        return (cls.score < _config()["threshold"] and prev.type != "other"
                and bool(_config()["types"][prev.type].get("multi_page")))
    if cls.type != prev.type:
        # an untitled page that still speaks the previous document's language continues it
        # (a report page that mentions certificates is not a certificate)
        prev_spec = _config()["types"].get(prev.type) or {}
        return (not cls.titled and bool(prev_spec.get("multi_page"))
                and cls.scores.get(prev.type, 0.0) >= _config()["continuation_min"])
    if spec is None:
        return False
    if spec.get("single_person") and cls.ids and prev_cls.ids and not (cls.ids & prev_cls.ids):
        return False
    if spec.get("parts"):
        # front + back of one card: join only a single page whose parts do not overlap
        return len(prev.pages) == 1 and bool(cls.parts) and not (cls.parts & prev_cls.parts)
    return bool(spec.get("multi_page")) and not cls.titled


def classify_pages(pages: list[Page]) -> list[Document]:
    """Documents in file order, then page order; every page belongs to exactly one."""
    order: dict[str, int] = {}
    for p in pages:
        order.setdefault(p.file, len(order))
    docs: list[Document] = []
    prev_cls: PageClass | None = None
    for page in sorted(pages, key=lambda p: (order[p.file], p.page)):
        if page.error or not any(ln.text.strip() for ln in page.lines):
            docs.append(Document(page.file, [page.page], "other", 0.0, page.text_source,
                                 page.error or ("页面无可识别文字" if page.needs_ocr else "页面无文字")))
            prev_cls = None  # an unreadable page breaks any continuation
            continue
        cls = score_page(page)
        prev = docs[-1] if docs else None
        if (prev is not None and prev_cls is not None and prev.file == page.file
                and prev.pages[-1] == page.page - 1
                and _joins(prev, prev_cls, cls, _config()["types"].get(cls.type))):
            prev.pages.append(page.page)
            prev.score = max(prev.score, cls.score)
            # the document's parts and people are the union of its pages'
            prev_cls = PageClass(prev.type, prev.score, prev_cls.titled, prev_cls.parts | cls.parts,
                                 prev_cls.ids | cls.ids)
            continue
        docs.append(Document(page.file, [page.page], cls.type, cls.score, page.text_source))
        prev_cls = cls
    return docs
