"""What the detail pane's fields change in the memory they were filled from: only the fields the user changed.

The update names nothing the user left as it was, so saving it over a newer version (an agent or another
process changed the memory while the user typed) keeps that version's other fields: tags the agent added stay
when the user edited only the text, and a metadata key is sent only when the user changed, added or removed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from memvault.domain.enums import Visibility
from memvault.domain.models import Memory, MemoryUpdate

#: What :func:`update_from` says when the fields hold the memory as it was.
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Fields:
    """The pane's editors, as read."""

    content: str
    memory_type: str
    tags: tuple[str, ...]
    importance: float
    visibility: Visibility
    metadata_text: str


def parse_metadata(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The metadata editor's text as an object, or ``None`` and why it is not one."""
    try:
        metadata = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        return None, f"The metadata is not valid JSON: {exc.msg} (line {exc.lineno})"
    if not isinstance(metadata, dict):
        return None, "The metadata must be a JSON object, like {\"source\": \"chat\"}"
    return metadata, None


def update_from(memory: Memory, fields: Fields, *, leave_bad_metadata: bool = False) -> MemoryUpdate | str:
    """The update ``fields`` make of ``memory`` (the version they were filled from): :data:`UNCHANGED`, or a
    message when the metadata is not a JSON object (``leave_bad_metadata``: the stored metadata is left as it is
    and the other fields still make an update)."""
    metadata, problem = parse_metadata(fields.metadata_text)
    if problem is not None and not leave_bad_metadata:
        return problem
    importance = round(fields.importance, 2)
    patch = None
    if metadata is not None and metadata != memory.metadata:
        # Keys removed in the editor are removed from the memory (metadata otherwise merges).
        patch = {k: None for k in memory.metadata if k not in metadata} | {
            k: v for k, v in metadata.items() if k not in memory.metadata or memory.metadata[k] != v}
    update = MemoryUpdate(
        content=fields.content if fields.content != memory.content else None,
        memory_type=fields.memory_type if fields.memory_type != memory.memory_type.value else None,
        tags=list(fields.tags) if tuple(fields.tags) != tuple(memory.tags) else None,
        importance=importance if importance != round(memory.importance, 2) else None,
        metadata=patch,
        visibility=fields.visibility if fields.visibility is not memory.visibility else None)
    return UNCHANGED if update == MemoryUpdate() else update
