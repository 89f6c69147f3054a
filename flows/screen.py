"""The batch screening flow: the only place that wires steps with Prefect.

Pass 1 reads and extracts every dossier (page OCR fanned out over the task runner);
pass 2 indexes cross-dossier facts; pass 3 judges and writes every dossier's outputs.
"""
from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from extractors import page_memo
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
def ocr_page_task(job: pipeline.OcrJob, engine: str, timeout: float, cache_dir: str):
    from extractors.ocr import ocr_page

    return ocr_page(job.image_path, engine=engine, timeout=timeout, cache_dir=Path(cache_dir))


@task(name="extract-dossier", cache_policy=NO_CACHE)
def extract_task(dossier_id: str, files: list[FileReading], crosscheck_engine: str | None) -> DossierRecord:
    record = pipeline.extract_record(dossier_id, files)
    pipeline.crosscheck_identifiers(record, crosscheck_engine)
    pipeline.crosscheck_dates(record, crosscheck_engine)
    pipeline.crosscheck_text_layers(record, crosscheck_engine)
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


def _failed_record(dossier_id: str, exc: BaseException) -> DossierRecord:
    record = DossierRecord(dossier_id=dossier_id)
    record.error = f"本卷宗处理失败：{type(exc).__name__}: {mask_text(str(exc))[:300]}"
    return record


