"""The OCR benchmark's scoring helpers: CER, masked misread diffs, page selection."""
from __future__ import annotations

from pathlib import Path

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


def test_dates_in_chinese_numerals_count_but_misread_digits_are_not_repaired():
    # Licences print 成立日期 in Chinese numerals; the truth gives ISO dates.
    assert "2013-09-17" in q._with_iso_dates("成立日期二〇一三年九月十七日")
    assert "2014-03-02" in q._with_iso_dates("发证日期2014年3月2日")
    # An O read for a 0 is the engine's error, whatever the pipeline later repairs.
    assert "2013-09-01" not in q._with_iso_dates("发证日期2O13年9月1日")


def test_benchmark_reads_page_seconds_from_the_ocr_cache(tmp_path, capsys):
    import json

    from bench import benchmark

    cache = tmp_path / ".cache" / "ocr"
    for i, secs in enumerate([1.0, 3.0, 2.0]):
        (cache / f"{i:02d}").mkdir(parents=True)
        (cache / f"{i:02d}" / f"{i}.json").write_text(json.dumps({"lines": [], "seconds": secs}), encoding="utf-8")
    (cache / "00" / "torn.json").write_text("{", encoding="utf-8")  # a write cut short
    secs = benchmark.ocr_page_seconds(tmp_path)
    assert secs == [1.0, 2.0, 3.0]
    benchmark.print_page_seconds(secs)
    assert "3 pages): mean 2.00 s, median 2.00, p95 3.00, max 3.00" in capsys.readouterr().out


def test_add_one_only_screens_the_batch_less_its_last_dossier_then_adds_it(tmp_path, monkeypatch, capsys):
    """`--add-one-only` skips the first whole-batch run: a large batch's incremental cost is
    measured without screening it three times."""
    from bench import benchmark

    batch = tmp_path / "batch"
    for name in ("D01", "D02", "D03"):
        (batch / name).mkdir(parents=True)
        (batch / name / "form.docx").write_bytes(b"x")
    calls = []

    def fake_screen(b, out, args, dask_address=""):
        calls.append(sorted(p.name for p in Path(b).iterdir()))
        wall = 40.0 if len(calls) == 1 else 6.0
        return {"wall": wall, "dossiers": len(calls[-1]), "peak_mb": 1.0, "peak_child_mb": 1.0,
                "seconds": {"ocr": wall / 2}, "pages": {"ocr": 1}, "ocr_images": []}

    monkeypatch.setattr(benchmark, "screen", fake_screen)
    assert benchmark.main([str(batch), "--add-one-only", "--out", str(tmp_path / "out")]) == 0
    assert calls == [["D01", "D02"], ["D01", "D02", "D03"]]  # no whole-batch first run
    out = capsys.readouterr().out
    assert "== first run" not in out
    assert "adding one dossier / screening the batch without it: 15.0%" in out
    assert (batch / "D03" / "form.docx").read_bytes() == b"x"  # the batch itself untouched
