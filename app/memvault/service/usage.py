"""Per-key rate limits and daily usage counters.

Counters are kept in memory and flushed to the vault every few seconds by a
background loop (``service/background.py``) and on close, so that counting a
request never costs a write transaction.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time

from memvault.domain.errors import RateLimited, StorageError, StorageFull, VaultBusy
from memvault.domain.models import ApiKey, UsageDay
from memvault.vault import api_keys as api_key_rows
from memvault.vault.engine import Database

COUNTERS = ("calls", "errors", "memories_created", "searches")


def utc_day(ts: float | None = None) -> str:
    return dt.datetime.fromtimestamp(time.time() if ts is None else ts, dt.timezone.utc).strftime("%Y-%m-%d")


class RateLimiter:
    """Sliding one-minute and one-hour windows per key."""

    def __init__(self) -> None:
        self._hits: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def check(self, key: ApiKey, now: float | None = None) -> None:
        """Count one request, or raise :class:`RateLimited` with the wait that would allow it."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key.id]
            while hits and hits[0] <= now - 3600:
                hits.popleft()
            in_minute = len(hits) - _first_after(hits, now - 60)
            if in_minute >= key.per_minute:
                oldest = hits[len(hits) - in_minute]
                raise RateLimited(f"rate limit of {key.per_minute} requests per minute exceeded for this API key",
                                  retry_after_seconds=max(1, int(oldest + 60 - now) + 1))
            if len(hits) >= key.per_hour:
                raise RateLimited(f"rate limit of {key.per_hour} requests per hour exceeded for this API key",
                                  retry_after_seconds=max(1, int(hits[0] + 3600 - now) + 1))
            hits.append(now)


def _first_after(hits: collections.deque[float], cut: float) -> int:
    lo, hi = 0, len(hits)
    while lo < hi:
        mid = (lo + hi) // 2
        if hits[mid] <= cut:
            lo = mid + 1
        else:
            hi = mid
    return lo


class UsageService:
    """Counts calls, errors, memories created and searches per key per UTC day."""

    FLUSH_SECONDS = 2.0

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: dict[tuple[int, str], dict[str, int]] = {}
        self._last_used: dict[int, float] = {}
        self._lock = threading.Lock()
        #: Held for a flush's whole swap and write: a read that flushes first waits for a flush in flight (the
        #: background loop's), which had taken the counters but not yet written them.
        self._flushing = threading.Lock()

    def record(self, key_id: int, **counts: int) -> None:
        """Add to today's counters of ``key_id`` (names from :data:`COUNTERS`)."""
        day = utc_day()
        with self._lock:
            row = self._pending.setdefault((key_id, day), dict.fromkeys(COUNTERS, 0))
            for name, value in counts.items():
                row[name] += value
            self._last_used[key_id] = time.time()

    def flush(self) -> None:
        """Write the pending counters (a read-only vault keeps them in memory).

        If the write fails the counters are put back, to be written by the next flush.
        """
        if self._db.read_only:
            return
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, {}
                last_used, self._last_used = self._last_used, {}
            if not pending and not last_used:
                return
            try:
                with self._db.write() as conn:
                    api_key_rows.add_usage(conn, [(k, d, c) for (k, d), c in pending.items()])
                    api_key_rows.touch(conn, last_used)
            except BaseException:
                self._restore(pending, last_used)
                raise

    def _restore(self, pending: dict[tuple[int, str], dict[str, int]], last_used: dict[int, float]) -> None:
        with self._lock:
            for slot, counts in pending.items():
                row = self._pending.setdefault(slot, dict.fromkeys(COUNTERS, 0))
                for name, value in counts.items():
                    row[name] += value
            for key_id, at in last_used.items():
                self._last_used[key_id] = max(at, self._last_used.get(key_id, 0.0))

    def usage(self, key_ids: list[int] | None = None, days: int = 30) -> list[UsageDay]:
        """Counters for the last ``days`` days, newest pending counts included when they can be saved."""
        try:
            self.flush()
        except (StorageFull, StorageError, VaultBusy):
            pass  # reading must keep working on a full disk; the counters stay pending
        since = utc_day(time.time() - (days - 1) * 86400)
        with self._db.read() as conn:
            rows = api_key_rows.usage(conn, key_ids, since)
        return [UsageDay(r.key_id, r.name, r.namespace, r.day, r.calls, r.errors, r.memories_created, r.searches)
                for r in rows]
