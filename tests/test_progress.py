"""The terminal progress of a run whose stages overlap: each stage's bar is advanced by name,
the OCR bar grows as dossiers are read, and a disabled progress does nothing."""
from __future__ import annotations

from flows.progress import BatchProgress


def _bars(progress: BatchProgress) -> dict[str, tuple[float, float, bool]]:
    return {t.description: (t.completed, t.total, t.started) for t in progress._progress.tasks}


def test_overlapping_stages_each_count_on_their_own_bar():
    with BatchProgress(enabled=True) as progress:
        progress.plan("读取文件", 3)
        progress.plan("文字识别", 0, unit="页", grows=True)
        progress.plan("分类与字段抽取", 3)
        progress.start("读取文件")
        progress.advance("读取文件")
        progress.grow("文字识别", 5)  # the first dossier read owes five pages
        progress.advance("文字识别")
        progress.advance("读取文件")
        progress.grow("文字识别", 2)
        progress.advance("文字识别")
        progress.advance("分类与字段抽取")
        bars = _bars(progress)
    assert bars["读取文件"] == (2, 3, True)
    assert bars["文字识别"] == (2, 7, True)
    assert bars["分类与字段抽取"] == (1, 3, True)


def test_a_planned_total_is_kept_and_a_growing_stage_adds_what_it_learns():
    with BatchProgress(enabled=True) as progress:
        progress.plan("审查与输出", 4)
        progress.stage("审查与输出", 10)  # a fixed bar keeps its planned total
        progress.advance()
        progress.plan("文字识别", 0, unit="页", grows=True)
        progress.grow("文字识别", 0)
        assert _bars(progress)["文字识别"] == (0, 0, False)  # nothing to OCR yet: not started
        progress.stage("文字识别", 3)
        bars = _bars(progress)
    assert bars["审查与输出"] == (1, 4, True)
    assert bars["文字识别"] == (0, 3, True)


def test_disabled_progress_accepts_every_call():
    progress = BatchProgress(enabled=False)
    with progress:
        progress.plan("读取文件", 1)
        progress.start("读取文件")
        progress.grow("文字识别", 3)
        progress.advance("读取文件")
        progress.advance()
    assert progress._progress is None
