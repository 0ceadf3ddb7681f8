"""Sync's own tables (created by migration v5), and the reads of memories that sync needs.

The merge states of memories, namespace wipes, the outbox of ops not yet
shipped, the per-device cursors, sync settings (the sync key and target
stay inside the encrypted database), and conflict marks on history versions.
Memories themselves are changed only through :mod:`memvault.vault.memories`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text

from memvault.domain.enums import EmbeddingStatus
from memvault.vault import filters, memory_queries, vectors
from memvault.vault import rows as rows_module
# The outbox lives in its own module; its functions are read through this one, as before.
from memvault.vault.sync_outbox import (  # noqa: F401
    namespace_filter,
    outbox_after,
    outbox_append,
    outbox_count_after,
    outbox_drop_upto,
    outbox_replace,
)
from memvault.vault.rows import CURRENT_SNAPSHOT, resolved_snapshot

_ROW_COLUMNS = ("id, uuid, namespace, content, memory_type, tags, metadata, importance, tier, visibility, agent_id, "
                "user_id, session_id, project, client_id, created_at, expires_at, deleted_at, archived_at, "
                "origin_device, embedding_status, model_id, content_hash, version, hlc, memory_type_source, updated_at")


def _raw(conn: Connection) -> Any:
    return conn.connection.dbapi_connection


# One encoder: json.dumps with options builds a new one per call, and a join saves a state per memory.
_STATE_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


# -- settings ---------------------------------------------------------------------------------------------------

def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar_one_or_none()


def get_settings(conn: Connection, *keys: str) -> dict[str, str | None]:
    """Several settings in one statement (an idle sync cycle reads a dozen; each statement costs more than its
    row); a missing one is ``None``."""
    found = dict(conn.execute(text("SELECT key, value FROM settings WHERE key IN :ks").bindparams(
        bindparam("ks", expanding=True)), {"ks": list(keys)}).all())
    return {key: found.get(key) for key in keys}


def set_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute(text("INSERT INTO settings(key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = :v"),
                 {"k": key, "v": value})


def delete_settings(conn: Connection, prefix: str) -> None:
    conn.execute(text("DELETE FROM settings WHERE key LIKE :p"), {"p": prefix + "%"})


def forget_sync(conn: Connection, keep: Collection[str] = ()) -> None:
    """Drop device sync's rows (turning it off); memories and their history stay.

    ``keep``: the namespaces shared with people, whose merge states, wipes, unsent ops and conflict marks are
    their shares' and stay."""
    conn.execute(text("DELETE FROM sync_cursors"))
    where, params = namespace_filter(None, keep)
    _raw(conn).execute(f"DELETE FROM sync_outbox WHERE 1{where}", params)
    names = sorted(keep)
    outside = f"namespace NOT IN ({','.join('?' * len(names))})" if names else "1"
    _raw(conn).execute(f"DELETE FROM sync_state WHERE {outside}", names)
    _raw(conn).execute(f"DELETE FROM sync_wipes WHERE {outside}", names)
    _raw(conn).execute(f"UPDATE memory_history SET conflict = 0 WHERE conflict != 0 AND memory_id IN "
                       f"(SELECT id FROM memories WHERE {outside})", names)


# -- states -----------------------------------------------------------------------------------------------------

