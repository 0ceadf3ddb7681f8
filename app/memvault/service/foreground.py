"""Background work stepping aside while searches run.

On two cores a search shares the CPU (and Python's interpreter lock) with
whatever the background loops are doing: entity extraction is pure Python
for a tenth of a second a step. The loops that do such work ask
:meth:`Foreground.wait_quiet` before each step: while a search is in flight,
or one ended a moment ago (an agent's next question follows its last), the
step waits, but never longer than ``limit`` seconds, so the background keeps
at least a share of the time under a steady stream of queries.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: A search that ended this recently still counts: the next one is usually right behind it.
GRACE_SECONDS = 0.02
#: The longest a step waits for searches to stop, so that background work never stalls under load.
LIMIT_SECONDS = 0.05


class Foreground:
    """Counts searches in flight; background steps wait for a quiet moment (bounded)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._serving = 0
        self._last_end = float("-inf")
        #: Seconds background steps waited (tests and the bench read it).
        self.waited = 0.0

    def serving(self, fn: Callable[..., T]) -> Callable[..., T]:
        """``fn`` counted as foreground work while it runs."""

        @functools.wraps(fn)
        def counted(*args, **kwargs) -> T:
            with self._cond:
                self._serving += 1
            try:
                return fn(*args, **kwargs)
            finally:
                with self._cond:
                    self._serving -= 1
                    self._last_end = self._clock()
                    self._cond.notify_all()

        return counted

    def busy(self) -> bool:
        with self._cond:
            return self._busy()

    def _busy(self) -> bool:
        return self._serving > 0 or self._clock() - self._last_end < GRACE_SECONDS

    def wait_quiet(self, limit: float = LIMIT_SECONDS) -> float:
        """Wait until no search runs nor just ended, at most ``limit`` seconds; returns the seconds waited."""
        started = self._clock()
        with self._cond:
            while self._busy():
                left = limit - (self._clock() - started)
                if left <= 0:
                    break
                pending = self._serving > 0
                self._cond.wait(left if pending else min(left, GRACE_SECONDS))
            waited = self._clock() - started
            self.waited += waited
        return waited


def yielding(step: Callable[[], float], foreground: Foreground) -> Callable[[], float]:
    """A background loop's step that first lets searches in flight finish (bounded)."""

    @functools.wraps(step)
    def polite() -> float:
        foreground.wait_quiet()
        return step()

    return polite
