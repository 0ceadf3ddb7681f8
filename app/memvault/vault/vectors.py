"""Chunks and their vectors: the one stored copy of each vector, in float16.

One vector per chunk, in ``chunk_vectors`` (keyed by the chunk id), in half precision: the precision the
approximate index stores and searches them in, so the index's snapshot keeps only its graph and takes its
vectors from here when it is loaded (:mod:`memvault.vault.knn.layout`). Every read of a stored vector goes
through this module (:func:`read_vectors`, :func:`float32_bytes`, :class:`VectorReader`); payloads that
leave the vault (bundles, sync, exports) still carry float32 bytes, the same values widened.

Schemas before 21 kept a float32 copy in a vec0 table (``memory_vectors``) with the lifecycle flags as
metadata columns; filters are now applied on the memory rows (:mod:`memvault.vault.filters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from memvault.vault.filters import json_ids
from memvault.vault.knn import log as knn_log

#: The stored element type.
STORED = np.float16


@dataclass(frozen=True)
class Embedded:
    """A memory's vectors, ready to store: one per chunk span, and the model that made them."""

    spans: Sequence[tuple[int, int]]
    vectors: np.ndarray
    model_id: str


def stored_bytes(vector: np.ndarray | bytes) -> bytes:
    """A vector as it is stored (float16); ``bytes`` are float32 (a payload's)."""
    if isinstance(vector, bytes | bytearray | memoryview):
        vector = np.frombuffer(vector, dtype=np.float32)
    return np.ascontiguousarray(vector, dtype=STORED).tobytes()


def decoded(blob: bytes) -> np.ndarray:
    """A stored vector as float32."""
    return np.frombuffer(blob, dtype=STORED).astype(np.float32)


def write_vectors(conn: Connection, rows: Sequence[tuple[int, bytes]]) -> None:
    """Store ``(chunk id, float16 bytes)`` (the caller logs them for the index)."""
    if rows:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO chunk_vectors(chunk_id, vector) VALUES (?, ?)", rows)


def remove_vectors(conn: Connection, chunk_ids: Sequence[int]) -> None:
    """Remove these chunks' vectors (the caller logs the removal for the index)."""
    if chunk_ids:
        conn.connection.dbapi_connection.executemany(
            "DELETE FROM chunk_vectors WHERE chunk_id = ?", [(c,) for c in chunk_ids])


def _chunk_ids(conn: Connection, memory_id: int) -> list[int]:
    return list(conn.execute(text("SELECT id FROM chunks WHERE memory_id = :m"), {"m": memory_id}).scalars())


def delete_vectors(conn: Connection, memory_ids: Sequence[int]) -> None:
    """Remove the chunks and vectors of these memories (and tell the approximate index)."""
    for mid in memory_ids:
        chunk_ids = _chunk_ids(conn, mid)
        remove_vectors(conn, chunk_ids)
        conn.execute(text("DELETE FROM chunks WHERE memory_id = :m"), {"m": mid})
        knn_log.log_removed(conn, chunk_ids)


def replace_vectors(conn: Connection, *, memory_id: int, namespace: str, embedded: Embedded) -> None:
    """Store ``embedded`` as the memory's chunks and vectors, replacing old ones."""
    delete_vectors(conn, [memory_id])
    added = []
    for seq, ((start, end), vec) in enumerate(zip(embedded.spans, embedded.vectors, strict=True)):
        chunk_id = conn.execute(
            text("INSERT INTO chunks(memory_id, seq, start_char, end_char) VALUES (:m, :s, :a, :b) RETURNING id"),
            {"m": memory_id, "s": seq, "a": start, "b": end},
        ).scalar_one()
        added.append((namespace, chunk_id, stored_bytes(vec)))
    write_vectors(conn, [(c, b) for _, c, b in added])
    knn_log.log_added(conn, added)


def read_vectors(raw, chunk_ids: Sequence[int]) -> dict[int, bytes]:
    """The stored (float16) bytes of these chunks' vectors (``raw``: a driver connection); missing ones are
    left out."""
    found: dict[int, bytes] = {}
    ids = list(chunk_ids)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        found.update(raw.execute(f"SELECT chunk_id, vector FROM chunk_vectors WHERE chunk_id IN "
                                 f"({','.join('?' * len(part))})", part).fetchall())
    return found


#: Chunk ids looked up per statement by :func:`stored_batches`: a batch's vectors (3 MB at 384 dimensions) are
#: ranked and dropped before the next is read, so that no buffer of every vector is ever allocated: at 100k
#: first touching one (77 MB) cost 0.2 CPU-s in page faults on the bench's VM.
MATRIX_BATCH = 4096


