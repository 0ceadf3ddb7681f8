"""One progress display for every long command (bench, eval, reembed, and later export and import).

It draws on stderr with ``rich`` while stdout is a terminal, and stays silent
when stdout is piped or ``--json`` is given, so scripts read clean output.
Work reports in one of two shapes: stages (a line of text each: a spinner
and the elapsed time show that it is alive) or a counter (done of total).
"""

from __future__ import annotations

import argparse
import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def wanted(args: argparse.Namespace) -> bool:
    """Progress is drawn for people: a terminal on stdout and no ``--json``."""
    return not getattr(args, "json", False) and stdout_is_terminal()


class ProgressDisplay:
    """A context manager; its methods do nothing when the display is off.

    Args:
        enabled: draw at all.
        console: where to draw (stderr by default, keeping stdout for results).
    """

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._console = console
        self._stage: TaskID | None = None
        self._counters: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressDisplay:
        if self.enabled:
            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[shown]}"),
                TimeElapsedColumn(),
                console=self._console or Console(stderr=True), transient=False)
            self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is None:
            return
        if exc_type is None:
            self._finish_stage()
        self._progress.stop()
        self._progress = None

    def _finish_stage(self) -> None:
        if self._progress is not None and self._stage is not None:
            self._progress.update(self._stage, total=1, completed=1, shown="done")
            self._stage = None

    def stage(self, message: str) -> None:
        """A new step of work begins; the previous one is marked done."""
        if self._progress is None:
            return
        self._finish_stage()
        self._stage = self._progress.add_task(message.rstrip(".…"), total=None, shown="")

    def count(self, done: int, total: int, label: str = "done") -> None:
        """``done`` of ``total`` items of the work named ``label``."""
        if self._progress is None:
            return
        task = self._counters.get(label)
        if task is None:
            self._finish_stage()
            task = self._counters[label] = self._progress.add_task(label, total=total, shown="")
        self._progress.update(task, completed=done, total=total, shown=f"{done:,} of {total:,}")


def progress_for(args: argparse.Namespace) -> ProgressDisplay:
    """The display for one command run with ``args``."""
    return ProgressDisplay(wanted(args))
