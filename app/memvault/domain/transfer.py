"""Memories as they travel between vaults: every field, their history and their vectors.

A :class:`MemoryRecord` is what an export reads from a vault and what an import
writes into one (bundles now, sync segments later). Unlike :class:`Memory`, it
carries what makes a memory the same memory on another device (its HLC stamp
and origin device) and leaves out what is local to one vault (its rowid,
embedding status). Vectors are raw bytes so that this module needs no numpy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.models import HistoryEntry


@dataclass(frozen=True)
class VectorSet:
    """A memory's chunk vectors and the model that made them.

    ``data`` is ``len(spans) × dimension`` little-endian float32 values, row by row.
    """

    model_id: str
    dimension: int
    spans: tuple[tuple[int, int], ...]
    data: bytes


@dataclass(frozen=True)
class MemoryRecord:
    """One memory with everything another vault needs to hold the same memory."""

    id: str
    namespace: str
    content: str
    memory_type: MemoryType
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    importance: float
    tier: Tier
    visibility: Visibility
    agent_id: str | None
    user_id: str | None
    session_id: str | None
    project: str | None
    client_id: str | None
    created_at: float
    updated_at: float
    expires_at: float | None
    deleted_at: float | None
    archived_at: float | None
    version: int
    hlc: str
    origin_device: str
    history: tuple[HistoryEntry, ...] = ()
    vectors: VectorSet | None = None
    #: Where ``memory_type`` came from (a record without it: the caller named the type).
    memory_type_source: TypeSource = TypeSource.EXPLICIT


class ConflictPolicy(enum.StrEnum):
    """What an import does with a memory whose id the vault already holds."""

    SKIP = "skip"  # keep the vault's memory
    OVERWRITE = "overwrite"  # replace it with the bundle's
    NEWER = "newer"  # whichever has the later HLC stamp wins (the default)
    COPY = "copy"  # import the bundle's as a new memory with a new id
