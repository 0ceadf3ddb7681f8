"""Tier maintenance: move memories whose importance puts them in the cold tier there."""

from __future__ import annotations

from memvault.domain import limits
from memvault.domain.changes import USER, ChangeOrigin
from memvault.domain.enums import Tier
from memvault.domain.models import MemoryFilter, MemoryUpdate
from memvault.service.memories import MemoryService

_PAGE = limits.LIST_LIMIT_MAX


def demote_cold(memories: MemoryService, namespace: str, *, origin: ChangeOrigin = USER) -> int:
    """Demote every live memory of ``namespace`` that is hot or warm while its importance says cold.

    Each change goes through the write path (versioned, in the oplog). Returns how many moved.
    """
    stale: list[str] = []
    for tier in (Tier.HOT, Tier.WARM):
        cursor = None
        while True:
            page = memories.list(MemoryFilter(namespace=namespace, tier=tier), limit=_PAGE, cursor=cursor,
                                 count_total=False)
            stale += [m.id for m in page.items if Tier.from_importance(m.importance) is Tier.COLD]
            if not page.has_more or page.next_cursor is None:
                break
            cursor = page.next_cursor
    for memory_id in stale:
        memories.update(memory_id, MemoryUpdate(tier=Tier.COLD), namespace, origin=origin)
    return len(stale)
