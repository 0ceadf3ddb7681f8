"""Entity extraction asked for by a client (MemoryRelay's extract-entities and backfill calls)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text


def queue_forced(conn: Connection, memory_ids: Sequence[int], now: float) -> int:
    """Queue the live memories ``memory_ids`` for extraction whatever their length; returns how many."""
    if not memory_ids:
        return 0
    return conn.execute(text(
        "INSERT INTO entity_jobs(memory_id, content_hash, forced, attempts, created_at) "
        "SELECT id, content_hash, 1, 0, :now FROM memories WHERE id IN :ids AND deleted_at IS NULL "
        "ON CONFLICT(memory_id) DO UPDATE SET content_hash = excluded.content_hash, forced = 1, attempts = 0"
    ).bindparams(bindparam("ids", expanding=True)), {"ids": list(memory_ids), "now": now}).rowcount


def pending(conn: Connection, memory_id: int) -> bool:
    return conn.execute(text("SELECT 1 FROM entity_jobs WHERE memory_id = :m"), {"m": memory_id}).first() is not None


def without_entities(conn: Connection, namespace: str, agent_id: str | None, limit: int) -> list[int]:
    """Live memories of ``namespace`` (and ``agent_id``) that mention no entity and wait for no extraction."""
    agent = " AND m.agent_id = :a" if agent_id is not None else ""
    return [r[0] for r in conn.execute(text(
        "SELECT m.id FROM memories m WHERE m.namespace = :ns AND m.deleted_at IS NULL" + agent +
        " AND NOT EXISTS (SELECT 1 FROM memory_entities me WHERE me.memory_id = m.id)"
        " AND NOT EXISTS (SELECT 1 FROM entity_jobs j WHERE j.memory_id = m.id) ORDER BY m.id LIMIT :l"),
        {"ns": namespace, "a": agent_id, "l": limit}).all()]
