"""Table definitions used to build queries.

The DDL that creates them lives in :mod:`memvault.vault.schema_v1` and
:mod:`memvault.vault.migrations`; a test checks that they agree. Virtual tables (FTS5) are queried with text SQL.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, LargeBinary, MetaData, Table, Text

metadata = MetaData()

memories = Table(
    "memories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", Text, nullable=False, unique=True),
    Column("namespace", Text, nullable=False),
    Column("agent_id", Text),
    Column("user_id", Text),
    Column("session_id", Text),
    Column("project", Text),
    Column("content", Text, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("memory_type", Text, nullable=False),
    Column("tags", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("importance", Float, nullable=False),
    Column("tier", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("client_id", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("expires_at", Float),
    Column("deleted_at", Float),
    Column("archived_at", Float),
    Column("version", Integer, nullable=False),
    Column("embedding_status", Text, nullable=False),
    Column("model_id", Text),
    Column("hlc", Text, nullable=False),
    Column("origin_device", Text, nullable=False),
    Column("memory_type_source", Text),
)

memory_tags = Table(
    "memory_tags",
    metadata,
    Column("memory_id", Integer, primary_key=True),
    Column("tag", Text, primary_key=True),
)

memory_history = Table(
    "memory_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("memory_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("change", Text, nullable=False),
    Column("changed_at", Float, nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("conflict", Integer, nullable=False),
)

chunks = Table(
    "chunks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("memory_id", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("start_char", Integer, nullable=False),
    Column("end_char", Integer, nullable=False),
)

# Each chunk's vector, float16 (memvault.vault.vectors): created by migration v21.
chunk_vectors = Table(
    "chunk_vectors",
    metadata,
    Column("chunk_id", Integer, ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)

# The entity graph (app/vault/entities.py): created by migration v1, indexed and queued by v5.
entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("namespace", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("value", Text, nullable=False),
)

memory_entities = Table(
    "memory_entities",
    metadata,
    Column("memory_id", Integer, primary_key=True),
    Column("entity_id", Integer, primary_key=True),
    Column("confidence", Float, nullable=False),
)

entity_jobs = Table(
    "entity_jobs",
    metadata,
    Column("memory_id", Integer, primary_key=True),
    Column("content_hash", Text, nullable=False),
    Column("forced", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
)

namespaces = Table(
    "namespaces",
    metadata,
    Column("name", Text, primary_key=True),
    Column("description", Text),
    Column("created_at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("namespace", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("per_minute", Integer),
    Column("per_hour", Integer),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float),
    Column("revoked_at", Float),
)

usage_daily = Table(
    "usage_daily",
    metadata,
    Column("key_id", Integer, primary_key=True),
    Column("day", Text, primary_key=True),
    Column("calls", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("memories_created", Integer, nullable=False),
    Column("searches", Integer, nullable=False),
)

embedding_jobs = Table(
    "embedding_jobs",
    metadata,
    Column("memory_id", Integer, primary_key=True),
    Column("content_hash", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("leased_until", Float),
    Column("leased_by", Text),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
)

oplog = Table(
    "oplog",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hlc", Text, nullable=False),
    Column("device_id", Text, nullable=False),
    Column("op", Text, nullable=False),
    Column("memory_uuid", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("namespace", Text),
    Column("payload", Text),
)

settings = Table(
    "settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("memory_uuid", Text, primary_key=True),
    Column("namespace", Text, nullable=False),
    Column("state", Text, nullable=False),
)

sync_wipes = Table(
    "sync_wipes",
    metadata,
    Column("namespace", Text, primary_key=True),
    Column("hlc", Text, nullable=False),
)

sync_outbox = Table(
    "sync_outbox",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("op", Text, nullable=False),
)

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("device_id", Text, primary_key=True),
    Column("segment", Integer, nullable=False),
    Column("last_hlc", Text),
    Column("seen_at", Float),
    Column("skew_ms", Integer, nullable=False),
)
