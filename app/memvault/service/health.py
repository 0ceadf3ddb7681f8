"""The vault's health: can it write, and is every background loop working?

``/healthz``, ``memvault stats`` and the GUI's banner show the same
:class:`Health`. Reasons carry a code, a fixed message, since when, and the
kind of the last error (a domain error code or an exception class name):
never an error's text, which could hold a path or, from a bug, memory text.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from memvault.domain.errors import (
    MemvaultError,
    StorageError,
    StorageFull,
    VaultCorrupt,
    VaultFilesMissing,
    VaultReadOnly,
)
from memvault.vault.engine import Database

#: What each background loop is called in a reason's message.
LOOP_LABELS = {
    "embedding": "the embedding worker",
    "ttl-purge": "the purge of expired memories",
    "usage-flush": "saving API usage counters",
    "write-probe": "the storage check",
    "vector-index": "the search index (loading, rebuilding, saving)",
}

_CANNOT_WRITE = {
    StorageFull.code: "the disk holding the vault is full: new memories and changes are refused "
                      "(reading and searching still work); free some space",
    StorageError.code: "the operating system fails to write the vault's files (I/O error); check the disk",
    VaultCorrupt.code: "writes fail because the vault file is damaged; run `memvault check`",
    VaultReadOnly.code: "the vault's files have become read-only: changes are refused",
    VaultFilesMissing.code: "the vault's files were deleted or replaced while the vault was open: changes are "
                            "refused; restart Memvault",
}


@dataclass(frozen=True)
class HealthReason:
    """One reason the vault is not fully working.

    Attributes:
        code: ``read_only``, ``cannot_write`` or ``loop_failing``.
        message: a fixed sentence for people.
        since: when it started (Unix time), if known.
        error: the kind of the last error (a domain error code or an exception class name).
        loop: the failing background loop, for ``loop_failing``.
    """

    code: str
    message: str
    since: float | None = None
    error: str | None = None
    loop: str | None = None


@dataclass(frozen=True)
class TaskProgress:
    """Long background work under way (it does not make the vault unhealthy): ``done`` of ``total``."""

    task: str
    done: int
    total: int


@dataclass(frozen=True)
class Health:
    """``ok``, or ``degraded`` with its reasons; ``progress`` lists long background work under way."""

    status: str
    reasons: tuple[HealthReason, ...] = ()
    progress: tuple[TaskProgress, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def error_kind(exc: BaseException) -> str:
    """What went wrong, without the error's text."""
    return exc.code if isinstance(exc, MemvaultError) else type(exc).__name__


@dataclass
class _LoopFailure:
    since: float
    error: str
    failures: int


class HealthMonitor:
    """Collects loop failures and reads the database's write state.

    Args:
        db: the vault's database (its write state and read-only flag).
        clock: the wall clock (injectable for tests).
    """

    PROBE_SECONDS = 5.0

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock
        self._loops: dict[str, _LoopFailure] = {}
        self._progress: dict[str, TaskProgress] = {}
        self._lock = threading.Lock()

    def report_progress(self, task: str, done: int, total: int) -> None:
        """Record how far ``task`` is; ``done >= total`` ends it."""
        with self._lock:
            if done >= total:
                self._progress.pop(task, None)
            else:
                self._progress[task] = TaskProgress(task, done, total)

    def loop_failed(self, loop: str, exc: BaseException) -> None:
        """Record that ``loop`` raised ``exc`` (it backs off and retries)."""
        with self._lock:
            current = self._loops.get(loop)
            since = current.since if current else self._clock()
            self._loops[loop] = _LoopFailure(since, error_kind(exc), (current.failures if current else 0) + 1)

    def loop_recovered(self, loop: str) -> None:
        with self._lock:
            self._loops.pop(loop, None)

    def probe(self) -> None:
        """Try one tiny write now, so that a disk that has space again reads as healthy (and one that is full as not)."""
        if self._db.read_only:
            return
        try:
            self._db.probe_write()
        except (StorageFull, StorageError, VaultCorrupt, VaultReadOnly):
            pass  # the database recorded the failure; check() reports it

    def probe_step(self) -> float:
        """The background loop that re-tests writing while writes are failing."""
        if self._db.write_failure is not None:
            self.probe()
        return self.PROBE_SECONDS

    def check(self, *, probe: bool = False) -> Health:
        """The current health; ``probe`` first tries a write (for processes without background loops)."""
        if probe:
            self.probe()
        reasons: list[HealthReason] = []
        if self._db.read_only:
            reasons.append(HealthReason("read_only", "the vault folder is read-only: memories can be read and "
                                        "searched, not stored or changed"))
        failure = self._db.write_failure
        if failure is not None and not self._db.read_only:
            reasons.append(HealthReason("cannot_write", _CANNOT_WRITE.get(failure.code, "writes to the vault fail"),
                                        since=failure.since, error=failure.code))
        with self._lock:
            loops = dict(self._loops)
            progress = tuple(self._progress.values())
        for name, f in sorted(loops.items()):
            label = LOOP_LABELS.get(name, name)
            started = dt.datetime.fromtimestamp(f.since, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            reasons.append(HealthReason(
                "loop_failing", f"{label} has been failing since {started} ({f.failures} attempts, last error: "
                f"{f.error}); it keeps retrying", since=f.since, error=f.error, loop=name))
        return Health("degraded" if reasons else "ok", tuple(reasons), progress)
