"""The batch screening flow: the only place that wires steps with Prefect.

`screen_batch` reads as its stages: cached records, reading, OCR, extraction, the batch
index, judging and outputs, the summary. Each stage is a short function below that submits
the plain steps (flows/pipeline.py names them) and returns what it produced.

Memory held does not grow with the batch beyond a small summary of each dossier: dossiers go
through reading, OCR and extraction a chunk at a time, each extracted record is spilled to
the record cache (flows/fingerprint.py) and read back one at a time by the batch index and
by judging; a judged dossier leaves only what the summary needs (flows/result_view.py).
"""
from __future__ import annotations

import os
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


@task(name="ocr-page", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1,
      task_run_name="ocr-{job.dossier_id}-p{job.page}")
def ocr_page_task(job, engine: str, timeout: float, cache_dir: str):
    from extractors.ocr import ocr_page, ocr_regions

    if job.regions:
        return ocr_regions(job.image_path, job.regions, engine=engine, timeout=timeout, cache_dir=Path(cache_dir))
    return ocr_page(job.image_path, engine=engine, timeout=timeout, cache_dir=Path(cache_dir))


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
    local: ThreadPoolTaskRunner  # reading and judging; page OCR and extraction use the flow's task runner
    cache: RecordCache


# Dossiers read, OCR'd and extracted together: enough pages to keep every core busy in the
# OCR stage, few enough that a chunk's pages and lines are a small part of memory.
CHUNK_DOSSIERS = int(os.environ.get("DOSSIER_SCREEN_CHUNK", "24"))


@flow(name="screen-batch", log_prints=False)
def screen_batch(settings: RunSettings) -> dict:
    """Pass 1 reads and extracts the dossiers a chunk at a time (page OCR fanned out over the
    task runner), each record spilled to the cache; pass 2 indexes cross-dossier facts;
    pass 3 judges and writes every dossier's outputs."""
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
        failed, ocr_images = _extract_in_chunks(run, pending, keys, pages)
        records = StoredRecords(run.cache, [(did, keys[did]) for did in keys], failed)
        index, ruleset, registry_errors = _index_stage(run, records)
        results = _report_stage(run, records, pages, index, ruleset, screened_at)
    summary = _summary_stage(run, results, index, registry_errors)
    return {"summary": summary, "times": run.times, "dossiers": len(sources), "registry_errors": registry_errors,
            "ocr_images": ocr_images}


def _extract_in_chunks(run: _Run, pending: list, keys: dict[str, str], pages: dict[str, int]) -> tuple[dict, list[dict]]:
    """Pass 1, CHUNK_DOSSIERS dossiers at a time: read, OCR, extract (records go to the
    cache). Returns the dossiers a stage failed on as a whole, and the OCR jobs run (image, regions)."""
    run.progress.plan("读取文件", len(pending))
    run.progress.plan("文字识别", 0, unit="页", grows=True)
    run.progress.plan("分类与字段抽取", len(pending))
    run.progress.plan("审查与输出", len(keys))
    failed, ocr_images = {}, []
    for start in range(0, len(pending), max(1, CHUNK_DOSSIERS)):
        files_of, unread = _read_stage(run, pending[start:start + CHUNK_DOSSIERS])
        ocr_images += _ocr_stage(run, files_of)
        failed.update(unread)
        failed.update(_extract_stage(run, files_of, keys, pages))
        del files_of  # the chunk's pages and lines: its records are in the cache now
    return failed, ocr_images


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
    for src in sources:
        did = pipeline.dossier_id_of(src)
        keys[did] = dossier_fingerprint(src, run.settings.extraction_key())
        count = run.cache.pages_of(keys[did])
        if count is not None:
            pages[did] = count
        else:
            pending.append((did, src))
    run.times.add("fingerprint", time.perf_counter() - t0)
    run.logger.info("缓存命中 %d 份，待处理 %d 份", len(pages), len(pending))
    return keys, pages, pending


