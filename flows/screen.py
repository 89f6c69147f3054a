"""The batch screening flow: the only place that wires steps with Prefect.

`screen_batch` reads as its stages: cached records, reading, OCR, extraction, the batch
index, judging and outputs, the summary. Each stage is a short function below that submits
the plain steps (flows/pipeline.py names them) and returns what it produced.
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
from flows.fingerprint import RecordCache, dossier_fingerprint
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
def extract_task(dossier_id: str, files: list[FileReading], crosscheck_engine: str | None) -> DossierRecord:
    from extractors.isolation import StageFailure

    try:
        record = pipeline.extract_record(dossier_id, files)
    except Exception as exc:
        raise StageFailure("extract", exc) from exc
    try:
        pipeline.crosscheck(record, crosscheck_engine)
    except Exception as exc:
        raise StageFailure("crosscheck", exc) from exc
    return record


@task(name="judge-and-report", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def report_task(record: DossierRecord, index, ruleset, settings: RunSettings, screened_at: str, registry_given: bool) -> dict:
    from flows.outputs import judge_and_write

    return judge_and_write(record, index, ruleset, settings, screened_at, registry_given)


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
    local: ThreadPoolTaskRunner  # per-dossier stages; page OCR uses the flow's task runner
    cache: RecordCache


@flow(name="screen-batch", log_prints=False)
def screen_batch(settings: RunSettings) -> dict:
    """Pass 1 reads and extracts every dossier (page OCR fanned out over the task runner);
    pass 2 indexes cross-dossier facts; pass 3 judges and writes every dossier's outputs."""
    from extractors.ingest import list_dossiers

    screened_at = _prepare(settings)
    sources = list_dossiers(Path(settings.batch_dir))
    run = _Run(settings, get_run_logger(), StageTimes(), BatchProgress(enabled=settings.progress),
               # Other processes would need the records and the index (OpenCV keypoints)
               # pickled: the per-dossier stages stay on a local thread pool.
               ThreadPoolTaskRunner(max_workers=settings.worker_count()), RecordCache(settings.cache_dir))
    run.logger.info("批次共 %d 份卷宗", len(sources))
    with run.progress, run.local:
        cached, pending, keys = _cached_records(run, sources)
        files_of, unread = _read_stage(run, pending)
        ocr_images = _ocr_stage(run, files_of)
        extracted = _extract_stage(run, files_of, keys)
        records = {**cached, **unread, **extracted}
        ordered = [records[did] for did in map(pipeline.dossier_id_of, sources) if did in records]
        index, ruleset, registry_errors = _index_stage(run, ordered)
        results = _report_stage(run, ordered, index, ruleset, screened_at)
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


def _cached_records(run: _Run, sources: list[Path]) -> tuple[dict, list, dict]:
    """Pass 1a: records already extracted from the same bytes by the same code (a resumed
    or incremental run starts here), the dossiers still to read, and every fingerprint."""
    t0 = time.perf_counter()
    cached, pending, keys = {}, [], {}
    for src in sources:
        did = pipeline.dossier_id_of(src)
        keys[did] = dossier_fingerprint(src, run.settings.extraction_key())
        record = run.cache.get(keys[did])
        if record is not None:
            cached[did] = record
        else:
            pending.append((did, src))
    run.times.add("fingerprint", time.perf_counter() - t0)
    run.logger.info("缓存命中 %d 份，待处理 %d 份", len(cached), len(pending))
    return cached, pending, keys


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
    jobs = [j for did, fs in files_of.items() for j in pipeline.ocr_jobs(did, fs)]
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


def _extract_stage(run: _Run, files_of: dict[str, list[FileReading]], keys: dict[str, str]) -> dict[str, DossierRecord]:
    """Pass 1d: classify, extract, assemble and cross-check each dossier; each record is
    cached under its fingerprint."""
    t0 = time.perf_counter()
    run.progress.stage("分类与字段抽取", len(files_of))
    by_pages = sorted(files_of.items(), key=lambda kv: sum(len(f.pages) for f in kv[1]), reverse=True)
    futures = {run.local.submit(extract_task, {"dossier_id": did, "files": quote(fs), "crosscheck_engine": run.settings.crosscheck_engine}): did
               for did, fs in by_pages}
    records = {}
    for fut in as_completed(list(futures)):
        did = futures[fut]
        try:
            records[did] = fut.result()
            run.cache.put(keys[did], records[did])
        except Exception as exc:
            run.logger.warning("抽取卷宗 %s 失败：%s", did, mask_text(traceback.format_exc())[-400:])
            records[did] = _failed_record(did, exc, "extract")
        run.progress.advance()
    run.times.add("extract", time.perf_counter() - t0, sum(len(f.pages) for fs in files_of.values() for f in fs))
    return records


def _index_stage(run: _Run, ordered: list[DossierRecord]):
    """Pass 2: the batch index (people, accounts, image hashes, registry) and the rule set."""
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
    index = build_index(ordered, registry_rows, workers=run.settings.worker_count())
    ruleset = load_ruleset(pipeline.parse_as_of(run.settings.as_of))
    casestore.attach(run.settings, index, ordered)  # the case store's earlier dossiers (--store)
    run.times.add("index", time.perf_counter() - t0)
    return index, ruleset, registry_errors


def _report_stage(run: _Run, ordered: list[DossierRecord], index, ruleset, screened_at: str) -> dict[str, dict]:
    """Pass 3: judge each dossier and write its outputs; a dossier whose judging or writing
    fails as a whole still gets outputs that name the stage and list its files."""
    from flows.outputs import write_failed_dossier

    t0 = time.perf_counter()
    run.progress.stage("审查与输出", len(ordered))
    s = run.settings
    # quote(): records and the index are large; Prefect would otherwise walk them looking
    # for upstream futures on every submission.
    futures = {run.local.submit(report_task, {"record": quote(r), "index": quote(index), "ruleset": quote(ruleset), "settings": s,
                                              "screened_at": screened_at, "registry_given": bool(s.registry)}): r
               for r in sorted(ordered, key=lambda r: len(r.pages), reverse=True)}
    results = {}
    for fut in as_completed(list(futures)):
        record = futures[fut]
        try:
            results[record.dossier_id] = fut.result()
        except Exception as exc:
            run.logger.error("输出卷宗 %s 失败：%s", record.dossier_id, mask_text(traceback.format_exc())[-400:])
            results[record.dossier_id] = write_failed_dossier(record.dossier_id, exc, s, screened_at, ruleset.name, record=record)
        run.progress.advance()
    run.times.add("report", time.perf_counter() - t0)
    return results


def _summary_stage(run: _Run, results: dict[str, dict], index, registry_errors: list[str]) -> list[dict]:
    from flows import casestore
    from flows.outputs import write_batch_outputs

    t0 = time.perf_counter()
    summary = write_batch_outputs([results[d] for d in sorted(results)], Path(run.settings.out_dir), registry_errors,
                                  batch=Path(run.settings.batch_dir).name)
    casestore.record(run.settings, index, results)
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
