"""Imports: a memory's whole state from elsewhere (bundles, other devices' snapshots).

Part of the one write path (:mod:`memvault.vault.memories` re-exports these).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy import update as sql_update

from memvault.domain.enums import EmbeddingStatus
from memvault.domain.models import Memory
from memvault.domain.transfer import MemoryRecord
from memvault.vault import entities as entity_links
from memvault.vault import fact_renames
from memvault.vault import fts as keyword_index
from memvault.vault import oplog, vectors
from memvault.vault.knn import log as knn_log
from memvault.vault.memory_parts import (
    add_history,
    content_hash,
    enqueue_embedding,
    ensure_namespace,
    json_text,
    next_memory_rowid,
    write_tags,
)
from memvault.vault.memory_queries import get_by_rowid
from memvault.vault.oplog import Op, Stamp
from memvault.vault.rows import SNAPSHOT_FIELDS, snapshot_of
from memvault.vault.schema import memories
from memvault.vault.vectors import Embedded

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
    plain.update(memory_type=record.memory_type.value, tier=record.tier.value, visibility=record.visibility.value,
                 memory_type_source=record.memory_type_source.value)
    return plain


def _state_payload(record: MemoryRecord, stamp: Stamp, *, replaced: bool, vectors_from: str | None) -> dict[str, Any]:
    return _state(record) | {"tags": list(record.tags), "metadata": record.metadata, "version": record.version,
                             "hlc": stamp.hlc, "replaced": replaced, "vectors_model_id": vectors_from}


def _import_row(record: MemoryRecord, stamp: Stamp, status: EmbeddingStatus, model_id: str | None) -> dict[str, Any]:
    return _state(record) | {"tags": json_text(list(record.tags)), "metadata": json_text(record.metadata), "hlc": stamp.hlc,
                             "content_hash": content_hash(record.content), "embedding_status": status.value,
                             "model_id": model_id, "memory_type_source": record.memory_type_source.value}


def _as_memory(record: MemoryRecord, rowid: int, version: int, status: EmbeddingStatus,
               model_id: str | None) -> Memory:
    return Memory(
        id=record.id, rowid=rowid, namespace=record.namespace, content=record.content,
        memory_type=record.memory_type, tags=record.tags, metadata=record.metadata, importance=record.importance,
        tier=record.tier, visibility=record.visibility, agent_id=record.agent_id, user_id=record.user_id,
        session_id=record.session_id, project=record.project, client_id=record.client_id,
        created_at=record.created_at, updated_at=record.updated_at, expires_at=record.expires_at,
        deleted_at=record.deleted_at, archived_at=record.archived_at, version=version, embedding_status=status,
        model_id=model_id, memory_type_source=record.memory_type_source)


_IMPORT_COLUMNS = (*_STATE_FIELDS, "memory_type", "tier", "visibility", "tags", "metadata", "hlc", "content_hash",
                   "embedding_status", "model_id", "memory_type_source")


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
    next_rowid = next_memory_rowid(conn)
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
            for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
                chunk_rows.append({"id": next_chunk, "m": rowid, "s": seq, "a": start, "b": end})
                vec_rows.append((record.namespace, next_chunk, vectors.stored_bytes(vec)))
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
    keyword_index.index_rows(raw, [(f["r"], f["c"]) for f in fts])
    raw.executemany("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot) "
                    "VALUES (:m, :v, :c, :a, :s)", history)
    raw.executemany("INSERT INTO chunks(id, memory_id, seq, start_char, end_char) VALUES (:id, :m, :s, :a, :b)",
                    chunk_rows)
    vectors.write_vectors(conn, [(c, b) for _, c, b in vec_rows])
    knn_log.log_added(conn, vec_rows)
    raw.executemany("INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
                    "VALUES (:m, :h, 0, :now, :now)", jobs)
    entity_links.enqueue(conn, [(j["m"], j["h"]) for j in jobs] + [
        (r["id"], r["content_hash"]) for r in rows if r["embedding_status"] == EmbeddingStatus.READY.value],
        items[0][1].at)
    oplog.append_many(conn, ops)
    fact_renames.arrived(conn, created)
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
    # Before the row: the keyword index reads the text it replaces from the row (external content).
    conn.execute(text("UPDATE memory_fts SET content = :c WHERE rowid = :r"), {"c": record.content, "r": rowid})
    conn.execute(sql_update(memories).where(memories.c.id == rowid).values(
        version=max(replacing.version, record.version) + 1, **row))
    write_tags(conn, rowid, record.tags)
    keyword_index.reindex(conn, rowid, record.content)
    memory = get_by_rowid(conn, rowid)
    assert memory is not None
    add_history(conn, memory, "imported", stamp.at, before=replacing)
    if replacing.content != record.content:  # (its links stay until the job replaces them: ids and types kept)
        entity_links.enqueue(conn, [(rowid, row["content_hash"])], stamp.at)
    if embedded is not None:
        vectors.replace_vectors(conn, memory_id=rowid, namespace=record.namespace, embedded=embedded)
        conn.execute(text("DELETE FROM embedding_jobs WHERE memory_id = :m"), {"m": rowid})
    elif not keep_local_vectors:
        vectors.delete_vectors(conn, [rowid])
        enqueue_embedding(conn, rowid, row["content_hash"], stamp.at)
    oplog.append(conn, stamp, Op.IMPORT, record.id, record.namespace,
                 _state_payload(record, stamp, replaced=True, vectors_from=embedded.model_id if embedded else None))
    fact_renames.arrived(conn, [memory])
    return memory
