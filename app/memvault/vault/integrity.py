"""Integrity checks and safe repairs of one vault database (the SQL behind ``memvault check``).

Checks: SQLCipher's page authentication (every page's HMAC), SQLite's own
b-tree check, the FTS5 index (its ``integrity-check`` command and one row per
memory with the memory's text), the vectors (every ready memory has a vector
for each of its chunks, no chunk or vector without a memory), and memories
waiting for an embedding job that does not exist.

Repairs touch only derived data: the FTS index is rebuilt from the memories,
vectors and chunks without a memory are removed, and memories missing vectors
are queued for embedding again. Damaged
pages are not repairable here: the answer is a backup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from memvault.domain import vector_values
from memvault.domain.enums import EmbeddingStatus
from memvault.vault import memories as memory_writes
from memvault.vault import fts as keyword_index
from memvault.vault import vectors
from memvault.vault.knn import log as knn_log

#: Lines kept from SQLite's own check (it can list every page of a damaged file).
MAX_DETAILS = 20


@dataclass
class Findings:
    """What the checks found, as numbers and short lines (page numbers and table names, never content)."""

    counts: dict[str, int] = field(default_factory=dict)
    damaged_pages: list[str] = field(default_factory=list)
    btree: list[str] = field(default_factory=list)
    fts: list[str] = field(default_factory=list)
    fts_missing: list[int] = field(default_factory=list)
    fts_orphans: list[int] = field(default_factory=list)
    missing_vectors: list[int] = field(default_factory=list)
    #: Memories with a stored vector no model makes (NaN, infinite, or not unit length).
    unsound_vectors: list[int] = field(default_factory=list)
    orphan_chunks: list[int] = field(default_factory=list)
    orphan_vectors: list[int] = field(default_factory=list)
    unqueued: list[int] = field(default_factory=list)
    #: Checks that could not run, with the domain error code that stopped them.
    failed: dict[str, str] = field(default_factory=dict)


def _rows(conn: Connection, sql: str) -> list[str]:
    return [str(r[0]) for r in conn.exec_driver_sql(sql).all()]


def check_cipher(conn: Connection, found: Findings) -> None:
    """SQLCipher's HMAC over every page: a page that fails was changed or damaged on disk."""
    found.damaged_pages = _rows(conn, "PRAGMA cipher_integrity_check")[:MAX_DETAILS]


def check_btree(conn: Connection, found: Findings) -> None:
    """SQLite's own check of every table and index (raises when it meets a page it cannot read)."""
    rows = _rows(conn, f"PRAGMA integrity_check({MAX_DETAILS})")
    found.btree = [] if rows == ["ok"] else [line for r in rows for line in r.splitlines()][:MAX_DETAILS]


def check_fts_index(conn: Connection, found: Findings) -> None:
    """FTS5's own check of its index against its stored text.

    It is an INSERT that writes nothing, so it needs the writer's connection.
    FTS5 reports a mismatch as a corrupt database; that is a finding here, not
    a damaged vault.
    """
    try:
        with conn.begin_nested():
            # With rank 1 FTS5 also compares the index with the memories' text it reads (external content).
            conn.exec_driver_sql("INSERT INTO memory_fts(memory_fts, rank) VALUES ('integrity-check', 1)")
            conn.exec_driver_sql(f"INSERT INTO {keyword_index.TABLE}({keyword_index.TABLE}) VALUES ('integrity-check')")
    except DBAPIError as exc:
        found.fts = [f"the full-text index does not match its stored text ({type(exc.orig).__name__})"]


