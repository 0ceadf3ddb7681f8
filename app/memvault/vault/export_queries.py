"""Reads for moving memories between vaults: whole records for an export, the local state an import meets.

An export reads inside one read transaction (a consistent snapshot) in pages
of memories by rowid, and each memory's history and vectors by their indexes,
so memory use does not grow with the size of the vault.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, text

from memvault.domain import fields
from memvault.domain.enums import EmbeddingStatus
from memvault.domain.models import HistoryEntry, Memory
from memvault.domain.transfer import MemoryRecord, VectorSet
from memvault.vault import filters
from memvault.vault.rows import MEMORY_COLUMNS, column_reader, history_from_row, memory_from_row, with_first_version
from memvault.vault.vectors import VectorReader

PAGE = 500
#: Page cache of the connection while it exports (KiB).
EXPORT_CACHE_KIB = 8 * 1024


@dataclass(frozen=True)
class ExportCounts:
    """What an export of one namespace will hold."""

    namespace: str
    memories: int
    deleted: int
    history: int


def _where(namespaces: Sequence[str], include_deleted: bool, now: float) -> tuple[str, dict[str, Any]]:
    sql, params = filters.in_list("ns", list(namespaces))
    clauses = [f"m.namespace IN {sql}", "(m.expires_at IS NULL OR m.expires_at > :now)"]
    if not include_deleted:
        clauses.append("m.deleted_at IS NULL")
    return " AND ".join(clauses), dict(params, now=now)


def export_counts(conn: Connection, namespaces: Sequence[str], *, include_deleted: bool, include_history: bool,
                  now: float) -> list[ExportCounts]:
    """Per namespace (in the order given): memories, how many of them are in the trash, history entries."""
    where, params = _where(namespaces, include_deleted, now)
    rows = conn.execute(text(
        f"SELECT m.namespace, count(*) AS n, count(m.deleted_at) AS d FROM memories m WHERE {where} "
        "GROUP BY m.namespace"), params).all()
    memories = {r.namespace: (r.n, r.d) for r in rows}
    history: dict[str, int] = {}
    if include_history:
        history = dict(conn.execute(text(
            f"SELECT m.namespace, count(*) FROM memory_history h JOIN memories m ON m.id = h.memory_id "
            f"WHERE {where} GROUP BY m.namespace"), params).all())
        # First versions without an entry of their own (rows.with_first_version).
        for namespace, derived in conn.execute(text(
                f"SELECT m.namespace, count(*) FROM memories m WHERE {where} AND NOT EXISTS (SELECT 1 FROM "
                "memory_history h WHERE h.memory_id = m.id AND h.change != 'conflict') GROUP BY m.namespace"),
                params).all():
            history[namespace] = history.get(namespace, 0) + derived
    return [ExportCounts(ns, *memories.get(ns, (0, 0)), history.get(ns, 0)) for ns in namespaces]


# Exports read in pages, straight from the driver: at 100k memories the per-statement cost of
# SQLAlchemy's text() (about 0.1 ms here) would be most of the time. Vectors come from
# vectors.VectorReader (many chunk ids a statement).
_BUNDLED = fields.bundled()
#: The rowid, the columns of every field a bundle carries (table order), then what choosing vectors needs.
_EXPORT_COLUMNS = ", ".join(["id", *(f.column for f in _BUNDLED if f.column), "embedding_status", "model_id"])
_STATUS, _MODEL = len(_BUNDLED) + 1, len(_BUNDLED) + 2
#: Each bundled field's position in an export row, and how its column becomes the field's value.
_RECORD_READERS = tuple((f.name, i, column_reader(f)) for i, f in enumerate(_BUNDLED, start=1) if f.column)


def _raw(conn: Connection) -> Any:
    return conn.connection.dbapi_connection


def _in(values: Sequence[int]) -> str:
    return "(" + ",".join("?" * len(values)) + ")"


@dataclass(frozen=True)
class _HistoryRow:
    version: int
    change: str
    changed_at: float
    snapshot: str


def _history_by_memory(raw: Any, page: list[tuple], rowids: list[int]) -> dict[int, list[HistoryEntry]]:
    rows = {row[0]: row for row in page}
    stored: dict[int, list[_HistoryRow]] = {rowid: [] for rowid in rowids}
    sql = (f"SELECT memory_id, version, change, changed_at, snapshot FROM memory_history "
           f"WHERE memory_id IN {_in(rowids)} ORDER BY memory_id, version, id")
    for memory_id, version, change, changed_at, snapshot in raw.execute(sql, rowids):
        stored[memory_id].append(_HistoryRow(version, change, changed_at, snapshot))
    found: dict[int, list[HistoryEntry]] = {}
    for memory_id, entries in stored.items():
        row = rows[memory_id]
        values = _fields(row)
        # The current version's entry keeps no copy, and a first version none at all: the row's fields are theirs.
        current = SimpleNamespace(**values)
        found[memory_id] = [history_from_row(row[1], e, current)
                            for e in with_first_version(entries, values["created_at"])]
    return found


def _vectors_by_memory(reader: VectorReader, raw: Any, page: list[tuple], dimension: int) -> dict[int, VectorSet]:
    # Only vectors of the memory's current content: a memory still waiting for its
    # new embedding keeps its old vectors locally, but those describe old content.
    ready = {row[0]: row[_MODEL] for row in page
             if row[_STATUS] == EmbeddingStatus.READY.value and row[_MODEL] is not None}
    if not ready:
        return {}
    ids = list(ready)
    chunks: dict[int, list[tuple[int, int, int]]] = {}
    sql = f"SELECT memory_id, id, start_char, end_char FROM chunks WHERE memory_id IN {_in(ids)} ORDER BY memory_id, seq"
    for memory_id, chunk_id, start, end in raw.execute(sql, ids):
        chunks.setdefault(memory_id, []).append((chunk_id, start, end))
    blobs = reader.read([chunk_id for parts in chunks.values() for chunk_id, _, _ in parts])
    found: dict[int, VectorSet] = {}
    for memory_id, parts in chunks.items():
        if all(chunk_id in blobs for chunk_id, _, _ in parts):
            found[memory_id] = VectorSet(ready[memory_id], dimension, tuple((a, b) for _, a, b in parts),
                                         b"".join(blobs[chunk_id] for chunk_id, _, _ in parts))
    return found


def _fields(row: tuple) -> dict[str, Any]:
    return {name: row[i] if read is None else read(row[i]) for name, i, read in _RECORD_READERS}


def _record(row: tuple, history: list[HistoryEntry], vectors: VectorSet | None) -> MemoryRecord:
    return MemoryRecord(**_fields(row), history=tuple(history), vectors=vectors)


def iter_records(conn: Connection, namespaces: Sequence[str], *, include_history: bool, include_deleted: bool,
                 now: float, dimension: int, with_vectors: bool = True) -> Iterator[MemoryRecord]:
    """Every memory of ``namespaces`` (expired ones left out), by rowid, with history and (unless not
    ``with_vectors``) vectors."""
    raw = _raw(conn)
    where = f"namespace IN {_in(namespaces)} AND (expires_at IS NULL OR expires_at > ?)"
    if not include_deleted:
        where += " AND deleted_at IS NULL"
    # Each page is read once: a reader's large cache (kept for searches) would only grow with the vault.
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = -{EXPORT_CACHE_KIB}")
    reader = VectorReader(raw, dimension)
    try:
        after = 0
        while True:
            page = raw.execute(f"SELECT {_EXPORT_COLUMNS} FROM memories WHERE {where} AND id > ? ORDER BY id LIMIT ?",
                               [*namespaces, now, after, PAGE]).fetchall()
            if not page:
                return
            rowids = [row[0] for row in page]
            history = _history_by_memory(raw, page, rowids) if include_history else {}
            vectors = _vectors_by_memory(reader, raw, page, dimension) if with_vectors else {}
            for row in page:
                yield _record(row, history.get(row[0], []), vectors.get(row[0]))
            if len(page) < PAGE:
                return
            after = rowids[-1]
    finally:
        raw.execute(f"PRAGMA cache_size = {int(cache)}")


@dataclass(frozen=True)
class Local:
    """The vault's memory with an id an import brings: the memory and its HLC stamp."""

    memory: Memory
    hlc: str


