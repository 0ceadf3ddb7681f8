"""What a memory from a bundle must pass before a vault stores it: its earlier versions obey the same limits."""

from __future__ import annotations

import dataclasses

import pytest

from memvault.domain import limits
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import DamagedData
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord
from memvault.service.bundle_import import checked

MEMORY_ID = "01932a4e-7c00-7000-8000-000000000001"


def _record(*history: HistoryEntry) -> MemoryRecord:
    return MemoryRecord(
        id=MEMORY_ID, namespace="ns", content="now", memory_type=MemoryType.FACT, tags=(), metadata={},
        importance=0.5, tier=Tier.WARM, visibility=Visibility.PRIVATE, agent_id=None, user_id=None,
        session_id=None, project=None, client_id=None, created_at=1.0, updated_at=1.0, expires_at=None,
        deleted_at=None, archived_at=None, version=len(history) + 1, hlc="0000000000001-00000-d",
        origin_device="d", history=history)


def _version(**changes) -> HistoryEntry:
    entry = HistoryEntry(MEMORY_ID, 1, "create", 1.0, "before", MemoryType.FACT, (), {}, 0.5, Tier.WARM,
                         Visibility.PRIVATE)
    return dataclasses.replace(entry, **changes)


def test_a_sound_history_passes():
    assert checked(_record(_version()), 1, None).history == (_version(),)


@pytest.mark.parametrize("changes, problem", [
    ({"content": "x" * (limits.CONTENT_MAX_CHARS + 1)}, "content"),  # 15 MB of it was stored once
    ({"metadata": {f"k{i}": i for i in range(limits.METADATA_MAX_KEYS + 1)}}, "metadata has"),
    ({"tags": tuple(f"t{i}" for i in range(limits.TAGS_MAX + 1))}, "tags"),
])
def test_an_earlier_version_over_a_limit_refuses_the_memory(changes, problem):
    with pytest.raises(DamagedData, match=f"memory 7 of the bundle cannot be stored: its version 1: .*{problem}"):
        checked(_record(_version(**changes)), 7, None)
