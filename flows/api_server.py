"""The run's temporary Prefect API server, started before anything else is imported.

Left to itself, Prefect starts its temporary server only when the flow is called: the CLI
first imports Prefect and our modules, then imports Prefect's whole server package just to
launch it, then waits while the server process imports that package again. Started here at
the top of `screen`, with the same command and settings Prefect would use, the server boots
on one core while the client imports on the other, and the client never loads the server
code. A Prefect server the user configured (PREFECT_API_URL) is used as it is.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterable

_PR_SET_PDEATHSIG = 1
_started: list["TemporaryServer"] = []


class TemporaryServer:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def is_ready(self) -> bool:
        """One health check; raise if the server process died."""
        if self.process.poll() is not None:
            raise RuntimeError(f"Prefect 临时服务器启动失败（退出码 {self.process.returncode}）")
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=5) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float, warm: Iterable[str] = ()) -> None:
        """Block until the server answers its health check; raise with its own output if it died.

        `warm`: modules the run will import anyway, imported here while the server is still
        booting on the other core (each import between two health checks), so the client's
        share of start-up overlaps the server's instead of following it."""
        for name in warm:
            if self.is_ready():
                return
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the run imports it again and reports what fails
                pass
        waited = 0.0  # counted as Prefect counts it: time asleep between checks, so a loaded
        # machine gets the same patience it got from Prefect's own start-up
        while waited < timeout:
            if self.is_ready():
                return
            time.sleep(0.1)
            waited += 0.1
        raise RuntimeError(f"Prefect 临时服务器在 {timeout:.0f} 秒内未就绪")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: a CLI killed outright takes its server with it (Linux)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_temporary_server() -> TemporaryServer | None:
    """Launch Prefect's temporary API server for this run and point PREFECT_API_URL at it.

    Call after `prepare_prefect_environment` (the server reads PREFECT_HOME and the other
    settings from the environment). None when the user configured a server of their own or
    Prefect cannot be found; the flow then starts Prefect's own as before."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        return None
    app_dir = str(Path(list(spec.submodule_search_locations)[0]).parent)
    port = _free_port()
    # What prefect.server.api.server.SubprocessASGIServer sets for its temporary server.
    env = dict(os.environ, PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
    cmd = [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory", "prefect.server.api.server:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    process = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                               preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    server = TemporaryServer(process, port)
    atexit.register(server.stop)
    _started.append(server)
    os.environ["PREFECT_API_URL"] = server.api_url
    return server


def startup_timeout() -> float:
    try:
        return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90"))
    except ValueError:
        return 90.0


def wait_for_started(warm: Iterable[str] = ()) -> None:
    """Before the flow's first call to the API: the server started for this run is up.
    `warm` (see `TemporaryServer.wait_ready`) is imported meanwhile."""
    for server in _started:
        server.wait_ready(startup_timeout(), warm)