def check_rows(conn: Connection, found: Findings) -> None:
    """Row-level agreement of memories, FTS, chunks, vectors and jobs; fills the counts."""
    memories = {r.id: r for r in conn.execute(text(
        "SELECT id, namespace, embedding_status, deleted_at, archived_at, visibility, expires_at FROM memories"))}
    # The rows the English index holds: its own size table (its rows are read from the memories themselves).
    fts_ids = set(conn.execute(text("SELECT id FROM memory_fts_docsize")).scalars())
    # The multilingual index is derived from the same text: a row it lacks or keeps is the same finding.
    segmented_ids = set(conn.execute(text(f"SELECT rowid FROM {keyword_index.TABLE}")).scalars())
    found.fts_missing = sorted(set(memories) - (fts_ids & segmented_ids))
    found.fts_orphans = sorted((fts_ids | segmented_ids) - set(memories))
    # Out-of-date rows cannot be named one by one: the index keeps no text of its own to compare. FTS5's own
    # check (:func:`check_fts_index`) finds them as a whole.

    chunks = {r.id: r.memory_id for r in conn.execute(text("SELECT id, memory_id FROM chunks"))}
    vecs = set(conn.execute(text("SELECT chunk_id FROM chunk_vectors")).scalars())
    jobs = set(conn.execute(text("SELECT memory_id FROM embedding_jobs")).scalars())

    found.orphan_chunks = sorted(c for c, m in chunks.items() if m not in memories)
    found.orphan_vectors = sorted(v for v in vecs if v not in chunks or chunks[v] not in memories)
    chunked: dict[int, list[int]] = {}
    for chunk_id, memory_id in chunks.items():
        chunked.setdefault(memory_id, []).append(chunk_id)
    ready = EmbeddingStatus.READY.value
    missing = []
    for mid, m in memories.items():
        ids = chunked.get(mid, [])
        if m.embedding_status == ready and (not ids or any(c not in vecs for c in ids)) and mid not in jobs:
            missing.append(mid)
    found.missing_vectors = sorted(missing)
    # Such a vector came first for every query (a crafted bundle's, before imports checked them).
    bad_chunks: set[int] = set()
    for ids, matrix in vectors.scan(conn.connection.dbapi_connection):
        bad_chunks.update(ids[~vector_values.sound_rows(matrix)].tolist())
    found.unsound_vectors = sorted({chunks[c] for c in bad_chunks if c in chunks and chunks[c] in memories}
                                   - set(jobs))
    processing = EmbeddingStatus.PROCESSING.value
    found.unqueued = sorted(mid for mid, m in memories.items() if m.embedding_status == processing and mid not in jobs)
    found.counts = {
        "memories": len(memories),
        "trashed": sum(1 for m in memories.values() if m.deleted_at is not None),
        "archived": sum(1 for m in memories.values() if m.archived_at is not None),
        "ready": sum(1 for m in memories.values() if m.embedding_status == ready),
        "processing": sum(1 for m in memories.values() if m.embedding_status == processing),
        "failed": sum(1 for m in memories.values() if m.embedding_status == EmbeddingStatus.FAILED.value),
        "fts_rows": len(fts_ids),
        "chunks": len(chunks),
        "vectors": len(vecs),
        "jobs": len(jobs),
        "history": int(conn.execute(text("SELECT count(*) FROM memory_history")).scalar_one()),
        "oplog": int(conn.execute(text("SELECT count(*) FROM oplog")).scalar_one()),
    }


def rebuild_fts(conn: Connection) -> int:
    """Drop the FTS table and index every memory's text again; returns the rows indexed.

    Dropping (not FTS5's 'rebuild') also works when the index's own pages are damaged.
    """
    ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'memory_fts'")).scalar_one()
    conn.exec_driver_sql("DROP TABLE memory_fts")
    conn.exec_driver_sql(ddl)
    indexed = conn.execute(text("INSERT INTO memory_fts(rowid, content) SELECT id, content FROM memories")).rowcount
    keyword_index.create_and_fill(conn)  # the multilingual index is rebuilt with it (derived from the same text)
    return indexed


def remove_orphans(conn: Connection, chunk_ids: list[int], vector_ids: list[int]) -> None:
    """Delete chunks whose memory is gone, and vectors with no chunk or memory."""
    vectors.remove_vectors(conn, [*vector_ids, *chunk_ids])
    for chunk_id in chunk_ids:
        conn.execute(text("DELETE FROM chunks WHERE id = :c"), {"c": chunk_id})
    knn_log.log_removed(conn, [*vector_ids, *chunk_ids])


def requeue(conn: Connection, memory_ids: list[int], now: float) -> int:
    """Queue these memories for embedding again (vectors missing); returns how many.

    The embedding status and job are this device's processing state, not
    fields of the memory: no oplog entry (as when the worker stores vectors
    it made itself, the new vectors are announced then).
    """
    queued = 0
    for mid in memory_ids:
        row = conn.execute(text("SELECT content_hash FROM memories WHERE id = :m"), {"m": mid}).first()
        if row is None:
            continue
        vectors.delete_vectors(conn, [mid])
        memory_writes.requeue_embedding(conn, mid, row.content_hash, now)
        queued += 1
    return queued
