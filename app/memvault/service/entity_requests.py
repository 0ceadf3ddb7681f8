"""Entity extraction a client asks for: one memory now, or the memories that have none yet."""

from __future__ import annotations

from memvault.domain.clock import Clock, system_clock
from memvault.service import validation as v
from memvault.service.entities import EntityService
from memvault.vault import entity_requests as rows
from memvault.vault.engine import Database


class EntityRequests:
    def __init__(self, db: Database, entities: EntityService, wall: Clock = system_clock) -> None:
        self._db = db
        self._entities = entities
        self._wall = wall

    def extract(self, memory_rowid: int) -> None:
        """Queue one memory for extraction, however long it is; the entity loop picks it up."""
        with self._db.write() as conn:
            rows.queue_forced(conn, [memory_rowid], self._wall())
        self._entities.wake_event.set()

    def pending(self, memory_rowid: int) -> bool:
        with self._db.read() as conn:
            return rows.pending(conn, memory_rowid)

    def backfill(self, namespace: str, *, agent_id: str | None = None, limit: int = 100) -> int:
        """Queue up to ``limit`` memories that mention no entity yet; returns how many were queued."""
        v.int_range(limit, "limit", 1, 500)
        with self._db.write() as conn:
            found = rows.without_entities(conn, namespace, agent_id, limit)
            queued = rows.queue_forced(conn, found, self._wall())
        if queued:
            self._entities.wake_event.set()
        return queued
