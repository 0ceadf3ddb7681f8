"""A memory's vectors: storing the worker's (or another device's) vectors for the content they were made from.

Part of the one write path (:mod:`memvault.vault.memories` re-exports these): each
store writes the chunks, their float16 vectors, the vector index's change log and an
oplog entry together, inside the caller's write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from memvault.domain.enums import EmbeddingStatus
from memvault.domain.models import EmbeddedMemory, Memory
from memvault.vault import filters, oplog, vectors
from memvault.vault.knn import log as knn_log
from memvault.vault.memory_queries import get_by_rowid, vector_targets
from memvault.vault.oplog import Op, Stamp
from memvault.vault.rows import VectorTarget
from memvault.vault.vectors import Embedded


def store_new_vectors(conn: Connection, items: Sequence[tuple[Memory, Embedded]]) -> None:
    """Chunks and vectors for memories that have none yet (chunk ids taken as SQLite would, in order)."""
    if not items:
        return
    next_chunk = conn.execute(text("SELECT coalesce(max(id), 0) FROM chunks")).scalar_one() + 1
    chunk_rows, vec_rows = [], []
    for memory, embedded in items:
        for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
            chunk_rows.append((next_chunk, memory.rowid, seq, start, end))
            vec_rows.append((memory.namespace, next_chunk, vectors.stored_bytes(vec)))
            next_chunk += 1
    raw = conn.connection.dbapi_connection
    raw.executemany("INSERT INTO chunks(id, memory_id, seq, start_char, end_char) VALUES (?, ?, ?, ?, ?)", chunk_rows)
    vectors.write_vectors(conn, [(c, b) for _, c, b in vec_rows])
    knn_log.log_added(conn, vec_rows)


def store_vectors(conn: Connection, memory_id: int, digest: str, embedded: Embedded, stamp: Stamp) -> Memory | None:
    """Make ``embedded`` the memory's vectors if its content still hashes to ``digest``.

    Returns the memory, now ``ready``; ``None`` if it was deleted or edited
    meanwhile (a newer job exists for the new content). A pending job for the
    same content is done with.
    """
    if store_vectors_many(conn, [(memory_id, digest, embedded)], stamp)[0] is None:
        return None
    return get_by_rowid(conn, memory_id)


def store_vectors_many(conn: Connection, items: Sequence[tuple[int, str, Embedded]], stamp: Stamp, *,
                       currents: dict[int, VectorTarget] | None = None) -> list[EmbeddedMemory | None]:
    """:func:`store_vectors` for ``(memory_id, digest, embedded)`` (distinct memories) in order, with a few
    statements for all; each stored memory is returned as an :class:`EmbeddedMemory` (``None``: skipped).

    Leaves what that many :func:`store_vectors` calls leave: the same chunk ids
    (a memory's old chunks are removed before its new ones take ids), the same
    vector-log entries in the same order, one oplog entry per memory stored.
    ``currents``: the items' :func:`~memvault.vault.memory_queries.vector_targets` as the caller read them in this
    transaction (read here otherwise).
    """
    ids = [memory_id for memory_id, _, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("each memory's vectors are stored once per call")
    if currents is None:
        currents = vector_targets(conn, ids)
    raw = conn.connection.dbapi_connection
    stored: list[tuple[VectorTarget, str, Embedded]] = []
    out: list[EmbeddedMemory | None] = []
    for memory_id, digest, embedded in items:
        current = currents.get(memory_id)
        # The hash column is written with the content, by the one write path.
        if current is None or current.content_hash != digest:
            out.append(None)
            continue
        stored.append((current, digest, embedded))
        out.append(EmbeddedMemory(current.id, current.rowid, current.namespace, embedded.model_id,
                                  current.memory_type_source))
    if not stored:
        return out
    old: dict[int, list[int]] = {}
    for memory_id, chunk_id in conn.execute(text("SELECT memory_id, id FROM chunks WHERE memory_id IN "
                                                 "(SELECT value FROM json_each(:ids)) ORDER BY memory_id, id"),
                                            {"ids": filters.json_ids(m.rowid for m, _, _ in stored)}):
        old.setdefault(memory_id, []).append(chunk_id)
    chunk_rows: list[tuple] = []
    vec_rows: list[tuple] = []
    logged: list[tuple[str | None, int, bytes | None]] = []

    def flush() -> None:
        raw.executemany("INSERT INTO chunks(id, memory_id, seq, start_char, end_char) VALUES (?, ?, ?, ?, ?)",
                        chunk_rows)
        vectors.write_vectors(conn, vec_rows)
        chunk_rows.clear()
        vec_rows.clear()

    next_chunk = None
    for current, _, embedded in stored:
        gone = old.pop(current.rowid, [])
        if gone:
            # Written in the order single stores write: removing the highest chunk ids frees them for reuse.
            flush()
            vectors.remove_vectors(conn, gone)
            raw.execute("DELETE FROM chunks WHERE memory_id = ?", (current.rowid,))
            logged += [(None, c, None) for c in gone]
            next_chunk = None
        if next_chunk is None:
            next_chunk = raw.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0] + 1
        for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
            blob = vectors.stored_bytes(vec)
            chunk_rows.append((next_chunk, current.rowid, seq, start, end))
            vec_rows.append((next_chunk, blob))
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
