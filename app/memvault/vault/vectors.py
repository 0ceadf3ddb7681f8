"""Chunks and their vectors in the vec0 table.

One vector per chunk; the chunk id is the vec0 rowid. The namespace is the
vec0 partition key, and lifecycle state, visibility and expiry are vec0
metadata columns so that the KNN step itself leaves out what must not show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from memvault.domain.enums import Visibility
from memvault.domain.models import Memory
from memvault.vault.filters import json_ids
from memvault.vault.knn import log as knn_log
from memvault.vault.rows import VectorTarget
from memvault.vault.schema import NEVER, STATE_ARCHIVED, STATE_DELETED, STATE_LIVE


@dataclass(frozen=True)
class Embedded:
    """A memory's vectors, ready to store: one per chunk span, and the model that made them."""

    spans: Sequence[tuple[int, int]]
    vectors: np.ndarray
    model_id: str


@dataclass(frozen=True)
class VecFlags:
    """The vec0 metadata columns that let the KNN itself leave out what must not show."""

    state: int
    confidential: bool
    expires_at: int


def flags_of(m: Memory | VectorTarget) -> VecFlags:
    """The one derivation of a memory's vec0 flags from its row."""
    if m.deleted_at is not None:
        state = STATE_DELETED
    elif m.archived_at is not None:
        state = STATE_ARCHIVED
    else:
        state = STATE_LIVE
    return VecFlags(state, m.visibility is Visibility.CONFIDENTIAL,
                    NEVER if m.expires_at is None else int(m.expires_at))


def _chunk_ids(conn: Connection, memory_id: int) -> list[int]:
    return list(conn.execute(text("SELECT id FROM chunks WHERE memory_id = :m"), {"m": memory_id}).scalars())


# vec0 is reached by rowid only: any other WHERE on it (a subquery, a join)
# makes SQLite scan the whole virtual table, which costs ~10 ms per call at 50k.

def delete_vectors(conn: Connection, memory_ids: Sequence[int]) -> None:
    """Remove the chunks and vectors of these memories (and tell the approximate index)."""
    for mid in memory_ids:
        chunk_ids = _chunk_ids(conn, mid)
        for chunk_id in chunk_ids:
            conn.execute(text("DELETE FROM memory_vectors WHERE rowid = :r"), {"r": chunk_id})
        conn.execute(text("DELETE FROM chunks WHERE memory_id = :m"), {"m": mid})
        knn_log.log_removed(conn, chunk_ids)


def replace_vectors(conn: Connection, *, memory_id: int, namespace: str, embedded: Embedded, flags: VecFlags) -> None:
    """Store ``embedded`` as the memory's chunks and vectors, replacing old ones."""
    delete_vectors(conn, [memory_id])
    added = []
    for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
        blob = np.ascontiguousarray(vec, dtype=np.float32).tobytes()
        chunk_id = conn.execute(
            text("INSERT INTO chunks(memory_id, seq, start_char, end_char) VALUES (:m, :s, :a, :b) RETURNING id"),
            {"m": memory_id, "s": seq, "a": start, "b": end},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, "
                "expires_at, memory_id) VALUES (:r, :ns, :e, :st, :c, :x, :m)"
            ),
            {"r": chunk_id, "ns": namespace, "e": blob,
             "st": flags.state, "c": int(flags.confidential), "x": flags.expires_at, "m": memory_id},
        )
        added.append((namespace, chunk_id, blob))
    knn_log.log_added(conn, added)


def update_vector_flags(conn: Connection, memory_id: int, flags: VecFlags) -> None:
    """Keep the vec0 metadata columns in step with the memory row."""
    # One row at a time: with ``rowid IN (subquery)`` SQLite hands vec0 every
    # column as changed, and vec0 refuses to "change" the partition key.
    for chunk_id in _chunk_ids(conn, memory_id):
        conn.execute(
            text("UPDATE memory_vectors SET state = :st, confidential = :c, expires_at = :x WHERE rowid = :r"),
            {"st": flags.state, "c": int(flags.confidential), "x": flags.expires_at, "r": chunk_id},
        )


def first_vector(conn: Connection, memory_id: int) -> np.ndarray | None:
    """The stored vector of a memory's first chunk, or ``None`` if it has none."""
    chunk_id = conn.execute(
        text("SELECT id FROM chunks WHERE memory_id = :m ORDER BY seq LIMIT 1"), {"m": memory_id}).scalar()
    if chunk_id is None:
        return None
    blob = conn.execute(text("SELECT embedding FROM memory_vectors WHERE rowid = :r"), {"r": chunk_id}).scalar()
    return None if blob is None else np.frombuffer(blob, dtype=np.float32)


