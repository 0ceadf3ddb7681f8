"""Soft delete, restore, archive, hard delete, namespace wipe and TTL purge."""

from __future__ import annotations

import logging
from collections.abc import Callable

from memvault.domain.changes import SYSTEM, USER, ChangeEvent, ChangeKind, ChangeOrigin
from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import Conflict, InvalidInput, NotFound
from memvault.domain.hlc import HybridClock
from memvault.domain.models import Memory, MemoryFilter
from memvault.service import validation as v
from memvault.service.events import EventHub, event_for
from memvault.vault import filters
from memvault.vault import memories as writes
from memvault.vault import memory_queries as repo
from memvault.vault import profile_records
from memvault.vault import share_store
from memvault.vault.engine import Database
from memvault.vault.memories import Transition
from memvault.vault.oplog import Stamp

log = logging.getLogger(__name__)
#: Memories removed per transaction when emptying the trash.
PURGE_BATCH = 200


def _purged(targets: list[tuple[int, str, str]], origin: ChangeOrigin) -> ChangeEvent:
    return ChangeEvent(ChangeKind.PURGED, tuple(u for _, u, _ in targets),
                       tuple(sorted({ns for _, _, ns in targets})), origin)


class LifecycleService:
    """Moves memories between live, archived, trash and gone."""

    def __init__(self, db: Database, clock: HybridClock, events: EventHub, wall: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._wall = wall

    def _stamp(self) -> Stamp:
        return Stamp(self._clock.now(), self._clock.device_id, self._wall())

    def _move(self, memory_id: str, namespace: str | None, move: Transition, kind: ChangeKind,
              origin: ChangeOrigin) -> Memory:
        with self._db.write() as conn:
            current = repo.get_by_uuid(conn, memory_id)
            if current is None or (namespace is not None and current.namespace != namespace):
                raise NotFound(f"no memory with id {memory_id}")
            share_store.refuse_read_only(conn, [current.namespace])
            after = writes.transition(conn, current, move, self._stamp())
        self._events.emit(event_for(kind, [after], origin))
        return after

    def delete(self, memory_id: str, namespace: str | None = None, *, origin: ChangeOrigin = USER) -> Memory:
        """Move a memory to the trash: kept, but out of lists and search."""
        return self._move(memory_id, namespace, Transition.DELETE, ChangeKind.DELETED, origin)

    def trash(self, memory_id: str, namespace: str | None = None, *, origin: ChangeOrigin = USER) -> bool:
        """:meth:`delete` for a caller that may retry (a lost answer): a memory already in the trash is what
        was asked for, not a conflict. Whether this call moved it."""
        try:
            self.delete(memory_id, namespace, origin=origin)
            return True
        except Conflict:
            with self._db.read() as conn:
                current = repo.get_by_uuid(conn, memory_id)
            if current is not None and current.deleted_at is not None:
                return False
            raise

    def restore(self, memory_id: str, namespace: str | None = None, *, origin: ChangeOrigin = USER) -> Memory:
        """Bring a memory back from the trash."""
        return self._move(memory_id, namespace, Transition.RESTORE, ChangeKind.RESTORED, origin)

    def archive(self, memory_id: str, namespace: str | None = None, *, origin: ChangeOrigin = USER) -> Memory:
        """Keep a memory but leave it out of lists and search unless asked for."""
        return self._move(memory_id, namespace, Transition.ARCHIVE, ChangeKind.ARCHIVED, origin)

    def unarchive(self, memory_id: str, namespace: str | None = None, *, origin: ChangeOrigin = USER) -> Memory:
        return self._move(memory_id, namespace, Transition.UNARCHIVE, ChangeKind.UNARCHIVED, origin)

    def hard_delete(self, memory_id: str, namespace: str | None = None, *, origin: ChangeOrigin = USER) -> None:
        """Remove a memory and its history for good."""
        with self._db.write() as conn:
            current = repo.get_by_uuid(conn, memory_id)
            if current is None or (namespace is not None and current.namespace != namespace):
                raise NotFound(f"no memory with id {memory_id}")
            share_store.refuse_read_only(conn, [current.namespace])
            targets = [(current.rowid, current.id, current.namespace)]
            writes.hard_delete(conn, targets, self._stamp(), reason="deleted")
        self._events.emit(_purged(targets, origin))

    def wipe_namespace(self, namespace: str, *, confirm: str, origin: ChangeOrigin = USER) -> int:
        """Hard-delete every memory and profile record of ``namespace``; ``confirm`` must repeat its name."""
        v.namespace(namespace)
        if confirm != namespace:
            raise InvalidInput("to wipe a namespace, confirm with its exact name", field="confirm")
        where = filters.full(MemoryFilter(namespace=namespace, include_deleted=True, include_archived=True,
                                          include_expired=True), 0)
        with self._db.write() as conn:
            share_store.refuse_read_only(conn, [namespace])
            targets = repo.rowids_where(conn, where)
            if targets:
                writes.wipe_namespace(conn, namespace, targets, self._stamp())
            # The compat profiles' sessions, agents, ... belong to the namespace too, even one without memories.
            profile_records.delete_namespace(conn, namespace)
        if targets:
            self._events.emit(ChangeEvent(ChangeKind.WIPED, tuple(u for _, u, _ in targets), (namespace,), origin))
        return len(targets)

    def purge_expired(self, namespace: str | None = None) -> int:
        """Hard-delete memories whose TTL has run out; returns how many."""
        with self._db.write() as conn:
            stamp = self._stamp()
            targets = repo.expired_rowids(conn, stamp.at, namespace)
            if targets:
                writes.hard_delete(conn, targets, stamp, reason="expired")
        if targets:
            self._events.emit(_purged(targets, SYSTEM))
        return len(targets)

    def empty_trash(self, namespace: str | None = None, older_than_seconds: float = 0, *,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None, origin: ChangeOrigin = USER) -> int:
        """Hard-delete soft-deleted memories (deleted at least ``older_than_seconds`` ago).

        Works in batches, each its own transaction: ``progress(done, total)`` is
        called after each, and ``cancelled()`` is checked before the next, so a
        cancelled purge keeps whatever it had not reached yet.
        """
        where = filters.Where()
        where.add("m.deleted_at IS NOT NULL AND m.deleted_at <= :cut", cut=self._wall() - older_than_seconds)
        if namespace is not None:
            where.add("m.namespace = :ns", ns=v.namespace(namespace))
        with self._db.read() as conn:
            targets = repo.rowids_where(conn, where)
        done = 0
        for start in range(0, len(targets), PURGE_BATCH):
            if cancelled is not None and cancelled():
                break
            batch = targets[start : start + PURGE_BATCH]
            with self._db.write() as conn:
                writes.hard_delete(conn, batch, self._stamp(), reason="trash")
            done += len(batch)
            self._events.emit(_purged(batch, origin))
            if progress is not None:
                progress(done, len(targets))
        return done
