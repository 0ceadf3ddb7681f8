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
        #: How far this device's wall clock is known to run ahead (set by sync; see :meth:`correct`).
        self.offset_ms = 0

    def now(self) -> str:
        """A new stamp, later than every stamp issued or observed before."""
        with self._lock:
            ms = self._wall_ms() - self.offset_ms
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

    def correct(self, offset_ms: int) -> None:
        """Stamp from now on with the wall clock minus ``offset_ms`` (how far it is known to run ahead).

        Stamps may then go back below ones this device issued before: sync stamps every edit after the
        state it was made over, so that is safe, and it is what keeps a device that ran a day ahead from
        stamping a day ahead until real time catches up.
        """
        with self._lock:
            if offset_ms == self.offset_ms:
                return
            self.offset_ms = offset_ms
            back = self._wall_ms() - offset_ms
            if back < self._ms:
                self._ms, self._counter = back, 0
