"""Helpers for the checks: documents by type, page text, name normalisation."""
from __future__ import annotations

import re

from extractors.records import Document, DossierRecord, Page, Provenance


def docs_of(record: DossierRecord, *types: str) -> list[Document]:
    return [d for d in record.documents if d.type in types]


def doc_provenance(doc: Document) -> list[Provenance]:
    """One provenance per document page, for evidence lists when no field was read."""
    return [Provenance(file=doc.file, page=p, bbox=None, confidence=1.0, text="", engine=doc.text_source,
                       doc_type=doc.type) for p in doc.pages]


def page_text(page: Page | None) -> str:
    if page is None:
        return ""
    lines = list(page.lines) + list(page.ocr_lines or [])
    return "".join(re.sub(r"\s", "", line.text) for line in lines)


def doc_text(record: DossierRecord, doc: Document) -> str:
    return "".join(page_text(record.page(doc.file, p)) for p in doc.pages)


def norm_unit_name(v: str | None) -> str:
    if not v:
        return ""
    v = v.replace("（", "(").replace("）", ")")
    return re.sub(r"\s", "", v)


def member_has(m, doc_type: str) -> bool:
    return any(p.doc_type == doc_type for provs in m.provenance.values() for p in provs)
