"""Small JSON records a compatibility client keeps (hand-made entities and their links to memories)."""

from __future__ import annotations

from typing import Any

from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import NotFound
from memvault.vault import profile_records as rows
from memvault.vault.engine import Database


class RecordService:
    def __init__(self, db: Database, wall: Clock = system_clock) -> None:
        self._db = db
        self._wall = wall

    def put(self, namespace: str, kind: str, record_id: str, body: dict[str, Any], *,
            parent: str | None = None) -> None:
        with self._db.write() as conn:
            rows.put(conn, namespace, kind, record_id, body, self._wall(), parent=parent)

    def get(self, namespace: str, kind: str, record_id: str) -> dict[str, Any]:
        with self._db.read() as conn:
            found = rows.get(conn, namespace, kind, record_id)
        if found is None:
            raise NotFound(f"no {kind.replace('_', ' ')} {record_id}")
        return found

    def page(self, namespace: str, kind: str, *, limit: int) -> list[dict[str, Any]]:
        with self._db.read() as conn:
            return rows.page(conn, namespace, kind, limit=limit)

    def children(self, namespace: str, kind: str, parent: str) -> list[dict[str, Any]]:
        with self._db.read() as conn:
            return rows.children(conn, namespace, kind, parent)

    def delete(self, namespace: str, kind: str, record_id: str, *, children_kind: str | None = None) -> None:
        with self._db.write() as conn:
            if not rows.delete(conn, namespace, kind, record_id):
                raise NotFound(f"no {kind.replace('_', ' ')} {record_id}")
            if children_kind is not None:
                rows.delete_children(conn, namespace, children_kind, record_id)