def _read_stage(run: _Run, pending: list) -> tuple[dict[str, list[FileReading]], dict[str, DossierRecord]]:
    """Pass 1b: every file of the pending dossiers read into pages. A file's failure stays
    on that file; a dossier that cannot be read at all becomes a failed record."""
    t0 = time.perf_counter()
    run.progress.stage("读取文件", len(pending))
    # Largest first, here and below: the pool's last task is then a short one, not one
    # big dossier on one core while the others wait for the next stage.
    pending = sorted(pending, key=lambda item: _bytes_of(item[1]), reverse=True)
    futures = {run.local.submit(read_files_task, {"src": str(src), "work_dir": str(run.settings.work_dir), "dpi": run.settings.dpi}): did
               for did, src in pending}
    files_of, failed = {}, {}
    for fut in as_completed(list(futures)):
        did = futures[fut]
        try:
            files_of[did] = fut.result()
        except Exception as exc:
            run.logger.warning("读取卷宗 %s 失败：%s", did, mask_text(str(exc))[:200])
            failed[did] = _failed_record(did, exc, "read")
        run.progress.advance()
    run.times.add("read", time.perf_counter() - t0, sum(len(f.pages) for fs in files_of.values() for f in fs))
    return files_of, failed


def _ocr_stage(run: _Run, files_of: dict[str, list[FileReading]]) -> list[dict]:
    """Pass 1c: OCR every page that needs it, across all dossiers at once; each result is
    put on its page (a failed page keeps its reason). Returns what was read: each image,
    with the regions read when only those were (a text-layer check)."""
    t0 = time.perf_counter()
    jobs = pipeline.costliest_first([j for did, fs in files_of.items() for j in pipeline.ocr_jobs(did, fs)])
    run.progress.stage("文字识别", len(jobs), unit="页")
    pages = {(did, f.file, p.page): p for did, fs in files_of.items() for f in fs for p in f.pages}
    s = run.settings
    futures = {ocr_page_task.submit(j, s.ocr_engine, s.ocr_timeout, str(s.cache_dir / "ocr")): j for j in jobs}
    for fut in as_completed(list(futures)):
        job = futures[fut]
        page = pages[(job.dossier_id, job.file, job.page)]
        try:
            pipeline.apply_ocr(page, fut.result())
        except Exception as exc:
            if page.needs_ocr:
                page.error = f"文字识别失败：{type(exc).__name__}"
        run.progress.advance()
    run.times.add("ocr", time.perf_counter() - t0, len(jobs))
    return [{"image": j.image_path, "regions": j.regions} for j in jobs]


def _extract_stage(run: _Run, files_of: dict[str, list[FileReading]], keys: dict[str, str],
                   pages: dict[str, int]) -> dict[str, DossierRecord]:
    """Pass 1d: classify, extract, assemble and cross-check each dossier of the chunk; each
    record is cached under its fingerprint and its page count noted in `pages`. Returns the
    dossiers that failed as a whole."""
    t0 = time.perf_counter()
    run.progress.stage("分类与字段抽取", len(files_of))
    # The chunk's Word files go to LibreOffice in one call, in the background, while the
    # rest of the run goes on: judging then finds their page images converted.
    from reports.word_pages import start_word_conversion

    start_word_conversion([f for fs in files_of.values() for f in fs], run.settings.cache_dir / "word_pdf")
    by_pages = sorted(files_of.items(), key=lambda kv: sum(len(f.pages) for f in kv[1]), reverse=True)
    # On the flow's task runner, as page OCR: on a Dask cluster each dossier is extracted on a
    # worker (its pages go out, the record goes to the cache there, a page count comes back).
    # (Not quote()d: a quoted argument reaches a Dask worker still wrapped.)
    futures = {extract_task.submit(did, fs, run.settings.crosscheck_engine, run.cache, keys[did]): did
               for did, fs in by_pages}
    failed = {}
    for fut in as_completed(list(futures)):
        did = futures[fut]
        try:
            pages[did] = fut.result()
        except Exception as exc:
            run.logger.warning("抽取卷宗 %s 失败：%s", did, mask_text(traceback.format_exc())[-400:])
            failed[did] = _failed_record(did, exc, "extract")
        run.progress.advance()
    run.times.add("extract", time.perf_counter() - t0, sum(len(f.pages) for fs in files_of.values() for f in fs))
    return failed


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
