"""The flow's run modes and faults, on one real sample dossier with the real OCR engine:
an interrupted run resumes to the same results, and the Dask runner and a deployment on a
`prefect server` give the same results as the thread pool.

`DOSSIER_MODES_WHOLE_SAMPLE=1` runs the same tests on the whole sample batch (about 25
minutes on 2 cores, so not in CI):

    DOSSIER_MODES_WHOLE_SAMPLE=1 .venv/bin/python -m pytest tests/test_flow_modes.py -k "dask or server"
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_BATCH

pytestmark = pytest.mark.e2e
DOSSIER = "D01"
WHOLE_SAMPLE = os.environ.get("DOSSIER_MODES_WHOLE_SAMPLE") == "1"
RUN_TIMEOUT = 3600 if WHOLE_SAMPLE else 900


def _comparable(out: Path) -> dict:
    """Every dossier's result.json but its time stamp, by dossier."""
    results = {}
    for path in sorted(out.glob("*/result.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        result.pop("screened_at")
        results[path.parent.name] = result
    assert results, f"no result.json under {out}"
    return results


def _cmd(batch: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", "screen", str(batch), "--out", str(out), "--as-of", "2026-05-20",
            "--quiet", "--no-crosscheck", *extra]


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def one_dossier_batch(tmp_path_factory):
    if WHOLE_SAMPLE:
        return SAMPLE_BATCH  # only read: originals are never written to
    # Three of D01's files keep each run short: a scan (OCR), a born-digital PDF (text
    # layer, OCR'd for comparison) and the Word form.
    batch = tmp_path_factory.mktemp("batch")
    # the member whose folder holds the text-layer contract (names change with the generator)
    member = next(p.parent for p in sorted((SAMPLE_BATCH / DOSSIER).glob("4-成员材料/*/劳动合同.pdf")))
    rels = ["1-技师工作站设立申请表.docx"] + [str(p.relative_to(SAMPLE_BATCH / DOSSIER)) for p in sorted(member.glob("*.pdf"))]
    for rel in rels:
        (batch / DOSSIER / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE_BATCH / DOSSIER / rel, batch / DOSSIER / rel)
    return batch


@pytest.fixture(scope="module")
def reference(one_dossier_batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    proc = subprocess.run(_cmd(one_dossier_batch, out), cwd=ROOT, env=_env(tmp_path_factory.mktemp("h")),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_killed_run_resumes_to_identical_results(one_dossier_batch, reference, tmp_path):
    out = tmp_path / "out"
    env = _env(tmp_path / "home")
    proc = subprocess.Popen(_cmd(one_dossier_batch, out), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ocr_cache = out / ".cache" / "ocr"
    deadline = time.monotonic() + 600
    # Kill once some pages are OCR'd but before the dossier's outputs exist.
    while time.monotonic() < deadline and proc.poll() is None:
        if ocr_cache.exists() and any(p.is_file() for p in ocr_cache.rglob("*")):
            break
        time.sleep(0.5)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / DOSSIER / "result.json").exists()
    cached_before = sum(1 for p in ocr_cache.rglob("*") if p.is_file())

    resumed = subprocess.run(_cmd(one_dossier_batch, out), cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _comparable(out) == _comparable(reference)
    # The pages read before the kill were not read again.
    assert sum(1 for p in ocr_cache.rglob("*") if p.is_file()) >= cached_before
    assert not list(out.glob("*.tmp-*")) and not list(out.glob("*.old"))


def test_dask_runner_gives_the_same_results(one_dossier_batch, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        proc = subprocess.run(_cmd(one_dossier_batch, tmp_path / "out", "--dask-address", cluster.scheduler_address),
                              cwd=ROOT, env=_env(tmp_path / "home"), capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _comparable(tmp_path / "out") == _comparable(reference)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "prefect server exited"
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError("prefect server did not come up")


def test_server_mode_with_process_worker_gives_the_same_results(one_dossier_batch, reference, tmp_path):
    """A persistent `prefect server` on loopback, a process work pool, the deployment, a
    worker: the run submitted with --deployment writes the same result as the local run."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    server_env = _env(tmp_path / "home") | {"PREFECT_HOME": str(tmp_path / "server-home"),
                                            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    client_env = _env(tmp_path / "home") | {"PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "client-home")}
    prefect = str(Path(sys.executable).with_name("prefect"))
    procs = []
    try:
        server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=server_env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(server)
        _wait_healthy(api, server, 180)
        pool = subprocess.run([prefect, "work-pool", "create", "screening", "--type", "process"], env=client_env,
                              capture_output=True, text=True, timeout=120)
        assert pool.returncode == 0, pool.stderr[-2000:]
        dep = subprocess.run([sys.executable, "-m", "flows.cli", "deploy", "--pool", "screening"], cwd=ROOT, env=client_env,
                             capture_output=True, text=True, timeout=120)
        assert dep.returncode == 0, dep.stderr[-2000:]
        worker_log = tmp_path / "worker.log"
        with open(worker_log, "wb") as log:
            procs.append(subprocess.Popen([prefect, "worker", "start", "--pool", "screening"], env=client_env, cwd=tmp_path,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        run = subprocess.run(_cmd(one_dossier_batch, tmp_path / "out", "--deployment", "dossier-screen"), cwd=ROOT,
                             env=client_env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        assert run.returncode == 0, run.stderr[-2000:] + worker_log.read_text(errors="replace")[-3000:]
        assert _comparable(tmp_path / "out") == _comparable(reference)
        # The worker ran the flow: its log names the screening subflow.
        assert "screen-batch" in worker_log.read_text(errors="replace")
        # The server's database (logs, artifacts, run parameters), the client's and the
        # worker's homes and the worker log live outside OUT_DIR: no ID number in them.
        ids = {m["id_number"] for r in _comparable(reference).values() for m in r["members"] if m.get("id_number")}
        assert ids
        outside = [p for d in (tmp_path / "server-home", tmp_path / "client-home", tmp_path / "home") if d.exists()
                   for p in d.rglob("*") if p.is_file()] + [worker_log]
        for path in outside:
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # a running process's scratch file (a SQLite -wal) gone since listed
                continue
            leaked = [i[-4:] for i in ids if i.encode() in data]
            assert not leaked, f"ID numbers ending {leaked} found in {path}"
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def test_deployment_mode_needs_a_server_url(one_dossier_batch, tmp_path):
    run = subprocess.run(_cmd(one_dossier_batch, tmp_path / "out", "--deployment", "dossier-screen"), cwd=ROOT,
                         env=_env(tmp_path / "home"), capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "PREFECT_API_URL" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_a_hanging_ocr_call_is_cut_off_and_reported(one_dossier_batch, tmp_path):
    """Tesseract that never answers (a wedged page): every page is cut off at the time limit,
    the dossier's result says which pages were not read, and the run still completes."""
    real = shutil.which("tesseract")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    wrapper = fake_bin / "tesseract"
    # Answers the start-up checks, hangs on every page.
    wrapper.write_text(f"""#!/bin/sh
case "$1" in --list-langs|--version) exec "{real}" "$@";; esac
exec sleep 600
""")
    wrapper.chmod(0o755)
    env = _env(tmp_path / "home") | {"PATH": f"{fake_bin}:{os.environ['PATH']}"}
    t0 = time.monotonic()
    proc = subprocess.run(_cmd(one_dossier_batch, tmp_path / "out", "--engine", "tesseract", "--ocr-timeout", "3"), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "out" / DOSSIER / "result.json").read_text(encoding="utf-8"))
    scanned = [d for d in result["documents"] if d["text_source"] == "ocr"]
    assert scanned and all(d["error"] and "超时" in d["error"] for d in scanned), result["documents"]
    # The pages were cut off, not waited for (the hang lasts 600 s a call).
    assert time.monotonic() - t0 < 400
