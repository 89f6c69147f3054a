"""A run that dies leaves the previous complete outputs (CONTRACT.md)."""
from __future__ import annotations

import pytest

from reports import atomic


def test_staging_dir_replaces_previous_outputs(tmp_path):
    final = tmp_path / "GM-1"
    final.mkdir()
    (final / "result.json").write_text("old")
    with atomic.staging_dir(final) as tmp:
        assert tmp.parent == tmp_path and ".tmp-" in tmp.name
        (tmp / "result.json").write_text("new")
        assert (final / "result.json").read_text() == "old"  # untouched until the swap
    assert (final / "result.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["GM-1"]


def test_failure_keeps_previous_outputs(tmp_path):
    final = tmp_path / "GM-1"
    final.mkdir()
    (final / "result.json").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.staging_dir(final) as tmp:
            (tmp / "result.json").write_text("half")
            raise RuntimeError("OCR died")
    assert (final / "result.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["GM-1"]


def test_recover_restores_old_when_swap_was_interrupted(tmp_path):
    (tmp_path / "GM-1.old").mkdir()
    (tmp_path / "GM-1.old" / "result.json").write_text("complete")
    (tmp_path / "GM-2.tmp-abc").mkdir()
    done = atomic.recover(tmp_path)
    assert (tmp_path / "GM-1" / "result.json").read_text() == "complete"
    assert not (tmp_path / "GM-2.tmp-abc").exists() and len(done) == 2


def test_atomic_file_write_and_failed_write(tmp_path):
    p = tmp_path / "summary.json"
    atomic.write_json(p, {"a": "高明"})
    assert "高明" in p.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        with atomic.atomic_path(p) as tmp:
            tmp.write_text("partial")
            raise ValueError
    assert "高明" in p.read_text(encoding="utf-8")
    assert [x.name for x in tmp_path.iterdir()] == ["summary.json"]
