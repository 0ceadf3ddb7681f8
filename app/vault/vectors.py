"""Chunks and their vectors in the vec0 table.

One vector per chunk; the chunk id is the vec0 rowid. The namespace is the
vec0 partition key, and lifecycle state, visibility and expiry are vec0
metadata columns so that the KNN step itself leaves out what must not show.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, text

from app.vault.schema import NEVER, STATE_ARCHIVED, STATE_DELETED, STATE_LIVE


def vec_state(deleted_at: float | None, archived_at: float | None) -> int:
    if deleted_at is not None:
        return STATE_DELETED
    if archived_at is not None:
        return STATE_ARCHIVED
    return STATE_LIVE


def vec_expiry(expires_at: float | None) -> int:
    return NEVER if expires_at is None else int(expires_at)


def _chunk_ids(conn: Connection, memory_id: int) -> list[int]:
    return list(conn.execute(text("SELECT id FROM chunks WHERE memory_id = :m"), {"m": memory_id}).scalars())


# vec0 is reached by rowid only: any other WHERE on it (a subquery, a join)
# makes SQLite scan the whole virtual table, which costs ~10 ms per call at 50k.

def delete_vectors(conn: Connection, memory_ids: Sequence[int]) -> None:
    """Remove the chunks and vectors of these memories."""
    for mid in memory_ids:
        for chunk_id in _chunk_ids(conn, mid):
            conn.execute(text("DELETE FROM memory_vectors WHERE rowid = :r"), {"r": chunk_id})
        conn.execute(text("DELETE FROM chunks WHERE memory_id = :m"), {"m": mid})


def replace_vectors(
    conn: Connection,
    *,
    memory_id: int,
    namespace: str,
    spans: Sequence[tuple[int, int]],
    vectors: np.ndarray,
    state: int,
    confidential: bool,
    expires_at: float | None,
) -> None:
    """Store ``vectors`` (one per span) as the memory's chunks, replacing old ones."""
    delete_vectors(conn, [memory_id])
    for seq, ((start, end), vec) in enumerate(zip(spans, vectors, strict=True)):
        chunk_id = conn.execute(
            text(
                "INSERT INTO chunks(memory_id, seq, start_char, end_char) "
                "VALUES (:m, :s, :a, :b) RETURNING id"
            ),
            {"m": memory_id, "s": seq, "a": start, "b": end},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, "
                "expires_at, memory_id) VALUES (:r, :ns, :e, :st, :c, :x, :m)"
            ),
            {
                "r": chunk_id,
                "ns": namespace,
                "e": np.ascontiguousarray(vec, dtype=np.float32).tobytes(),
                "st": state,
                "c": 1 if confidential else 0,
                "x": vec_expiry(expires_at),
                "m": memory_id,
            },
        )


def update_vector_flags(
    conn: Connection, memory_id: int, *, state: int, confidential: bool, expires_at: float | None
) -> None:
    """Keep the vec0 metadata columns in step with the memory row."""
    # One row at a time: with ``rowid IN (subquery)`` SQLite hands vec0 every
    # column as changed, and vec0 refuses to "change" the partition key.
    for chunk_id in _chunk_ids(conn, memory_id):
        conn.execute(
            text("UPDATE memory_vectors SET state = :st, confidential = :c, expires_at = :x WHERE rowid = :r"),
            {"st": state, "c": 1 if confidential else 0, "x": vec_expiry(expires_at), "r": chunk_id},
        )


def move_vectors(conn: Connection, memory_id: int, namespace: str) -> None:
    """Partition keys cannot be updated in place; re-insert under the new namespace."""
    rows = [conn.execute(
        text("SELECT rowid, embedding, state, confidential, expires_at FROM memory_vectors WHERE rowid = :r"),
        {"r": chunk_id},
    ).one() for chunk_id in _chunk_ids(conn, memory_id)]
    for r in rows:
        conn.execute(text("DELETE FROM memory_vectors WHERE rowid = :r"), {"r": r.rowid})
        conn.execute(
            text(
                "INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, "
                "expires_at, memory_id) VALUES (:r, :ns, :e, :st, :c, :x, :m)"
            ),
            {"r": r.rowid, "ns": namespace, "e": r.embedding, "st": r.state, "c": r.confidential,
             "x": r.expires_at, "m": memory_id},
        )


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
