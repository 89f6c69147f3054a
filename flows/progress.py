"""Terminal progress a person can follow: one bar per stage, pages per second, time left.

A batch is screened in chunks, so the stages take turns: each stage keeps one bar for the
whole batch. A stage planned with the batch's total keeps it; a stage whose total is only
known chunk by chunk (pages to OCR) grows as each chunk is read."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class BatchProgress:
    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._progress = None
        self._task = None
        self._tasks: dict[str, int] = {}
        self._fixed: set[str] = set()

    def __enter__(self):
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("剩余"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=False,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False

    def plan(self, name: str, total: int, unit: str = "份", grows: bool = False) -> None:
        """A bar for the whole batch, shown before its stage starts; with `grows`, each
        `stage` call adds its own total (known chunk by chunk)."""
        if self._progress is None or name in self._tasks:
            return
        self._tasks[name] = self._progress.add_task(name, total=max(total, 0), unit=unit, rate="", start=False)
        if not grows:
            self._fixed.add(name)

    def stage(self, name: str, total: int, unit: str = "份") -> None:
        """Work on stage `name` (re)starts: `advance` counts on its bar from now on."""
        if self._progress is None:
            return
        if name not in self._tasks:
            self._tasks[name] = self._progress.add_task(name, total=max(total, 0), unit=unit, rate="")
        elif name not in self._fixed:
            task = self._bar(self._tasks[name])
            self._progress.update(self._tasks[name], total=(task.total or 0) + max(total, 0))
        self._task = self._tasks[name]
        self._progress.start_task(self._task)

    def advance(self) -> None:
        if self._progress is None or self._task is None:
            return
        self._progress.advance(self._task)
        t = self._bar(self._task)
        if t.speed:
            self._progress.update(self._task, rate=f"{t.speed:.2f}/秒")

    def _bar(self, task_id):
        return next(t for t in self._progress.tasks if t.id == task_id)
