"""Background work for the GUI: every service call runs on a pool thread.

The GUI thread does no I/O, SQL, crypto or inference; it hands a callable to
:class:`TaskRunner` and gets the result back by a queued signal. Every task
ends in exactly one report: its result, its :class:`MemvaultError` (to the
caller's handler, or to whoever shows unhandled errors), or, for a bug, a crash
report that names code but quotes no data.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot, qVersion

from memvault import __version__
from memvault.domain.errors import MemvaultError

# Distributions whose versions help read a crash report.
_REPORTED_DISTRIBUTIONS = ("PySide6-Essentials", "SQLAlchemy", "sqlcipher3", "sqlite-vec", "onnxruntime")


class CancelToken:
    """Checked by long work between steps; ``cancel()`` asks it to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def _versions() -> list[str]:
    found = []
    for name in _REPORTED_DISTRIBUTIONS:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during, oldest first."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain[::-1]


def crash_report(exc: BaseException, task: str) -> str:
    """A report of an unexpected exception that is safe to copy anywhere.

    It names the versions, the task and, for each exception in the chain, its
    type and the code it passed through (file, line, function, source line).
    Exception messages and local variables are left out: a database driver's
    message can quote a statement's parameters, and so a memory's text.
    """
    lines = [
        f"Memvault {__version__}: unexpected error in a background task",
        f"Time: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}",
        f"Task: {task}",
        f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"Qt {qVersion()}; " + "; ".join(_versions()),
        "",
        "Exception messages are left out on purpose (they may quote memory text).",
    ]
    for i, link in enumerate(_chain(exc)):
        if i:
            lines.append("which led to:")
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in traceback.StackSummary.extract(
            traceback.walk_tb(link.__traceback__), capture_locals=False).format())
        kind = type(link)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
    return "\n".join(lines)


def _describe(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"


class _Signals(QObject):
    """Signals of one task; exactly one of the first three is emitted.

    Signals:
        succeeded(object): the callable's return value.
        failed(object): the :class:`MemvaultError` it raised.
        crashed(str): any other exception, as a :func:`crash_report`.
        progressed(int, int): done and total, for long work.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    crashed = Signal(str)
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
        except Exception as exc:  # noqa: BLE001 (a bug: reported once, never left hanging)
            self.signals.crashed.emit(crash_report(exc, _describe(self.fn)))
        else:
            self.signals.succeeded.emit(result)


class TaskRunner(QObject):
    """Runs callables on a thread pool and reports back on the GUI thread.

    Signals:
        busy_changed(bool): whether any task is running, background looks (``quiet``) left out.
        error_seen(object): every :class:`MemvaultError` a task raised, before its handler runs
            (the app reports vault-wide trouble, such as a full disk, in one place).
        unhandled_error(object): a :class:`MemvaultError` from a task that has no error handler.
        crashed(str): a task raised something else (a bug); the report quotes no data.
    """

    busy_changed = Signal(bool)
    error_seen = Signal(object)
    unhandled_error = Signal(object)
    crashed = Signal(str)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._running: set[_Signals] = set()
        #: The running tasks the busy bar shows: not the periodic looks the user did not ask for.
        self._shown: set[_Signals] = set()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[MemvaultError], None] | None = None,
            on_progress: Callable[[int, int], None] | None = None, *, owner: QObject | None = None,
            quiet: bool = False) -> _Signals:
        """Run ``fn`` off the GUI thread; callbacks run on the GUI thread.

        With ``on_progress``, ``fn`` receives a ``report(done, total)`` function.
        With ``owner``, callbacks are skipped once that widget has been destroyed
        (a result may arrive after the window closed or the vault locked).
        A :class:`MemvaultError` goes to ``on_error`` (without one, to
        ``unhandled_error``); anything else is a bug and goes to ``crashed``.
        Either way the task counts as finished, so no busy indicator is left on. A ``quiet`` task (a look the app
        takes every few seconds) does not show as busy, which would blink the busy bar each time.
        """
        signals = _Signals()
        self._running.add(signals)
        if not quiet:
            self._shown.add(signals)

        def alive() -> bool:
            return owner is None or shiboken6.isValid(owner)

        def deliver(callback: Callable[..., None] | None, *args: Any) -> None:
            # The task counts as finished even when its callback fails (a bug, reported like any other).
            try:
                if callback is not None and alive():
                    callback(*args)
            except Exception as exc:  # noqa: BLE001
                self.crashed.emit(crash_report(exc, _describe(callback)))
            finally:
                self._finished(signals)

        def on_failed(exc: MemvaultError) -> None:
            self.error_seen.emit(exc)
            if on_error is None:
                self.unhandled_error.emit(exc)
            deliver(on_error, exc)

        def on_crashed(report: str) -> None:
            self.crashed.emit(report)
            deliver(None)

        def on_succeeded(result: Any) -> None:
            deliver(on_done, result)

        signals.succeeded.connect(on_succeeded)
        signals.failed.connect(on_failed)
        signals.crashed.connect(on_crashed)
        if on_progress is not None:
            signals.progressed.connect(lambda done, total: on_progress(done, total) if alive() else None)
        if not quiet and len(self._shown) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Task(fn, signals, on_progress is not None))
        return signals

    def is_busy(self) -> bool:
        """Whether a task is running or its result has not been delivered yet."""
        return bool(self._running)

    def _finished(self, signals: _Signals) -> None:
        self._running.discard(signals)
        if signals in self._shown:
            self._shown.discard(signals)
            if not self._shown:
                self.busy_changed.emit(False)

    @Slot()
    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every task is done (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)
