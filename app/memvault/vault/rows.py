"""Turning database rows into domain objects."""

from __future__ import annotations

import json
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

from memvault.domain import fields, limits
from memvault.domain.entities import TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.models import HistoryEntry, Memory

#: Stands in for the part of stored metadata nested deeper than the limit (written by versions
#: before the limit existed): readers and serializers would otherwise fail on it.
TOO_DEEP = f"(nested more than {limits.METADATA_MAX_DEPTH} levels deep: not shown)"

#: The columns :func:`memory_from_row` reads: those of the fields a :class:`Memory` carries.
MEMORY_COLUMNS = ", ".join(f"m.{fields.BY_NAME[name].column}" for name in fields.names(fields.MEMORY))
#: A driver row of :data:`MEMORY_COLUMNS` with its columns by name, as :func:`memory_from_row` reads them: hot
#: reads (a search's hits) go through the driver, where SQLAlchemy's handling of a statement cost more than
#: running it.
MemoryRow = namedtuple("MemoryRow", [fields.BY_NAME[name].column for name in fields.names(fields.MEMORY)])


def memory_from_row(row: Any) -> Memory:
    """A :class:`Memory` from a row selected with :data:`MEMORY_COLUMNS`."""
    return Memory(
        id=row.uuid,
        rowid=row.id,
        namespace=row.namespace,
        content=row.content,
        memory_type=MemoryType(row.memory_type),
        tags=() if row.tags == "[]" else tuple(json.loads(row.tags)),
        metadata={} if row.metadata == "{}" else stored_metadata(row.metadata),
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
        memory_type_source=TypeSource(row.memory_type_source or TypeSource.EXPLICIT),
    )


@dataclass(frozen=True, slots=True)
class VectorTarget:
    """What storing a memory's vectors reads of it: whether it is still the content embedded, the vec0 flags,
    and the session its turn's context comes from (a tenth of reading the memory whole)."""

    rowid: int
    id: str
    namespace: str
    content_hash: str
    visibility: Visibility
    expires_at: float | None
    deleted_at: float | None
    archived_at: float | None
    session_id: str | None
    created_at: float
    memory_type_source: TypeSource


VECTOR_TARGET_COLUMNS = ("m.id, m.uuid, m.namespace, m.content_hash, m.visibility, m.expires_at, m.deleted_at, "
                         "m.archived_at, m.session_id, m.created_at, m.memory_type_source")


def vector_target_from_row(row: Any) -> VectorTarget:
    """A :class:`VectorTarget` from a row selected with :data:`VECTOR_TARGET_COLUMNS`."""
    return VectorTarget(row[0], row[1], row[2], row[3], Visibility(row[4]), row[5], row[6], row[7], row[8], row[9],
                        TypeSource(row[10] or TypeSource.EXPLICIT))


SNAPSHOT_FIELDS = tuple(f.name for f in fields.historic())


def stored_metadata(raw: str | dict[str, Any]) -> dict[str, Any]:
    """Metadata as stored, cut at :data:`limits.METADATA_MAX_DEPTH` levels so that any row can be read."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except RecursionError:
        return {"_memvault": TOO_DEEP}
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    # Iterative copy: a recursive one would hit the same limit it guards against.
    stack: list[tuple[Any, Any, int]] = [(value, out, 1)]
    while stack:
        source, target, depth = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                if depth >= limits.METADATA_MAX_DEPTH:
                    copy: Any = TOO_DEEP
                else:
                    copy = {} if isinstance(item, dict) else []
                    stack.append((item, copy, depth + 1))
            else:
                copy = item
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    return out


_SNAPSHOT_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) builds one per call


def snapshot_of(values: dict[str, Any]) -> str:
    """The JSON snapshot stored in ``memory_history`` for a memory's fields."""
    snap = {k: values[k] for k in SNAPSHOT_FIELDS}
    for k in ("tags", "metadata"):
        if isinstance(snap[k], str):
            snap[k] = json.loads(snap[k])
    return _SNAPSHOT_ENCODER.encode(snap)


def history_from_row(memory_uuid: str, row: Any) -> HistoryEntry:
    try:
        snap = json.loads(row.snapshot)
    except RecursionError:
        snap = _snapshot_without_metadata(row.snapshot)
    return HistoryEntry(
        memory_id=memory_uuid,
        version=row.version,
        change=row.change,
        changed_at=row.changed_at,
        content=snap["content"],
        memory_type=MemoryType(snap["memory_type"]),
        tags=tuple(snap["tags"]),
        metadata=stored_metadata(snap["metadata"]),
        importance=snap["importance"],
        tier=Tier(snap["tier"]),
        visibility=Visibility(snap["visibility"]),
    )


def _snapshot_without_metadata(raw: str) -> dict[str, Any]:
    # A snapshot whose metadata nests past the JSON decoder's limit: decode the
    # other fields, which are flat, by cutting the metadata value out.
    head, _, _ = raw.partition('"metadata": ')
    tail = raw[raw.rfind(', "importance": '):]
    snap = json.loads(head + '"metadata": {}' + tail)
    snap["metadata"] = {"_memvault": TOO_DEEP}
    return snap
