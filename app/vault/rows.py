"""Turning database rows into domain objects."""

from __future__ import annotations

import json
from typing import Any

from app.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from app.domain.models import HistoryEntry, Memory

MEMORY_COLUMNS = (
    "m.id, m.uuid, m.namespace, m.content, m.memory_type, m.tags, m.metadata, m.importance, "
    "m.tier, m.visibility, m.agent_id, m.user_id, m.session_id, m.project, m.client_id, "
    "m.created_at, m.updated_at, m.expires_at, m.deleted_at, m.archived_at, m.version, "
    "m.embedding_status, m.model_id"
)


def memory_from_row(row: Any) -> Memory:
    """A :class:`Memory` from a row selected with :data:`MEMORY_COLUMNS`."""
    return Memory(
        id=row.uuid,
        rowid=row.id,
        namespace=row.namespace,
        content=row.content,
        memory_type=MemoryType(row.memory_type),
        tags=tuple(json.loads(row.tags)),
        metadata=json.loads(row.metadata),
        importance=row.importance,
        tier=Tier(row.tier),
        visibility=Visibility(row.visibility),
        agent_id=row.agent_id,
        user_id=row.user_id,
        session_id=row.session_id,
        project=row.project,
        client_id=row.client_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        deleted_at=row.deleted_at,
        archived_at=row.archived_at,
        version=row.version,
        embedding_status=EmbeddingStatus(row.embedding_status),
        model_id=row.model_id,
    )


SNAPSHOT_FIELDS = ("content", "memory_type", "tags", "metadata", "importance", "tier", "visibility")


def snapshot_of(values: dict[str, Any]) -> str:
    """The JSON snapshot stored in ``memory_history`` for a memory's fields."""
    snap = {k: values[k] for k in SNAPSHOT_FIELDS}
    for k in ("tags", "metadata"):
        if isinstance(snap[k], str):
            snap[k] = json.loads(snap[k])
    return json.dumps(snap, ensure_ascii=False)


def history_from_row(memory_uuid: str, row: Any) -> HistoryEntry:
    snap = json.loads(row.snapshot)
    return HistoryEntry(
        memory_id=memory_uuid,
        version=row.version,
        change=row.change,
        changed_at=row.changed_at,
        content=snap["content"],
        memory_type=MemoryType(snap["memory_type"]),
        tags=tuple(snap["tags"]),
        metadata=snap["metadata"],
        importance=snap["importance"],
        tier=Tier(snap["tier"]),
        visibility=Visibility(snap["visibility"]),
    )
