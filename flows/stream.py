"""Pass 1 as a stream: what each dossier still owes before it can be extracted.

Reading, OCR and extraction overlap: a dossier's pages go to OCR as soon as the dossier is
read, and the dossier is extracted as soon as its last page is read back, while other
dossiers are still being read or OCR'd. No core then waits for a stage to end on its
slowest dossier. `FirstPass` is only the bookkeeping (no Prefect, no threads): the flow
(flows/screen.py) tells it what came back and submits what it hands out. `PageQueue` is the
queue this machine's OCR workers take pages from (no Prefect either).

Memory stays bounded: at most `window` dossiers are between "read submitted" and
"extracted"; a dossier's pages leave it when its extraction is handed out.
"""
from __future__ import annotations

import functools
import itertools
import queue
from dataclasses import dataclass, field
from pathlib import Path

from extractors.ocr_jobs import OcrJob, apply_ocr, ocr_jobs
from extractors.records import FileReading, Page


@dataclass
class FirstPass:
    to_read: list[tuple[str, Path]]  # (dossier id, source), in the order to read them
    window: int
    files_of: dict[str, list[FileReading]] = field(default_factory=dict)
    owed: dict[str, int] = field(default_factory=dict)  # OCR jobs of a read dossier not yet back
    in_flight: int = 0  # dossiers handed out to read and not yet extracted (or failed)
    reading: int = 0  # dossiers handed out to read and not yet back
    _pages: dict[tuple, Page] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.to_read = list(self.to_read)
        self.window = max(1, self.window)

    def next_reads(self) -> list[tuple[str, Path]]:
        """The dossiers to start reading now: as many as the window has room for."""
        out = []
        while self.to_read and self.in_flight < self.window:
            out.append(self.to_read.pop(0))
            self.in_flight += 1
            self.reading += 1
        return out

    def reading_done(self) -> bool:
        """Every dossier handed out to read has come back (and none is left to hand out)."""
        return not self.to_read and self.reading == 0

    def read(self, dossier_id: str, files: list[FileReading]) -> tuple[list[OcrJob], bool]:
        """A dossier came back read: its OCR jobs, and whether it is ready to extract now
        (it has no page to OCR)."""
        self.reading -= 1
        jobs = ocr_jobs(dossier_id, files)
        self.files_of[dossier_id] = files
        self.owed[dossier_id] = len(jobs)
        for f in files:
            for p in f.pages:
                self._pages[(dossier_id, f.file, p.page)] = p
        return jobs, not jobs

    def read_failed(self, dossier_id: str) -> None:
        self.reading -= 1
        self.in_flight -= 1

    def ocr_back(self, job: OcrJob, result=None, error: Exception | None = None) -> str | None:
        """An OCR job came back (its result, or the exception it ended with): the lines go
        onto the page. Returns the dossier id when that was its last page owed."""
        page = self._pages.pop((job.dossier_id, job.file, job.page), None)
        if page is not None:
            try:
                if error is not None:
                    raise error
                apply_ocr(page, result)
            except Exception as exc:  # noqa: BLE001 - the page keeps the reason, the batch goes on
                if page.needs_ocr:
                    page.error = f"文字识别失败：{type(exc).__name__}"
        self.owed[job.dossier_id] -= 1
        return job.dossier_id if self.owed[job.dossier_id] == 0 else None

    def take(self, dossier_id: str) -> list[FileReading]:
        """The dossier's files, handed out for extraction (dropped here)."""
        self.owed.pop(dossier_id, None)
        for key in [k for k in self._pages if k[0] == dossier_id]:
            del self._pages[key]
        return self.files_of.pop(dossier_id)

    def extracted(self, dossier_id: str) -> None:
        """The dossier's extraction came back (a record or a failure): its place in the
        window is free."""
        self.in_flight -= 1

    def done(self) -> bool:
        return not self.to_read and self.in_flight == 0


class PageQueue:
    """The pages waiting for OCR on this machine, largest first, shared by the run's OCR
    workers (threads); what a worker read goes back to the flow as an event
    ("ocr", job, get) on `events`, where get() returns the result or raises the error."""

    def __init__(self, events):
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = itertools.count()
        self._events = events

    def put(self, jobs: list[OcrJob]) -> None:
        for job in jobs:
            self._jobs.put((-job.pixels, next(self._seq), job))

    def take(self) -> OcrJob | None:
        """The next page for a worker (blocks), or None: stop."""
        return self._jobs.get()[2]

    def back(self, job: OcrJob, result, error: Exception | None) -> None:
        self._events.put(("ocr", job, functools.partial(_returned, result, error)))

    def stop(self, workers: int) -> None:
        """Each of `workers` stops once the pages queued before this are taken."""
        for _ in range(workers):
            self._jobs.put((float("inf"), next(self._seq), None))

    def fail_queued(self, error: Exception) -> int:
        """Every page still queued goes back failed with `error` (no worker is left to read
        it): the flow then waits for nothing. Returns how many."""
        count = 0
        while True:
            try:
                job = self._jobs.get_nowait()[2]
            except queue.Empty:
                return count
            if job is not None:
                self.back(job, None, error)
                count += 1


def _returned(result, error: Exception | None):
    if error is not None:
        raise error
    return result
