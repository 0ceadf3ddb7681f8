"""The wall clock as a value the service is given, so tests move time instead of poking rows."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Seconds since the epoch, like :func:`time.time`."""

    def __call__(self) -> float: ...


def system_clock() -> float:
    """The real wall clock."""
    return time.time()


class CorrectedClock:
    """A wall clock minus an offset that sync sets when other devices' signed readings show this one runs ahead
    (see ``memvault/sync/FORMAT.md``, clock skew): times this device writes (``created_at``, ``expires_at``) then
    follow the group's time, not a clock a day ahead. ``raw`` is the clock as it is."""

    def __init__(self, raw: Clock = system_clock) -> None:
        self.raw = raw
        self.offset = 0.0

    def __call__(self) -> float:
        return self.raw() - self.offset