def load_states(conn: Connection, uuids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    uuids = list(uuids)
    for start in range(0, len(uuids), 500):
        part = uuids[start:start + 500]
        sql, params = filters.in_list("u", part)
        for uuid, state in conn.execute(text(f"SELECT memory_uuid, state FROM sync_state WHERE memory_uuid IN {sql}"),
                                        params).all():
            found[uuid] = json.loads(state)
    return found


def save_states(conn: Connection, states: dict[str, dict[str, Any]]) -> None:
    _raw(conn).executemany(
        "INSERT INTO sync_state(memory_uuid, namespace, state) VALUES (?, ?, ?) "
        "ON CONFLICT(memory_uuid) DO UPDATE SET state = excluded.state",
        [(uuid, state["ns"], _STATE_ENCODER.encode(state)) for uuid, state in states.items()])


def uuids_in_namespace(conn: Connection, namespace: str) -> list[str]:
    return list(conn.execute(text("SELECT memory_uuid FROM sync_state WHERE namespace = :ns"),
                             {"ns": namespace}).scalars())


def state_namespaces(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT DISTINCT namespace FROM sync_state")).scalars())


def iter_states(conn: Connection, page: int = 1000) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, by id, in pages."""
    after = ""
    while True:
        rows = _raw(conn).execute("SELECT memory_uuid, state FROM sync_state WHERE memory_uuid > ? "
                                  "ORDER BY memory_uuid LIMIT ?", (after, page)).fetchall()
        for uuid, state in rows:
            yield uuid, json.loads(state)
        if len(rows) < page:
            return
        after = rows[-1][0]


def wipes(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(text("SELECT namespace, hlc FROM sync_wipes")).all())


def set_wipe(conn: Connection, namespace: str, hlc: str) -> None:
    conn.execute(text("INSERT INTO sync_wipes(namespace, hlc) VALUES (:n, :h) ON CONFLICT(namespace) DO UPDATE "
                      "SET hlc = max(hlc, excluded.hlc)"), {"n": namespace, "h": hlc})


# -- cursors ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """How far this device has applied another device's segments."""

    device_id: str
    segment: int
    last_hlc: str | None
    seen_at: float | None
    skew_ms: int


def cursors(conn: Connection) -> dict[str, Cursor]:
    rows = conn.execute(text("SELECT device_id, segment, last_hlc, seen_at, skew_ms FROM sync_cursors")).all()
    return {r.device_id: Cursor(r.device_id, r.segment, r.last_hlc, r.seen_at, r.skew_ms) for r in rows}


def set_cursor(conn: Connection, cursor: Cursor) -> None:
    conn.execute(text(
        "INSERT INTO sync_cursors(device_id, segment, last_hlc, seen_at, skew_ms) VALUES (:d, :s, :h, :t, :k) "
        "ON CONFLICT(device_id) DO UPDATE SET segment = :s, last_hlc = :h, seen_at = :t, skew_ms = :k"),
        {"d": cursor.device_id, "s": cursor.segment, "h": cursor.last_hlc, "t": cursor.seen_at, "k": cursor.skew_ms})


def rewind_cursors(conn: Connection) -> None:
    """Every device is read from its first segment again (the clock and skew seen stay)."""
    conn.execute(text("UPDATE sync_cursors SET segment = 0"))


# -- the local oplog and memory rows, as sync reads them ------------------------------------------------------------

@dataclass(frozen=True)
class LocalEntry:
    """An oplog entry this device wrote: which memory (or namespace, for a wipe), when and what kind."""

    id: int
    op: str
    memory_uuid: str
    namespace: str | None
    hlc: str
    #: The fields an update changed (``None`` for every other kind of entry).
    fields: tuple[str, ...] | None = None


def last_oplog_id(conn: Connection) -> int:
    return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM oplog")).scalar_one())


def local_entries_count(conn: Connection, after_id: int, device_id: str, *, only: Collection[str] | None = None,
                        without: Collection[str] = ()) -> int:
    """This device's oplog entries after ``after_id`` (changes not folded into the outbox yet) in the
    namespaces ``only`` (``None``: any) but not in ``without``."""
    where, params = "", []
    if only is not None:
        where += f" AND namespace IN ({','.join('?' * len(only))})"
        params += list(only)
    if without:
        where += f" AND (namespace IS NULL OR namespace NOT IN ({','.join('?' * len(without))}))"
        params += list(without)
    return int(_raw(conn).execute(f"SELECT count(*) FROM oplog WHERE id > ? AND device_id = ?{where}",
                                  (after_id, device_id, *params)).fetchone()[0])


def local_entries_since(conn: Connection, after_id: int, device_id: str, limit: int) -> list[LocalEntry]:
    rows = _raw(conn).execute(
        "SELECT id, op, memory_uuid, namespace, hlc, payload FROM oplog WHERE id > ? AND device_id = ? ORDER BY id "
        "LIMIT ?", (after_id, device_id, limit)).fetchall()
    return [LocalEntry(*r[:5], tuple(json.loads(r[5])) if r[1] == "update" and r[5] else None) for r in rows]


@dataclass(frozen=True)
class Row:
    """A memory row as sync compares it with a state: the synced fields plus local bookkeeping."""

    rowid: int
    uuid: str
    fields: dict[str, Any]
    embedding_status: str
    model_id: str | None
    content_hash: str
    version: int
    hlc: str
    updated_at: float = 0.0


def _row(r: tuple) -> Row:
    (rowid, uuid, namespace, content, memory_type, tags, metadata, importance, tier, visibility, agent_id, user_id,
     session_id, project, client_id, created_at, expires_at, deleted_at, archived_at, origin_device, status,
     model_id, digest, version, hlc, type_source, updated_at) = r
    fields = {"namespace": namespace, "content": content, "memory_type": memory_type, "tags": json.loads(tags),
              "metadata": json.loads(metadata), "importance": importance, "tier": tier, "visibility": visibility,
              "agent_id": agent_id, "user_id": user_id, "session_id": session_id, "project": project,
              "client_id": client_id, "created_at": created_at, "expires_at": expires_at, "deleted_at": deleted_at,
              "archived_at": archived_at, "origin_device": origin_device,
              # Rows stored before schema 7 hold NULL there, which has always meant an explicit type.
              "memory_type_source": type_source or "explicit"}
    return Row(rowid, uuid, fields, status, model_id, digest, version, hlc, updated_at)


def set_versions(conn: Connection, items: Sequence[tuple[str, int, float]]) -> None:
    """Set ``(uuid, version, updated_at)`` as the merge state decides them (the same on every device); a version
    never goes down (a device may have kept a conflict version of its own)."""
    if items:
        _raw(conn).executemany("UPDATE memories SET version = max(version, ?), updated_at = ? WHERE uuid = ?",
                               [(version, at, uuid) for uuid, version, at in items])


def history_rows(conn: Connection, rowid: int, after_version: int) -> list[list[Any]]:
    """``[version, change, changed_at, snapshot]`` of a memory's history versions after ``after_version``
    (the current version's snapshot read from the memory row: peers and older releases get it whole)."""
    raw = _raw(conn)
    rows = [list(r) for r in raw.execute(
        "SELECT version, change, changed_at, snapshot FROM memory_history WHERE memory_id = ? AND version > ? "
        "ORDER BY version, id", (rowid, after_version)).fetchall()]
    if after_version < 1 and not raw.execute("SELECT 1 FROM memory_history WHERE memory_id = ? AND change != "
                                             "'conflict' LIMIT 1", (rowid,)).fetchone():
        first = rows_module.first_version_row(raw.execute("SELECT created_at FROM memories WHERE id = ?",
                                                          (rowid,)).fetchone()[0])
        rows.insert(0, [first.version, first.change, first.changed_at, first.snapshot])
    for r in rows:
        r[3] = resolved_snapshot(r[3], lambda: memory_queries.get_by_rowid(conn, rowid))
    return rows


def take_history(conn: Connection, uuid: str, after_version: int, entries: Sequence[Sequence[Any]]) -> None:
    """Another device's history versions of a memory (those after ``after_version``, the version this device
    had), as it made them, in place of the versions of the same numbers this device wrote while applying them
    (a conflict version kept here stays)."""
    entries = [e for e in entries if e[0] > after_version]
    rowid = conn.execute(text("SELECT id FROM memories WHERE uuid = :u"), {"u": uuid}).scalar_one_or_none()
    if rowid is None or not entries:
        return
    raw = _raw(conn)
    raw.executemany("DELETE FROM memory_history WHERE memory_id = ? AND version = ? AND conflict = 0 "
                    "AND change != 'conflict'", [(rowid, e[0]) for e in entries])
    raw.executemany("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot, conflict) "
                    "VALUES (?, ?, ?, ?, ?, 0)", [(rowid, v, c, at, snap) for v, c, at, snap in entries])


def history_mark(conn: Connection) -> int:
    """The newest history row id: what is written after it was written while applying (see converge_history)."""
    return int(_raw(conn).execute("SELECT coalesce(max(id), 0) FROM memory_history").fetchone()[0])


def converge_history(conn: Connection, rowid: int, written_after: int, arrived: Sequence[Sequence[Any]],
                     loser: str | None = None) -> bool:
    """Make a memory's history the versions devices made, numbered in the order every device derives.

    The rows written here after ``written_after`` (while applying other devices' ops) go; ``arrived``
    (``[version, change, changed_at, snapshot]`` as their devices made them) join the rest; the set is
    numbered 1.. by ``(changed_at, change, snapshot)``, so devices holding the same versions show the same
    history whatever order they got them in. ``loser``: content that lost a concurrent edit; the newest
    version holding it is marked as a conflict. Returns False when no version holds it.
    """
    raw = _raw(conn)
    # A first version derived from the row (no entry of its own) got one while applying, with the fields as they
    # were: it is a version this device made, so it stays.
    raw.execute("DELETE FROM memory_history WHERE memory_id = ? AND id > ? AND NOT (version = 1 AND change = ? "
                "AND snapshot != ?)", (rowid, written_after, rows_module.FIRST_CHANGE, CURRENT_SNAPSHOT))
    current = _current_snapshot(conn, rowid)
    # The current version's entry keeps no copy (rows.CURRENT_SNAPSHOT): compared and ordered by its fields.
    held = [(v, change, at, snap if snap != CURRENT_SNAPSHOT else current, conflict) for v, change, at, snap, conflict
            in raw.execute("SELECT version, change, changed_at, snapshot, conflict FROM memory_history "
                           "WHERE memory_id = ?", (rowid,)).fetchall()]
    if not any(change != "conflict" for _, change, _, _, _ in held) and not any(
            change == rows_module.FIRST_CHANGE for _, change, _, _ in arrived):  # unedited here, made here
        first = rows_module.first_version_row(raw.execute("SELECT created_at FROM memories WHERE id = ?",
                                                          (rowid,)).fetchone()[0])
        held.append((1, first.change, first.changed_at, current, 0))
    flags = {(at, change, snap): conflict for _, change, at, snap, conflict in held}
    for _, change, at, snap in arrived:
        flags.setdefault((at, change, snap), 0)
    ordered = sorted(flags)
    found = True
    if loser is not None:
        holding = [key for key in ordered if json.loads(key[2]).get("content") == loser]
        if holding:
            flags[holding[-1]] = 1
        found = bool(holding)
    wanted = [(i + 1, *key, flags[key]) for i, key in enumerate(ordered)]
    if sorted(wanted) != sorted((v, at, change, snap, c) for v, change, at, snap, c in held):
        raw.execute("DELETE FROM memory_history WHERE memory_id = ?", (rowid,))
        last = max((v for v, _, change, _, _ in wanted if change != "conflict"), default=0)
        raw.executemany("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot, conflict) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        [(rowid, v, change, at, CURRENT_SNAPSHOT if v == last and snap == current else snap, c)
                         for v, at, change, snap, c in wanted])
    return found


def _current_snapshot(conn: Connection, rowid: int) -> str:
    return resolved_snapshot(CURRENT_SNAPSHOT, lambda: memory_queries.get_by_rowid(conn, rowid))


def rows_for(conn: Connection, uuids: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    uuids = list(uuids)
    for start in range(0, len(uuids), 500):
        part = uuids[start:start + 500]
        sql = f"SELECT {_ROW_COLUMNS} FROM memories WHERE uuid IN ({','.join('?' * len(part))})"
        for r in _raw(conn).execute(sql, part).fetchall():
            row = _row(r)
            found[row.uuid] = row
    return found


def iter_rows(conn: Connection, page: int = 1000) -> Iterator[Row]:
    """Every memory row, by rowid, in pages."""
    after = 0
    while True:
        rows = _raw(conn).execute(f"SELECT {_ROW_COLUMNS} FROM memories WHERE id > ? ORDER BY id LIMIT ?",
                                  (after, page)).fetchall()
        for r in rows:
            yield _row(r)
        if len(rows) < page:
            return
        after = rows[-1][0]


def rows_in_namespace(conn: Connection, namespace: str) -> list[tuple[int, str, str]]:
    """``(rowid, uuid, namespace)`` of every memory of ``namespace``."""
    return [tuple(r) for r in _raw(conn).execute("SELECT id, uuid, namespace FROM memories WHERE namespace = ?",
                                                 (namespace,)).fetchall()]


def live_counts(conn: Connection) -> dict[str, int]:
    """Memories not in the trash, per namespace."""
    return dict(conn.execute(text("SELECT namespace, count(*) FROM memories WHERE deleted_at IS NULL "
                                  "GROUP BY namespace")).all())


def vectors_of(conn: Connection, row: Row) -> tuple[list[tuple[int, int]], bytes] | None:
    """The spans and float32 bytes of a memory's vectors, when they embed its current content."""
    if row.embedding_status != EmbeddingStatus.READY.value or row.model_id is None:
        return None
    raw = _raw(conn)
    parts = raw.execute("SELECT id, start_char, end_char FROM chunks WHERE memory_id = ? ORDER BY seq",
                        (row.rowid,)).fetchall()
    if not parts:
        return None
    found = vectors.read_vectors(raw, [chunk_id for chunk_id, _, _ in parts])
    if any(chunk_id not in found for chunk_id, _, _ in parts):
        return None
    return [(a, b) for _, a, b in parts], b"".join(vectors.float32_bytes(found[chunk_id]) for chunk_id, _, _ in parts)


# -- conflicts ----------------------------------------------------------------------------------------------------

def mark_conflict(conn: Connection, rowid: int, version: int) -> None:
    """Mark a kept version of a memory as the loser of a concurrent edit."""
    conn.execute(text("UPDATE memory_history SET conflict = 1 WHERE memory_id = :m AND version = :v"),
                 {"m": rowid, "v": version})


@dataclass(frozen=True)
class ConflictRow:
    memory_uuid: str
    namespace: str
    version: int
    changed_at: float
    content: str
    current: str


def conflicts(conn: Connection, limit: int = 500) -> list[ConflictRow]:
    rows = conn.execute(text(
        "SELECT m.uuid, m.namespace, h.version, h.changed_at, h.snapshot, m.content FROM memory_history h "
        f"JOIN memories m ON m.id = h.memory_id WHERE h.conflict = 1 AND {filters.STILL_LOST} "
        "ORDER BY h.changed_at DESC LIMIT :n"), {"n": limit}).all()
    return [ConflictRow(r.uuid, r.namespace, r.version, r.changed_at, json.loads(r.snapshot)["content"] if r.snapshot != CURRENT_SNAPSHOT else r.content, r.content)
            for r in rows]


def conflicted_memories(conn: Connection) -> int:
    """How many memories outside the trash hold a version marked as a conflict (what the browser's Conflicts
    filter lists)."""
    return int(conn.execute(text(
        "SELECT count(*) FROM memories m WHERE m.deleted_at IS NULL AND EXISTS "
        f"(SELECT 1 FROM memory_history h WHERE h.memory_id = m.id AND h.conflict = 1 AND {filters.STILL_LOST})"))
        .scalar_one())


def clear_conflicts(conn: Connection, memory_uuid: str) -> int:
    return conn.execute(text("UPDATE memory_history SET conflict = 0 WHERE conflict = 1 AND memory_id = "
                             "(SELECT id FROM memories WHERE uuid = :u)"), {"u": memory_uuid}).rowcount


@dataclass(frozen=True)
class TrashedEdit:
    memory_uuid: str
    namespace: str
    version: int
    deleted_at: float
    content: str
    state: dict[str, Any]


def trashed_with_unseen_content(conn: Connection, uuid: str | None = None, limit: int = 500) -> list[TrashedEdit]:
    """Memories in the trash (``uuid``: only that one) whose merge state holds content the delete was not made over
    (other than the one its ``ts`` names, or without one, stamped after the trash), or a versioned change stamped
    after the trash (its ``t``; stamps sort as text). The candidates for a delete that met a concurrent edit
    (``merge.edit_that_met_delete`` decides)."""
    rows = conn.execute(text(
        "SELECT m.uuid, m.namespace, m.version, m.deleted_at, m.content, s.state FROM memories m "
        "JOIN sync_state s ON s.memory_uuid = m.uuid WHERE m.deleted_at IS NOT NULL "
        "AND (json_extract(s.state, '$.content[0]') > json_extract(s.state, '$.trash[0]') "
        "OR json_extract(s.state, '$.ts[0]') = json_extract(s.state, '$.trash[0]') "
        "AND json_extract(s.state, '$.content[0]') IS NOT json_extract(s.state, '$.ts[1]') "
        "OR json_extract(s.state, '$.t[0]') > json_extract(s.state, '$.trash[0]')) "
        f"{'AND m.uuid = :u ' if uuid is not None else ''}ORDER BY m.deleted_at DESC LIMIT :n"),
        {"n": limit, "u": uuid}).all()
    return [TrashedEdit(r.uuid, r.namespace, r.version, r.deleted_at, r.content, json.loads(r.state)) for r in rows]
