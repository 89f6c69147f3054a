"""RapidOCR's per-page time limit is hard: a stalled engine call is cut off at the
deadline, reported as ocr_timeout, and keeps what earlier passes read."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from extractors import ocr
from extractors.ocr import rapid
from extractors.textclean import compact_digits
from tests.fixtures.ingest import builders as b

LIMIT = 1.0
MARGIN = 0.6  # image load + preprocessing of a small page on a busy 2-core machine


class StalledEngine:
    """Stands in for the RapidOCR object: answers `answers` first, then hangs."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, img, use_cls=False):
        self.calls += 1
        if self.answers:
            return self.answers.pop(0), None
        self.release.wait(60)  # far beyond the limit; released at teardown
        return [], None


@pytest.fixture
def stalled(monkeypatch):
    engines = []

    def install(answers=()):
        eng = StalledEngine(answers)
        engines.append(eng)
        # the only engine the pool has to lend (monkeypatch puts the real pool back)
        monkeypatch.setattr(rapid, "_pool", [eng])
        return eng

    yield install
    for eng in engines:
        eng.release.set()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    p = tmp_path_factory.mktemp("rapid_timeout") / "page.png"
    b.text_image(["劳动合同书", "公民身份号码 " + b.ID_NUMBER, "工作岗位：数控车工"], size=40).save(p)
    return p


def test_stalled_call_cut_off_at_limit(stalled, page):
    eng = stalled()
    t0 = time.monotonic()
    r = ocr.ocr_page(page, engine="rapidocr", timeout=LIMIT)
    took = time.monotonic() - t0
    assert eng.calls == 1
    assert r.error == "ocr_timeout" and r.lines == []
    assert LIMIT * 0.9 <= took < LIMIT + MARGIN, took
    # The stalled call still runs in the background: its engine must not be lent again.
    assert eng not in rapid._pool


def test_partial_lines_kept_when_a_later_pass_stalls(stalled, page):
    # First orientation: one low-score line, so read_page tries 180 degrees next.
    box = [[10, 10], [300, 10], [300, 40], [10, 40]]
    eng = stalled(answers=[[[box, "公民身份号码", 0.4]]])
    t0 = time.monotonic()
    r = ocr.ocr_page(page, engine="rapidocr", timeout=LIMIT)
    assert time.monotonic() - t0 < LIMIT + MARGIN
    assert eng.calls == 2
    assert r.error == "ocr_timeout" and r.rotation == 0
    assert [ln.text for ln in r.lines] == ["公民身份号码"]
    assert all(0 <= v <= 1 for v in r.lines[0].bbox)


def test_engine_crash_is_reported_not_raised(monkeypatch, page):
    class Broken:
        def __call__(self, img, use_cls=False):
            raise RuntimeError("onnx session failed")

    monkeypatch.setattr(rapid, "_pool", [Broken()])
    r = ocr.ocr_page(page, engine="rapidocr", timeout=LIMIT)
    assert r.error.startswith("ocr_failed: RuntimeError") and r.lines == []


def test_stalled_reread_returns_nothing_in_time(stalled, page):
    stalled()
    t0 = time.monotonic()
    assert ocr.reread(page, (0.0, 0.3, 1.0, 0.6), engine="rapidocr", timeout=LIMIT) == []
    assert time.monotonic() - t0 < LIMIT + MARGIN


def test_normal_page_unaffected_by_the_limit(page):
    try:
        rapid.warm(1)
    except Exception as e:  # pragma: no cover - the wheel ships its models
        pytest.skip(f"RapidOCR cannot load offline: {e}")
    r = ocr.ocr_page(page, engine="rapidocr", timeout=60)
    assert r.error is None and r.rotation == 0
    assert any(b.ID_NUMBER in compact_digits(ln.text) for ln in r.lines), [ln.text for ln in r.lines]
    # The same engine call with and without the deadline thread gives the same reading.
    img = rapid.pp.load_rgb(page)
    assert rapid.detect(img, time.monotonic() + 60) == rapid.detect(img)


def test_engines_are_lent_one_call_at_a_time(monkeypatch):
    """Two calls at once never share an engine (it keeps per-call state); an engine that
    answered goes back to the pool and is lent again."""
    made = []
    together = threading.Barrier(3, timeout=20)  # the three calls are all inside an engine at once

    class Slow:
        def __init__(self):
            made.append(self)
            self.busy = False

        def __call__(self, img, use_cls=False):
            assert not self.busy, "one engine lent to two calls at once"
            self.busy = True
            together.wait()
            self.busy = False
            return [], None

    monkeypatch.setattr(rapid, "_pool", [])
    monkeypatch.setattr(rapid, "_new_engine", Slow)
    rapid.warm(2)
    assert len(made) == 2 and len(rapid._pool) == 2
    img = np.zeros((40, 200, 3), np.uint8)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(lambda _: rapid.detect(img, time.monotonic() + 30), range(3))) == [[], [], []]
    # the third call found both warm engines lent and made its own; all three came back
    assert len(made) == 3 and sorted(map(id, rapid._pool)) == sorted(map(id, made))
