"""Reading and writing memory rows, their tags, history, FTS entries and jobs."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, text, update

from app.domain.errors import InvalidInput
from app.domain.models import HistoryEntry, Memory, MemoryFilter
from app.vault import filters, vectors
from app.vault.rows import MEMORY_COLUMNS, history_from_row, memory_from_row, snapshot_of
from app.vault.schema import memories, memory_history


def insert_memory(conn: Connection, values: dict[str, Any], tags: Sequence[str]) -> int:
    """Insert a memory with its tags, FTS entry, first history row and embedding job."""
    row = dict(values, tags=json.dumps(list(tags), ensure_ascii=False))
    rowid = conn.execute(insert(memories).values(**row).returning(memories.c.id)).scalar_one()
    _write_tags(conn, rowid, tags)
    conn.execute(text("INSERT INTO memory_fts(rowid, content) VALUES (:r, :c)"), {"r": rowid, "c": values["content"]})
    add_history(conn, rowid, values["version"], "create", values["created_at"], row)
    return rowid


def _write_tags(conn: Connection, rowid: int, tags: Sequence[str]) -> None:
    conn.execute(text("DELETE FROM memory_tags WHERE memory_id = :m"), {"m": rowid})
    if tags:
        conn.execute(
            text("INSERT OR IGNORE INTO memory_tags(memory_id, tag) VALUES (:m, :t)"),
            [{"m": rowid, "t": t} for t in tags],
        )


def add_history(conn: Connection, rowid: int, version: int, change: str, at: float, values: dict[str, Any]) -> None:
    conn.execute(
        insert(memory_history).values(
            memory_id=rowid, version=version, change=change, changed_at=at, snapshot=snapshot_of(values)
        )
    )


def enqueue_embedding(conn: Connection, rowid: int, content_hash: str, now: float) -> None:
    """Add or reset the memory's embedding job (an update supersedes a pending one)."""
    conn.execute(
        text(
            "INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
            "VALUES (:m, :h, 0, :now, :now) ON CONFLICT(memory_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, attempts = 0, next_attempt_at = excluded.next_attempt_at, "
            "leased_until = NULL, leased_by = NULL, last_error = NULL"
        ),
        {"m": rowid, "h": content_hash, "now": now},
    )


def append_oplog(conn: Connection, op: str, memory_uuid: str, hlc: str, device_id: str, now: float) -> None:
    conn.execute(
        text("INSERT INTO oplog(hlc, device_id, op, memory_uuid, created_at) VALUES (:h, :d, :o, :u, :t)"),
        {"h": hlc, "d": device_id, "o": op, "u": memory_uuid, "t": now},
    )


