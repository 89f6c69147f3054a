"""Pass 1's bookkeeping (flows/stream.py) and the OCR worker loop, without Prefect: a
dossier is extracted only once every page it owes OCR is back, no more than the window's
dossiers are in flight, and a page that cannot be read comes back with a reason instead of
leaving the flow waiting."""
from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest

from extractors.ocr.engine import OcrResult
from extractors.records import FileReading, Page, TextLine
from flows import screen
from flows.stream import FirstPass, PageQueue


def _scan(file: str, page: int, size: int = 1000) -> Page:
    return Page(file=file, page=page, image_path=f"/nonexistent/{file}-{page}.png", width=size, height=size,
                needs_ocr=True, lines=[])


def _files(n_scans: int, sizes=None) -> list[FileReading]:
    sizes = sizes or [1000] * n_scans
    pages = [_scan("scan.pdf", i + 1, sizes[i]) for i in range(n_scans)]
    form = Page(file="form.docx", page=1, text_source="docx", lines=[TextLine("申请表", (0, 0, 1, 1), 1.0, "docx")])
    return [FileReading("scan.pdf", "/x/scan.pdf", "0", "pdf", pages), FileReading("form.docx", "/x/form.docx", "1", "docx", [form])]


def _result(text: str) -> OcrResult:
    return OcrResult(lines=[TextLine(text, (0, 0, 1, 1), 0.9, "rapidocr")])


def _queued(n_scans: int, sizes=None):
    """One dossier read, its scans queued for OCR: (stream, queue, events, jobs)."""
    events = queue.SimpleQueue()
    pages = PageQueue(events)
    stream = FirstPass([("D1", Path("d1"))], window=1)
    stream.next_reads()
    jobs, _ = stream.read("D1", _files(n_scans, sizes))
    pages.put(jobs)
    return stream, pages, events, jobs


def test_a_dossier_is_ready_to_extract_only_when_its_last_page_is_back():
    stream = FirstPass([("D1", Path("d1")), ("D2", Path("d2"))], window=4)
    assert [d for d, _ in stream.next_reads()] == ["D1", "D2"]
    jobs, ready = stream.read("D1", _files(3))
    assert len(jobs) == 3 and not ready
    assert stream.ocr_back(jobs[0], _result("姓名 张三")) is None
    assert stream.ocr_back(jobs[2], _result("第三页")) is None
    assert not stream.reading_done()  # D2 is still being read
    assert stream.ocr_back(jobs[1], _result("第二页")) == "D1"
    files = stream.take("D1")
    texts = [p.text for p in files[0].pages]
    assert texts == ["姓名 张三", "第二页", "第三页"]
    assert all(p.text_source == "ocr" and not p.needs_ocr for p in files[0].pages)
    # a dossier with nothing to OCR (Word forms only) is ready as soon as it is read
    jobs2, ready2 = stream.read("D2", [_files(0)[1]])
    assert jobs2 == [] and ready2 and stream.reading_done()
    stream.take("D2")
    stream.extracted("D1")
    assert not stream.done()
    stream.extracted("D2")
    assert stream.done()


def test_a_page_whose_ocr_failed_keeps_the_reason_and_does_not_hold_its_dossier_back():
    stream = FirstPass([("D1", Path("d1"))], window=1)
    stream.next_reads()
    jobs, _ = stream.read("D1", _files(2))
    assert stream.ocr_back(jobs[0], error=RuntimeError("engine crashed")) is None
    assert stream.ocr_back(jobs[1], _result("第二页")) == "D1"
    pages = stream.take("D1")[0].pages
    assert pages[0].error == "文字识别失败：RuntimeError" and pages[0].needs_ocr
    assert pages[1].error is None and pages[1].text == "第二页"


def test_no_more_dossiers_are_in_flight_than_the_window_and_a_failed_read_frees_its_place():
    stream = FirstPass([(f"D{i}", Path(f"d{i}")) for i in range(1, 6)], window=2)
    assert [d for d, _ in stream.next_reads()] == ["D1", "D2"]
    assert stream.next_reads() == []
    stream.read_failed("D1")
    assert [d for d, _ in stream.next_reads()] == ["D3"]
    stream.read("D2", [_files(0)[1]])
    assert stream.next_reads() == []  # D2 is read but not extracted: it still holds its place
    stream.take("D2")
    stream.extracted("D2")
    assert [d for d, _ in stream.next_reads()] == ["D4"]
    assert not stream.reading_done()


def test_the_page_queue_hands_out_the_largest_page_first_and_stops_each_worker_after_the_pages():
    _, pages, _, _ = _queued(3, sizes=[500, 2000, 1000])
    pages.stop(2)
    taken = [pages.take() for _ in range(5)]
    assert [j.page for j in taken[:3]] == [2, 3, 1]
    assert taken[3:] == [None, None]


def test_pages_queued_when_no_worker_is_left_come_back_failed():
    stream, pages, events, _ = _queued(2)
    assert pages.fail_queued(RuntimeError("no OCR worker left")) == 2
    ready = None
    for _ in range(2):
        kind, job, get = events.get_nowait()
        assert kind == "ocr"
        with pytest.raises(RuntimeError):
            get()
        ready = stream.ocr_back(job, error=RuntimeError("no OCR worker left"))
    assert ready == "D1"
    assert all(p.error for p in stream.take("D1")[0].pages)


def test_an_ocr_worker_reads_each_page_retries_a_failure_once_and_hands_every_page_back(monkeypatch):
    calls: dict[int, int] = {}

    def read_page(job, engine, timeout, cache_dir):
        calls[job.page] = calls.get(job.page, 0) + 1
        if job.page == 1:
            raise OSError("disk full")  # fails twice: handed back as failed
        if job.page == 2 and calls[2] == 1:
            raise OSError("flaky")  # fails once: the retry reads it
        return _result(f"页{job.page}")

    monkeypatch.setattr(screen, "_read_page", read_page)
    monkeypatch.setattr(screen.time, "sleep", lambda s: None)
    stream, pages, events, _ = _queued(3)
    pages.stop(2)
    counts = []
    workers = [threading.Thread(target=lambda: counts.append(screen.ocr_worker_task.fn(n, pages, "rapidocr", 5.0, "/tmp")))
               for n in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=10)
    assert sorted(calls.items()) == [(1, 2), (2, 2), (3, 1)]
    assert sum(counts) == 3
    ready = None
    for _ in range(3):
        kind, job, get = events.get_nowait()
        try:
            value, error = get(), None
        except OSError as exc:
            value, error = None, exc
        ready = stream.ocr_back(job, value, error)
    assert ready == "D1"
    by_page = {p.page: p for p in stream.take("D1")[0].pages}
    assert by_page[1].error == "文字识别失败：OSError"
    assert by_page[2].text == "页2" and by_page[3].text == "页3"
