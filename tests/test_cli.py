"""The command line: refusing to run is a one-line reason and a non-zero exit."""
from __future__ import annotations

import os

from tests.conftest import run_cli


def test_missing_batch_dir_is_a_clean_error(tmp_path):
    proc = run_cli(["screen", str(tmp_path / "nope"), "--out", str(tmp_path / "out")], timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "批次目录不存在" in proc.stderr


def test_bad_as_of_date(tmp_path):
    (tmp_path / "batch").mkdir()
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "out"), "--as-of", "2026-13-01"], timeout=120)
    assert proc.returncode != 0 and "--as-of" in proc.stderr


def test_missing_ocr_engine(tmp_path):
    (tmp_path / "batch").mkdir()
    env = {"PATH": "/nonexistent"}
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "out")], env_extra=env, timeout=120)
    assert proc.returncode != 0 and "tesseract" in proc.stderr


def test_output_inside_batch_refused(tmp_path):
    (tmp_path / "batch").mkdir()
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "batch" / "out")], timeout=120)
    assert proc.returncode != 0 and "输出目录" in proc.stderr


def _processes_with_home(home: str) -> list[int]:
    """Processes whose environment points PREFECT_HOME at `home` (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
        except OSError:
            continue
        if f"PREFECT_HOME={home}".encode() in env:
            pids.append(int(entry))
    return pids


def test_a_finished_screening_exits_with_its_outputs_written_and_its_server_stopped(tmp_path):
    """The command leaves without Python's teardown (flows.cli.console): what must happen at
    exit still happens — the summary is on disk, the exit code is the run's, and the run's
    temporary Prefect server is gone."""
    import time

    if not os.path.isdir("/proc"):
        import pytest

        pytest.skip("needs /proc to find the server process")
    (tmp_path / "batch").mkdir()
    out = tmp_path / "out"
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(out), "--quiet"], timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "summary.xlsx").is_file() and "已筛查 0 份卷宗" in proc.stdout
    home = str(out / ".prefect")
    deadline = time.monotonic() + 10
    while _processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with_home(home) == []
