"""Where each page sits on the review page, and the link to it.

The review page shows a dossier's pages in the order Article 5 lists the materials (the
order they are bound in), not in file-name order, and numbers them 1, 2, 3 … down the page:
page N carries the element id `page-N`, so `review.html#page-N` opens it. The number is
worked out from result.json and the exported page images alone, so the worksheet, the
summary and the review page, each calling `page_numbers` with the same inputs, agree:

    numbers = page_numbers(result, page_images)
    review_link(record, numbers)          # 'review.html#page-3', or None

A Word document's text is one page in the record ("申请表.docx 第1页"); on the review page
it is one numbered page showing every sheet LibreOffice rendered of it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("data") / "review_labels.yaml"


@lru_cache(maxsize=1)
def review_labels() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def art5_rank() -> dict[str, int]:
    return {item["type"]: i for i, item in enumerate(review_labels()["art5_order"])}


def section_title(doc_type: str) -> str:
    order = review_labels()["art5_order"]
    return next((i["section"] for i in order if i["type"] == doc_type), order[-1]["section"])


def page_types(result: dict) -> dict[tuple[str, int], str]:
    """(file, page) -> document type, for every page a document of the result names."""
    types: dict[tuple[str, int], str] = {}
    for d in result.get("documents") or []:
        for p in d.get("pages") or []:
            types.setdefault((d.get("file"), p), d.get("type") or "other")
    return types


def _member_rank(result: dict) -> dict[tuple[str, int], int]:
    """(file, page) -> index of the first member whose values were read there."""
    rank: dict[tuple[str, int], int] = {}
    for i, m in enumerate(result.get("members") or []):
        for recs in (m.get("provenance") or {}).values():
            for r in recs or []:
                rank.setdefault((r.get("file"), r.get("page")), i)
    return rank


def review_order(result: dict, page_images: dict) -> list[tuple[str, int]]:
    """Every page the review page shows, in Art. 5 order: each document's pages (with or
    without an image) and every exported image. Within one kind of document, each member's
    documents follow the order of the members (a document belongs to the first member read
    on any of its pages: a contract's later pages stay with its first), unit documents
    after them; ties keep the files' order of appearance and the pages' own order, so the
    order is the same on every run."""
    docs = result.get("documents") or []
    types = page_types(result)
    keys = list(types)
    keys += [k for k in page_images if k not in types]
    file_order: dict[str, int] = {}
    for f, _ in keys:
        file_order.setdefault(f, len(file_order))
    rank = art5_rank()
    last = len(rank)
    members = _member_rank(result)
    unit = len(result.get("members") or [])
    doc_of: dict[tuple[str, int], tuple[int, int]] = {}  # page -> (member rank, first page) of its document
    for d in docs:
        pages = [(d.get("file"), p) for p in d.get("pages") or []]
        owner = min((members[k] for k in pages if k in members), default=unit)
        for k in pages:
            doc_of.setdefault(k, (owner, pages[0][1]))

    def key(k):
        owner, first = doc_of.get(k, (unit, k[1]))
        return (rank.get(types.get(k, "other"), last), owner, file_order[k[0]], first, k[1])
    return sorted(dict.fromkeys(keys), key=key)


def page_numbers(result: dict, page_images: dict) -> dict[tuple[str, int], int]:
    """(file, page) -> the page's number on the review page, from 1."""
    return {k: n for n, k in enumerate(review_order(result, page_images), start=1)}


def page_anchor(rec: dict | None, numbers: dict[tuple[str, int], int]) -> str | None:
    """'page-N' for a provenance record, None when its page is not on the review page."""
    if not rec:
        return None
    n = numbers.get((rec.get("file"), rec.get("page")))
    return f"page-{n}" if n else None


def review_link(rec: dict | None, numbers: dict[tuple[str, int], int], prefix: str = "") -> str | None:
    """'review.html#page-N' (prefix e.g. 'D01/' from the batch folder), None if no page."""
    anchor = page_anchor(rec, numbers)
    return f"{prefix}review.html#{anchor}" if anchor else None


SEVERITY_ORDER = ("high", "medium", "low")


def first_concern(result: dict, numbers: dict[tuple[str, int], int]) -> str | None:
    """'review.html#page-N' of the page a reviewer should open first: the first evidence of
    the most severe flag, else of the first failing check, else None (the page's top)."""
    flags = sorted(result.get("flags") or [], key=lambda f: SEVERITY_ORDER.index(f.get("severity"))
                   if f.get("severity") in SEVERITY_ORDER else len(SEVERITY_ORDER))
    failing = [c for c in result.get("checks") or [] if c.get("status") == "fail"]
    for item in (*flags, *failing):
        for rec in item.get("evidence") or []:
            link = review_link(rec, numbers)
            if link:
                return link
    return None


def link_location_cells(wb, numbers: dict[tuple[str, int], int]) -> int:
    """Give every worksheet cell that begins with a page location ('证书.pdf 第2、5页', as
    reports.evidence.locs writes it) a link to the first page it names on the review page.
    Returns how many cells were linked."""
    import re

    from openpyxl.styles import Font

    files = {f for f, _ in numbers}
    pattern = re.compile(r"^(.+?) 第(\d+)")
    linked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.hyperlink:
                    continue
                m = pattern.match(cell.value)
                if not m or m.group(1) not in files:
                    continue
                link = review_link({"file": m.group(1), "page": int(m.group(2))}, numbers)
                if link:
                    cell.hyperlink = link
                    cell.font = Font(name=cell.font.name, size=cell.font.sz, color="0563C1", underline="single")
                    linked += 1
    return linked
