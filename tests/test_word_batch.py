"""Word files of a batch converted to PDF in one LibreOffice call, in the background; the
review page's export then finds them converted and starts no LibreOffice of its own."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from docx import Document

from extractors.records import FileReading, Page
from reports import word_pages

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _word_file(tmp_path: Path, name: str, text: str | None) -> FileReading:
    path = tmp_path / name
    if text is None:
        path.write_bytes(b"PK\x03\x04 not a document at all")
    else:
        doc = Document()
        doc.add_paragraph(text)
        doc.save(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return FileReading(file=name, source_path=str(path), sha256=sha, kind="docx",
                       pages=[Page(file=name, page=1, text_source="docx")])


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")
def test_a_batch_is_one_call_and_a_bad_file_still_gets_its_own_note(tmp_path, monkeypatch):
    files = [_word_file(tmp_path, "申请表.docx", "技师工作站设立申请表 张伟"),
             _word_file(tmp_path, "报告.docx", "申请报告 佛山市高明区明工机械有限公司"),
             _word_file(tmp_path, "坏.docx", None)]
    cache = tmp_path / "cache"
    calls = []
    real = word_pages._soffice
    monkeypatch.setattr(word_pages, "_soffice", lambda *a, **k: calls.append(len(a[3])) or real(*a, **k))
    thread = word_pages.start_word_conversion(files, cache)
    # Asked again while it runs (the next dossier of the batch): nothing new is started.
    assert word_pages.start_word_conversion(files, cache) is None
    renders = word_pages.export_word_pages(files, tmp_path / "out", cache)  # waits for the batch
    thread.join()
    assert calls[0] == 3  # all three in the one call
    for good in ("申请表.docx", "报告.docx"):
        assert renders[good].note is None and renders[good].images
        assert (tmp_path / "out" / renders[good].images[0]).stat().st_size > 0
    assert "申请表" in "".join(c for c, _ in renders["申请表.docx"].chars[0])
    # The broken file was tried once more on its own, and says why it is not shown.
    assert calls[1:] == [1] and renders["坏.docx"].note == "word_failed"
    # Converted once: a later dossier or run finds the PDFs without LibreOffice.
    monkeypatch.setattr(word_pages, "soffice_path", lambda: None)
    again = word_pages.export_word_pages(files[:2], tmp_path / "again", cache)
    assert all(r.note is None and r.images for r in again.values())


def test_nothing_to_convert_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(word_pages, "soffice_path", lambda: None)
    pdf_only = FileReading(file="a.pdf", source_path=str(tmp_path / "a.pdf"), sha256="a" * 64, kind="pdf",
                           pages=[Page(file="a.pdf", page=1)])
    unread = FileReading(file="b.docx", source_path=str(tmp_path / "b.docx"), sha256="b" * 64, kind="docx")
    assert word_pages.start_word_conversion([pdf_only, unread], tmp_path / "cache") is None