def local_memories(conn: Connection, uuids: Sequence[str]) -> dict[str, Local]:
    """The vault's memories with these ids (absent ones are left out), with their HLC stamps."""
    if not uuids:
        return {}
    sql, params = filters.in_list("u", list(uuids))
    rows = conn.execute(text(f"SELECT {MEMORY_COLUMNS}, m.hlc FROM memories m WHERE m.uuid IN {sql}"), params).all()
    return {r.uuid: Local(memory_from_row(r), r.hlc) for r in rows}


def client_id_owners(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """For ``(namespace, client_id)`` pairs, the id of the memory holding each (pairs nobody holds are left out)."""
    found: dict[tuple[str, str], str] = {}
    by_namespace: dict[str, list[str]] = {}
    for namespace, client_id in keys:
        by_namespace.setdefault(namespace, []).append(client_id)
    for namespace, client_ids in by_namespace.items():
        sql, params = filters.in_list("c", client_ids)
        rows = conn.execute(text(f"SELECT client_id, uuid FROM memories WHERE namespace = :ns AND client_id IN {sql}"),
                            dict(params, ns=namespace)).all()
        found.update({(namespace, r.client_id): r.uuid for r in rows})
    return found


def same_texts(conn: Connection, keys: Sequence[tuple[str, float, str]]) -> dict[tuple[str, float, str], set[str]]:
    """For ``(namespace, created_at, content)`` triples, the ids of the memories that match one (in any state): an
    import's copy of a memory keeps its text and creation time, so a copy made before is among them."""
    found: dict[tuple[str, float, str], set[str]] = {}
    wanted = set(keys)
    by_namespace: dict[str, list[float]] = {}
    for namespace, created_at, _content in wanted:
        by_namespace.setdefault(namespace, []).append(created_at)
    for namespace, times in by_namespace.items():
        sql, params = filters.in_list("t", sorted(set(times)))
        rows = conn.execute(text(f"SELECT uuid, created_at, content FROM memories WHERE namespace = :ns AND "
                                 f"created_at IN {sql}"), dict(params, ns=namespace)).all()
        for r in rows:
            if (key := (namespace, r.created_at, r.content)) in wanted:
                found.setdefault(key, set()).add(r.uuid)
    return found


def namespaces_present(conn: Connection, names: Sequence[str]) -> set[str]:
    """Which of ``names`` this vault knows (as a namespace, or by a memory in it)."""
    sql, params = filters.in_list("ns", list(names))
    known = conn.execute(text(f"SELECT name FROM namespaces WHERE name IN {sql}"), params).scalars().all()
    used = conn.execute(text(f"SELECT DISTINCT namespace FROM memories WHERE namespace IN {sql}"), params).scalars().all()
    return set(known) | set(used)
