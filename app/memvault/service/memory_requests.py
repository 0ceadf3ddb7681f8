"""A request's fields checked and made the vault's: a new memory from a create, field changes from an update."""

from __future__ import annotations

from dataclasses import dataclass

from memvault.domain import limits
from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import InvalidInput
from memvault.domain.ids import uuid7
from memvault.domain.models import FieldChanges, Memory, MemoryCreate, MemoryUpdate, NewMemory
from memvault.service import validation as v


@dataclass(frozen=True)
class Prepared:
    """A create request, checked: the memory to store and how to store it."""

    new: NewMemory
    deduplicate: bool
    dedup_threshold: float
    auto_extract_entities: bool | None = None


def checked_create(data: MemoryCreate, now: float, device_id: str) -> Prepared:
    """A create request checked and made the vault's new memory (``device_id``: where it is made)."""
    importance = limits.DEFAULT_IMPORTANCE if data.importance is None else v.unit_float(data.importance, "importance")
    tier = Tier.from_importance(importance) if data.tier is None else v.choice(Tier, data.tier, "tier")
    ttl = v.ttl(data.expires_in_seconds)
    threshold = v.unit_float(data.dedup_threshold, "dedup_threshold", low=limits.DEDUP_THRESHOLD_MIN)
    new = NewMemory(
        id=uuid7(),
        namespace=v.namespace(data.namespace),
        content=v.content(data.content),
        memory_type=MemoryType.GENERAL if data.memory_type is None else v.choice(MemoryType, data.memory_type,
                                                                                  "memory_type"),
        memory_type_source=TypeSource.DEFAULT if data.memory_type is None else TypeSource.EXPLICIT,
        tags=v.tags(data.tags),
        metadata=v.metadata(data.metadata),
        importance=importance,
        tier=tier,
        visibility=v.choice(Visibility, data.visibility, "visibility"),
        agent_id=v.optional_id(data.agent_id, "agent_id"),
        user_id=v.optional_id(data.user_id, "user_id"),
        session_id=v.optional_id(data.session_id, "session_id"),
        project=v.optional_id(data.project, "project"),
        client_id=v.optional_id(data.client_id, "client_id"),
        created_at=now,
        expires_at=None if ttl is None else now + ttl,
        origin_device=device_id,
    )
    if data.auto_extract_entities is not None and not isinstance(data.auto_extract_entities, bool):
        raise InvalidInput("auto_extract_entities must be true, false or null", field="auto_extract_entities")
    return Prepared(new, bool(data.deduplicate), threshold, data.auto_extract_entities)


def checked_changes(changes: MemoryUpdate, now: float) -> FieldChanges:
    """An update request checked and made the vault's field changes."""
    patch = v.metadata(changes.metadata) if changes.metadata is not None else {}
    ids = {name: v.optional_id(getattr(changes, name), name) if getattr(changes, name) is not None else None
           for name in ("agent_id", "user_id", "session_id", "project")}
    return FieldChanges(
        content=None if changes.content is None else v.content(changes.content),
        memory_type=None if changes.memory_type is None else v.choice(MemoryType, changes.memory_type,
                                                                       "memory_type"),
        memory_type_source=None if changes.memory_type is None else TypeSource.EXPLICIT,
        tags=None if changes.tags is None else v.tags(changes.tags),
        metadata_set={k: val for k, val in patch.items() if val is not None},
        metadata_unset=tuple(k for k, val in patch.items() if val is None),
        importance=None if changes.importance is None else v.unit_float(changes.importance, "importance"),
        tier=None if changes.tier is None else v.choice(Tier, changes.tier, "tier"),
        visibility=None if changes.visibility is None else v.choice(Visibility, changes.visibility, "visibility"),
        expires_at=None if changes.expires_in_seconds is None else now + v.ttl(changes.expires_in_seconds),
        **ids,
    )


def replace_fields(m: Memory, content: str) -> NewMemory:
    """``m`` as a :class:`NewMemory` with new content (what entity extraction reads of an edit)."""
    return NewMemory(id=m.id, namespace=m.namespace, content=content, memory_type=m.memory_type, tags=m.tags,
                     metadata=m.metadata, importance=m.importance, tier=m.tier, visibility=m.visibility,
                     agent_id=m.agent_id, user_id=m.user_id, session_id=m.session_id, project=m.project,
                     client_id=m.client_id, created_at=m.created_at, expires_at=m.expires_at, origin_device="")


def preview(text: str, n: int = 80) -> str:
    """The start of ``text`` as a batch result shows it."""
    return text if len(text) <= n else text[: n - 1] + "…"

