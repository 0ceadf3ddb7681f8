"""Azen texts longer than one memory holds, stored as consecutive parts that read back as one.

Azen sets no hard limit on a memory's length and chunks long ones for
embedding. A Memvault memory holds at most ``CONTENT_MAX_CHARS`` (and is
itself embedded in chunks), so a longer text is cut at paragraph or sentence
ends into parts stored together in one batch; the first part's id is the
memory's id, and reads, search hits, listing and deletion treat the parts as
that one memory. The parts' bookkeeping lives in their metadata under
:data:`KEYS` (top-level, so a metadata filter finds a text's parts), which
Azen clients never see.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from memvault.domain import limits
from memvault.domain.changes import ChangeOrigin
from memvault.domain.errors import InvalidInput
from memvault.domain.models import Memory, MemoryCreate, MemoryFilter
from memvault.service.container import Services

GROUP, PART, PARTS = "azen_text", "azen_part", "azen_parts"
KEYS = (GROUP, PART, PARTS)
#: Every part after the first carries this tag, so a listing can count the memories without them.
PART_TAG = "azen-part"
#: "No hard limit": this one keeps a single request's embedding work bounded (ten full parts).
MAX_CHARS = 10 * limits.CONTENT_MAX_CHARS
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?]\s+"), re.compile(r"\s+"))


def split(text: str, size: int = limits.CONTENT_MAX_CHARS) -> list[str]:
    """``text`` in pieces of at most ``size`` characters that join back to it exactly."""
    parts: list[str] = []
    rest = text
    while len(rest) > size:
        window = rest[:size]
        cut = 0
        for pattern in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window) if m.end() >= size // 2]
            if ends:
                cut = ends[-1]
                break
        cut = cut or size
        parts.append(rest[:cut])
        rest = rest[cut:]
    parts.append(rest)
    return parts


def bookkeeping(m: Memory) -> dict[str, Any] | None:
    if not isinstance(m.metadata.get(GROUP), str):
        return None
    return {"group": m.metadata[GROUP], "part": m.metadata.get(PART, 0), "parts": m.metadata.get(PARTS, 1)}


def visible_metadata(m: Memory) -> dict[str, Any]:
    return {k: v for k, v in m.metadata.items() if k not in KEYS}


def create(services: Services, namespace: str, text: str, metadata: dict[str, Any] | None,
           origin: ChangeOrigin) -> Memory:
    """Store ``text`` as its parts in one batch; returns the first part (the memory's face)."""
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"text has {len(text):,} characters; this server stores up to {MAX_CHARS:,}",
                           field="text")
    pieces = split(text)
    group = str(uuid.uuid4())
    items = [MemoryCreate(content=piece, namespace=namespace, tags=[PART_TAG] if i else [],
                          metadata={**(metadata or {}), GROUP: group, PART: i, PARTS: len(pieces)})
             for i, piece in enumerate(pieces)]
    result = services.memories.create_batch(items, origin=origin)
    ids = [item.memory_id for item in result.items]
    if result.failed or None in ids:
        for memory_id in ids:
            if memory_id is not None:
                services.lifecycle.hard_delete(memory_id, namespace, origin=origin)
        reason = next((i.error for i in result.items if i.error), "a part could not be stored")
        raise InvalidInput(f"the text could not be stored: {reason}", field="text")
    return services.memories.get(ids[0], namespace)


def parts(services: Services, first: Memory) -> list[Memory]:
    """All parts of the memory whose first part is ``first``, in order (just ``first`` for a short one)."""
    info = bookkeeping(first)
    if info is None or info.get("parts", 1) <= 1:
        return [first]
    page = services.memories.list(MemoryFilter(namespace=first.namespace, metadata={GROUP: info["group"]}),
                                  limit=min(limits.LIST_LIMIT_MAX, info["parts"] + 1))
    found = sorted(page.items, key=lambda m: (bookkeeping(m) or {}).get("part", 0))
    return found or [first]


def first_part(services: Services, m: Memory) -> Memory:
    """The memory a part belongs to (``m`` itself when it is a first part or a short memory)."""
    info = bookkeeping(m)
    if info is None or info.get("part", 0) == 0:
        return m
    page = services.memories.list(MemoryFilter(namespace=m.namespace, metadata={GROUP: info["group"]}),
                                  limit=min(limits.LIST_LIMIT_MAX, info.get("parts", 1) + 1))
    return next((p for p in page.items if (bookkeeping(p) or {}).get("part") == 0), m)
