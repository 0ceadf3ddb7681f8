"""Background work for the GUI: every service call runs on a pool thread.

The GUI thread does no I/O, SQL, crypto or inference; it hands a callable to
:class:`TaskRunner` and gets the result back by a queued signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.domain.errors import MemvaultError


class CancelToken:
    """Checked by long work between steps; ``cancel()`` asks it to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class _Signals(QObject):
    """Signals of one task.

    Signals:
        succeeded(object): the callable's return value.
        failed(object): the :class:`MemvaultError` it raised.
        progressed(int, int): done and total, for long work.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], signals: _Signals, with_progress: bool) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.with_progress = with_progress

    def run(self) -> None:
        try:
            if self.with_progress:
                result = self.fn(lambda done, total: self.signals.progressed.emit(done, total))
            else:
                result = self.fn()
        except MemvaultError as exc:
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)


class TaskRunner(QObject):
    """Runs callables on a thread pool and reports back on the GUI thread.

    Signals:
        busy_changed(bool): whether any task is running.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._running: set[_Signals] = set()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[MemvaultError], None] | None = None,
            on_progress: Callable[[int, int], None] | None = None, *, owner: QObject | None = None) -> _Signals:
        """Run ``fn`` off the GUI thread; callbacks run on the GUI thread.

        With ``on_progress``, ``fn`` receives a ``report(done, total)`` function.
        With ``owner``, callbacks are skipped once that widget has been destroyed
        (a result may arrive after the window closed or the vault locked).
        Errors that are not :class:`MemvaultError` are bugs and propagate.
        """
        signals = _Signals()
        self._running.add(signals)

        def guarded(callback: Callable[..., None]) -> Callable[..., None]:
            if owner is None:
                return callback
            return lambda *args: callback(*args) if shiboken6.isValid(owner) else None

        if on_done is not None:
            signals.succeeded.connect(guarded(on_done))
        if on_error is not None:
            signals.failed.connect(guarded(on_error))
        if on_progress is not None:
            signals.progressed.connect(guarded(on_progress))
        signals.succeeded.connect(lambda _r, s=signals: self._finished(s))
        signals.failed.connect(lambda _e, s=signals: self._finished(s))
        if len(self._running) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Task(fn, signals, on_progress is not None))
        return signals

    def is_busy(self) -> bool:
        """Whether a task is running or its result has not been delivered yet."""
        return bool(self._running)

    def _finished(self, signals: _Signals) -> None:
        self._running.discard(signals)
        if not self._running:
            self.busy_changed.emit(False)

    @Slot()
    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every task is done (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)
