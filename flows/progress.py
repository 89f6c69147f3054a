"""Terminal progress a person can follow: one bar per stage, pages per second, time left.

Reading, OCR and extraction overlap (a dossier is OCR'd while the next is read): each stage
keeps one bar for the whole batch, advanced by name. A stage planned with the batch's total
keeps it; a stage whose total is only known as dossiers are read (pages to OCR) grows."""
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
        """Work on stage `name` (re)starts: `advance()` counts on its bar from now on."""
        if self._progress is None:
            return
        if name not in self._tasks:
            self._tasks[name] = self._progress.add_task(name, total=max(total, 0), unit=unit, rate="")
        elif name not in self._fixed:
            self.grow(name, total)
        self._task = self._tasks[name]
        self._progress.start_task(self._task)

    def start(self, name: str) -> None:
        """A planned stage's clock starts (its bar shows time elapsed and left from now)."""
        if self._progress is not None and name in self._tasks:
            self._progress.start_task(self._tasks[name])

    def grow(self, name: str, more: int) -> None:
        """A growing stage learns of `more` work (pages to OCR of a dossier just read)."""
        if self._progress is None or name not in self._tasks or more <= 0:
            return
        task = self._bar(self._tasks[name])
        self._progress.update(self._tasks[name], total=(task.total or 0) + more)
        if not task.started:
            self._progress.start_task(self._tasks[name])

    def advance(self, name: str | None = None) -> None:
        """One more done on stage `name` (by default the stage last (re)started)."""
        if self._progress is None:
            return
        task_id = self._tasks.get(name) if name is not None else self._task
        if task_id is None:
            return
        if name is not None and not self._bar(task_id).started:
            self._progress.start_task(task_id)
        self._progress.advance(task_id)
        t = self._bar(task_id)
        if t.speed:
            self._progress.update(task_id, rate=f"{t.speed:.2f}/秒")

    def _bar(self, task_id):
        return next(t for t in self._progress.tasks if t.id == task_id)
