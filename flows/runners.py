"""Choosing where tasks run: the local thread pool by default, a Dask cluster on request."""
from __future__ import annotations

from pathlib import Path

from flows.settings import RunSettings


def task_runner_for(settings: RunSettings):
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    from prefect.task_runners import ThreadPoolTaskRunner

    # Both engines leave the GIL during recognition (Tesseract is a subprocess, ONNX Runtime
    # releases it), so threads keep every core busy at ~10 ms per task.
    return ThreadPoolTaskRunner(max_workers=settings.worker_count())


# What a screening imports after its first call to the API (Prefect's engine, the stages'
# modules): imported while the temporary server boots, on the core it leaves idle.
# Most needed first: the server may be up before the list is through.
WARM_MODULES = (
    "prefect.flow_engine", "prefect.task_engine", "prefect.concurrency.v1.sync", "prefect.telemetry.run_telemetry",
    "fastapi.encoders", "prefect.utilities.visualization",
    "extractors.ingest", "docx", "extractors.assemble", "extractors.fields", "validators.flags.documents",
    "flows.casestore", "validators.registry", "validators.ruleset", "validators.batch_index",
    "scipy.fftpack",  # imagehash's phash imports it at the first page it hashes
    "validators.judge", "reports.worksheet", "reports.review_html", "flows.outputs", "reports.summary",
)


def _dossiers_to_read(settings: RunSettings) -> bool:
    """Whether any dossier of the batch lacks a cached record (what the flow's first stage
    finds out again): only then will pages be OCR'd."""
    from extractors.ingest import list_dossiers
    from flows.fingerprint import RecordCache, dossier_fingerprint

    cache, key = RecordCache(settings.cache_dir), settings.extraction_key()
    return any(cache.pages_of(dossier_fingerprint(src, key)) is None for src in list_dossiers(Path(settings.batch_dir)))


def _warm_ocr(settings: RunSettings) -> None:
    """The OCR engines the run's threads will use, loaded in the background while the
    temporary server boots, when some dossier is still to be read (not for a cached re-run
    or an empty batch folder)."""
    if settings.ocr_engine != "rapidocr" or settings.dask_address:
        return
    import threading

    def load() -> None:
        try:
            if _dossiers_to_read(settings):
                from extractors.ocr import rapid

                rapid.warm(settings.worker_count())
        except Exception:  # noqa: BLE001 - the first page loads its engine and reports what fails
            pass

    threading.Thread(target=load, name="warm-ocr", daemon=True).start()


def run_screen(settings: RunSettings) -> dict:
    from flows import api_server
    from flows.screen import screen_batch

    _warm_ocr(settings)
    api_server.wait_for_started(WARM_MODULES)
    return screen_batch.with_options(task_runner=task_runner_for(settings))(settings)
