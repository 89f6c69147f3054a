"""The batch screening flow: the only place that wires steps with Prefect.

`screen_batch` reads as its stages: cached records, reading, OCR, extraction, the batch
index, judging and outputs, the summary. Each stage is a short function below that submits
the plain steps (flows/pipeline.py names them) and returns what it produced.

Memory held does not grow with the batch beyond a small summary of each dossier: dossiers go
through reading, OCR and extraction a bounded number at a time, each extracted record is spilled to
the record cache (flows/fingerprint.py) and read back one at a time by the batch index and
by judging; a judged dossier leaves only what the summary needs (flows/result_view.py).
"""
from __future__ import annotations

import os
import queue
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from extractors import page_memo
from extractors.isolation import stage_of
from extractors.masking import mask_text
from extractors.records import DossierRecord, FileReading
from flows import pipeline
from flows.fingerprint import RecordCache, StoredRecords, dossier_fingerprint
from flows.progress import BatchProgress
from flows.settings import RunSettings


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)

    def add(self, stage: str, seconds: float, pages: int = 0) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        self.pages[stage] = self.pages.get(stage, 0) + pages


@task(name="read-files", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def read_files_task(src: str, work_dir: str, dpi: int) -> list[FileReading]:
    return pipeline.read_dossier_files(Path(src), Path(work_dir), dpi=dpi)


def _read_page(job, engine: str, timeout: float, cache_dir: str):
    from extractors.ocr import ocr_page, ocr_regions

    if job.regions:
        return ocr_regions(job.image_path, job.regions, engine=engine, timeout=timeout, cache_dir=Path(cache_dir))
    return ocr_page(job.image_path, engine=engine, timeout=timeout, cache_dir=Path(cache_dir))


@task(name="ocr-page", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1,
      task_run_name="ocr-{job.dossier_id}-p{job.page}")
def ocr_page_task(job, engine: str, timeout: float, cache_dir: str):
    return _read_page(job, engine, timeout, cache_dir)


@task(name="ocr-pages", cache_policy=NO_CACHE, task_run_name="ocr-pages-{n}")
def ocr_worker_task(n: int, feed, engine: str, timeout: float, cache_dir: str) -> int:
    """Pages from the run's queue (flows/stream.py's PageQueue) until it says stop, each read back to the
    flow as it is done; a page that fails is tried once more, as ocr-page's retry does.
    Returns the number of pages read."""
    count = 0
    while (job := feed.take()) is not None:
        result, error = None, None
        for attempt in range(2):
            try:
                result, error = _read_page(job, engine, timeout, cache_dir), None
                break
            except Exception as exc:  # noqa: BLE001 - handed back with the page
                error = exc
                if attempt == 0:
                    time.sleep(1)
        feed.back(job, result, error)
        count += 1
    return count


@task(name="extract-dossier", cache_policy=NO_CACHE)
def extract_task(dossier_id: str, files: list[FileReading], crosscheck_engine: str | None, cache: RecordCache,
                 key: str) -> int:
    """The dossier's record, put in the cache under `key`; returns its page count (the record
    itself is read back when it is needed)."""
    from extractors.isolation import StageFailure

    try:
        record = pipeline.extract_record(dossier_id, files)
    except Exception as exc:
        raise StageFailure("extract", exc) from exc
    try:
        pipeline.crosscheck(record, crosscheck_engine)
    except Exception as exc:
        raise StageFailure("crosscheck", exc) from exc
    cache.put(key, record)
    return len(record.pages)


@task(name="judge-and-report", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def report_task(dossier_id: str, key: str, records: StoredRecords, index, ruleset, settings: RunSettings, screened_at: str,
                registry_given: bool) -> dict:
    """Judge one dossier (its record read from the cache here, dropped on return) and write
    its outputs; returns what the batch summary needs of its result."""
    from flows.outputs import judge_and_write
    from flows.result_view import summary_view

    record = records.load(dossier_id, key)
    return summary_view(judge_and_write(record, index, ruleset, settings, screened_at, registry_given))


def _bytes_of(src: Path) -> int:
    """A dossier's size on disk (a folder's files, or the archive): what reading it costs."""
    try:
        if src.is_file():
            return src.stat().st_size
        return sum(p.stat().st_size for p in src.rglob("*") if p.is_file() and not p.is_symlink())
    except OSError:
        return 0


def _failed_record(dossier_id: str, exc: BaseException, stage: str) -> DossierRecord:
    """A dossier a stage failed on as a whole (a failure of one file stays on that file)."""
    from extractors.isolation import dossier_reason

    stage, cause = stage_of(exc, stage)
    return DossierRecord(dossier_id=dossier_id, error=dossier_reason(stage, cause))


@dataclass
class _Run:
    """What every stage of one screening shares: its settings, pools and progress."""

    settings: RunSettings
    logger: Any
    times: StageTimes
    progress: BatchProgress
    local: ThreadPoolTaskRunner  # reading, extraction and judging; the flow's task runner holds the OCR
    # workers (on a Dask cluster: page OCR and extraction)
    cache: RecordCache


# Dossiers in pass 1 at once (read, not yet extracted): enough pages to keep every core
# busy, few enough that their pages and lines are a small part of memory.
CHUNK_DOSSIERS = int(os.environ.get("DOSSIER_SCREEN_CHUNK", "24"))


@flow(name="screen-batch", log_prints=False)
def screen_batch(settings: RunSettings) -> dict:
    """Pass 1 reads, OCRs and extracts the dossiers as a stream (a bounded number at once),
    each record spilled to the cache; pass 2 indexes cross-dossier facts; pass 3 judges and
    writes every dossier's outputs."""
    from extractors.ingest import list_dossiers

    screened_at = _prepare(settings)
    sources = list_dossiers(Path(settings.batch_dir))
    run = _Run(settings, get_run_logger(), StageTimes(), BatchProgress(enabled=settings.progress),
               # Judging needs the batch index, which other processes would need pickled:
               # reading and judging stay on a local thread pool.
               ThreadPoolTaskRunner(max_workers=settings.worker_count()), RecordCache(settings.cache_dir))
    run.logger.info("批次共 %d 份卷宗", len(sources))
    with run.progress, run.local:
        keys, pages, pending = _cached_records(run, sources)
        failed, ocr_images = _first_pass(run, pending, keys, pages)
        records = StoredRecords(run.cache, [(did, keys[did]) for did in keys], failed)
        index, ruleset, registry_errors = _index_stage(run, records)
        results = _report_stage(run, records, pages, index, ruleset, screened_at)
    summary = _summary_stage(run, results, index, registry_errors)
    return {"summary": summary, "times": run.times, "dossiers": len(sources), "registry_errors": registry_errors,
            "ocr_images": ocr_images}


def _prepare(settings: RunSettings) -> str:
    """Put the last complete outputs back after a killed run; point the page memo into
    OUT_DIR (it describes personal documents); the run's time stamp."""
    from reports.atomic import recover

    recover(Path(settings.out_dir))
    os.environ[page_memo.ENV] = str(settings.cache_dir / "pages")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _cached_records(run: _Run, sources: list[Path]) -> tuple[dict[str, str], dict[str, int], list]:
    """Pass 1a: every dossier's fingerprint (batch order), the page counts of the records
    already extracted from the same bytes by the same code (a resumed or incremental run
    starts here; each is read and dropped), and the dossiers still to read."""
    t0 = time.perf_counter()
    keys, pages, pending = {}, {}, []
    for did, src in zip(pipeline.dossier_ids(sources), sources):
        keys[did] = dossier_fingerprint(src, run.settings.extraction_key())
        count = run.cache.pages_of(keys[did])
        if count is not None:
            pages[did] = count
        else:
            pending.append((did, src))
    run.times.add("fingerprint", time.perf_counter() - t0)
    run.logger.info("缓存命中 %d 份，待处理 %d 份", len(pages), len(pending))
    return keys, pages, pending


def _first_pass(run: _Run, pending: list, keys: dict[str, str], pages: dict[str, int]) -> tuple[dict, list[dict]]:
    """Pass 1, streamed: each dossier read, its pages OCR'd, and extracted as soon as its
    last page is back, while other dossiers are still read or OCR'd; records go to the
    cache, page counts into `pages`. Returns the dossiers a stage failed on as a whole,
    and the OCR jobs run (image, regions)."""
    if not pending:
        return {}, []
    return _PassOne(run, pending, keys, pages).run_pass()


class _PassOne:
    """The event loop of pass 1. Tasks report back through one queue (read, ocr, extract);
    this thread alone applies what came back and hands out what is next, with
    flows/stream.py keeping the books (at most CHUNK_DOSSIERS dossiers in flight)."""

    def __init__(self, run: _Run, pending: list, keys: dict[str, str], pages: dict[str, int]):
        from flows.stream import FirstPass

        self.run, self.keys, self.pages = run, keys, pages
        self.clock = _PassClock(time.perf_counter())
        # Largest first, here and in the OCR queue: the pass then ends on short work, not on
        # one big dossier on one core while the other waits.
        self.stream = FirstPass(sorted(pending, key=lambda item: _bytes_of(item[1]), reverse=True), CHUNK_DOSSIERS)
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.failed: dict[str, DossierRecord] = {}
        self.ocr_images: list[dict] = []
        self.words: list[FileReading] = []  # Word files read and not yet sent to LibreOffice
        self.words_dossiers = 0
        progress = run.progress
        progress.plan("读取文件", len(pending))
        progress.plan("文字识别", 0, unit="页", grows=True)
        progress.plan("分类与字段抽取", len(pending))
        progress.plan("审查与输出", len(keys))
        progress.start("读取文件")

    def run_pass(self) -> tuple[dict, list[dict]]:
        handlers = {"read": self._on_read, "ocr": self._on_ocr, "extract": self._on_extract}
        self.ocr = (_OcrTasks if self.run.settings.dask_address else _OcrWorkers)(self.run, self.events)
        try:
            self._submit_reads()
            while not self.stream.done():
                kind, key, get = self.events.get()
                try:
                    value, error = get(), None
                except Exception as exc:  # noqa: BLE001 - each handler says what a failure means
                    value, error = None, exc
                if kind == "ocr-worker":
                    self.ocr.worker_ended(error)
                else:
                    handlers[kind](key, value, error)
        finally:
            self.ocr.close()
        self._convert_words()
        for stage in _PassClock.STAGES:
            self.clock.end(stage)
        self.clock.record(self.run.times)
        return self.failed, self.ocr_images

    def _on_read(self, did: str, files, error) -> None:
        self.run.progress.advance("读取文件")
        if error is not None:
            self.run.logger.warning("读取卷宗 %s 失败：%s", did, mask_text(str(error))[:200])
            self.failed[did] = _failed_record(did, error, "read")
            self.stream.read_failed(did)
            self._submit_reads()
        else:
            self.clock.pages("read", sum(len(f.pages) for f in files))
            self.words += files
            self.words_dossiers += 1
            jobs, ready = self.stream.read(did, files)
            self.ocr_images += [{"image": j.image_path, "regions": j.regions} for j in jobs]
            self.clock.pages("ocr", len(jobs))
            self.run.progress.grow("文字识别", len(jobs))
            self.ocr.put(pipeline.costliest_first(jobs))
            if ready:
                self._submit_extract(did)
        if self.stream.reading_done() or self.words_dossiers >= CHUNK_DOSSIERS:
            self._convert_words()
        if self.stream.reading_done():
            self.clock.end("read")

    def _on_ocr(self, job, result, error) -> None:
        self.run.progress.advance("文字识别")
        ready = self.stream.ocr_back(job, result, error)
        if ready:
            self._submit_extract(ready)
        if self.stream.reading_done() and not any(self.stream.owed.values()):
            self.clock.end("ocr")

    def _on_extract(self, did: str, page_count, error) -> None:
        self.run.progress.advance("分类与字段抽取")
        if error is not None:
            self.run.logger.warning("抽取卷宗 %s 失败：%s", did,
                                     mask_text("".join(traceback.format_exception(error)))[-400:])
            self.failed[did] = _failed_record(did, error, "extract")
        else:
            self.pages[did] = page_count
            self.clock.pages("extract", page_count)
        self.stream.extracted(did)
        self._submit_reads()

    def _submit_reads(self) -> None:
        s = self.run.settings
        for did, src in self.stream.next_reads():
            fut = self.run.local.submit(read_files_task, {"src": str(src), "work_dir": str(s.work_dir), "dpi": s.dpi})
            fut.add_done_callback(lambda f, did=did: self.events.put(("read", did, f.result)))

    def _submit_extract(self, did: str) -> None:
        """Extraction of a dossier whose pages are all read. On a Dask cluster it runs on a
        worker (its pages go out, the record goes to the cache there, a page count comes
        back); on this machine, on the local pool: the flow's threads are the OCR workers'."""
        s = self.run.settings
        params = {"dossier_id": did, "files": self.stream.take(did), "crosscheck_engine": s.crosscheck_engine,
                  "cache": self.run.cache, "key": self.keys[did]}
        # (Not quote()d: a quoted argument reaches a Dask worker still wrapped.)
        fut = extract_task.submit(**params) if s.dask_address else self.run.local.submit(extract_task, params)
        fut.add_done_callback(lambda f: self.events.put(("extract", did, f.result)))

    def _convert_words(self) -> None:
        """The Word files read so far go to LibreOffice in one call, in the background, while
        the rest of the run goes on: judging then finds their page images converted."""
        if self.words:
            from reports.word_pages import start_word_conversion

            start_word_conversion(self.words, self.run.settings.cache_dir / "word_pdf")
        self.words, self.words_dossiers = [], 0


class _PassClock:
    """Pass 1's stages overlap: each is timed from the end of the one before to its own end
    (so the stages' seconds add up to the pass), with the pages it handled."""

    STAGES = ("read", "ocr", "extract")

    def __init__(self, t0: float):
        self.t0 = t0
        self.ends: dict[str, float] = {}
        self.counts = dict.fromkeys(self.STAGES, 0)

    def pages(self, stage: str, n: int) -> None:
        self.counts[stage] += n

    def end(self, stage: str) -> None:
        self.ends.setdefault(stage, time.perf_counter())

    def record(self, times: StageTimes) -> None:
        last = self.t0
        for stage in self.STAGES:
            end = max(self.ends.get(stage, last), last)
            times.add(stage, end - last, self.counts[stage])
            last = end


class _OcrWorkers:
    """OCR on this machine: one long task per core takes pages from one queue
    (flows/stream.py's PageQueue), largest first. A task run per page would cost Prefect's
    API server more than a small page's reading (its states and events); the pages are
    still read one at a time per core."""

    def __init__(self, run: _Run, events: queue.SimpleQueue):
        from flows.stream import PageQueue

        s = run.settings
        self.pages = PageQueue(events)
        self._closing = False
        self.alive = s.worker_count()
        self._workers = [ocr_worker_task.submit(n, quote(self.pages), s.ocr_engine, s.ocr_timeout, str(s.cache_dir / "ocr"))
                         for n in range(1, s.worker_count() + 1)]
        for fut in self._workers:
            fut.add_done_callback(lambda f: events.put(("ocr-worker", None, f.result)))

    def put(self, jobs: list) -> None:
        self.pages.put(jobs)
        if self.alive <= 0:
            self.pages.fail_queued(RuntimeError("no OCR worker left"))

    def worker_ended(self, error: Exception | None) -> None:
        """A worker stopped before the pass told it to (its task run failed): when none is
        left, the pages still queued fail with a reason instead of waiting for ever."""
        if self._closing:
            return
        self.alive -= 1
        if self.alive <= 0:
            self.pages.fail_queued(error or RuntimeError("OCR worker ended"))

    def close(self) -> None:
        self._closing = True
        self.pages.stop(len(self._workers))
        for fut in self._workers:
            try:
                fut.wait()
            except Exception:  # noqa: BLE001 - what it read is already back
                pass


class _OcrTasks:
    """OCR on a Dask cluster: a task per page, which goes to any worker."""

    def __init__(self, run: _Run, events: queue.SimpleQueue):
        self._run = run
        self._events = events

    def put(self, jobs: list) -> None:
        s = self._run.settings
        for job in jobs:
            fut = ocr_page_task.submit(job, s.ocr_engine, s.ocr_timeout, str(s.cache_dir / "ocr"))
            fut.add_done_callback(lambda f, job=job: self._events.put(("ocr", job, f.result)))

    def worker_ended(self, error) -> None:
        pass

    def close(self) -> None:
        pass


def _index_stage(run: _Run, records: StoredRecords):
    """Pass 2: the batch index (people, accounts, image hashes, registry) and the rule set,
    built from the records read back one at a time."""
    from validators.batch_index import build_index
    from validators.registry import load_registry
    from flows import casestore
    from validators.ruleset import load_ruleset

    t0 = time.perf_counter()
    registry_rows, registry_errors = [], []
    if run.settings.registry:
        registry_rows, registry_errors = load_registry(Path(run.settings.registry))
        for err in registry_errors:
            run.logger.warning("登记名册：%s", mask_text(err))
    index = build_index(records, registry_rows, workers=run.settings.worker_count())
    ruleset = load_ruleset(pipeline.parse_as_of(run.settings.as_of))
    # the case store's earlier dossiers (--store); it needs only the dossier ids
    casestore.attach(run.settings, index, [DossierRecord(dossier_id=did) for did in records.ids])
    run.times.add("index", time.perf_counter() - t0)
    return index, ruleset, registry_errors


def _report_stage(run: _Run, records: StoredRecords, pages: dict[str, int], index, ruleset, screened_at: str) -> dict[str, dict]:
    """Pass 3: judge each dossier and write its outputs; a dossier whose judging or writing
    fails as a whole still gets outputs that name the stage and list its files. Keeps of
    each result what the summary needs."""
    t0 = time.perf_counter()
    run.progress.stage("审查与输出", len(records))
    s = run.settings
    # quote(): the index is large; Prefect would otherwise walk it looking for upstream
    # futures on every submission. Each task reads its own record: what is submitted and
    # what comes back stays small whatever the batch.
    shared = {"records": quote(records), "index": quote(index), "ruleset": quote(ruleset), "settings": s,
              "screened_at": screened_at, "registry_given": bool(s.registry)}
    futures = {run.local.submit(report_task, {"dossier_id": did, "key": key, **shared}): did
               for did, key in sorted(records.keys, key=lambda dk: pages.get(dk[0], 0), reverse=True)}
    results = {}
    for fut in as_completed(list(futures)):
        did = futures[fut]
        try:
            results[did] = fut.result()
        except Exception as exc:
            from flows.outputs import write_failed_dossier
            from flows.result_view import summary_view

            run.logger.error("输出卷宗 %s 失败：%s", did, mask_text(traceback.format_exc())[-400:])
            results[did] = summary_view(write_failed_dossier(did, exc, s, screened_at, ruleset.name,
                                                             record=records.load(did, records.key_of(did))))
        run.progress.advance()
    run.times.add("report", time.perf_counter() - t0)
    return results


def _summary_stage(run: _Run, results: dict[str, dict], index, registry_errors: list[str]) -> list[dict]:
    from flows import casestore
    from flows.outputs import write_batch_outputs
    from flows.result_view import WrittenResults

    t0 = time.perf_counter()
    summary = write_batch_outputs([results[d] for d in sorted(results)], Path(run.settings.out_dir), registry_errors,
                                  batch=Path(run.settings.batch_dir).name)
    # the store keeps whole results: each is read back from its result.json in turn
    casestore.record(run.settings, index, WrittenResults(Path(run.settings.out_dir), list(results)))
    run.times.add("summary", time.perf_counter() - t0)
    _publish_artifact(summary)
    return summary


def _publish_artifact(summary: list[dict]) -> None:
    """A batch table in Prefect: no names of people, no ID or account numbers."""
    rows = [
        {
            "卷宗": s.get("dossier_id"),
            "建议": s.get("recommendation"),
            "高风险疑点": s.get("flags_high", 0),
            "未通过条款": ",".join(s.get("failed_rules", [])),
        }
        for s in summary
    ]
    try:
        create_table_artifact(key="screening-batch", table=rows, description="技师工作站申报材料筛查结果（已脱敏）")
    except Exception:
        pass
