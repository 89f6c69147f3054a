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
