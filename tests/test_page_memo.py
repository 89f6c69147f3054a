"""The on-disk memo keys by file content and stays out of the way when off."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from extractors import page_memo

CALLS: list[str] = []


@page_memo.page_memo
def _measure(path: str, scale: float = 1.0) -> dict:
    CALLS.append(path)
    return {"size": Path(path).stat().st_size * scale}


def _page(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_off_without_a_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(page_memo.ENV, raising=False)
    CALLS.clear()
    a = _page(tmp_path, "a.png", b"x" * 10)
    assert _measure(a) == _measure(a) == {"size": 10}
    assert len(CALLS) == 2
    assert not any(tmp_path.rglob("*/*/*"))


def test_same_bytes_elsewhere_hit_changed_bytes_miss(tmp_path, monkeypatch):
    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    CALLS.clear()
    a = _page(tmp_path, "a.png", b"x" * 10)
    b = _page(tmp_path, "b.png", b"x" * 10)  # the same page rendered again elsewhere
    assert _measure(a) == {"size": 10}
    assert _measure(b) == {"size": 10}
    assert CALLS == [a]
    assert _measure(a, scale=2.0) == {"size": 20}  # other parameters: computed
    assert len(CALLS) == 2
    Path(a).write_bytes(b"y" * 12)  # rewritten in place: its old value must not come back
    assert _measure(a) == {"size": 12}
    assert len(CALLS) == 3


def test_torn_entry_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    CALLS.clear()
    a = _page(tmp_path, "a.png", b"x" * 10)
    _measure(a)
    for entry in (tmp_path / "memo").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"z\x00garbage")
    assert _measure(a) == {"size": 10}
    assert len(CALLS) == 2


def test_unkeyable_arguments_bypass_the_memo(tmp_path, monkeypatch):
    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))

    @page_memo.page_memo
    def total(arr) -> float:
        return float(arr.sum())

    assert total(np.ones(3)) == 3.0
    assert not (tmp_path / "memo").exists()


def test_large_values_round_trip_compressed(tmp_path, monkeypatch):
    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))

    @page_memo.page_memo
    def grey(path: str) -> np.ndarray:
        return np.full((400, 400), 200, np.uint8)

    a = _page(tmp_path, "a.png", b"x")
    first = grey(a)
    second = grey(a)
    assert np.array_equal(first, second)
    stored = [p for p in (tmp_path / "memo").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].stat().st_size < first.nbytes / 10


def test_large_encoded_bytes_are_stored_as_they_are(tmp_path, monkeypatch):
    monkeypatch.setenv(page_memo.ENV, str(tmp_path / "memo"))
    payload = np.random.default_rng(1).integers(0, 256, 200_000, dtype=np.uint8).tobytes()  # like a JPEG

    @page_memo.page_memo
    def encoded(path: str) -> bytes:
        CALLS.append("encoded")
        return payload

    a = _page(tmp_path, "b.png", b"y")
    before = CALLS.count("encoded")
    assert encoded(a) == payload and encoded(a) == payload
    assert CALLS.count("encoded") == before + 1
    stored = [p for p in (tmp_path / "memo").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes()[:1] == b"p"
