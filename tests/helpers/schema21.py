"""Setting a vault's memory indexes back to schema 21's: the lifecycle index by state and the one by type beside it,
the index by fact subject, the creation-time indexes descending and the own-time index over every memory, so that
migration 22 meets what an older release left."""

from __future__ import annotations

from sqlalchemy import Connection

from memvault.vault.migrations import FACT_SUBJECT, OWN_TIME

SCHEMA_21_INDEXES = (
    "CREATE INDEX ix_memories_live ON memories(namespace, deleted_at, archived_at, memory_type, expires_at)",
    "CREATE INDEX ix_memories_ns_type ON memories(namespace, memory_type, deleted_at, archived_at, visibility, "
    "expires_at)",
    f"CREATE INDEX ix_memories_fact_subject ON memories(namespace, {FACT_SUBJECT})",
    "CREATE INDEX ix_memories_ns_created ON memories(namespace, created_at DESC, id DESC)",
    "CREATE INDEX ix_memories_created ON memories(created_at DESC, id DESC)",
    f"CREATE INDEX ix_memories_own_time ON memories(namespace, ({OWN_TIME}))",
)


def set_back_to_schema_21(conn: Connection) -> None:
    """Rewrite this vault's memory indexes as schema 21 had them (the caller's write transaction)."""
    raw = conn.connection.dbapi_connection
    for name in ("ix_memories_live", "ix_memories_ns_created", "ix_memories_created", "ix_memories_own_time"):
        raw.execute(f"DROP INDEX {name}")
    for ddl in SCHEMA_21_INDEXES:
        raw.execute(ddl)
    raw.execute("PRAGMA user_version = 21")
