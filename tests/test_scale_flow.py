"""The flow at scale, on a small batch of Word-form dossiers (read without OCR, so each run
takes seconds): screening with at most 2 dossiers in flight gives the results of screening all at once, and a run
killed part-way resumes to the results of an uninterrupted one."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sample_dossiers.generator.bulk import generate_bulk
from tests.conftest import ROOT

COUNT = 5


def _comparable(out: Path) -> dict:
    """Every dossier's result.json but its time stamp, and summary.json's rows."""
    results = {}
    for path in sorted(_written(out)):
        result = json.loads(path.read_text(encoding="utf-8"))
        result.pop("screened_at")
        results[path.parent.name] = result
    results["summary"] = json.loads((out / "summary.json").read_text(encoding="utf-8"))["dossiers"]
    return results


def _written(out: Path) -> dict[Path, int]:
    """Each dossier's written result.json (not one still being written) and its mtime."""
    return {p: p.stat().st_mtime_ns for p in out.glob("*/result.json") if "." not in p.parent.name}


def _run(batch: Path, out: Path, chunk: int, home: Path, wait: bool = True, extra: tuple = ()):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"HOME": str(home), "DOSSIER_SCREEN_CHUNK": str(chunk)}
    cmd = [sys.executable, "-m", "flows.cli", "screen", str(batch), "--out", str(out), "--as-of", "2026-05-20",
           "--quiet", "--no-crosscheck", *extra]
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    # a seed of its own: the tests must not depend on one committed batch
    generate_bulk(root / "batch", seed=int(time.time()) % 10_000, count=COUNT, workers=1, forms_only=True)
    return root / "batch"


@pytest.fixture(scope="module")
def in_one_go(batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("one-go") / "out"
    _run(batch, out, chunk=1000, home=out.parent)
    return _comparable(out)


def test_chunked_run_on_dask_workers_gives_the_results_of_one_go(batch, in_one_go, tmp_path):
    """Chunks of 2 on a Dask LocalCluster with 2 worker processes: each dossier is extracted
    on a worker (only a page count comes back), and the results are those of one go on the
    thread pool. (The resume test below covers chunks on the thread pool.)"""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        _run(batch, tmp_path / "out", chunk=2, home=tmp_path, extra=("--dask-address", cluster.scheduler_address))
        workers = set(cluster.scheduler_info["workers"])
    assert _comparable(tmp_path / "out") == in_one_go
    assert len(in_one_go) == COUNT + 1 and len(in_one_go["summary"]) == COUNT
    extracted = [t for t in stream.data if "extract" in str(t["key"])]
    assert len(extracted) >= COUNT and {t["worker"] for t in extracted} <= workers
    assert max(t.get("nbytes", 0) for t in extracted) < 1000


def test_killed_run_resumes_to_the_results_of_an_uninterrupted_one(batch, in_one_go, tmp_path):
    out = tmp_path / "out"
    proc = _run(batch, out, chunk=2, home=tmp_path, wait=False)
    records = out / ".cache" / "records"
    deadline = time.monotonic() + 300
    # Killed once the first dossier is judged and written, before the batch is done.
    while time.monotonic() < deadline and proc.poll() is None:
        if _written(out):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    extracted = {p.name: p.stat().st_mtime_ns for p in records.glob("*.pkl")}
    written = _written(out)
    assert extracted and written and len(written) < COUNT and not (out / "summary.json").exists()

    _run(batch, out, chunk=2, home=tmp_path)
    assert _comparable(out) == in_one_go
    # What was extracted, judged and written before the kill was not extracted or written
    # again (the same result from the same inputs leaves its outputs as they are).
    assert all((records / name).stat().st_mtime_ns == mtime for name, mtime in extracted.items())
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in written.items())
    assert not list(out.glob("*.tmp-*")) and not list(out.glob("*.old"))
