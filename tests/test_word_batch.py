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


def test_a_born_digital_page_is_drawn_again_from_its_pdf_not_decoded(tmp_path, monkeypatch):
    """Its review image comes from PDFium at review size: the same picture as the reduced
    300 dpi render, without decoding that render."""
    import cv2
    import numpy as np
    from PIL import Image

    from extractors import page_image
    from extractors.carriers.pdf import read_pdf
    from reports.page_images import export_page_images

    src = Path(__file__).resolve().parents[1] / "sample_dossiers" / "batch" / "D01" / "2-申请报告.pdf"
    reading = read_pdf(src.name, src, tmp_path / "work", hashlib.sha256(src.read_bytes()).hexdigest(), dpi=300)
    pages = [p for p in reading.pages if p.text_source == "text_layer"][:2]
    assert pages
    page_image.clear_cache()
    decoded = []
    real = page_image._decode
    monkeypatch.setattr(page_image, "_decode", lambda path: decoded.append(path) or real(path))
    drawn = export_page_images(pages, tmp_path / "drawn", [reading])
    assert decoded == []
    from_png = export_page_images(pages, tmp_path / "decoded")
    assert len(decoded) == len(pages) and drawn == from_png
    for rel in drawn.values():
        a = np.asarray(Image.open(tmp_path / "drawn" / rel).convert("L"), np.float32)
        b = np.asarray(Image.open(tmp_path / "decoded" / rel).convert("L"), np.float32)
        # the same page in the same place: strokes are anti-aliased differently at 150 dpi, so
        # compared at an eighth of the size, where a shift of one row still shows
        small = [cv2.resize(x, (x.shape[1] // 8, x.shape[0] // 8), interpolation=cv2.INTER_AREA) for x in (a, b)]
        same = np.abs(small[0] - small[1]).mean()
        assert a.shape == b.shape and same < 1.0
        assert np.abs(small[0] - np.roll(small[1], 1, axis=0)).mean() > 3 * same


def test_a_file_is_ready_when_its_turn_in_the_batch_is_over(tmp_path, monkeypatch):
    """The first dossier waits for its own Word file, not for the whole batch's."""
    import threading

    fake = tmp_path / "fake-soffice"
    # Converts its files one after another like LibreOffice, slowly, the last one slowest.
    fake.write_text("#!/bin/sh\n"
                    "while [ \"$1\" != \"--outdir\" ]; do shift; done\n"
                    "out=$2; shift 2; mkdir -p \"$out\"\n"
                    "for f in \"$@\"; do sleep 0.3; b=$(basename \"$f\"); printf '%%PDF-1.4 fake' > \"$out/${b%.*}.pdf\"; done\n"
                    "sleep 1.5\n")
    fake.chmod(0o755)
    monkeypatch.setattr(word_pages, "soffice_path", lambda: str(fake))
    files = [_word_file(tmp_path, f"表{i}.docx", f"第{i}份") for i in range(3)]
    cache = tmp_path / "cache"
    thread = word_pages.start_word_conversion(files, cache)
    pdf, note = word_pages.word_pdf(Path(files[0].source_path), files[0].sha256, cache)
    assert note is None and pdf.read_bytes().startswith(b"%PDF")
    # released when the second file's PDF appeared: the last file's turn ends only with the call
    assert not word_pages._cached(word_pages._target(cache, files[-1].sha256))
    thread.join()
    for f in files:  # the last one when the call ended
        assert word_pages.word_pdf(Path(f.source_path), f.sha256, cache)[1] is None
    assert not any(isinstance(t, threading.Thread) and t.name == "word-to-pdf" and t.is_alive()
                   for t in threading.enumerate())