def get_by_uuid(conn: Connection, uuid: str) -> Memory | None:
    row = conn.execute(text(f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.uuid = :u"), {"u": uuid}).first()
    return memory_from_row(row) if row else None


def get_by_rowid(conn: Connection, rowid: int) -> Memory | None:
    row = conn.execute(text(f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.id = :r"), {"r": rowid}).first()
    return memory_from_row(row) if row else None


def get_many(conn: Connection, rowids: Sequence[int]) -> dict[int, Memory]:
    """Memories by rowid; missing ones are simply absent."""
    if not rowids:
        return {}
    sql, params = filters.in_list("r", rowids)
    rows = conn.execute(text(f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.id IN {sql}"), params).all()
    return {r.id: memory_from_row(r) for r in rows}


def find_by_client_id(conn: Connection, namespace: str, client_id: str) -> Memory | None:
    row = conn.execute(
        text(f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.namespace = :ns AND m.client_id = :c"),
        {"ns": namespace, "c": client_id},
    ).first()
    return memory_from_row(row) if row else None


def encode_cursor(m: Memory) -> str:
    raw = json.dumps([m.created_at, m.rowid]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, rowid = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return float(created_at), int(rowid)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput("the cursor is not one this server issued") from None


def count_matching(conn: Connection, f: MemoryFilter, now: float) -> int:
    """How many memories match ``f``."""
    where = filters.full(f, now)
    return int(conn.execute(text(f"SELECT count(*) FROM memories m WHERE {where.sql()}"), where.params).scalar_one())


def list_page(
    conn: Connection, f: MemoryFilter, now: float, *, limit: int, offset: int, cursor: str | None, count: bool = True
) -> tuple[list[Memory], int | None]:
    """A page of memories (newest first) and, with ``count``, the total that match ``f``.

    Counting visits every matching row; the page alone stops after ``limit``
    rows of the creation-time index, so callers that can show the total later
    skip it here.
    """
    where = filters.full(f, now)
    total = count_matching(conn, f, now) if count else None
    page_where = filters.Where(list(where.clauses), dict(where.params))
    if cursor:
        c_at, c_id = decode_cursor(cursor)
        page_where.add("(m.created_at, m.id) < (:c_at, :c_id)", c_at=c_at, c_id=c_id)
    rows = conn.execute(
        text(
            f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE {page_where.sql()} "
            "ORDER BY m.created_at DESC, m.id DESC LIMIT :lim OFFSET :off"
        ),
        dict(page_where.params, lim=limit, off=offset),
    ).all()
    return [memory_from_row(r) for r in rows], total


def update_memory(conn: Connection, current: Memory, changes: dict[str, Any], change: str, now: float) -> None:
    """Apply ``changes`` (column -> value), bump the version and record history."""
    values = dict(changes)
    tags = values.pop("tags", None)
    if tags is not None:
        values["tags"] = json.dumps(list(tags), ensure_ascii=False)
        _write_tags(conn, current.rowid, tags)
    if "metadata" in values and not isinstance(values["metadata"], str):
        values["metadata"] = json.dumps(values["metadata"], ensure_ascii=False)
    values["version"] = current.version + 1
    values["updated_at"] = now
    conn.execute(update(memories).where(memories.c.id == current.rowid).values(**values))
    if "content" in values:
        conn.execute(
            text("UPDATE memory_fts SET content = :c WHERE rowid = :r"), {"c": values["content"], "r": current.rowid}
        )
    merged = {
        "content": values.get("content", current.content),
        "memory_type": values.get("memory_type", current.memory_type.value),
        "tags": values.get("tags", list(current.tags)),
        "metadata": values.get("metadata", current.metadata),
        "importance": values.get("importance", current.importance),
        "tier": values.get("tier", current.tier.value),
        "visibility": values.get("visibility", current.visibility.value),
    }
    add_history(conn, current.rowid, values["version"], change, now, merged)
    if "namespace" in values and values["namespace"] != current.namespace:
        vectors.move_vectors(conn, current.rowid, values["namespace"])
    after = get_by_rowid(conn, current.rowid)
    assert after is not None
    vectors.update_vector_flags(
        conn,
        after.rowid,
        state=vectors.vec_state(after.deleted_at, after.archived_at),
        confidential=after.visibility.value == "confidential",
        expires_at=after.expires_at,
    )


def history(conn: Connection, m: Memory) -> list[HistoryEntry]:
    rows = conn.execute(
        text("SELECT version, change, changed_at, snapshot FROM memory_history WHERE memory_id = :m ORDER BY version"),
        {"m": m.rowid},
    ).all()
    return [history_from_row(m.id, r) for r in rows]


def hard_delete(conn: Connection, rowids: Sequence[int]) -> None:
    """Remove memories and everything that hangs off them."""
    vectors.delete_vectors(conn, rowids)
    for rowid in rowids:
        conn.execute(text("DELETE FROM memory_fts WHERE rowid = :r"), {"r": rowid})
        conn.execute(text("DELETE FROM memories WHERE id = :r"), {"r": rowid})


def expired_rowids(conn: Connection, now: float, namespace: str | None = None) -> list[tuple[int, str]]:
    sql = "SELECT id, uuid FROM memories WHERE expires_at IS NOT NULL AND expires_at <= :now"
    params: dict[str, Any] = {"now": now}
    if namespace is not None:
        sql += " AND namespace = :ns"
        params["ns"] = namespace
    return [(r.id, r.uuid) for r in conn.execute(text(sql), params)]


def rowids_where(conn: Connection, where: filters.Where) -> list[tuple[int, str]]:
    return [(r.id, r.uuid) for r in conn.execute(text(f"SELECT m.id, m.uuid FROM memories m WHERE {where.sql()}"), where.params)]


def namespace_counts(conn: Connection, now: float) -> dict[str, int]:
    rows = conn.execute(
        text(
            "SELECT namespace, count(*) AS n FROM memories WHERE deleted_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > :now) GROUP BY namespace"
        ),
        {"now": now},
    ).all()
    known = conn.execute(text("SELECT name FROM namespaces")).scalars().all()
    counts = {name: 0 for name in known}
    counts.update({r.namespace: r.n for r in rows})
    return counts


def ensure_namespace(conn: Connection, name: str, now: float) -> None:
    conn.execute(
        text("INSERT OR IGNORE INTO namespaces(name, created_at) VALUES (:n, :t)"), {"n": name, "t": now}
    )
