"""The vector change log and the index snapshots: the SQL side of the approximate index.

Every vector stored or removed (``chunk_vectors``) is appended to ``knn_log`` in the
same transaction (by :mod:`memvault.vault.vectors`, the bulk import and the repair),
so the log's last sequence number is a watermark of the committed vector state:
a process whose index has applied every entry up to it answers as if it had
read the stored vectors. Snapshots store each namespace's serialized index in parts, with
the sequence number they include; taking one deletes the log up to it.

The log keeps vectors in float16, as :mod:`memvault.vault.vectors` stores them and the index searches them.
Logs written before schema 17 held float32 and are read by length.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from memvault.vault import compaction, vectors
from memvault.vault.knn import layout

#: Bytes per snapshot row: SQLite caps one value near 1 GB, and smaller parts keep page-cache churn low.
PART_BYTES = 8 << 20
_SNAPSHOT_SEQ = "knn_snapshot_seq"
_SNAPSHOT_GRAPH = "knn_snapshot_graph"
#: Set when the stored snapshot holds graphs only (:mod:`.layout`): their vectors are the stored ones.
_SNAPSHOT_STRIPPED = "knn_snapshot_without_vectors"


@dataclass(frozen=True)
class Change:
    """One logged change: ``vector`` is ``None`` for a removal (``namespace`` may then be unknown)."""

    seq: int
    namespace: str | None
    chunk_id: int
    vector: np.ndarray | None


def vector_of(blob: bytes, dim: int) -> np.ndarray:
    """A logged vector, float16 or (written before the log was halved) float32, as float32."""
    if len(blob) == 4 * dim:
        return np.frombuffer(blob, dtype=np.float32)
    if len(blob) != 2 * dim:
        raise ValueError(f"a logged vector of {len(blob)} bytes does not have {dim} dimensions")
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def log_added(conn: Connection, rows: Iterable[tuple[str, int, bytes]]) -> None:
    """Record vectors stored: ``(namespace, chunk_id, float16 bytes)``."""
    params = [{"ns": ns, "c": chunk_id, "v": blob} for ns, chunk_id, blob in rows]
    if params:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO knn_log(namespace, chunk_id, vector) VALUES (:ns, :c, :v)", params)


def log_removed(conn: Connection, chunk_ids: Sequence[int]) -> None:
    """Record vectors removed."""
    if chunk_ids:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO knn_log(namespace, chunk_id, vector) VALUES (NULL, ?, NULL)", [(c,) for c in chunk_ids])


def log_changes(conn: Connection, rows: Sequence[tuple[str | None, int, bytes | None]]) -> None:
    """Record additions ``(namespace, chunk_id, float16 bytes)`` and removals ``(None, chunk_id, None)`` in this order."""
    if rows:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO knn_log(namespace, chunk_id, vector) VALUES (?, ?, ?)",
            list(rows))


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


def read_snapshot(conn: Connection) -> dict[str, bytearray | np.ndarray]:
    """Each namespace's serialized index, its vectors put back from ``chunk_vectors`` when the snapshot
    holds graphs only.

    The vectors are those ``conn`` sees, which may be newer than the snapshot: a chunk removed since gets
    zeros and a chunk id used again its new vector, and the log after the snapshot, replayed next, removes
    or re-adds both.
    """
    raw = conn.connection.dbapi_connection
    stripped = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": _SNAPSHOT_STRIPPED}).scalar()
    if stripped:
        # length() of a blob reads none of its pages: the sizes cost nothing, and each part is copied into place.
        sizes = dict(raw.execute("SELECT namespace, sum(length(bytes)) FROM knn_snapshot GROUP BY namespace"))
        parts = raw.execute("SELECT namespace, bytes FROM knn_snapshot ORDER BY namespace, part")
        return layout.with_vectors(parts, sizes, vectors.scan(raw))
    out: dict[str, bytearray | np.ndarray] = {}
    for namespace, blob in raw.execute("SELECT namespace, bytes FROM knn_snapshot ORDER BY namespace, part"):
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
        view = memoryview(layout.without_vectors(blob))
        raw.executemany("INSERT INTO knn_snapshot(namespace, part, bytes) VALUES (?, ?, ?)",
                        [(namespace, i, view[at:at + PART_BYTES]) for i, at in enumerate(range(0, len(view), PART_BYTES))])
    raw.executemany("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [(_SNAPSHOT_SEQ, str(seq)), (_SNAPSHOT_GRAPH, graph), (_SNAPSHOT_STRIPPED, "1")])
    raw.execute("DELETE FROM knn_log WHERE seq <= ?", (seq,))
    # The log's pages, the spent oplog's and any others freed since leave the file with this commit, not at the
    # next VACUUM.
    compaction.compact(conn)
