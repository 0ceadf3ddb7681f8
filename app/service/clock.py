"""A hybrid logical clock: timestamps that order changes across devices."""

from __future__ import annotations

import threading
import time


class HybridClock:
    """Issues strictly increasing, sortable ``<ms>-<counter>-<device>`` stamps."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0

    def now(self) -> str:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms > self._ms:
                self._ms, self._counter = ms, 0
            else:
                self._counter += 1
            return f"{self._ms:013d}-{self._counter:05d}-{self.device_id}"
