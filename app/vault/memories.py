"""Every change to a memory, one function each: the row, its tags, FTS entry, history, vec0 flags,
embedding job and oplog entry are written together, inside the caller's write transaction.

Local edits, the embedding worker, re-embedding, and (later) imports and other
devices' changes all come through here, so the oplog that sync reads can never
miss a change and the vector index's flags can never drift from the row.
Callers pass domain values (:class:`NewMemory`, :class:`FieldChanges`) and a
:class:`~app.vault.oplog.Stamp`; SQL encodings (JSON columns, vec0 flags) are
decided here and nowhere else. Reads live in :mod:`app.vault.memory_queries`.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, insert, text
from sqlalchemy import update as sql_update

from app.domain.entities import EntityMention
from app.domain.enums import EmbeddingStatus
from app.domain.errors import ClientIdTaken, Conflict
from app.domain.models import FieldChanges, Memory, NewMemory
from app.domain.transfer import MemoryRecord
from app.vault import entities as entity_links
from app.vault import filters, oplog, vectors
from app.vault.knn import log as knn_log
from app.vault.memory_queries import get_by_rowid, get_many
from app.vault.oplog import Op, Stamp
from app.vault.rows import SNAPSHOT_FIELDS, snapshot_of
from app.vault.schema import memories, memory_history
from app.vault.vectors import Embedded


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


# One encoder: json.dumps with any option builds a new one per call (imports write several values per memory).
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def ensure_namespace(conn: Connection, name: str, now: float) -> None:
    conn.execute(text("INSERT OR IGNORE INTO namespaces(name, created_at) VALUES (:n, :t)"), {"n": name, "t": now})


def _write_tags(conn: Connection, rowid: int, tags: Sequence[str]) -> None:
    conn.execute(text("DELETE FROM memory_tags WHERE memory_id = :m"), {"m": rowid})
    if tags:
        conn.execute(text("INSERT OR IGNORE INTO memory_tags(memory_id, tag) VALUES (:m, :t)"),
                     [{"m": rowid, "t": t} for t in tags])


def _add_history(conn: Connection, m: Memory, change: str, at: float) -> None:
    fields = {k: getattr(m, k) for k in SNAPSHOT_FIELDS}
    conn.execute(insert(memory_history).values(memory_id=m.rowid, version=m.version, change=change, changed_at=at,
                                               snapshot=snapshot_of(fields), conflict=0))


def _enqueue_embedding(conn: Connection, rowid: int, digest: str, now: float) -> None:
    # An edit supersedes a pending job: the worker checks the hash before it stores vectors.
    conn.execute(
        text(
            "INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
            "VALUES (:m, :h, 0, :now, :now) ON CONFLICT(memory_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, attempts = 0, next_attempt_at = excluded.next_attempt_at, "
            "leased_until = NULL, leased_by = NULL, last_error = NULL"
        ),
        {"m": rowid, "h": digest, "now": now},
    )


#: What a write does about a memory's entities: link these (already extracted), or queue extraction
#: ("queue": if the content is short enough; "force": whatever its length), or nothing ("skip").
Entities = Sequence[EntityMention] | Literal["queue", "force", "skip"]


def _entities(conn: Connection, rowid: int, namespace: str, digest: str, entities: Entities, now: float) -> None:
    if isinstance(entities, str):
        if entities != "skip":
            entity_links.enqueue(conn, [(rowid, digest)], now, forced=entities == "force")
    else:
        entity_links.link(conn, rowid, namespace, entities)


def _fields_payload(m: NewMemory | Memory) -> dict[str, Any]:
    return {
        "namespace": m.namespace, "content": m.content, "memory_type": m.memory_type.value, "tags": list(m.tags),
        "metadata": m.metadata, "importance": m.importance, "tier": m.tier.value, "visibility": m.visibility.value,
        "agent_id": m.agent_id, "user_id": m.user_id, "session_id": m.session_id, "project": m.project,
        "client_id": m.client_id, "created_at": m.created_at, "expires_at": m.expires_at,
    }


#: One memory for :func:`create_many`: what to write, its stamp, vectors if it has them, what to do about entities.
NewItem = tuple[NewMemory, Stamp, Embedded | None, "Entities"]

_CREATE_COLUMNS = ("id", "uuid", "namespace", "content", "memory_type", "tags", "metadata", "importance", "tier",
                   "visibility", "agent_id", "user_id", "session_id", "project", "client_id", "created_at",
                   "expires_at", "content_hash", "updated_at", "version", "hlc", "origin_device",
                   "embedding_status", "model_id", "memory_type_source")


def create(conn: Connection, new: NewMemory, stamp: Stamp, *, embedded: Embedded | None = None,
           entities: Entities = "queue") -> Memory:
    """Insert a memory; with ``embedded`` it is searchable at once, else an embedding job is queued."""
    return create_many(conn, [(new, stamp, embedded, entities)])[0]


def create_many(conn: Connection, items: Sequence[NewItem]) -> list[Memory]:
    """Insert memories in order, as that many :func:`create` calls would, with a few statements for all.

    Each gets its row, tags, FTS entry, entities (or extraction job), a "create"
    history version, its vectors or an embedding job, and a create oplog entry.
    Rowids (and chunk ids) are taken here as SQLite would hand them out one by
    one (both tables are plain rowid tables; the caller holds the write
    transaction, so nobody else takes them). A ``client_id`` already used in
    its namespace raises :class:`ClientIdTaken` and the caller's transaction
    writes nothing.
    """
    if not items:
        return []
    for new, stamp, _, _ in items:
        ensure_namespace(conn, new.namespace, stamp.at)
    next_rowid = conn.execute(text("SELECT coalesce(max(id), 0) FROM memories")).scalar_one() + 1
    rowids = list(range(next_rowid, next_rowid + len(items)))
    rows, tags, fts, jobs, ops = [], [], [], [], []
    for (new, stamp, embedded, _), rowid in zip(items, rowids):
        digest = content_hash(new.content)
        rows.append(_fields_payload(new) | {
            "id": rowid, "uuid": new.id, "tags": _json(list(new.tags)), "metadata": _json(new.metadata),
            "content_hash": digest, "updated_at": new.created_at, "version": 1, "hlc": stamp.hlc,
            "origin_device": new.origin_device,
            "embedding_status": (EmbeddingStatus.READY if embedded else EmbeddingStatus.PROCESSING).value,
            "model_id": embedded.model_id if embedded else None, "memory_type_source": new.memory_type_source.value,
        })
        tags += [{"m": rowid, "t": t} for t in new.tags]
        fts.append({"r": rowid, "c": new.content})
        if embedded is None:
            jobs.append({"m": rowid, "h": digest, "now": stamp.at})
        ops.append((stamp, Op.CREATE, new.id, new.namespace,
                    _fields_payload(new) | {"origin_device": new.origin_device}))
    # The driver's executemany: SQLAlchemy's per-row statement handling cost more than the writes themselves.
    raw = conn.connection.dbapi_connection
    try:
        raw.executemany(f"INSERT INTO memories({', '.join(_CREATE_COLUMNS)}) "
                        f"VALUES ({', '.join(':' + c for c in _CREATE_COLUMNS)})", rows)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:
        if "client_id" not in str(exc):
            raise
        # Another writer stored the same idempotency key first; the caller returns that memory.
        raise ClientIdTaken("client_id is already used in its namespace") from None
    raw.executemany("INSERT OR IGNORE INTO memory_tags(memory_id, tag) VALUES (:m, :t)", tags)
    raw.executemany("INSERT INTO memory_fts(rowid, content) VALUES (:r, :c)", fts)
    queued: dict[tuple[bool, float], list[tuple[int, str]]] = {}
    for (new, stamp, _, plan), row in zip(items, rows):
        if isinstance(plan, str):
            if plan != "skip":
                queued.setdefault((plan == "force", stamp.at), []).append((row["id"], row["content_hash"]))
        else:
            entity_links.link(conn, row["id"], new.namespace, plan)
    for (forced, at), pairs in queued.items():
        entity_links.enqueue(conn, pairs, at, forced=forced)
    created = get_many(conn, rowids)
    memories_in_order = [created[r] for r in rowids]
    raw.executemany("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot, conflict) "
                    "VALUES (?, 1, 'create', ?, ?, 0)",
                    [(m.rowid, stamp.at, snapshot_of({k: getattr(m, k) for k in SNAPSHOT_FIELDS}))
                     for m, (_, stamp, _, _) in zip(memories_in_order, items)])
    _store_new_vectors(conn, [(m, embedded) for m, (_, _, embedded, _) in zip(memories_in_order, items) if embedded])
    raw.executemany("INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
                    "VALUES (:m, :h, 0, :now, :now)", jobs)
    oplog.append_many(conn, ops)
    return memories_in_order


def _store_new_vectors(conn: Connection, items: Sequence[tuple[Memory, Embedded]]) -> None:
    """Chunks and vec0 rows for memories that have none yet (chunk ids taken as SQLite would, in order)."""
    if not items:
        return
    next_chunk = conn.execute(text("SELECT coalesce(max(id), 0) FROM chunks")).scalar_one() + 1
    chunk_rows, vec_rows = [], []
    for memory, embedded in items:
        flags = vectors.flags_of(memory)
        for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
            chunk_rows.append((next_chunk, memory.rowid, seq, start, end))
            vec_rows.append((next_chunk, memory.namespace, np.ascontiguousarray(vec, dtype=np.float32).tobytes(),
                             flags.state, int(flags.confidential), flags.expires_at, memory.rowid))
            next_chunk += 1
    raw = conn.connection.dbapi_connection
    raw.executemany("INSERT INTO chunks(id, memory_id, seq, start_char, end_char) VALUES (?, ?, ?, ?, ?)", chunk_rows)
    raw.executemany("INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, expires_at, "
                    "memory_id) VALUES (?, ?, ?, ?, ?, ?, ?)", vec_rows)
    knn_log.log_added(conn, [(v[1], v[0], v[2]) for v in vec_rows])


_SCALARS = ("memory_type", "memory_type_source", "importance", "tier", "visibility", "agent_id", "user_id",
            "session_id", "project", "expires_at")


def _changed_columns(current: Memory, changes: FieldChanges) -> tuple[dict[str, Any], dict[str, Any]]:
    """(new column values, oplog payload) for the fields that really change."""
    columns: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    for name in _SCALARS:
        value = getattr(changes, name)
        if value is not None and value != getattr(current, name):
            plain = value.value if isinstance(value, enum.Enum) else value
            columns[name] = payload[name] = plain
    if changes.content is not None and changes.content != current.content:
        columns["content"] = payload["content"] = changes.content
    if changes.tags is not None and tuple(changes.tags) != current.tags:
        columns["tags"] = _json(list(changes.tags))
        payload["tags"] = {"add": sorted(set(changes.tags) - set(current.tags)),
                           "remove": sorted(set(current.tags) - set(changes.tags)), "all": list(changes.tags)}
    set_keys = {k: v for k, v in changes.metadata_set.items() if current.metadata.get(k, object()) != v}
    unset_keys = sorted(k for k in changes.metadata_unset if k in current.metadata and k not in set_keys)
    if set_keys or unset_keys:
        merged = {k: v for k, v in current.metadata.items() if k not in unset_keys} | set_keys
        columns["metadata"] = _json(merged)
        payload["metadata"] = {"set": set_keys, "unset": unset_keys}
    return columns, payload


def update(conn: Connection, current: Memory, changes: FieldChanges, stamp: Stamp, *,
           change: str = "update", entities: Entities = "queue", derived: bool = False) -> Memory:
    """Apply the fields of ``changes`` that differ; returns ``current`` untouched when none do.

    New content gets a new embedding job (the old vectors serve until the new
    ones are stored); every change adds a version to the history, except a
    ``derived`` one (what the system infers, like a type): versions move only
    with what callers change, so an agent's read-then-update never races the
    classifier. Both write an oplog entry.
    """
    columns, payload = _changed_columns(current, changes)
    if not columns:
        return current
    if "content" in columns:
        columns["content_hash"] = content_hash(columns["content"])
        columns["embedding_status"] = EmbeddingStatus.PROCESSING.value
        _enqueue_embedding(conn, current.rowid, columns["content_hash"], stamp.at)
        conn.execute(text("UPDATE memory_fts SET content = :c WHERE rowid = :r"),
                     {"c": columns["content"], "r": current.rowid})
        entity_links.unlink(conn, [current.rowid])
        _entities(conn, current.rowid, current.namespace, columns["content_hash"], entities, stamp.at)
    if "tags" in columns:
        _write_tags(conn, current.rowid, payload["tags"]["all"])
    if derived:
        columns.update(hlc=stamp.hlc)
    else:
        columns.update(version=current.version + 1, updated_at=stamp.at, hlc=stamp.hlc)
    conn.execute(sql_update(memories).where(memories.c.id == current.rowid).values(**columns))
    after = get_by_rowid(conn, current.rowid)
    assert after is not None
    if not derived:
        _add_history(conn, after, change, stamp.at)
    if {"visibility", "expires_at"} & columns.keys():
        vectors.update_vector_flags(conn, after.rowid, vectors.flags_of(after))
    oplog.append(conn, stamp, Op.UPDATE, after.id, after.namespace, payload)
    return after


def update_derived_many(conn: Connection, items: Sequence[tuple[Memory, FieldChanges, Stamp]]) -> list[Memory]:
    """:func:`update` with ``derived=True`` for ``(current, changes, stamp)`` of distinct memories, in order,
    with a few statements for all: what the system infers (a type) changes no version and adds no history,
    and each change that does something gets its oplog entry. Content and tags are not derived: they
    raise :class:`ValueError`. Returns each memory as it is afterwards (``current`` when nothing changed).
    """
    if any(changes.content is not None or changes.tags is not None for _, changes, _ in items):
        raise ValueError("content and tags are changed by update(), not derived")
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    changed: list[tuple[Memory, dict[str, Any], Stamp]] = []
    for current, changes, stamp in items:
        columns, payload = _changed_columns(current, changes)
        if not columns:
            continue
        columns["hlc"] = stamp.hlc
        by_columns.setdefault(tuple(columns), []).append(columns | {"_id": current.rowid})
        changed.append((current, payload, stamp))
    raw = conn.connection.dbapi_connection
    for names, rows in by_columns.items():
        raw.executemany(f"UPDATE memories SET {', '.join(f'{n} = :{n}' for n in names)} WHERE id = :_id", rows)
    after = get_many(conn, [current.rowid for current, _, _ in changed])
    for current, payload, _ in changed:
        if {"visibility", "expires_at"} & payload.keys():
            vectors.update_vector_flags(conn, current.rowid, vectors.flags_of(after[current.rowid]))
    oplog.append_many(conn, [(stamp, Op.UPDATE, current.id, current.namespace, payload)
                             for current, payload, stamp in changed])
    return [after.get(current.rowid, current) for current, _, _ in items]


class Transition(enum.Enum):
    """Moves between live, trash and archive: (timestamp column, set or clear, oplog op, history label)."""

    DELETE = ("deleted_at", True, Op.DELETE, "deleted")
    RESTORE = ("deleted_at", False, Op.RESTORE, "restored")
    ARCHIVE = ("archived_at", True, Op.ARCHIVE, "archived")
    UNARCHIVE = ("archived_at", False, Op.UNARCHIVE, "unarchived")


def transition(conn: Connection, current: Memory, move: Transition, stamp: Stamp) -> Memory:
    """Trash, restore, archive or unarchive; a move to where the memory already is raises :class:`Conflict`."""
    column, set_it, op, label = move.value
    if (getattr(current, column) is not None) == set_it:
        state = column.removesuffix("_at")
        raise Conflict(f"memory {current.id} is {'already' if set_it else 'not'} {state}")
    value = stamp.at if set_it else None
    conn.execute(sql_update(memories).where(memories.c.id == current.rowid).values(
        **{column: value}, version=current.version + 1, updated_at=stamp.at, hlc=stamp.hlc))
    after = get_by_rowid(conn, current.rowid)
    assert after is not None
    _add_history(conn, after, label, stamp.at)
    vectors.update_vector_flags(conn, after.rowid, vectors.flags_of(after))
    oplog.append(conn, stamp, op, after.id, after.namespace, {column: value})
    return after


def hard_delete(conn: Connection, targets: Sequence[tuple[int, str, str]], stamp: Stamp, *, reason: str) -> None:
    """Remove memories ``(rowid, uuid, namespace)`` and everything hanging off them, for good.

    ``reason`` (deleted, expired, trash, wiped) goes into each oplog entry.
    History, tags, chunks and jobs go with the row (foreign keys cascade);
    vec0 and FTS rows are removed by hand because virtual tables do not cascade.
    """
    vectors.delete_vectors(conn, [rowid for rowid, _, _ in targets])
    linked = entity_links.linked_entities(conn, [rowid for rowid, _, _ in targets])
    for rowid, uuid, namespace in targets:
        conn.execute(text("DELETE FROM memory_fts WHERE rowid = :r"), {"r": rowid})
        conn.execute(text("DELETE FROM memories WHERE id = :r"), {"r": rowid})
        if reason != "wiped":
            oplog.append(conn, stamp, Op.HARD_DELETE, uuid, namespace, {"reason": reason})
    # The links went with the rows (foreign keys cascade); entities nobody mentions now go too.
    entity_links.prune_orphans(conn, linked)


def wipe_namespace(conn: Connection, namespace: str, targets: Sequence[tuple[int, str, str]], stamp: Stamp) -> None:
    """Remove every memory of ``namespace``: one oplog entry for the wipe, not one per memory."""
    hard_delete(conn, targets, stamp, reason="wiped")
    oplog.append(conn, stamp, Op.WIPE_NAMESPACE, "", namespace, {"namespace": namespace, "count": len(targets)})


def store_vectors(conn: Connection, memory_id: int, digest: str, embedded: Embedded, stamp: Stamp) -> Memory | None:
    """Make ``embedded`` the memory's vectors if its content still hashes to ``digest``.

    Returns the memory, now ``ready``; ``None`` if it was deleted or edited
    meanwhile (a newer job exists for the new content). A pending job for the
    same content is done with.
    """
    return store_vectors_many(conn, [(memory_id, digest, embedded)], stamp)[0]


def store_vectors_many(conn: Connection, items: Sequence[tuple[int, str, Embedded]],
                       stamp: Stamp) -> list[Memory | None]:
    """:func:`store_vectors` for ``(memory_id, digest, embedded)`` (distinct memories) in order, with a few
    statements for all.

    Leaves what that many :func:`store_vectors` calls leave: the same chunk ids
    (a memory's old chunks are removed before its new ones take ids), the same
    vector-log entries in the same order, one oplog entry per memory stored.
    """
    ids = [memory_id for memory_id, _, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("each memory's vectors are stored once per call")
    currents = get_many(conn, ids)
    raw = conn.connection.dbapi_connection
    stored: list[tuple[Memory, str, Embedded]] = []
    out: list[Memory | None] = []
    for memory_id, digest, embedded in items:
        current = currents.get(memory_id)
        if current is None or content_hash(current.content) != digest:
            out.append(None)
            continue
        stored.append((current, digest, embedded))
        out.append(replace(current, embedding_status=EmbeddingStatus.READY, model_id=embedded.model_id))
    if not stored:
        return out
    sql, params = filters.in_list("m", [m.rowid for m, _, _ in stored])
    old: dict[int, list[int]] = {}
    for memory_id, chunk_id in conn.execute(text(f"SELECT memory_id, id FROM chunks WHERE memory_id IN {sql} "
                                                 "ORDER BY memory_id, id"), params):
        old.setdefault(memory_id, []).append(chunk_id)
    chunk_rows: list[tuple] = []
    vec_rows: list[tuple] = []
    logged: list[tuple[str | None, int, bytes | None]] = []

    def flush() -> None:
        raw.executemany("INSERT INTO chunks(id, memory_id, seq, start_char, end_char) VALUES (?, ?, ?, ?, ?)",
                        chunk_rows)
        raw.executemany("INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, expires_at, "
                        "memory_id) VALUES (?, ?, ?, ?, ?, ?, ?)", vec_rows)
        chunk_rows.clear()
        vec_rows.clear()

    next_chunk = None
    for current, _, embedded in stored:
        gone = old.pop(current.rowid, [])
        if gone:
            # Written in the order single stores write: removing the highest chunk ids frees them for reuse.
            flush()
            raw.executemany("DELETE FROM memory_vectors WHERE rowid = ?", [(c,) for c in gone])
            raw.execute("DELETE FROM chunks WHERE memory_id = ?", (current.rowid,))
            logged += [(None, c, None) for c in gone]
            next_chunk = None
        if next_chunk is None:
            next_chunk = raw.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0] + 1
        flags = vectors.flags_of(current)
        for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
            blob = np.ascontiguousarray(vec, dtype=np.float32).tobytes()
            chunk_rows.append((next_chunk, current.rowid, seq, start, end))
            vec_rows.append((next_chunk, current.namespace, blob, flags.state, int(flags.confidential),
                             flags.expires_at, current.rowid))
            logged.append((current.namespace, next_chunk, blob))
            next_chunk += 1
    flush()
    knn_log.log_changes(conn, logged)
    raw.executemany("UPDATE memories SET embedding_status = ?, model_id = ? WHERE id = ?",
                    [(EmbeddingStatus.READY.value, e.model_id, m.rowid) for m, _, e in stored])
    raw.executemany("DELETE FROM embedding_jobs WHERE memory_id = ? AND content_hash = ?",
                    [(m.rowid, digest) for m, digest, _ in stored])
    oplog.append_many(conn, [(stamp, Op.VECTORS, m.id, m.namespace,
                              {"model_id": e.model_id, "content_hash": digest, "chunks": len(e.spans)})
                             for m, digest, e in stored])
    return out


def keep_conflict_version(conn: Connection, current: Memory, content: str, at: float) -> Memory:
    """Keep ``content``, which lost a concurrent edit to the memory's current content, as a history version
    marked as a conflict (a new version number; the memory's fields do not change).

    Bookkeeping of this device, like the history itself: no oplog entry.
    """
    version = current.version + 1
    fields = {k: getattr(current, k) for k in SNAPSHOT_FIELDS} | {"content": content}
    conn.execute(insert(memory_history).values(memory_id=current.rowid, version=version, change="conflict",
                                               changed_at=at, snapshot=snapshot_of(fields), conflict=1))
    conn.execute(sql_update(memories).where(memories.c.id == current.rowid).values(version=version))
    after = get_by_rowid(conn, current.rowid)
    assert after is not None
    return after


def requeue_embedding(conn: Connection, memory_id: int, digest: str, now: float) -> None:
    """Embed a memory again from scratch (its vectors were lost or misfiled): a fresh job, status processing.

    Processing state of this device, like :func:`mark_embedding_failed`: no oplog entry.
    """
    _enqueue_embedding(conn, memory_id, digest, now)
    conn.execute(sql_update(memories).where(memories.c.id == memory_id).values(
        embedding_status=EmbeddingStatus.PROCESSING.value))


def mark_embedding_failed(conn: Connection, memory_id: int) -> None:
    """Give up embedding a memory for now (it stays listed; re-embedding retries it).

    The embedding status is this device's processing state, not a field of the
    memory, so it is not an oplog entry: another device embeds on its own.
    """
    conn.execute(sql_update(memories).where(memories.c.id == memory_id).values(
        embedding_status=EmbeddingStatus.FAILED.value))


# --- Imports: a memory's whole state from elsewhere (bundles) ------------------------------------------------
#
# An import writes the state it is given, not a change to it: the record's own
# timestamps, version and origin device are kept, so that the same memory is
# recognisably the same in both vaults. As for every change, the row's HLC is
# the stamp's: the caller passes the record's own stamp when that version wins
# as it is (so "newer" can be decided again on the next import, and other
# devices see the version it is), and a fresh one when the import is a new
# local decision (an overwrite with an older version, a copy). The oplog entry
# carries the whole state (Op.IMPORT), so sync carries imports on like local changes.


def _usable_vectors(record: MemoryRecord, model_id: str, dimension: int) -> Embedded | None:
    v = record.vectors
    if v is None or v.model_id != model_id or v.dimension != dimension or not v.spans:
        return None
    matrix = np.frombuffer(v.data, dtype="<f4").reshape(len(v.spans), dimension)
    return Embedded(v.spans, matrix, v.model_id)


_STATE_FIELDS = ("namespace", "content", "importance", "agent_id", "user_id", "session_id", "project", "client_id",
                 "created_at", "updated_at", "expires_at", "deleted_at", "archived_at", "origin_device")


def _state(record: MemoryRecord) -> dict[str, Any]:
    plain = {name: getattr(record, name) for name in _STATE_FIELDS}
    plain.update(memory_type=record.memory_type.value, tier=record.tier.value, visibility=record.visibility.value)
    return plain


def _state_payload(record: MemoryRecord, stamp: Stamp, *, replaced: bool, vectors_from: str | None) -> dict[str, Any]:
    return _state(record) | {"tags": list(record.tags), "metadata": record.metadata, "version": record.version,
                             "hlc": stamp.hlc, "replaced": replaced, "vectors_model_id": vectors_from}


def _import_row(record: MemoryRecord, stamp: Stamp, status: EmbeddingStatus, model_id: str | None) -> dict[str, Any]:
    return _state(record) | {"tags": _json(list(record.tags)), "metadata": _json(record.metadata), "hlc": stamp.hlc,
                             "content_hash": content_hash(record.content), "embedding_status": status.value,
                             "model_id": model_id}


def _as_memory(record: MemoryRecord, rowid: int, version: int, status: EmbeddingStatus,
               model_id: str | None) -> Memory:
    return Memory(
        id=record.id, rowid=rowid, namespace=record.namespace, content=record.content,
        memory_type=record.memory_type, tags=record.tags, metadata=record.metadata, importance=record.importance,
        tier=record.tier, visibility=record.visibility, agent_id=record.agent_id, user_id=record.user_id,
        session_id=record.session_id, project=record.project, client_id=record.client_id,
        created_at=record.created_at, updated_at=record.updated_at, expires_at=record.expires_at,
        deleted_at=record.deleted_at, archived_at=record.archived_at, version=version, embedding_status=status,
        model_id=model_id)


_IMPORT_COLUMNS = (*_STATE_FIELDS, "memory_type", "tier", "visibility", "tags", "metadata", "hlc", "content_hash",
                   "embedding_status", "model_id")


def import_memories(conn: Connection, items: Sequence[tuple[MemoryRecord, Stamp]], *, model_id: str,
                    dimension: int) -> list[Memory]:
    """Write new memories from elsewhere, many at once (ids and namespaces decided by the caller).

    Each row's HLC is its stamp's. Vectors made by ``model_id`` with ``dimension``
    are stored as they are, so those memories are searchable at once; the others get embedding jobs. Each
    memory gets the record's history, or one "imported" version when it has none.
    Rows are written with executemany and rowids assigned here (the caller holds
    the write transaction, so nobody else can take them).
    """
    if not items:
        return []
    for namespace in sorted({record.namespace for record, _ in items}):
        ensure_namespace(conn, namespace, items[0][1].at)
    next_rowid = conn.execute(text("SELECT coalesce(max(id), 0) FROM memories")).scalar_one() + 1
    next_chunk = conn.execute(text("SELECT coalesce(max(id), 0) FROM chunks")).scalar_one() + 1
    rows, tags, fts, history, chunk_rows, vec_rows, jobs, ops, created = [], [], [], [], [], [], [], [], []
    for (record, stamp), rowid in zip(items, range(next_rowid, next_rowid + len(items))):
        embedded = _usable_vectors(record, model_id, dimension)
        status = EmbeddingStatus.READY if embedded is not None else EmbeddingStatus.PROCESSING
        memory = _as_memory(record, rowid, record.version, status, embedded.model_id if embedded else None)
        created.append(memory)
        rows.append(_import_row(record, stamp, status, memory.model_id) | {"id": rowid, "uuid": record.id,
                                                                    "version": record.version})
        tags += [{"m": rowid, "t": t} for t in record.tags]
        fts.append({"r": rowid, "c": record.content})
        if record.history:
            history += [{"m": rowid, "v": h.version, "c": h.change, "a": h.changed_at,
                         "s": snapshot_of({k: getattr(h, k) for k in SNAPSHOT_FIELDS})} for h in record.history]
        else:
            history.append({"m": rowid, "v": record.version, "c": "imported", "a": stamp.at,
                            "s": snapshot_of({k: getattr(record, k) for k in SNAPSHOT_FIELDS})})
        if embedded is None:
            jobs.append({"m": rowid, "h": rows[-1]["content_hash"], "now": stamp.at})
        else:
            flags = vectors.flags_of(memory)
            for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
                chunk_rows.append({"id": next_chunk, "m": rowid, "s": seq, "a": start, "b": end})
                vec_rows.append({"r": next_chunk, "ns": record.namespace, "e": vec.tobytes(), "st": flags.state,
                                 "c": int(flags.confidential), "x": flags.expires_at, "m": rowid})
                next_chunk += 1
        ops.append((stamp, Op.IMPORT, record.id, record.namespace,
                    _state_payload(record, stamp, replaced=False, vectors_from=memory.model_id)))
    # Straight to the driver's executemany: SQLAlchemy's per-row parameter handling would cost
    # more than the inserts themselves (this runs for every memory of a bundle).
    raw = conn.connection.dbapi_connection
    columns = ("id", "uuid", "version") + _IMPORT_COLUMNS
    raw.executemany(f"INSERT INTO memories({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
                    rows)
    raw.executemany("INSERT OR IGNORE INTO memory_tags(memory_id, tag) VALUES (:m, :t)", tags)
    raw.executemany("INSERT INTO memory_fts(rowid, content) VALUES (:r, :c)", fts)
    raw.executemany("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot) "
                    "VALUES (:m, :v, :c, :a, :s)", history)
    raw.executemany("INSERT INTO chunks(id, memory_id, seq, start_char, end_char) VALUES (:id, :m, :s, :a, :b)",
                    chunk_rows)
    raw.executemany("INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, expires_at, "
                    "memory_id) VALUES (:r, :ns, :e, :st, :c, :x, :m)", vec_rows)
    knn_log.log_added(conn, [(v["ns"], v["r"], v["e"]) for v in vec_rows])
    raw.executemany("INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
                    "VALUES (:m, :h, 0, :now, :now)", jobs)
    entity_links.enqueue(conn, [(j["m"], j["h"]) for j in jobs] + [
        (r["id"], r["content_hash"]) for r in rows if r["embedding_status"] == EmbeddingStatus.READY.value],
        items[0][1].at)
    oplog.append_many(conn, ops)
    return created


def import_memory(conn: Connection, record: MemoryRecord, stamp: Stamp, *, model_id: str, dimension: int,
                  replacing: Memory | None = None) -> Memory:
    """Write ``record`` over ``replacing``, the vault's memory with the same id in the same namespace
    (without ``replacing``: as a new memory, like :func:`import_memories`).

    The replaced memory keeps its own history and gains an "imported" version.
    Vectors made by ``model_id`` are stored; otherwise the memory keeps its own
    vectors if its content does not change, or gets an embedding job.
    """
    if replacing is None:
        return import_memories(conn, [(record, stamp)], model_id=model_id, dimension=dimension)[0]
    if replacing.id != record.id or replacing.namespace != record.namespace:
        raise ValueError("an import replaces only the memory with the same id in the same namespace")
    rowid = replacing.rowid
    embedded = _usable_vectors(record, model_id, dimension)
    keep_local_vectors = (embedded is None and replacing.content == record.content
                          and replacing.embedding_status is EmbeddingStatus.READY and replacing.model_id == model_id)
    if embedded is not None or keep_local_vectors:
        status, vectors_model = EmbeddingStatus.READY, model_id
    else:
        status, vectors_model = EmbeddingStatus.PROCESSING, None
    row = _import_row(record, stamp, status, vectors_model)
    conn.execute(sql_update(memories).where(memories.c.id == rowid).values(
        version=max(replacing.version, record.version) + 1, **row))
    _write_tags(conn, rowid, record.tags)
    conn.execute(text("UPDATE memory_fts SET content = :c WHERE rowid = :r"), {"c": record.content, "r": rowid})
    memory = get_by_rowid(conn, rowid)
    assert memory is not None
    _add_history(conn, memory, "imported", stamp.at)
    if replacing.content != record.content:
        entity_links.unlink(conn, [rowid])
        entity_links.enqueue(conn, [(rowid, row["content_hash"])], stamp.at)
    if embedded is not None:
        vectors.replace_vectors(conn, memory_id=rowid, namespace=record.namespace, embedded=embedded,
                                flags=vectors.flags_of(memory))
        conn.execute(text("DELETE FROM embedding_jobs WHERE memory_id = :m"), {"m": rowid})
    elif keep_local_vectors:
        vectors.update_vector_flags(conn, rowid, vectors.flags_of(memory))
    else:
        vectors.delete_vectors(conn, [rowid])
        _enqueue_embedding(conn, rowid, row["content_hash"], stamp.at)
    oplog.append(conn, stamp, Op.IMPORT, record.id, record.namespace,
                 _state_payload(record, stamp, replaced=True, vectors_from=embedded.model_id if embedded else None))
    return memory
