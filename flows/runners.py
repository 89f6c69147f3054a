"""Choosing where tasks run: the local thread pool by default, a Dask cluster on request."""
from __future__ import annotations

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
WARM_MODULES = (
    "prefect.flow_engine", "prefect.task_engine", "prefect.concurrency.v1.sync", "prefect.telemetry.run_telemetry",
    "extractors.ingest", "flows.casestore", "validators.registry", "validators.ruleset", "validators.batch_index",
    "flows.outputs", "reports.summary",
)


def run_screen(settings: RunSettings) -> dict:
    from flows import api_server
    from flows.screen import screen_batch

    api_server.wait_for_started(WARM_MODULES)
    return screen_batch.with_options(task_runner=task_runner_for(settings))(settings)
