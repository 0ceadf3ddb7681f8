"""Schema version 1: the tables the first release created, written out whole.

Every later change is a step in :mod:`memvault.vault.migrations`, which runs
this first on a new database. Never edit it: vaults made by every release
start from it.
"""

from __future__ import annotations

from sqlalchemy import Connection

_V1 = """
CREATE TABLE memories (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    agent_id TEXT, user_id TEXT, session_id TEXT, project TEXT,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    memory_type TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    importance REAL NOT NULL,
    tier TEXT NOT NULL,
    visibility TEXT NOT NULL,
    client_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expires_at REAL, deleted_at REAL, archived_at REAL,
    version INTEGER NOT NULL DEFAULT 1,
    embedding_status TEXT NOT NULL,
    model_id TEXT,
    hlc TEXT NOT NULL,
    origin_device TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_memories_client ON memories(namespace, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX ix_memories_ns_created ON memories(namespace, created_at DESC, id DESC);
CREATE INDEX ix_memories_created ON memories(created_at DESC, id DESC);
CREATE INDEX ix_memories_expires ON memories(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX ix_memories_agent ON memories(namespace, agent_id);
CREATE INDEX ix_memories_hash ON memories(namespace, content_hash);

CREATE TABLE memory_tags (
    memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (memory_id, tag)
) WITHOUT ROWID;
CREATE INDEX ix_memory_tags_tag ON memory_tags(tag, memory_id);

CREATE TABLE memory_history (
    id INTEGER PRIMARY KEY,
    memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    change TEXT NOT NULL,
    changed_at REAL NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX ix_history_memory ON memory_history(memory_id, version);

CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL
);
CREATE INDEX ix_chunks_memory ON chunks(memory_id, seq);

CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (namespace, type, value)
);
CREATE TABLE memory_entities (
    memory_id INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    confidence REAL NOT NULL,
    PRIMARY KEY (memory_id, entity_id)
) WITHOUT ROWID;

CREATE TABLE namespaces (
    name TEXT PRIMARY KEY,
    description TEXT,
    created_at REAL NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    scopes TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    per_minute INTEGER,
    per_hour INTEGER,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);

CREATE TABLE usage_daily (
    key_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    calls INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    memories_created INTEGER NOT NULL DEFAULT 0,
    searches INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
) WITHOUT ROWID;

CREATE TABLE embedding_jobs (
    memory_id INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    leased_until REAL,
    leased_by TEXT,
    last_error TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX ix_jobs_due ON embedding_jobs(next_attempt_at);

CREATE TABLE oplog (
    id INTEGER PRIMARY KEY,
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL,
    op TEXT NOT NULL,
    memory_uuid TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX ix_oplog_hlc ON oplog(hlc);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE VIRTUAL TABLE memory_fts USING fts5(content, tokenize = 'porter unicode61');
"""


def create_version_1(conn: Connection, dim: int) -> None:
    """The schema of the first release, whole; :mod:`memvault.vault.migrations` takes it from there."""
    raw = conn.connection.dbapi_connection
    # executescript would COMMIT the surrounding transaction; run statements one by one.
    for statement in _V1.split(";"):
        if statement.strip():
            raw.execute(statement)
    # Namespace is the partition key so a namespaced KNN scans only its own
    # vectors; state/confidential/expires_at are filtered inside the KNN.
    raw.execute(
        f"""CREATE VIRTUAL TABLE memory_vectors USING vec0(
            namespace TEXT PARTITION KEY,
            embedding FLOAT[{int(dim)}] distance_metric=cosine,
            state INTEGER,
            confidential INTEGER,
            expires_at INTEGER,
            +memory_id INTEGER
        )"""
    )
