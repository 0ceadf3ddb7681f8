"""Reading memories: by id, by page with filters, counts, history, and the rows a bulk change will touch.

Every change goes through :mod:`memvault.vault.memories`; this module only reads.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from memvault.domain.errors import InvalidInput
from memvault.domain.entities import TypeSource
from memvault.domain.models import EmbeddedMemory, HistoryEntry, Memory, MemoryFilter
from memvault.vault import entities, filters
from memvault.vault.connect import driver_rows
from memvault.vault.rows import (
    MEMORY_COLUMNS,
    ROWID_AT,
    MemoryRow,
    VECTOR_TARGET_COLUMNS,
    VectorTarget,
    history_from_row,
    with_first_version,
    memory_from_row,
    vector_target_from_row,
)


def _with_entities(conn: Connection, rows: Sequence[Any]) -> list[Memory]:
    """The memories of ``rows`` (of :data:`MEMORY_COLUMNS`), each with its entities (one query for all)."""
    linked = entities.mentions_of(conn, [r[ROWID_AT] for r in rows])
    return [memory_from_row(r, linked.get(r[ROWID_AT])) for r in rows]


def _one(conn: Connection, row: Any) -> Memory | None:
    return _with_entities(conn, [row])[0] if row else None


def get_by_uuid(conn: Connection, uuid: str) -> Memory | None:
    # Through the driver, as an agent's read by id is one of its most common requests.
    found = driver_rows(conn, f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.uuid = ?", (uuid,))
    return _one(conn, MemoryRow._make(found[0])) if found else None


def get_by_rowid(conn: Connection, rowid: int) -> Memory | None:
    found = driver_rows(conn, f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.id = ?", (rowid,))
    return _one(conn, MemoryRow._make(found[0])) if found else None


def get_many(conn: Connection, rowids: Sequence[int], *, entities: bool = True) -> dict[int, Memory]:
    """Memories by rowid; missing ones are simply absent.

    ``entities=False``: without their entities, for callers that do not read them (a batch just created with
    none linked, the embedding worker's completion).
    """
    if not rowids:
        return {}
    # One JSON parameter: a statement with a bound name per id cost more to build than to run (1,024 ids).
    # Through the driver: every search reads its page this way, and SQLAlchemy's handling of the statement
    # cost about as much as the read itself.
    rows = conn.connection.dbapi_connection.execute(
        f"SELECT {MEMORY_COLUMNS} FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value",
        (filters.json_ids(rowids),)).fetchall()
    rows = [MemoryRow._make(r) for r in rows]
    return {m.rowid: m for m in (_with_entities(conn, rows) if entities else map(memory_from_row, rows))}


def vector_targets(conn: Connection, rowids: Sequence[int]) -> dict[int, VectorTarget]:
    """What storing vectors reads of each memory by rowid (:class:`VectorTarget`); missing ones are absent."""
    if not rowids:
        return {}
    rows = conn.connection.dbapi_connection.execute(
        f"SELECT {VECTOR_TARGET_COLUMNS} FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value",
        (filters.json_ids(rowids),)).fetchall()
    return {r[0]: vector_target_from_row(r) for r in rows}


def contents(conn: Connection, rowids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Only the text and session of each memory by rowid (what ranking reads; whole memories are read for the
    page shown)."""
    if not rowids:
        return {}
    rows = conn.connection.dbapi_connection.execute(
        "SELECT m.id, m.content, m.session_id FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value",
        (filters.json_ids(rowids),)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def speakers(conn: Connection, rowids: Sequence[int]) -> dict[int, str]:
    """The speaker of each of ``rowids`` that is a turn naming who said it (``metadata.speaker``, as written)."""
    if not rowids:
        return {}
    rows = conn.connection.dbapi_connection.execute(
        "SELECT m.id, json_extract(m.metadata, '$.speaker') FROM json_each(?) j CROSS JOIN memories m "
        "ON m.id = j.value WHERE json_type(m.metadata, '$.speaker') = 'text'",
        (filters.json_ids(rowids),)).fetchall()
    return {r[0]: r[1] for r in rows}


def find_by_client_id(conn: Connection, namespace: str, client_id: str) -> Memory | None:
    row = conn.execute(
        text(f"SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.namespace = :ns AND m.client_id = :c"),
        {"ns": namespace, "c": client_id},
    ).first()
    return _one(conn, row)


def encode_cursor(m: Memory) -> str:
    raw = json.dumps([m.created_at, m.rowid]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    """``(created_at, rowid)`` from a cursor :func:`encode_cursor` made; anything else is :class:`InvalidInput`."""
    refused = InvalidInput("the cursor is not one this vault gave out: pass the next_cursor of the page before")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, rowid = json.loads(base64.urlsafe_b64decode(padded.encode()))
        created_at, rowid = float(created_at), int(rowid)
    except (ValueError, TypeError, RecursionError, json.JSONDecodeError):
        raise refused from None
    # SQLite binds 64-bit integers only, and NaN or infinity order nothing.
    if not math.isfinite(created_at) or not 0 <= rowid < 2**63:
        raise refused
    return created_at, rowid


def count_matching(conn: Connection, f: MemoryFilter, now: float) -> int:
    """How many memories match ``f``."""
    parts = filters.state_parts(f, now)  # one seek per lifecycle state (see there)
    counts = " + ".join(f"(SELECT count(*) FROM memories m WHERE {w.sql()})" for w in parts)
    return int(conn.execute(text(f"SELECT {counts}"), parts[0].params).scalar_one())


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
    return _with_entities(conn, rows), total


def history(conn: Connection, m: Memory) -> list[HistoryEntry]:
    rows = conn.execute(
        text("SELECT version, change, changed_at, snapshot FROM memory_history WHERE memory_id = :m ORDER BY version"),
        {"m": m.rowid},
    ).all()
    return [history_from_row(m.id, r, m) for r in with_first_version(list(rows), m.created_at)]


def expired_rowids(conn: Connection, now: float, namespace: str | None = None) -> list[tuple[int, str, str]]:
    """``(rowid, uuid, namespace)`` of memories whose TTL has run out."""
    sql = "SELECT id, uuid, namespace FROM memories WHERE expires_at IS NOT NULL AND expires_at <= :now"
    params: dict[str, Any] = {"now": now}
    if namespace is not None:
        sql += " AND namespace = :ns"
        params["ns"] = namespace
    return [(r.id, r.uuid, r.namespace) for r in conn.execute(text(sql), params)]


def rowids_where(conn: Connection, where: filters.Where) -> list[tuple[int, str, str]]:
    """``(rowid, uuid, namespace)`` of the memories ``where`` selects (for bulk changes)."""
    sql = f"SELECT m.id, m.uuid, m.namespace FROM memories m WHERE {where.sql()}"
    return [(r.id, r.uuid, r.namespace) for r in conn.execute(text(sql), where.params)]


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


def trash_count(conn: Connection) -> int:
    """How many memories are in the trash (deleted, not yet purged)."""
    return conn.execute(text("SELECT count(*) FROM memories WHERE deleted_at IS NOT NULL")).scalar_one()


#: Whether a memory says who spoke (``metadata.speaker``, or ``metadata.role`` as chat imports write it):
#: what makes a sessionless memory a turn of a chat rather than a note of its own.
SPOKEN = ("(json_type({m}.metadata, '$.speaker') IS NOT NULL OR json_type({m}.metadata, '$.role') IS NOT NULL)")

#: A sessionless turn's neighbours in its user's stream, their times and whether they are turns too
#: (see :func:`_stream_neighbours`). Facts extracted from the chat are stepped over: they are read from its
#: turns, not said between them (stored after each chat, they cut its last turn from the next chat's first).
STREAM_NEIGHBOURS_SQL = (
    f"SELECT s.id, s.created_at, s.prev, p.created_at, {SPOKEN.format(m='p')}, "
    f"s.next, n.created_at, {SPOKEN.format(m='n')} FROM ("
    " SELECT m.id, m.created_at, "
    " (SELECT p.id FROM memories p WHERE p.id < m.id "
    "  AND p.namespace = m.namespace AND p.user_id = m.user_id AND p.session_id IS NULL "
    "  AND p.deleted_at IS NULL AND json_type(p.metadata, '$.fact') IS NULL ORDER BY p.id DESC LIMIT 1) AS prev, "
    " (SELECT n.id FROM memories n WHERE n.id > m.id "
    "  AND n.namespace = m.namespace AND n.user_id = m.user_id AND n.session_id IS NULL "
    "  AND n.deleted_at IS NULL AND json_type(n.metadata, '$.fact') IS NULL ORDER BY n.id LIMIT 1) AS next "
    " FROM json_each(:ids) j JOIN memories m ON m.id = j.value "
    f" WHERE m.session_id IS NULL AND m.user_id IS NOT NULL AND {SPOKEN.format(m='m')}) s "
    "LEFT JOIN memories p ON p.id = s.prev LEFT JOIN memories n ON n.id = s.next")


#: Each turn of a session among ``:ids`` with its session's previous and next turn (see
#: :func:`session_neighbours`).
SESSION_NEIGHBOURS_SQL = (
    "SELECT m.id, "
    "(SELECT p.id FROM memories p WHERE p.namespace = m.namespace "
    " AND p.created_at BETWEEN m.created_at - :w AND m.created_at AND p.id < m.id "
    f" AND p.session_id = m.session_id AND p.deleted_at IS NULL AND {SPOKEN.format(m='p')} "
    " ORDER BY p.created_at DESC, p.id DESC LIMIT 1), "
    "(SELECT n.id FROM memories n WHERE n.namespace = m.namespace "
    " AND n.created_at BETWEEN m.created_at AND m.created_at + :w AND n.id > m.id "
    f" AND n.session_id = m.session_id AND n.deleted_at IS NULL AND {SPOKEN.format(m='n')} "
    " ORDER BY n.created_at, n.id LIMIT 1) "
    f"FROM json_each(:ids) j JOIN memories m ON m.id = j.value WHERE m.session_id IS NOT NULL AND {SPOKEN.format(m='m')}")


def session_neighbours(conn: Connection, memory_ids: Sequence[int], window: float,
                       sessionless_window: float = 0.0) -> dict[int, tuple[int | None, int | None]]:
    """``{memory id: (previous turn, next turn)}`` of the memories among ``memory_ids`` that are turns.

    A turn is a memory that says who spoke (``metadata.speaker`` or ``metadata.role``). A turn of a session has
    as neighbours the turns of the same namespace and session just before (after) it, at most ``window``
    seconds away, walked along the (namespace, created_at, id) index. A turn without a session but with a
    user is a turn of that user's one stream (:func:`_stream_neighbours`). A note (no speaker) is judged
    alone, in a session or not: an agent's notes stored in one session one after another are no
    conversation, and reading them as one sank the note that answered under its unrelated neighbours.
    """
    if not memory_ids:
        return {}
    # Through the driver, as the stream's: hybrid reads both for every search.
    rows = conn.connection.dbapi_connection.execute(SESSION_NEIGHBOURS_SQL,
                                                    {"ids": filters.json_ids(memory_ids), "w": window}).fetchall()
    out = {r[0]: (r[1], r[2]) for r in rows}
    if sessionless_window > 0:
        out.update(_stream_neighbours(conn, memory_ids, sessionless_window))
    return out


def _stream_neighbours(conn: Connection, memory_ids: Sequence[int], window: float
                       ) -> dict[int, tuple[int | None, int | None]]:
    """The neighbours of each sessionless turn of a user among ``memory_ids``: the same namespace and
    user's sessionless live memories stored just before (after) it, if they are turns too and at most
    ``window`` seconds away.

    Found by id (ids follow the order memories were stored) in ``ix_memories_user_stream``: one seek each,
    whatever other users stored in between.
    """
    rows = conn.connection.dbapi_connection.execute(STREAM_NEIGHBOURS_SQL,
                                                    {"ids": filters.json_ids(memory_ids)}).fetchall()
    return {mid: (prev if prev is not None and prev_spoken and abs(at - prev_at) <= window else None,
                  nxt if nxt is not None and next_spoken and abs(next_at - at) <= window else None)
            for mid, at, prev, prev_at, prev_spoken, nxt, next_at, next_spoken in rows}


def typed_by_default(conn: Connection, model_ids: Sequence[str], after: int, limit: int) -> list[EmbeddedMemory]:
    """Embedded memories past row ``after`` whose vectors come from one of ``model_ids`` and whose omitted type
    still waits for a classifier (source ``default``): stored before their model had one."""
    rows = driver_rows(conn, "SELECT uuid, id, namespace, model_id FROM memories WHERE id > ? "
                             "AND memory_type_source = 'default' AND embedding_status = 'ready' "
                             "AND model_id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
                       (after, json.dumps(list(model_ids)), limit))
    return [EmbeddedMemory(uuid, rowid, namespace, model_id, TypeSource.DEFAULT)
            for uuid, rowid, namespace, model_id in rows]

