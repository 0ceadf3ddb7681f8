"""Every change to a memory, one function each: the row, its tags, FTS entry, history, vectors,
embedding job and oplog entry are written together, inside the caller's write transaction.

Local edits, the embedding worker, re-embedding, imports and other devices'
changes all come through here (storing vectors lives in
:mod:`memvault.vault.memory_vectors`, imports in :mod:`memvault.vault.memory_imports`,
the rows they share in :mod:`memvault.vault.memory_parts`), so the oplog that sync reads can never
miss a change and the vector index can never drift from the stored vectors.
Callers pass domain values (:class:`NewMemory`, :class:`FieldChanges`) and a
:class:`~memvault.vault.oplog.Stamp`; SQL encodings (JSON columns) are
decided here and nowhere else. Reads live in :mod:`memvault.vault.memory_queries`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from sqlalchemy import Connection, insert, text
from sqlalchemy import update as sql_update

from memvault.domain.entities import EntityMention
from memvault.domain.enums import EmbeddingStatus
from memvault.domain.errors import ClientIdTaken, Conflict
from memvault.domain.models import FieldChanges, Memory, NewMemory
from memvault.vault import entities as entity_links
from memvault.vault import fts as keyword_index
from memvault.vault import oplog, vectors
from memvault.vault.memory_parts import (
    add_history,
    content_hash,
    enqueue_embedding,
    ensure_namespace,
    json_text,
    next_memory_rowid,
    remember_deleted_rowids,
    write_tags,
)
from memvault.vault.memory_queries import get_by_rowid, get_many
from memvault.vault.memory_vectors import store_new_vectors
from memvault.vault.oplog import Op, Stamp
from memvault.vault.rows import CURRENT_SNAPSHOT, SNAPSHOT_FIELDS, snapshot_of
from memvault.vault.schema import memories, memory_history
from memvault.vault.vectors import Embedded

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


def _created(new: NewMemory, row: dict[str, Any]) -> Memory:
    """The :class:`Memory` that ``row`` (written for ``new`` by :func:`create_many`) reads back as."""
    return Memory(
        id=new.id, rowid=row["id"], namespace=new.namespace, content=new.content, memory_type=new.memory_type,
        tags=tuple(new.tags), metadata=new.metadata, importance=float(new.importance), tier=new.tier,
        visibility=new.visibility, agent_id=new.agent_id, user_id=new.user_id, session_id=new.session_id,
        project=new.project, client_id=new.client_id, created_at=new.created_at, updated_at=new.created_at,
        expires_at=new.expires_at, deleted_at=None, archived_at=None, version=1,
        embedding_status=EmbeddingStatus(row["embedding_status"]), model_id=row["model_id"],
        memory_type_source=new.memory_type_source)


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
    first_at: dict[str, float] = {}
    for new, stamp, _, _ in items:
        first_at.setdefault(new.namespace, stamp.at)
    for namespace, at in first_at.items():  # once per namespace: a batch usually has one
        ensure_namespace(conn, namespace, at)
    next_rowid = next_memory_rowid(conn)
    rowids = list(range(next_rowid, next_rowid + len(items)))
    rows, tags, fts, jobs, ops = [], [], [], [], []
    for (new, stamp, embedded, _), rowid in zip(items, rowids):
        digest = content_hash(new.content)
        rows.append(_fields_payload(new) | {
            "id": rowid, "uuid": new.id, "tags": json_text(list(new.tags)), "metadata": json_text(new.metadata),
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
    keyword_index.index_rows(raw, [(f["r"], f["c"]) for f in fts])
    queued: dict[tuple[bool, float], list[tuple[int, str]]] = {}
    linked = False
    for (new, stamp, _, plan), row in zip(items, rows):
        if isinstance(plan, str):
            if plan != "skip":
                queued.setdefault((plan == "force", stamp.at), []).append((row["id"], row["content_hash"]))
        else:
            entity_links.link(conn, row["id"], new.namespace, plan)
            linked = True
    for (forced, at), pairs in queued.items():
        entity_links.enqueue(conn, pairs, at, forced=forced)
    # The memories as a read would return them, built from what was just written instead of read back (a
    # tenth of a batch's CPU); only entities just linked are read, as the vault names them.
    memories_in_order = [_created(new, row) for (new, _, _, _), row in zip(items, rows)]
    if linked:
        mentions = entity_links.mentions_of(conn, rowids)
        memories_in_order = [replace(m, entities=mentions[m.rowid]) if m.rowid in mentions else m
                             for m in memories_in_order]
    raw.executemany("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot, conflict) "
                    "VALUES (?, 1, 'create', ?, ?, 0)",
                    # A first version made when the memory says it was created needs no entry (rows.FIRST_CHANGE).
                    [(m.rowid, stamp.at, CURRENT_SNAPSHOT) for m, (_, stamp, _, _) in zip(memories_in_order, items)
                     if stamp.at != m.created_at])
    store_new_vectors(conn, [(m, embedded) for m, (_, _, embedded, _) in zip(memories_in_order, items) if embedded])
    raw.executemany("INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
                    "VALUES (:m, :h, 0, :now, :now)", jobs)
    oplog.append_many(conn, ops)
    return memories_in_order


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
        columns["tags"] = json_text(list(changes.tags))
        payload["tags"] = {"add": sorted(set(changes.tags) - set(current.tags)),
                           "remove": sorted(set(current.tags) - set(changes.tags)), "all": list(changes.tags)}
    set_keys = {k: v for k, v in changes.metadata_set.items() if current.metadata.get(k, object()) != v}
    unset_keys = sorted(k for k in changes.metadata_unset if k in current.metadata and k not in set_keys)
    if set_keys or unset_keys:
        merged = {k: v for k, v in current.metadata.items() if k not in unset_keys} | set_keys
        columns["metadata"] = json_text(merged)
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
        enqueue_embedding(conn, current.rowid, columns["content_hash"], stamp.at)
        conn.execute(text("UPDATE memory_fts SET content = :c WHERE rowid = :r"),
                     {"c": columns["content"], "r": current.rowid})
        keyword_index.reindex(conn, current.rowid, columns["content"])
        if entities == "skip":
            entity_links.unlink(conn, [current.rowid])
        # Otherwise the old links stay until the new ones replace them (now, or when the queued job is done): an
        # entity both texts mention keeps its id and the type a person gave it, where unlinking first pruned it.
        _entities(conn, current.rowid, current.namespace, columns["content_hash"], entities, stamp.at)
    if "tags" in columns:
        write_tags(conn, current.rowid, payload["tags"]["all"])
    if derived:
        columns.update(hlc=stamp.hlc)
    else:
        columns.update(version=current.version + 1, updated_at=stamp.at, hlc=stamp.hlc)
    conn.execute(sql_update(memories).where(memories.c.id == current.rowid).values(**columns))
    after = get_by_rowid(conn, current.rowid)
    assert after is not None
    if not derived:
        add_history(conn, after, change, stamp.at, before=current)
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
    add_history(conn, after, label, stamp.at, before=current)
    oplog.append(conn, stamp, op, after.id, after.namespace, {column: value})
    return after


def hard_delete(conn: Connection, targets: Sequence[tuple[int, str, str]], stamp: Stamp, *, reason: str) -> None:
    """Remove memories ``(rowid, uuid, namespace)`` and everything hanging off them, for good.

    ``reason`` (deleted, expired, trash, wiped) goes into each oplog entry.
    History, tags, chunks and jobs go with the row (foreign keys cascade);
    vectors go with their chunks, and FTS rows are removed by hand because virtual tables do not cascade.
    """
    remember_deleted_rowids(conn, [rowid for rowid, _, _ in targets])
    vectors.delete_vectors(conn, [rowid for rowid, _, _ in targets])
    linked = entity_links.linked_entities(conn, [rowid for rowid, _, _ in targets])
    for rowid, uuid, namespace in targets:
        conn.execute(text("DELETE FROM memory_fts WHERE rowid = :r"), {"r": rowid})
        keyword_index.unindex(conn, rowid)
        conn.execute(text("DELETE FROM memories WHERE id = :r"), {"r": rowid})
        if reason != "wiped":
            oplog.append(conn, stamp, Op.HARD_DELETE, uuid, namespace, {"reason": reason})
    # The links went with the rows (foreign keys cascade); entities nobody mentions now go too.
    entity_links.prune_orphans(conn, linked)


def wipe_namespace(conn: Connection, namespace: str, targets: Sequence[tuple[int, str, str]], stamp: Stamp) -> None:
    """Remove every memory of ``namespace``: one oplog entry for the wipe, not one per memory."""
    hard_delete(conn, targets, stamp, reason="wiped")
    oplog.append(conn, stamp, Op.WIPE_NAMESPACE, "", namespace, {"namespace": namespace, "count": len(targets)})


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
    enqueue_embedding(conn, memory_id, digest, now)
    conn.execute(sql_update(memories).where(memories.c.id == memory_id).values(
        embedding_status=EmbeddingStatus.PROCESSING.value))


def mark_embedding_failed(conn: Connection, memory_id: int) -> None:
    """Give up embedding a memory for now (it stays listed; re-embedding retries it).

    The embedding status is this device's processing state, not a field of the
    memory, so it is not an oplog entry: another device embeds on its own.
    """
    conn.execute(sql_update(memories).where(memories.c.id == memory_id).values(
        embedding_status=EmbeddingStatus.FAILED.value))
