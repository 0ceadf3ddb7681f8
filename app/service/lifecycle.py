"""Soft delete, restore, archive, hard delete, namespace wipe and TTL purge."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.models import Memory, MemoryFilter
from app.service import validation as v
from app.service.clock import HybridClock
from app.service.events import ChangeEvent, EventHub
from app.vault import filters
from app.vault import memories as repo
from app.vault.engine import Database

log = logging.getLogger(__name__)
#: Memories removed per transaction when emptying the trash.
PURGE_BATCH = 200


class LifecycleService:
    """Moves memories between live, archived, trash and gone."""

    def __init__(self, db: Database, clock: HybridClock, events: EventHub) -> None:
        self._db = db
        self._clock = clock
        self._events = events

    def _transition(self, memory_id: str, namespace: str | None, change: str, column: str, set_it: bool) -> Memory:
        """Set or clear ``column`` (a timestamp), refusing a no-op with :class:`Conflict`."""
        now = time.time()
        with self._db.write() as conn:
            current = repo.get_by_uuid(conn, memory_id)
            if current is None or (namespace is not None and current.namespace != namespace):
                raise NotFound(f"no memory with id {memory_id}")
            if (getattr(current, column) is not None) == set_it:
                state = column.removesuffix("_at")
                raise Conflict(f"memory {memory_id} is {'already' if set_it else 'not'} {state}")
            hlc = self._clock.now()
            repo.update_memory(conn, current, {column: now if set_it else None, "hlc": hlc}, change, now)
            repo.append_oplog(conn, change, current.id, hlc, self._clock.device_id, now)
            after = repo.get_by_rowid(conn, current.rowid)
        assert after is not None
        self._events.emit(ChangeEvent(change, (after.id,), after.namespace))
        return after

    def delete(self, memory_id: str, namespace: str | None = None) -> Memory:
        """Move a memory to the trash: kept, but out of lists and search."""
        return self._transition(memory_id, namespace, "deleted", "deleted_at", True)

    def restore(self, memory_id: str, namespace: str | None = None) -> Memory:
        """Bring a memory back from the trash."""
        return self._transition(memory_id, namespace, "restored", "deleted_at", False)

    def archive(self, memory_id: str, namespace: str | None = None) -> Memory:
        """Keep a memory but leave it out of lists and search unless asked for."""
        return self._transition(memory_id, namespace, "archived", "archived_at", True)

    def unarchive(self, memory_id: str, namespace: str | None = None) -> Memory:
        return self._transition(memory_id, namespace, "unarchived", "archived_at", False)

    def _remove(self, conn, pairs: list[tuple[int, str]], now: float) -> None:
        repo.hard_delete(conn, [rowid for rowid, _ in pairs])
        for _, uuid in pairs:
            repo.append_oplog(conn, "tombstone", uuid, self._clock.now(), self._clock.device_id, now)

    def hard_delete(self, memory_id: str, namespace: str | None = None) -> None:
        """Remove a memory and its history for good."""
        now = time.time()
        with self._db.write() as conn:
            current = repo.get_by_uuid(conn, memory_id)
            if current is None or (namespace is not None and current.namespace != namespace):
                raise NotFound(f"no memory with id {memory_id}")
            self._remove(conn, [(current.rowid, current.id)], now)
        self._events.emit(ChangeEvent("purged", (memory_id,), current.namespace))

    def wipe_namespace(self, namespace: str, *, confirm: str) -> int:
        """Hard-delete every memory of ``namespace``; ``confirm`` must repeat its name."""
        v.namespace(namespace)
        if confirm != namespace:
            raise InvalidInput("to wipe a namespace, confirm with its exact name", field="confirm")
        return self._purge_where(filters.full(MemoryFilter(namespace=namespace, include_deleted=True,
                                                           include_archived=True, include_expired=True), 0),
                                 namespace)

    def purge_expired(self, namespace: str | None = None) -> int:
        """Hard-delete memories whose TTL has run out; returns how many."""
        now = time.time()
        with self._db.write() as conn:
            pairs = repo.expired_rowids(conn, now, namespace)
            if pairs:
                self._remove(conn, pairs, now)
        if pairs:
            self._events.emit(ChangeEvent("purged", tuple(u for _, u in pairs), namespace))
        return len(pairs)

    def empty_trash(self, namespace: str | None = None, older_than_seconds: float = 0, *,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> int:
        """Hard-delete soft-deleted memories (deleted at least ``older_than_seconds`` ago).

        Works in batches, each its own transaction: ``progress(done, total)`` is
        called after each, and ``cancelled()`` is checked before the next, so a
        cancelled purge keeps whatever it had not reached yet.
        """
        where = filters.Where()
        where.add("m.deleted_at IS NOT NULL AND m.deleted_at <= :cut", cut=time.time() - older_than_seconds)
        if namespace is not None:
            where.add("m.namespace = :ns", ns=v.namespace(namespace))
        with self._db.read() as conn:
            pairs = repo.rowids_where(conn, where)
        done = 0
        for start in range(0, len(pairs), PURGE_BATCH):
            if cancelled is not None and cancelled():
                break
            batch = pairs[start : start + PURGE_BATCH]
            now = time.time()
            with self._db.write() as conn:
                self._remove(conn, batch, now)
            done += len(batch)
            self._events.emit(ChangeEvent("purged", tuple(u for _, u in batch), namespace))
            if progress is not None:
                progress(done, len(pairs))
        return done

    def _purge_where(self, where: filters.Where, namespace: str | None) -> int:
        now = time.time()
        with self._db.write() as conn:
            pairs = repo.rowids_where(conn, where)
            if pairs:
                self._remove(conn, pairs, now)
        if pairs:
            self._events.emit(ChangeEvent("purged", tuple(u for _, u in pairs), namespace))
        return len(pairs)


class PurgeTimer:
    """Purges expired memories every ``interval`` seconds on a daemon thread."""

    def __init__(self, lifecycle: LifecycleService, interval: float) -> None:
        self._lifecycle = lifecycle
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ttl-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            removed = self._lifecycle.purge_expired()
            if removed:
                log.info("purged %d expired memories", removed)
