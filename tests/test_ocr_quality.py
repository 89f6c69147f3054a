"""The OCR benchmark's scoring helpers: CER, masked misread diffs, page selection."""
from __future__ import annotations

from bench import ocr_quality as q


def test_cer_and_cer_in():
    assert q.cer("公民身份号码", "公民身份号码") == 0
    assert q.cer("ABCD", "ABXD") == 0.25
    # A reference line scored where it best fits inside a longer reading.
    assert q.cer_in("身份号码", "乙方 张三 身份号吗 工作") == 0.25


def test_misread_diff_shows_only_the_differing_characters():
    value = "44060819850312001X"  # a made-up identifier, not a real person's
    read = "44O60819850312007X"
    diff = q.masked_diff(value, read)
    assert diff == "@3 0→O; @17 1→7"
    assert value not in diff and "0819850312" not in diff
    # The window the engine read is found inside the page's reading.
    assert q._best_window(value, "号码" + read + "签发") == read
    assert q.masked_diff("91440608MA4X", "91440608MA4X") == "(spacing/line split only)"


def test_degraded_pages_taken_first_and_spread_over_dossiers():
    pages = ([{"condition": "sealed", "dossier": f"D{i % 3}"} for i in range(30)]
             + [{"condition": "degraded_scan", "dossier": "D1"} for _ in range(5)])
    chosen = q.select_pages(pages, 4)
    assert [p["condition"] for p in chosen] == ["degraded_scan"] * 4 + ["sealed"] * 4
    assert {p["dossier"] for p in chosen[4:]} == {"D0", "D1", "D2"}
