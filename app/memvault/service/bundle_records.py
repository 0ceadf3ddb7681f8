"""The checks a memory read from a bundle must pass before it is stored: the rules a memory written here obeys.

A bundle is untrusted input however it was verified: its key proves who sealed it, not that the sealer
followed the rules (a hostile or buggy exporter). Every field, every earlier version, and the vectors
are checked here, and a record that fails is reported as damaged by its number in the bundle.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from memvault.domain import limits, vector_values
from memvault.domain.errors import DamagedData, InvalidInput
from memvault.domain.transfer import MemoryRecord
from memvault.service import validation as v


def checked(record: MemoryRecord, number: int, into: str | None) -> MemoryRecord:
    """``record`` moved to ``into`` (if given), after the checks a memory stored here must pass."""
    try:
        uuid.UUID(record.id)
        v.namespace(record.namespace)
        if into is not None:
            record = replace(record, namespace=into)
        v.content(record.content)
        tags = v.tags(record.tags)
        if tags != record.tags:
            raise InvalidInput("tags are not trimmed and unique")
        _metadata(record.metadata)
        v.unit_float(record.importance, "importance")
        for name in ("agent_id", "user_id", "session_id", "project", "client_id"):
            v.optional_id(getattr(record, name), name)
        if record.version < 1:
            raise InvalidInput("version must be at least 1")
        for name in ("created_at", "updated_at", "expires_at", "deleted_at", "archived_at"):
            when = getattr(record, name)
            if when is not None and not 0 <= when <= limits.TIME_MAX:
                raise InvalidInput(f"{name} {when!r} is outside the times a vault holds (1970 to 9999)")
        for entry in record.history:  # earlier versions obey the rules a memory does (they travel on, too)
            try:
                v.content(entry.content)
                v.tags(entry.tags)
                _metadata(entry.metadata)
            except InvalidInput as exc:
                raise InvalidInput(f"its version {entry.version}: {exc.message}") from None
    except ValueError:
        raise DamagedData(f"memory {number} of the bundle has an id that is not a UUID") from None
    except InvalidInput as exc:
        raise DamagedData(f"memory {number} of the bundle cannot be stored: {exc.message}") from None
    if record.vectors is not None and not vector_values.sound(record.vectors.data, record.vectors.dimension):
        # Not unit length: no model made them. Embedded here instead of ranking by whatever they say.
        record = replace(record, vectors=None)
    return record


_METADATA_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)  # one for all memories of a bundle


def _metadata(value: dict[str, Any]) -> None:
    """:func:`validation.metadata`'s rules for a value that is already decoded JSON (one encoding, no copy)."""
    if len(value) > limits.METADATA_MAX_KEYS:
        raise InvalidInput(f"metadata has {len(value)} keys; the limit is {limits.METADATA_MAX_KEYS}")
    try:
        size = len(_METADATA_ENCODER.encode(value).encode("utf-8"))
    except ValueError:
        raise InvalidInput("metadata must contain only JSON values (no NaN or infinities)") from None
    if size > limits.METADATA_MAX_BYTES:
        raise InvalidInput(f"metadata is {size} bytes; the limit is {limits.METADATA_MAX_BYTES}")
