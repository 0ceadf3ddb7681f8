"""Background work stepping aside while searches run.

On two cores a search shares the CPU (and Python's interpreter lock) with
whatever the background loops are doing: entity extraction is pure Python
for a tenth of a second a step. The loops that do such work ask
:meth:`Foreground.wait_quiet` before each step: while a search is in flight,
or one ended a moment ago (an agent's next question follows its last), the
step waits, but never longer than ``limit`` seconds, so the background keeps
at least a share of the time under a steady stream of queries.

That share shrinks while requests crowd the machine, for work that can wait
longer (a :class:`Patience`: entity and fact extraction): each wait that finds
no quiet moment while more requests are in flight than the cores can run
doubles the next, up to :data:`PATIENT_LIMIT_SECONDS`, and any other halves it
(a lull in a crowd is not its end). Under sixteen clients,
the 50 ms bound left extraction a fifth of the samples and a 0.4 s bound a
tenth of the CPU, more than it looks: a parse holds the interpreter lock in
long stretches, so every request thread waits through it
(``docs/benchmarks.md``). One client searching back to back is not a crowd:
a step then delays one search, not a queue of them, and extraction keeps its
share (with the longer bound there, an ingest's entities took 594 s instead
of 152 while the bench searched). The vector index's steps stay at 50 ms,
since searches do its work themselves while it lags.

These waits decide when a step starts, not what a step already running takes:
on Linux every loop's thread and the embedder's background batches run at a
lower priority than the threads a user waits on, so that the kernel gives a
search the core such a step holds (:mod:`memvault.priority`).

A store's entities are extracted in its request only while the machine is
not crowded (:meth:`Foreground.crowded`); in a crowd they are queued for the
patient loop, for the same reason, and since the pipeline parses one text at
a time for everyone.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import psutil

T = TypeVar("T")

#: A search that ended this recently still counts: the next one is usually right behind it.
GRACE_SECONDS = 0.02
#: The longest a step waits for searches to stop, so that background work never stalls under load.
LIMIT_SECONDS = 0.05
#: The longest a :class:`Patience` waits once requests have crowded the machine for a while: extraction then
#: parses a few memories every two seconds and catches up once the crowd thins.
PATIENT_LIMIT_SECONDS = 2.0
#: More foreground work in flight than this many a core is a crowd: most of it waits for the CPU (an agent's
#: search counts twice, as a request and as a search).
CROWDED_PER_CORE = 2


class Foreground:
    """Counts searches (and agents' requests) in flight; background steps wait for a quiet moment (bounded)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, cores: int | None = None) -> None:
        self._clock = clock
        cores = cores or psutil.cpu_count(logical=False) or os.cpu_count() or 1
        self._crowd = CROWDED_PER_CORE * cores
        self._cond = threading.Condition()
        self._serving = 0
        self._last_end = float("-inf")
        #: Seconds background steps waited (tests and the bench read it).
        self.waited = 0.0

    def serving(self, fn: Callable[..., T]) -> Callable[..., T]:
        """``fn`` counted as foreground work while it runs."""

        @functools.wraps(fn)
        def counted(*args, **kwargs) -> T:
            self.begin()
            try:
                return fn(*args, **kwargs)
            finally:
                self.end()

        return counted

    def begin(self) -> None:
        """Foreground work started (a search, or a request an agent waits on: see ``api/server.py``)."""
        with self._cond:
            self._serving += 1

    def end(self) -> None:
        """Foreground work that :meth:`begin` counted is over."""
        with self._cond:
            self._serving -= 1
            self._last_end = self._clock()
            self._cond.notify_all()

    def busy(self) -> bool:
        with self._cond:
            return self._busy()

    def _busy(self) -> bool:
        return self._serving > 0 or self._clock() - self._last_end < GRACE_SECONDS

    def crowded(self) -> bool:
        """More foreground work in flight than the cores can run: most of it is waiting for the CPU."""
        with self._cond:
            return self._crowded()

    def _crowded(self) -> bool:
        return self._serving > self._crowd

    def wait_quiet(self, limit: float = LIMIT_SECONDS) -> float:
        """Wait until no search runs nor just ended, at most ``limit`` seconds; returns the seconds waited."""
        return self._wait(limit)[0]

    def _wait(self, limit: float) -> tuple[float, bool]:
        """(seconds waited, whether ``limit`` ran out with the machine crowded)."""
        started = self._clock()
        with self._cond:
            crowded = False
            while self._busy():
                left = limit - (self._clock() - started)
                if left <= 0:
                    crowded = self._crowded()
                    break
                pending = self._serving > 0
                self._cond.wait(left if pending else min(left, GRACE_SECONDS))
            waited = self._clock() - started
            self.waited += waited
        return waited, crowded

    def patience(self, most: float = PATIENT_LIMIT_SECONDS) -> Patience:
        """A wait for quiet, for one loop, that grows while requests crowd the machine (up to ``most``)."""
        return Patience(self, most)


class Patience:
    """One loop's waits for a quiet moment: each that runs out with the machine crowded doubles the next, up
    to ``most`` seconds; any other halves it, down to :data:`LIMIT_SECONDS`."""

    def __init__(self, foreground: Foreground, most: float) -> None:
        self._foreground = foreground
        self._most = most
        #: The bound of the next wait.
        self.limit = LIMIT_SECONDS

    def __call__(self) -> float:
        """Wait (bounded) for searches to pause; returns the seconds waited."""
        waited, crowded = self._foreground._wait(self.limit)
        # A lull in a crowd is not its end: the bound comes down by halves, so a crowd with gaps keeps extraction
        # to a part a second or so (starting again from the shortest bound at each lull let it parse at every one:
        # a tenth of the server's time under sixteen clients). Idle, no wait reaches its bound, so a long one left
        # over costs nothing; one client searching back to back never crowds, so its bound stays the shortest.
        self.limit = min(self._most, self.limit * 2) if crowded else max(LIMIT_SECONDS, self.limit / 2)
        return waited


def yielding(step: Callable[[], float], wait: Callable[[], object]) -> Callable[[], float]:
    """A background loop's step that first lets searches in flight finish (``wait`` bounds how long)."""

    @functools.wraps(step)
    def polite() -> float:
        wait()
        return step()

    return polite
