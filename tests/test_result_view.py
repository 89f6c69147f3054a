"""What a run keeps of each result is enough for the batch summary: summary.json and the
workbook's cells come out the same from the kept views as from the whole results."""
from __future__ import annotations

import copy
import json

from openpyxl import load_workbook

from flows.outputs import write_batch_outputs
from flows.result_view import WrittenResults, summary_view
from tests.test_reports_common import make_case


def _cells(path):
    book = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def test_summary_from_views_equals_summary_from_whole_results(tmp_path):
    result = make_case(tmp_path)[0]
    other = copy.deepcopy(result)
    other["dossier_id"] = "GM2026-002"
    other["flags"] = other["flags"][:1]
    other["recommendation"] = "request_correction"
    other["changes"] = {"previous_round": 1, "this_round": 2, "documents_added": ["补充.pdf"]}
    results = [result, other]

    whole = write_batch_outputs(results, tmp_path / "whole", [], batch="第一批")
    views = [summary_view(r) for r in results]
    kept = write_batch_outputs(views, tmp_path / "kept", [], batch="第一批")

    assert kept == whole
    read = lambda d: json.loads((tmp_path / d / "summary.json").read_text(encoding="utf-8"))  # noqa: E731
    assert read("kept") == read("whole") and read("kept")["dossiers"][1]["changes"].startswith("第2轮")
    assert _cells(tmp_path / "kept" / "summary.xlsx") == _cells(tmp_path / "whole" / "summary.xlsx")
    # a view is much smaller than the result it summarises
    assert len(json.dumps(views[0], ensure_ascii=False)) < len(json.dumps(result, ensure_ascii=False)) / 2


def test_written_results_are_read_back_one_at_a_time(tmp_path):
    for did in ("B2", "B1"):
        (tmp_path / did).mkdir()
        (tmp_path / did / "result.json").write_text(json.dumps({"dossier_id": did}), encoding="utf-8")
    written = WrittenResults(tmp_path, ["B2", "B1"])
    assert list(written) == ["B1", "B2"] and len(written) == 2
    assert written["B2"] == {"dossier_id": "B2"} and "B3" not in written
