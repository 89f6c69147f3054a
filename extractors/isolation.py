"""One bad file never costs another: a step that fails on one file or page becomes that
document's finding (its reason in Chinese, naming the stage), and the rest of the dossier
is screened as usual. Only a failure tied to no document stops the dossier, and then the
reason names the stage it happened in.
"""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

from extractors.masking import mask_text
from extractors.records import DossierRecord, Document

log = logging.getLogger(__name__)
T = TypeVar("T")

# Stage key -> the reviewer's name for it.
STAGES = {
    "read": "读取文件",
    "ocr": "文字识别",
    "extract": "分类与字段抽取",
    "crosscheck": "关键字段复核",
    "forensics": "真实性检查",
    "judge": "条款审查",
    "report": "生成审查表",
}


def stage_label(stage: str) -> str:
    return STAGES.get(stage, stage)


def document_reason(stage: str, exc: BaseException) -> str:
    return (f"{stage_label(stage)}阶段处理本文件时出错（{type(exc).__name__}），"
            "本文件的该项检查未完成，请人工核对原件")


def dossier_reason(stage: str, exc: BaseException) -> str:
    """For a failure tied to no document: which stage, and what went wrong (masked)."""
    return (f"系统在“{stage_label(stage)}”阶段处理本卷宗时出错（{type(exc).__name__}: "
            f"{mask_text(str(exc))[:200]}），未能完成自动审查，请人工审查全部材料")


def mark_document(documents: list[Document], file: str, reason: str, pages: list[int] | None = None) -> None:
    """Add `reason` to every document of `file` (or to a new one standing for it)."""
    mine = [d for d in documents if d.file == file]
    if not mine:
        documents.append(Document(file=file, pages=list(pages or []), type="other", error=reason))
        return
    for d in mine:
        if not d.error:
            d.error = reason
        elif reason not in d.error:
            d.error = f"{d.error}；{reason}"


def guarded(record: DossierRecord, file: str, stage: str, step: Callable[[], T], default: T) -> T:
    """`step()`, or `default` when it raises: the failure is recorded on `file`'s documents."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - isolation is the point: any error of one file
        log.warning("%s failed on %s: %s", stage, mask_text(file), type(exc).__name__, exc_info=True)
        pages = sorted({p.page for p in record.pages if p.file == file})
        mark_document(record.documents, file, document_reason(stage, exc), pages)
        return default


class StageFailure(Exception):
    """A dossier-level failure, tagged with the stage it happened in."""

    def __init__(self, stage: str, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.stage = stage
        self.cause = cause

    def __reduce__(self):
        # raised on a Dask worker, it is pickled back to the flow with its stage
        return StageFailure, (self.stage, self.cause)


def stage_of(exc: BaseException, default: str) -> tuple[str, BaseException]:
    if isinstance(exc, StageFailure):
        return exc.stage, exc.cause
    return default, exc