def first_vectors(conn: Connection, memory_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """:func:`first_vector` of many memories (those without one are left out)."""
    if not memory_ids:
        return {}
    rows = conn.execute(text("SELECT c.memory_id, c.id FROM json_each(:ids) j CROSS JOIN chunks c "
                             "ON c.memory_id = j.value WHERE c.seq = 0"), {"ids": json_ids(memory_ids)}).all()
    raw = conn.connection.dbapi_connection
    out = {}
    for memory_id, chunk_id in rows:
        found = raw.execute("SELECT embedding FROM memory_vectors WHERE rowid = ?", (chunk_id,)).fetchone()
        if found is not None:
            out[memory_id] = np.frombuffer(found[0], dtype=np.float32)
    return out


def all_vectors(conn: Connection, namespace: str, *, first_chunk_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Every live vector of a namespace as (memory ids, matrix): ground truth for recall.

    With ``first_chunk_only`` each memory contributes the vector of its first
    256 tokens, which is what a truncating embedder would have produced.
    """
    first = " AND v.rowid IN (SELECT id FROM chunks WHERE seq = 0)" if first_chunk_only else ""
    rows = conn.execute(
        text(f"SELECT v.memory_id, v.embedding FROM memory_vectors v WHERE v.namespace = :ns AND v.state = :st{first}"),
        {"ns": namespace, "st": STATE_LIVE},
    ).all()
    ids = np.array([r.memory_id for r in rows], dtype=np.int64)
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in rows])


class VectorReader:
    """Reads many vectors by chunk id at once, for exports (a read connection's raw driver connection).

    vec0 answers one rowid per statement (``rowid IN (...)`` scans the whole
    table), and each answer re-reads a 1.5 MB chunk blob to copy 1.5 KB out of
    it: at 100k memories that was a third of an export. This reader looks the
    ids up in vec0's own rowid table, reads each chunk blob once (the few most
    recent are kept: an export walks memories in rowid order, and so chunks
    mostly in order), and slices the vectors out of it. The layout is sqlite-vec
    0.1's (``<table>_rowids(rowid, id, chunk_id, chunk_offset)``,
    ``<table>_vector_chunks00(rowid, vectors)``); if the tables do not look like
    that, it reads through vec0 one rowid at a time, as before.
    """

    KEPT_CHUNKS = 8

    def __init__(self, raw, dimension: int, table: str = "memory_vectors") -> None:
        self._raw = raw
        self._bytes = dimension * 4
        self._table = table
        self._chunks: dict[int, bytes] = {}
        columns = [r[1] for r in raw.execute(f"PRAGMA table_info({table}_rowids)")]
        vectors = [r[1] for r in raw.execute(f"PRAGMA table_info({table}_vector_chunks00)")]
        self.direct = columns == ["rowid", "id", "chunk_id", "chunk_offset"] and vectors == ["rowid", "vectors"]

    def read(self, chunk_ids: Sequence[int]) -> dict[int, bytes]:
        """The vectors (float32 bytes) of the chunks that have one; missing ids are left out."""
        if not chunk_ids:
            return {}
        if not self.direct:
            return self._one_by_one(chunk_ids)
        found: dict[int, bytes] = {}
        missed: list[int] = []
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start:start + 500])
            sql = (f"SELECT rowid, chunk_id, chunk_offset FROM {self._table}_rowids "
                   f"WHERE rowid IN ({','.join('?' * len(part))})")
            for rowid, chunk, offset in self._raw.execute(sql, part):
                blob = self._chunk(chunk)
                end = (offset + 1) * self._bytes
                if blob is None or chunk is None or offset is None or len(blob) < end:
                    missed.append(rowid)
                    continue
                found[rowid] = blob[end - self._bytes:end]
        if missed:
            found.update(self._one_by_one(missed))
        return found

    def _chunk(self, chunk_id: int | None) -> bytes | None:
        if chunk_id is None:
            return None
        blob = self._chunks.get(chunk_id)
        if blob is None:
            row = self._raw.execute(f"SELECT vectors FROM {self._table}_vector_chunks00 WHERE rowid = ?",
                                    (chunk_id,)).fetchone()
            if row is None:
                return None
            blob = bytes(row[0])
            if len(self._chunks) >= self.KEPT_CHUNKS:
                self._chunks.pop(next(iter(self._chunks)))
            self._chunks[chunk_id] = blob
        return blob

    def _one_by_one(self, chunk_ids: Sequence[int]) -> dict[int, bytes]:
        found = {}
        for chunk_id in chunk_ids:
            row = self._raw.execute(f"SELECT embedding FROM {self._table} WHERE rowid = ?", (chunk_id,)).fetchone()
            if row is not None:
                found[chunk_id] = bytes(row[0])
        return found
