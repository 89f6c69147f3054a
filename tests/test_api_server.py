"""The run's temporary Prefect server, started before the flow's imports (flows/api_server.py).

The real start is exercised by every screening in test_cli.py / test_flow_modes.py; these
cover the decisions around it without paying for a server."""
from __future__ import annotations

import atexit
import http.server
import os
import subprocess
import sys
import threading

import pytest

from flows import api_server


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")})
    monkeypatch.setattr(api_server, "_started", [])


def test_a_configured_server_is_used_as_it_is(clean_env, monkeypatch):
    os.environ["PREFECT_API_URL"] = "http://127.0.0.1:4200/api"
    launched = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: launched.append(a))
    assert api_server.start_temporary_server() is None
    assert launched == [] and os.environ["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"


def test_the_started_server_is_what_prefect_will_call(clean_env, monkeypatch):
    calls = []

    class FakePopen:
        def __init__(self, cmd, env, **kw):
            calls.append((cmd, env))

        def poll(self):
            return None

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    server = api_server.start_temporary_server()
    cmd, env = calls[0]
    assert os.environ["PREFECT_API_URL"] == server.api_url == f"http://127.0.0.1:{server.port}/api"
    assert "prefect.server.api.server:create_app" in cmd and cmd[cmd.index("--port") + 1] == str(server.port)
    # Prefect's own temporary-server settings: no UI, ephemeral services only.
    assert env["PREFECT__SERVER_EPHEMERAL"] == "1" and env["PREFECT_UI_ENABLED"] == "0"
    atexit.unregister(server.stop)


def test_a_server_that_dies_is_reported_not_waited_for(clean_env):
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    with pytest.raises(RuntimeError, match="退出码 3"):
        api_server.TemporaryServer(proc, 1).wait_ready(timeout=30)


def test_waiting_ends_when_the_health_check_answers(clean_env):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's hook
            self.send_response(200 if self.path == "/api/health" else 404)
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        api_server.TemporaryServer(sleeper, httpd.server_address[1]).wait_ready(timeout=30)
    finally:
        sleeper.kill()
        sleeper.wait()
        httpd.shutdown()


def test_warm_imports_stop_once_the_server_answers(clean_env, monkeypatch):
    """Modules are imported only while the server is still booting: a ready server is not
    kept waiting for imports the run may not need."""
    answers = iter([False, False, True])
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = api_server.TemporaryServer(proc, 1)
    monkeypatch.setattr(server, "is_ready", lambda: next(answers))
    imported = []
    monkeypatch.setattr(api_server.importlib, "import_module", imported.append)
    try:
        server.wait_ready(timeout=30, warm=["json", "no_such_module_xyz", "csv", "decimal"])
    finally:
        proc.kill()
        proc.wait()
    assert imported == ["json", "no_such_module_xyz"]


def test_the_warm_list_names_modules_that_exist():
    import importlib.util

    from flows.runners import WARM_MODULES

    missing = [m for m in WARM_MODULES if importlib.util.find_spec(m) is None]
    assert not missing


def test_ocr_engines_are_warmed_only_when_a_dossier_is_still_to_read(tmp_path):
    from extractors.records import DossierRecord
    from flows.fingerprint import RecordCache, dossier_fingerprint
    from flows.runners import _dossiers_to_read
    from flows.settings import RunSettings

    batch, out = tmp_path / "batch", tmp_path / "out"
    batch.mkdir()
    settings = RunSettings(batch_dir=str(batch), out_dir=str(out), as_of="2026-05-20", progress=False)
    assert not _dossiers_to_read(settings)  # an empty batch folder
    (batch / "D01").mkdir()
    (batch / "D01" / "申请表.txt").write_text("甲")
    (batch / "notes.txt").write_text("a loose file is not a dossier")
    assert _dossiers_to_read(settings)
    key = dossier_fingerprint(batch / "D01", settings.extraction_key())
    RecordCache(settings.cache_dir).put(key, DossierRecord(dossier_id="D01"))
    assert not _dossiers_to_read(settings)  # a cached re-run reads nothing
    (batch / "D01" / "申请表.txt").write_text("乙")  # the file changed: read again
    assert _dossiers_to_read(settings)
