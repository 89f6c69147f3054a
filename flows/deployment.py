"""The same screening flow, run by a persistent Prefect server through a process work pool.

For a bureau that screens all year, or a city that screens thousands of dossiers: one
`prefect server` keeps the run history, `prefect worker start --pool POOL` processes pick up
runs, and `dossier-screen screen … --deployment` (or the Prefect UI) submits them.

The deployment's entrypoint takes plain parameters (paths, dates, engine names) rather than
RunSettings, so a run can be started from the UI or the REST API too.
"""
from __future__ import annotations

import json
from pathlib import Path

from prefect import flow

from flows.code_digest import ROOT

FLOW_NAME = "screen-batch-deployed"
DEFAULT_DEPLOYMENT = "dossier-screen"


@flow(name=FLOW_NAME, log_prints=False)
def screen_batch_deployed(batch_dir: str, out_dir: str, as_of: str, registry: str | None = None,
                          intake_date: str | None = None, engine: str = "rapidocr", crosscheck: bool = True,
                          ocr_timeout: float = 60.0, workers: int = 0, dask_address: str | None = None) -> list[dict]:
    """Screen BATCH_DIR into OUT_DIR on the worker's machine; returns the masked batch table."""
    from flows.runners import run_screen
    from flows.settings import RunSettings, crosscheck_engine_for

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    settings = RunSettings(
        batch_dir=batch_dir, out_dir=out_dir, as_of=as_of, registry=registry, intake_date=intake_date,
        ocr_engine=engine, crosscheck_engine=crosscheck_engine_for(engine) if crosscheck else None,
        ocr_timeout=ocr_timeout, workers=workers, dask_address=dask_address, progress=False,
    )
    return run_screen(settings)["summary"]


def deploy(pool: str, name: str = DEFAULT_DEPLOYMENT) -> str:
    """Register the deployment on the server in PREFECT_API_URL; returns its id.

    The code is loaded from this checkout (a process worker on the same machine, or one that
    mounts the same path), so no image or remote storage is needed."""
    remote = screen_batch_deployed.from_source(source=str(ROOT), entrypoint="flows/deployment.py:screen_batch_deployed")
    deployment_id = remote.deploy(name=name, work_pool_name=pool, print_next_steps=False)
    return str(deployment_id)


def run_deployed(parameters: dict, name: str = DEFAULT_DEPLOYMENT, timeout: float | None = None) -> tuple[str, list[dict]]:
    """Submit one run to the deployment and wait for it: (final state name, batch table)."""
    from prefect.deployments import run_deployment

    run = run_deployment(name=f"{FLOW_NAME}/{name}", parameters=parameters, timeout=timeout)
    summary_file = Path(parameters["out_dir"]) / "summary.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8")).get("dossiers", []) if summary_file.is_file() else []
    return (run.state.name if run.state else "Unknown"), summary
