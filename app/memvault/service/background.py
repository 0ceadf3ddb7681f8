"""Every long-lived loop of a vault, in one place: started when the vault opens, stopped when it locks.

The embedding worker, the purge of expired memories, the flush of API usage
counters, a storage probe that notices when a full disk has space again, the
vector index's upkeep, entity and fact extraction, and sync.

Each loop runs one ``step`` after another on its own daemon thread; a step
returns how long to sleep before the next. A step that raises does not end
the loop: the failure goes to the :class:`HealthMonitor` (so ``/healthz``
says which loop fails, since when, and with what kind of error), the loop
backs off exponentially and tries again, and the first step that succeeds
clears the report.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from memvault import priority
from memvault.domain.errors import MemvaultError
from memvault.embedding.queue import EmbeddingWorker
from memvault.service.health import HealthMonitor, error_kind
from memvault.service.lifecycle import LifecycleService
from memvault.service.usage import UsageService
from memvault.vault.jobs import EmbeddingJobStore

log = logging.getLogger(__name__)


@dataclass
class _Loop:
    name: str
    step: Callable[[], float]
    wake: threading.Event
    first_delay: float
    setup: Callable[[], object] | None
    finish: Callable[[], object] | None
    interrupt: Callable[[], object] | None = None
    thread: threading.Thread | None = field(default=None)


class ModelLoad:
    """A model a loop needs only for work: loaded once, on a daemon thread of its own, when work first waits.

    A vault with nothing queued never loads it (spaCy's pipeline holds ~110 MB). The load runs beside
    the loop rather than in a turn, so a lock right after an unlock does not wait seconds for it:
    the loop sleeps on its wake event, which the load sets when it is done, and a stop wakes it too.

    Args:
        load: loads the model; handles its own errors (what it leaves behind says whether the model works).
        wake: the loop's wake event, set once ``load`` has returned.
    """

    def __init__(self, load: Callable[[], object], wake: threading.Event) -> None:
        self._load = load
        self._wake = wake
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    @property
    def loaded(self) -> bool:
        """Whether the load has run (without starting it)."""
        return self._done.is_set()

    def ready(self) -> bool:
        """Whether the load has run; the first call starts it."""
        if self._done.is_set():
            return True
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="memvault-model-load", daemon=True)
                self._thread.start()
        return False

    def _run(self) -> None:
        try:
            self._load()
        finally:
            self._done.set()
            self._wake.set()


class Background:
    """The vault's background loops.

    Args:
        health: where failures and recoveries are reported.
        retry_base_seconds: the first wait after a failure; it doubles with each failure in a row.
        retry_max_seconds: the longest wait between retries.
    """

    def __init__(self, health: HealthMonitor, *, retry_base_seconds: float = 1.0,
                 retry_max_seconds: float = 60.0) -> None:
        self._health = health
        self._retry_base = retry_base_seconds
        self._retry_max = retry_max_seconds
        self._loops: dict[str, _Loop] = {}
        self._stop = threading.Event()

    def add(self, name: str, step: Callable[[], float], *, first_delay: float = 0.0,
            wake: threading.Event | None = None, setup: Callable[[], object] | None = None,
            finish: Callable[[], object] | None = None, interrupt: Callable[[], object] | None = None) -> None:
        """Register a loop (before :meth:`start`).

        Args:
            name: the loop's name in health reports and thread names.
            step: one turn; returns the seconds to sleep before the next.
            first_delay: sleep before the first turn.
            wake: an event that ends a sleep early (new work arrived).
            setup: run once before the first turn, retried like a step until it succeeds.
            finish: run once on the loop's thread after its last turn, when the loop stops (work a turn
                left in flight is written or given back there, before the vault locks).
            interrupt: called on the stopping thread when a stop is asked, to cut a long turn short (the
                embedding worker drops the batches its turn waits for, instead of a lock waiting for them).
        """
        if name in self._loops:
            raise ValueError(f"a loop named {name!r} exists already")  # a wiring bug
        self._loops[name] = _Loop(name, step, wake or threading.Event(), first_delay, setup, finish, interrupt)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._loops)

    def is_running(self, name: str) -> bool:
        loop = self._loops.get(name)
        return loop is not None and loop.thread is not None and loop.thread.is_alive()

    def start(self) -> None:
        """Start every registered loop on its own daemon thread."""
        # A fresh event per start: a thread still in a turn after a stop's wait ran out keeps seeing its stop.
        self._stop = threading.Event()
        for loop in self._loops.values():
            if loop.thread is None:
                loop.thread = threading.Thread(target=self._run, args=(loop, self._stop),
                                               name=f"memvault-{loop.name}", daemon=True)
                loop.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every loop to stop after its current turn and wait for them."""
        self._stop.set()
        for loop in self._loops.values():
            loop.wake.set()
            if loop.interrupt is not None and loop.thread is not None:
                loop.interrupt()
        for loop in self._loops.values():
            if loop.thread is not None:
                loop.thread.join(timeout)
                loop.thread = None

    def _run(self, loop: _Loop, stop: threading.Event) -> None:
        # Every loop's work can wait for a user's: the kernel runs searches and requests first (and the threads a
        # loop starts inherit the priority: a model's load; see memvault.priority).
        priority.lower_this_thread()
        try:
            self._turns(loop, stop)
        finally:
            if loop.finish is not None:
                try:
                    loop.finish()
                except Exception as exc:  # noqa: BLE001 - the loop ends either way; what it held is redone later
                    log.warning("background loop %s could not finish its work in flight (%s)", loop.name,
                                error_kind(exc))

    def _turns(self, loop: _Loop, stop: threading.Event) -> None:
        failures = 0
        ready = loop.setup is None
        delay = loop.first_delay
        while not stop.is_set():
            if failures:
                # New work must not cut a backoff short: a failing store would be hammered.
                stop.wait(delay)
            elif delay > 0:
                loop.wake.wait(delay)
            if stop.is_set():
                return
            loop.wake.clear()
            try:
                if not ready:
                    assert loop.setup is not None
                    loop.setup()
                    ready = True
                delay = loop.step()
            except Exception as exc:  # noqa: BLE001 - a loop must survive anything: report, back off, retry
                failures += 1
                delay = min(self._retry_max, self._retry_base * 2 ** (failures - 1))
                self._health.loop_failed(loop.name, exc)
                self._log_failure(loop.name, exc, failures, delay)
                continue
            if failures:
                log.warning("background loop %s works again after %d failures", loop.name, failures)
                self._health.loop_recovered(loop.name)
                failures = 0

    @staticmethod
    def _log_failure(name: str, exc: Exception, failures: int, delay: float) -> None:
        kind = error_kind(exc)
        if isinstance(exc, MemvaultError):
            log.warning("background loop %s failed (%s, %d in a row); retrying in %.0f s", name, kind, failures, delay)
        else:
            # A bug: where it happened helps, the message might quote memory text.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("background loop %s failed with %s (%d in a row); retrying in %.0f s\n%s",
                      name, kind, failures, delay, frames)


def standard_loops(background: Background, *, health: HealthMonitor, worker: EmbeddingWorker | None,
                   jobs: EmbeddingJobStore, lifecycle: LifecycleService, usage: UsageService,
                   purge_interval_seconds: float) -> None:
    """Register the vault's loops on ``background`` (``worker=None``: no embedding loop)."""
    if worker is not None:
        # Jobs a killed process had leased are due again now, not when the lease runs out.
        background.add("embedding", worker.step, wake=worker.wake_event, setup=jobs.release_orphaned,
                       finish=worker.finish, interrupt=worker.interrupt)

    def purge() -> float:
        removed = lifecycle.purge_expired()
        if removed:
            log.info("purged %d expired memories", removed)
        return purge_interval_seconds

    def flush_usage() -> float:
        usage.flush()
        return usage.FLUSH_SECONDS

    background.add("ttl-purge", purge, first_delay=purge_interval_seconds)
    background.add("usage-flush", flush_usage, first_delay=usage.FLUSH_SECONDS)
    background.add("write-probe", health.probe_step, first_delay=health.PROBE_SECONDS)
