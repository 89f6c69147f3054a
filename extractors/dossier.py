"""One dossier's files -> its record: documents classified, fields extracted, assembled.

A file or document whose step fails keeps its reason on its own document and the others
are extracted as usual (extractors/isolation.py).
"""
from __future__ import annotations

from extractors.records import DossierRecord, FileReading


def extract_record(dossier_id: str, files: list[FileReading]) -> DossierRecord:
    """Classify, extract and assemble; a file or document whose step fails keeps its
    reason on its own document and the others are extracted as usual."""
    from extractors.assemble import assemble
    from extractors.classify import classify_pages
    from extractors.fields import extract_fields
    from extractors.isolation import document_reason, mark_document

    # Documents never span files, so classifying file by file gives the same documents.
    documents = []
    for f in files:
        if not f.pages:
            continue
        try:
            documents += classify_pages(f.pages)
        except Exception as exc:  # noqa: BLE001 - one file's failure stays on that file
            mark_document(documents, f.file, document_reason("extract", exc), [p.page for p in f.pages])
    by_key = {(p.file, p.page): p for f in files for p in f.pages}
    filled = []
    for doc in documents:
        doc_pages = [by_key[(doc.file, n)] for n in doc.pages if (doc.file, n) in by_key]
        try:
            filled.append(extract_fields(doc, doc_pages))
        except Exception as exc:  # noqa: BLE001
            doc.fields, doc.rows = {}, []
            mark_document([doc], doc.file, document_reason("extract", exc))
            filled.append(doc)
    try:
        return assemble(dossier_id, files, filled)
    except Exception:
        # Find the documents assembly fails on, note them, and assemble the rest.
        bad = [(d, e) for d in filled if (e := _assembly_error(dossier_id, files, d)) is not None]
        if not bad:
            raise  # not tied to any document: a dossier-level failure of this stage
        for d, _ in bad:
            d.fields, d.rows = {}, []
        record = assemble(dossier_id, files, filled)
        for d, exc in bad:
            mark_document([d], d.file, document_reason("extract", exc))
        return record


def _assembly_error(dossier_id: str, files: list[FileReading], doc) -> Exception | None:
    from extractors.assemble import assemble

    try:
        assemble(dossier_id, files, [doc])
        return None
    except Exception as exc:  # noqa: BLE001
        return exc
