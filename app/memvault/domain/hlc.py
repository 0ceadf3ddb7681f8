"""A hybrid logical clock: timestamps that order changes across devices.

A stamp is ``<13-digit ms>-<5-digit counter>-<device id>``: it sorts as text,
stays ahead of every stamp this device has issued or seen (:meth:`observe`), and
ties between devices break on the device id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Hlc:
    """A parsed stamp."""

    ms: int
    counter: int
    device_id: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:05d}-{self.device_id}"

    @classmethod
    def parse(cls, stamp: str) -> Hlc:
        ms, counter, device = stamp.split("-", 2)
        return cls(int(ms), int(counter), device)


class HybridClock:
    """Issues strictly increasing, sortable stamps for one device.

    Args:
        device_id: this device's id (part of every stamp).
        wall_ms: the wall clock in milliseconds (injectable for tests).
    """

    def __init__(self, device_id: str, wall_ms: Callable[[], int] | None = None) -> None:
        self.device_id = device_id
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0

    def now(self) -> str:
        """A new stamp, later than every stamp issued or observed before."""
        with self._lock:
            ms = self._wall_ms()
            if ms > self._ms:
                self._ms, self._counter = ms, 0
            else:
                self._counter += 1
            return str(Hlc(self._ms, self._counter, self.device_id))

    def observe(self, stamp: str) -> None:
        """Move past a stamp seen from elsewhere, so that later local changes sort after it."""
        seen = Hlc.parse(stamp)
        with self._lock:
            self._ms, self._counter = max((self._ms, self._counter), (seen.ms, seen.counter))
