"""The rows every write of a memory shares: content hash, JSON text, namespace, tags, history, embedding job.

Used by the write path's modules (:mod:`memvault.vault.memories`, :mod:`memvault.vault.memory_vectors`,
:mod:`memvault.vault.memory_imports`) and by nothing else: callers write through those.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, text

from memvault.crypto.digest import sha256_hex
from memvault.domain.models import Memory
from memvault.vault.rows import CURRENT_SNAPSHOT, FIRST_CHANGE, SNAPSHOT_FIELDS, snapshot_of
from memvault.vault.schema import memory_history


def content_hash(content: str) -> str:
    return sha256_hex(content.encode("utf-8"))


# One encoder: json.dumps with any option builds a new one per call (imports write several values per memory).
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_text(value: Any) -> str:
    return _ENCODER.encode(value)


#: The highest rowid a memory deleted for good had (a ``settings`` row; absent until a delete needs it).
_DELETED_ROWID_HIGH = "memories_deleted_rowid_high"


def next_memory_rowid(conn: Connection) -> int:
    """The rowid for the next new memory: above every rowid a memory ever had.

    SQLite's own choice (the largest rowid + 1) hands a newest memory deleted for good its rowid to the next
    one; the StateBase and Sendryx profiles show rowids as ids, so a retried delete removed another memory.
    """
    return conn.execute(text(
        "SELECT max(coalesce((SELECT max(id) FROM memories), 0), "
        "coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = :k), 0)) + 1"),
        {"k": _DELETED_ROWID_HIGH}).scalar_one()


def remember_deleted_rowids(conn: Connection, rowids: Sequence[int]) -> None:
    """Keep the highest of ``rowids`` (memories about to be deleted for good) from ever being given again."""
    if rowids:
        conn.execute(text(
            "INSERT INTO settings(key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE "
            "SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))"),
            {"k": _DELETED_ROWID_HIGH, "v": str(max(rowids))})


def ensure_namespace(conn: Connection, name: str, now: float) -> None:
    conn.execute(text("INSERT OR IGNORE INTO namespaces(name, created_at) VALUES (:n, :t)"), {"n": name, "t": now})


def write_tags(conn: Connection, rowid: int, tags: Sequence[str]) -> None:
    conn.execute(text("DELETE FROM memory_tags WHERE memory_id = :m"), {"m": rowid})
    if tags:
        conn.execute(text("INSERT OR IGNORE INTO memory_tags(memory_id, tag) VALUES (:m, :t)"),
                     [{"m": rowid, "t": t} for t in tags])


def add_history(conn: Connection, m: Memory, change: str, at: float, *, before: Memory | None) -> None:
    """Record ``m``'s new version; ``before``: the memory as it was (``None`` when it is new).

    The current version's entry keeps no copy of the fields (:data:`~memvault.vault.rows.CURRENT_SNAPSHOT`: the
    row holds them); the version it supersedes gets its copy now, the fields as they were until this change.
    """
    raw = conn.connection.dbapi_connection
    if before is not None:
        kept = snapshot_of({k: getattr(before, k) for k in SNAPSHOT_FIELDS})
        if raw.execute("SELECT 1 FROM memory_history WHERE memory_id = ? AND change != 'conflict' LIMIT 1",
                       (m.rowid,)).fetchone():
            raw.execute("UPDATE memory_history SET snapshot = ? WHERE memory_id = ? AND snapshot = ?",
                        (kept, m.rowid, CURRENT_SNAPSHOT))
        else:  # the first version had no entry (rows.with_first_version): it gets one now
            raw.execute("INSERT INTO memory_history(memory_id, version, change, changed_at, snapshot, conflict) "
                        "VALUES (?, 1, ?, ?, ?, 0)", (m.rowid, FIRST_CHANGE, before.created_at, kept))
    conn.execute(insert(memory_history).values(memory_id=m.rowid, version=m.version, change=change, changed_at=at,
                                               snapshot=CURRENT_SNAPSHOT, conflict=0))


def enqueue_embedding(conn: Connection, rowid: int, digest: str, now: float) -> None:
    # An edit supersedes a pending job: the worker checks the hash before it stores vectors.
    conn.execute(
        text(
            "INSERT INTO embedding_jobs(memory_id, content_hash, attempts, next_attempt_at, created_at) "
            "VALUES (:m, :h, 0, :now, :now) ON CONFLICT(memory_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, attempts = 0, next_attempt_at = excluded.next_attempt_at, "
            "leased_until = NULL, leased_by = NULL, last_error = NULL"
        ),
        {"m": rowid, "h": digest, "now": now},
    )
