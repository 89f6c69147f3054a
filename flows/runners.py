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


def run_screen(settings: RunSettings) -> dict:
    from flows import api_server
    from flows.screen import screen_batch

    api_server.wait_for_started()
    return screen_batch.with_options(task_runner=task_runner_for(settings))(settings)
