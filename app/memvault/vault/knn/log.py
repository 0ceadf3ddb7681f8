"""The vector change log and the index snapshots: the SQL side of the approximate index.

Every vector added to or removed from vec0 is appended to ``knn_log`` in the
same transaction (by :mod:`memvault.vault.vectors`, the bulk import and the repair),
so the log's last sequence number is a watermark of the committed vector state:
a process whose index has applied every entry up to it answers as if it had
read vec0. Snapshots store each namespace's serialized index in parts, with
the sequence number they include; taking one deletes the log up to it.

The log keeps vectors in float16, the precision the index stores and searches them in (half the bytes of
vec0's float32; vec0 stays the exact copy). Logs written before that hold float32 and are read by length.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from memvault.vault import compaction

#: Bytes per snapshot row: SQLite caps one value near 1 GB, and smaller parts keep page-cache churn low.
PART_BYTES = 8 << 20
_SNAPSHOT_SEQ = "knn_snapshot_seq"
_SNAPSHOT_GRAPH = "knn_snapshot_graph"


@dataclass(frozen=True)
class Change:
    """One logged change: ``vector`` is ``None`` for a removal (``namespace`` may then be unknown)."""

    seq: int
    namespace: str | None
    chunk_id: int
    vector: np.ndarray | None


def half(blob: bytes) -> bytes:
    """A float32 vector's bytes as the log keeps them (float16)."""
    return np.frombuffer(blob, dtype=np.float32).astype(np.float16).tobytes()


def vector_of(blob: bytes, dim: int) -> np.ndarray:
    """A logged vector, float16 or (written before the log was halved) float32, as float32."""
    if len(blob) == 4 * dim:
        return np.frombuffer(blob, dtype=np.float32)
    if len(blob) != 2 * dim:
        raise ValueError(f"a logged vector of {len(blob)} bytes does not have {dim} dimensions")
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def log_added(conn: Connection, rows: Iterable[tuple[str, int, bytes]]) -> None:
    """Record vectors stored in vec0: ``(namespace, chunk_id, float32 bytes)``."""
    params = [{"ns": ns, "c": chunk_id, "v": half(blob)} for ns, chunk_id, blob in rows]
    if params:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO knn_log(namespace, chunk_id, vector) VALUES (:ns, :c, :v)", params)


def log_removed(conn: Connection, chunk_ids: Sequence[int]) -> None:
    """Record vectors removed from vec0."""
    if chunk_ids:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO knn_log(namespace, chunk_id, vector) VALUES (NULL, ?, NULL)", [(c,) for c in chunk_ids])


def log_changes(conn: Connection, rows: Sequence[tuple[str | None, int, bytes | None]]) -> None:
    """Record additions ``(namespace, chunk_id, bytes)`` and removals ``(None, chunk_id, None)`` in this order."""
    if rows:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO knn_log(namespace, chunk_id, vector) VALUES (?, ?, ?)",
            [(ns, chunk_id, None if blob is None else half(blob)) for ns, chunk_id, blob in rows])


def head(conn: Connection) -> int:
    """The newest committed change's sequence number (0 when none was ever logged)."""
    # sqlite_sequence keeps the number even after the log is emptied by a snapshot. Read through the driver:
    # every search asks, and SQLAlchemy's handling of a statement (~0.08 ms) was a tenth of a 100k KNN step.
    row = conn.connection.dbapi_connection.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'knn_log'").fetchone()
    return int(row[0] or 0) if row else 0


def changes(conn: Connection, after: int, upto: int, dim: int, limit: int = 4096) -> list[Change]:
    """The first ``limit`` changes in ``(after, upto]``, oldest first; vectors of ``dim`` dimensions."""
    rows = conn.exec_driver_sql(
        "SELECT seq, namespace, chunk_id, vector FROM knn_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        (after, upto, limit)).all()
    return [Change(r[0], r[1], r[2], None if r[3] is None else vector_of(r[3], dim))
            for r in rows]


def snapshot_seq(conn: Connection) -> int | None:
    """The log position the stored snapshot includes (``None``: there is no snapshot)."""
    value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": _SNAPSHOT_SEQ}).scalar()
    return None if value is None else int(value)


def snapshot_graph(conn: Connection) -> str | None:
    """The recipe the stored snapshot's graphs were built with (``None``: stored before recipes were)."""
    return conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": _SNAPSHOT_GRAPH}).scalar()


def oldest_kept(conn: Connection) -> int:
    """Changes at or below this were deleted with a snapshot: an index older than it must reload the snapshot."""
    return snapshot_seq(conn) or 0


def read_snapshot(conn: Connection) -> dict[str, bytearray]:
    """Each namespace's serialized index, as stored."""
    out: dict[str, bytearray] = {}
    for namespace, blob in conn.exec_driver_sql(
            "SELECT namespace, bytes FROM knn_snapshot ORDER BY namespace, part").all():
        out.setdefault(namespace, bytearray()).extend(blob)
    return out


def write_snapshot(conn: Connection, seq: int, indexes: dict[str, bytes | bytearray], graph: str) -> None:
    """Replace the stored snapshot with ``indexes`` (built with the recipe ``graph``) as of ``seq`` and drop the
    log it covers.

    A snapshot older than the stored one (another process saved a newer one meanwhile) is not written, nor one
    of the same changes and recipe; a rebuilt graph replaces an older recipe's of the same changes.
    """
    stored = snapshot_seq(conn)
    if stored is not None and (stored > seq or (stored == seq and snapshot_graph(conn) == graph)):
        return
    raw = conn.connection.dbapi_connection
    raw.execute("DELETE FROM knn_snapshot")
    for namespace, blob in indexes.items():
        view = memoryview(blob)
        raw.executemany("INSERT INTO knn_snapshot(namespace, part, bytes) VALUES (?, ?, ?)",
                        [(namespace, i, view[at:at + PART_BYTES]) for i, at in enumerate(range(0, len(view), PART_BYTES))])
    raw.executemany("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [(_SNAPSHOT_SEQ, str(seq)), (_SNAPSHOT_GRAPH, graph)])
    raw.execute("DELETE FROM knn_log WHERE seq <= ?", (seq,))
    # The log's pages, the spent oplog's and any others freed since leave the file with this commit, not at the
    # next VACUUM.
    compaction.compact(conn)


def all_vectors(conn: Connection, batch: int = 4096) -> Iterable[tuple[str, np.ndarray, np.ndarray]]:
    """Every vector in vec0, in batches of ``(namespace, chunk ids, float32 matrix)`` (a rebuild's input)."""
    cursor = conn.exec_driver_sql("SELECT namespace, rowid, embedding FROM memory_vectors")
    while rows := cursor.fetchmany(batch):
        by_ns: dict[str, list] = {}
        for ns, chunk_id, blob in rows:
            by_ns.setdefault(ns, []).append((chunk_id, blob))
        for ns, items in by_ns.items():
            ids = np.fromiter((c for c, _ in items), dtype=np.int64, count=len(items))
            yield ns, ids, np.vstack([np.frombuffer(b, dtype=np.float32) for _, b in items])
