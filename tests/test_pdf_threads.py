"""PDFium is not thread-safe (no two calls at once in a process, even on different
documents); the flow reads dossiers on a thread pool."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from extractors.carriers import pdf as pdf_carrier
from extractors.ingest import read_file

SAMPLE = Path(__file__).resolve().parent.parent / "sample_dossiers" / "batch"


def test_pdfium_is_never_entered_by_two_threads_at_once(tmp_path, monkeypatch):
    real = pdf_carrier.pdfium.PdfDocument
    state = {"active": 0, "most": 0}
    guard = threading.Lock()

    def watched(*args, **kwargs):
        with guard:
            state["active"] += 1
            state["most"] = max(state["most"], state["active"])
        time.sleep(0.02)  # long enough for another thread to arrive if nothing stops it
        try:
            return real(*args, **kwargs)
        finally:
            with guard:
                state["active"] -= 1

    monkeypatch.setattr(pdf_carrier.pdfium, "PdfDocument", watched)
    pdfs = sorted(SAMPLE.rglob("*.pdf"))[:12]
    assert len(pdfs) >= 8
    with ThreadPoolExecutor(4) as pool:
        readings = list(pool.map(lambda j: read_file(j[1].name, j[1], tmp_path / f"w{j[0]}", dpi=36), enumerate(pdfs)))
    assert all(r.error_code is None and r.pages and all(p.image_path for p in r.pages) for r in readings)
    assert state["most"] == 1
