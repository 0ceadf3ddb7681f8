"""Setting a vault back to schema 20's vector storage: float32 vectors in vec0 and a snapshot with its vectors.

Schema 21 keeps one float16 copy (``chunk_vectors``), a snapshot of graphs only, and no copy of the current
version's fields in its history entry. Setting back writes what schema 20 wrote: each vector widened to float32
in a vec0 row with its lifecycle flags, the snapshot with its vectors put back, and every history entry with its
copy, so that migration 21 meets exactly what an older release left.
"""

from __future__ import annotations

from sqlalchemy import Connection

from memvault.vault import memory_queries, vectors
from memvault.vault.knn import layout
from memvault.vault.knn import log as knn_log
from memvault.vault.rows import resolved_snapshot

NEVER = 2**62


def set_back_to_schema_20(conn: Connection, dim: int) -> int:
    """Rewrite this vault's vectors as schema 20 stored them (the caller's write transaction); returns the
    vectors moved."""
    raw = conn.connection.dbapi_connection
    raw.execute(f"""CREATE VIRTUAL TABLE memory_vectors USING vec0(
            namespace TEXT PARTITION KEY,
            embedding FLOAT[{int(dim)}] distance_metric=cosine,
            state INTEGER,
            confidential INTEGER,
            expires_at INTEGER,
            +memory_id INTEGER
        )""")
    rows = raw.execute(
        "SELECT v.chunk_id, m.namespace, v.vector, CASE WHEN m.deleted_at IS NOT NULL THEN 1 "
        "WHEN m.archived_at IS NOT NULL THEN 2 ELSE 0 END, m.visibility = 'confidential', "
        "coalesce(CAST(m.expires_at AS INTEGER), ?), m.id FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id "
        "JOIN memories m ON m.id = c.memory_id", (NEVER,)).fetchall()
    raw.executemany("INSERT INTO memory_vectors(rowid, namespace, embedding, state, confidential, expires_at, "
                    "memory_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(c, ns, vectors.decoded(b).tobytes(), st, int(conf), x, m) for c, ns, b, st, conf, x, m in rows])
    full = knn_log.read_snapshot(conn)
    raw.execute("DELETE FROM knn_snapshot")
    for namespace, blob in full.items():
        raw.execute("INSERT INTO knn_snapshot(namespace, part, bytes) VALUES (?, 0, ?)", (namespace, bytes(blob)))
    raw.execute("DELETE FROM settings WHERE key = 'knn_snapshot_without_vectors'")
    raw.execute("DROP TABLE chunk_vectors")
    # Every history entry with its own copy of the fields, the current version's too.
    current = memory_queries.get_many(conn, [r[0] for r in raw.execute(
        "SELECT DISTINCT memory_id FROM memory_history WHERE snapshot = ''")], entities=False)
    raw.executemany("UPDATE memory_history SET snapshot = ? WHERE memory_id = ? AND snapshot = ''",
                    [(resolved_snapshot("", m), rowid) for rowid, m in current.items()])
    raw.execute("PRAGMA user_version = 20")
    return len(rows)


def snapshot_is_whole(conn: Connection) -> bool:
    """Whether the stored snapshot still holds its vectors (schema 20's layout)."""
    for (blob,) in conn.connection.dbapi_connection.execute("SELECT bytes FROM knn_snapshot WHERE part = 0"):
        rows, width = layout.matrix_shape(blob)
        return len(blob) > 8 + rows * width and rows * width > 0
    return False