def stored_batches(raw, chunk_ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The stored vectors of ``chunk_ids`` (ascending), in batches of ``(ids found, float16 matrix)``; ids
    without a vector are left out (``raw``: a driver connection).

    Looked up in id order, the ids as one JSON array a statement: the rows' pages are then read in the table's
    own order. At 100k vectors of 384 dimensions this read all of them in 0.39 CPU-s, where joining
    ``chunk_vectors`` to the filter's memories and chunks row by row took 0.87.
    """
    ids = np.asarray(chunk_ids, dtype=np.int64)
    for start in range(0, len(ids), MATRIX_BATCH):
        rows = raw.execute("SELECT v.chunk_id, v.vector FROM json_each(?) j CROSS JOIN chunk_vectors v "
                           "ON v.chunk_id = j.value", (json_ids(ids[start:start + MATRIX_BATCH]),)).fetchall()
        if rows:
            yield (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                   np.frombuffer(b"".join(r[1] for r in rows), dtype=STORED).reshape(len(rows), -1))


def float32_bytes(blob: bytes) -> bytes:
    """A stored vector as a payload carries it (float32)."""
    return decoded(blob).tobytes()


def first_vector(conn: Connection, memory_id: int) -> np.ndarray | None:
    """The stored vector of a memory's first chunk, or ``None`` if it has none."""
    return first_vectors(conn, [memory_id]).get(memory_id)


def first_vectors(conn: Connection, memory_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """:func:`first_vector` of many memories (those without one are left out)."""
    if not memory_ids:
        return {}
    rows = conn.execute(text("SELECT c.memory_id, v.vector FROM json_each(:ids) j CROSS JOIN chunks c "
                             "ON c.memory_id = j.value CROSS JOIN chunk_vectors v ON v.chunk_id = c.id "
                             "WHERE c.seq = 0"), {"ids": json_ids(memory_ids)}).all()
    return {memory_id: decoded(blob) for memory_id, blob in rows}


def all_vectors(conn: Connection, namespace: str, *, first_chunk_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Every live vector of a namespace as (memory ids, matrix): ground truth for recall.

    With ``first_chunk_only`` each memory contributes the vector of its first
    256 tokens, which is what a truncating embedder would have produced.
    """
    first = " AND c.seq = 0" if first_chunk_only else ""
    rows = conn.execute(
        text("SELECT c.memory_id, v.vector FROM memories m CROSS JOIN chunks c ON c.memory_id = m.id "
             "CROSS JOIN chunk_vectors v ON v.chunk_id = c.id WHERE m.namespace = :ns AND m.deleted_at IS NULL "
             f"AND m.archived_at IS NULL{first}"),
        {"ns": namespace},
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=STORED).reshape(len(rows), -1).astype(np.float32)


#: Vectors :func:`scan` reads per statement (3 MB at 384 dimensions).
SCAN_BATCH = 4096


def scan(raw, batch: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every stored vector, in id order, in batches of ``(chunk ids, float16 matrix)`` (a snapshot's vectors).

    A batch is one result row: SQLite joins the ids and the vectors' bytes itself (``group_concat``; a blob read
    as the database's UTF-8 text keeps its bytes, and the two aggregates take the same rows in the same order).
    Fetched a row each (100k vectors at 384 dimensions), the read cost ~0.06 CPU-s more in Python objects and,
    beside a thread running Python (the entity model loading as an unlock restores the index), took 1.4-1.6 s
    of wall time against 0.8 for this (docs/benchmarks.md, issue 46's restore regression).
    """
    after, batch = -1, batch or SCAN_BATCH  # -1: below every chunk id
    while True:
        count, last, shortest, longest, ids, blob = raw.execute(
            "SELECT count(*), max(chunk_id), min(length(vector)), max(length(vector)), group_concat(chunk_id), "
            "CAST(group_concat(vector, '') AS BLOB) FROM (SELECT chunk_id, vector FROM chunk_vectors "
            "WHERE chunk_id > ? ORDER BY chunk_id LIMIT ?)", (after, batch)).fetchone()
        if not count:
            return
        if shortest != longest or len(blob) != count * longest:
            raise ValueError("the stored vectors do not all have one size")
        yield (np.array(ids.split(","), dtype=np.int64),
               np.frombuffer(blob, dtype=STORED).reshape(count, -1))
        after = last


def scan_by_namespace(raw, batch: int = 4096) -> Iterable[tuple[str, np.ndarray, np.ndarray]]:
    """Every stored vector, in batches of ``(namespace, chunk ids, float32 matrix)`` (a rebuild's input)."""
    cursor = raw.execute("SELECT m.namespace, v.chunk_id, v.vector FROM chunk_vectors v "
                         "JOIN chunks c ON c.id = v.chunk_id JOIN memories m ON m.id = c.memory_id")
    while rows := cursor.fetchmany(batch):
        by_ns: dict[str, list] = {}
        for ns, chunk_id, blob in rows:
            by_ns.setdefault(ns, []).append((chunk_id, blob))
        for ns, items in by_ns.items():
            ids = np.fromiter((c for c, _ in items), dtype=np.int64, count=len(items))
            yield ns, ids, np.frombuffer(b"".join(b for _, b in items), dtype=STORED).reshape(
                len(items), -1).astype(np.float32)


class VectorReader:
    """Reads many vectors by chunk id at once, as float32 bytes (exports, bundles: a read connection's raw
    driver connection)."""

    def __init__(self, raw, dimension: int) -> None:
        self._raw = raw
        self._dimension = dimension

    def read(self, chunk_ids: Sequence[int]) -> dict[int, bytes]:
        """The vectors (float32 bytes) of the chunks that have one; missing ids are left out."""
        return {c: float32_bytes(b) for c, b in read_vectors(self._raw, chunk_ids).items()}