@flow(name="screen-batch", log_prints=False)
def screen_batch(settings: RunSettings) -> dict:
    from extractors.ingest import list_dossiers
    from validators.batch_index import build_index
    from validators.registry import load_registry
    from validators.ruleset import load_ruleset

    logger = get_run_logger()
    times = StageTimes()
    out_dir = Path(settings.out_dir)
    from reports.atomic import recover

    recover(out_dir)  # a run killed mid-swap leaves .old / .tmp folders: put the last complete outputs back
    # Seal finding, error levels, image fingerprints: memoised per page image, inside OUT_DIR
    # (they describe personal documents), so a re-run or an added dossier redoes only new pages.
    os.environ[page_memo.ENV] = str(settings.cache_dir / "pages")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    as_of = pipeline.parse_as_of(settings.as_of)
    screened_at = datetime.now().astimezone().isoformat(timespec="seconds")
    sources = list_dossiers(Path(settings.batch_dir))
    logger.info("批次共 %d 份卷宗", len(sources))
    cache = RecordCache(settings.cache_dir)
    progress = BatchProgress(enabled=settings.progress)
    # Page OCR runs on the flow's task runner (threads here, or a Dask cluster); the
    # per-dossier stages stay on a local thread pool: their inputs (records, the batch index
    # with OpenCV keypoints) are large and not all picklable for other processes.
    local = ThreadPoolTaskRunner(max_workers=settings.worker_count())
    q = quote  # spares Prefect walking large inputs for futures on every submission
    records: dict[str, DossierRecord] = {}

    with progress, local:
        # Pass 1a: fingerprints and cached records (a resumed or incremental run starts here).
        t0 = time.perf_counter()
        keys = {}
        pending = []
        for src in sources:
            did = pipeline.dossier_id_of(src)
            keys[did] = dossier_fingerprint(src, settings.extraction_key())
            cached = cache.get(keys[did])
            if cached is not None:
                records[did] = cached
            else:
                pending.append((did, src))
        times.add("fingerprint", time.perf_counter() - t0)
        logger.info("缓存命中 %d 份，待处理 %d 份", len(records), len(pending))

        # Pass 1b: read every file of the pending dossiers.
        t0 = time.perf_counter()
        progress.stage("读取文件", len(pending))
        # Largest first, here and below: the pool's last task is then a short one, not one
        # big dossier on one core while the others wait for the next stage.
        pending.sort(key=lambda item: _bytes_of(item[1]), reverse=True)
        read_futures = {local.submit(read_files_task, {"src": str(src), "work_dir": str(settings.work_dir), "dpi": settings.dpi}): did
                        for did, src in pending}
        files_of: dict[str, list[FileReading]] = {}
        for fut in as_completed(list(read_futures)):
            did = read_futures[fut]
            try:
                files_of[did] = fut.result()
            except Exception as exc:
                logger.warning("读取卷宗 %s 失败：%s", did, mask_text(str(exc))[:200])
                records[did] = _failed_record(did, exc)
            progress.advance()
        times.add("read", time.perf_counter() - t0, sum(len(f.pages) for fs in files_of.values() for f in fs))

        # Pass 1c: OCR every page that needs it, across all dossiers at once.
        t0 = time.perf_counter()
        jobs = [j for did, fs in files_of.items() for j in pipeline.ocr_jobs(did, fs)]
        ocr_images = [j.image_path for j in jobs]
        progress.stage("文字识别", len(jobs), unit="页")
        pages_by_key = {(did, f.file, p.page): p for did, fs in files_of.items() for f in fs for p in f.pages}
        ocr_futures = {ocr_page_task.submit(j, settings.ocr_engine, settings.ocr_timeout, str(settings.cache_dir / "ocr")): j for j in jobs}
        for fut in as_completed(list(ocr_futures)):
            job = ocr_futures[fut]
            try:
                pipeline.apply_ocr(pages_by_key[(job.dossier_id, job.file, job.page)], fut.result())
            except Exception as exc:
                page = pages_by_key[(job.dossier_id, job.file, job.page)]
                if page.needs_ocr:
                    page.error = f"文字识别失败：{type(exc).__name__}"
            progress.advance()
        times.add("ocr", time.perf_counter() - t0, len(jobs))

        # Pass 1d: classify, extract, assemble, cross-check critical identifiers.
        t0 = time.perf_counter()
        progress.stage("分类与字段抽取", len(files_of))
        by_pages = sorted(files_of.items(), key=lambda kv: sum(len(f.pages) for f in kv[1]), reverse=True)
        ext_futures = {local.submit(extract_task, {"dossier_id": did, "files": q(fs), "crosscheck_engine": settings.crosscheck_engine}): did
                       for did, fs in by_pages}
        for fut in as_completed(list(ext_futures)):
            did = ext_futures[fut]
            try:
                records[did] = fut.result()
                cache.put(keys[did], records[did])
            except Exception as exc:
                logger.warning("抽取卷宗 %s 失败：%s", did, mask_text(traceback.format_exc())[-400:])
                records[did] = _failed_record(did, exc)
            progress.advance()
        times.add("extract", time.perf_counter() - t0, sum(len(f.pages) for fs in files_of.values() for f in fs))

        # Pass 2: the batch index (people, accounts, image hashes, registry).
        t0 = time.perf_counter()
        registry_rows, registry_errors = ([], [])
        if settings.registry:
            registry_rows, registry_errors = load_registry(Path(settings.registry))
            for err in registry_errors:
                logger.warning("登记名册：%s", mask_text(err))
        ordered = [records[pipeline.dossier_id_of(s)] for s in sources if pipeline.dossier_id_of(s) in records]
        index = build_index(ordered, registry_rows, workers=settings.worker_count())
        ruleset = load_ruleset(as_of)
        from flows import casestore

        casestore.attach(settings, index, ordered)  # the case store's earlier dossiers (--store)
        times.add("index", time.perf_counter() - t0)

        # Pass 3: judge and write each dossier's outputs.
        t0 = time.perf_counter()
        progress.stage("审查与输出", len(ordered))
        # quote(): records and the index are large; Prefect would otherwise walk them looking
        # for upstream futures on every submission.
        rep_futures = {local.submit(report_task, {"record": q(r), "index": q(index), "ruleset": q(ruleset), "settings": settings,
                                                  "screened_at": screened_at, "registry_given": bool(settings.registry)}): r.dossier_id
                       for r in sorted(ordered, key=lambda r: len(r.pages), reverse=True)}
        results = {}
        for fut in as_completed(list(rep_futures)):
            did = rep_futures[fut]
            try:
                results[did] = fut.result()
            except Exception as exc:
                logger.error("输出卷宗 %s 失败：%s", did, mask_text(traceback.format_exc())[-400:])
                from flows.outputs import write_failed_dossier

                results[did] = write_failed_dossier(did, exc, settings, screened_at, ruleset.name)
            progress.advance()
        times.add("report", time.perf_counter() - t0)

    from flows.outputs import write_batch_outputs

    t0 = time.perf_counter()
    summary = write_batch_outputs([results[d] for d in sorted(results)], out_dir, registry_errors)
    casestore.record(settings, index, results)
    times.add("summary", time.perf_counter() - t0)
    _publish_artifact(summary)
    return {"summary": summary, "times": times, "dossiers": len(sources), "registry_errors": registry_errors,
            "ocr_images": ocr_images}


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
