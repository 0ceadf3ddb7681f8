"""The detail pane's update names only what the user changed, so it can be saved over a newer version."""

from __future__ import annotations

from memvault.domain.entities import TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.models import Memory, MemoryUpdate
from memvault.gui.memory_edit import UNCHANGED, Fields, update_from


def _memory() -> Memory:
    return Memory(id="m1", rowid=1, namespace="default", content="The user drinks tea", memory_type=MemoryType.FACT,
                  tags=("drinks",), metadata={"source": "chat", "mood": "calm"}, importance=0.5,
                  tier=Tier.from_importance(0.5), visibility=Visibility.PRIVATE, agent_id=None, user_id=None,
                  session_id=None, project=None, client_id=None, created_at=1.0, updated_at=1.0, expires_at=None,
                  deleted_at=None, archived_at=None, version=1, embedding_status=EmbeddingStatus.READY, model_id=None,
                  memory_type_source=TypeSource.EXPLICIT)


def _fields(memory: Memory, **changed) -> Fields:
    import json

    values = dict(content=memory.content, memory_type=memory.memory_type.value, tags=tuple(memory.tags),
                  importance=memory.importance, visibility=memory.visibility,
                  metadata_text=json.dumps(memory.metadata))
    values.update(changed)
    return Fields(**values)


def test_fields_as_filled_are_unchanged():
    memory = _memory()
    assert update_from(memory, _fields(memory)) == UNCHANGED
    assert update_from(memory, _fields(memory, importance=0.501)) == UNCHANGED  # the spin box's two decimals


def test_only_the_fields_the_user_changed_are_sent():
    memory = _memory()
    assert update_from(memory, _fields(memory, content="The user drinks green tea")) == MemoryUpdate(
        content="The user drinks green tea")
    assert update_from(memory, _fields(memory, tags=("drinks", "tea"), visibility=Visibility.CONFIDENTIAL)) == \
        MemoryUpdate(tags=["drinks", "tea"], visibility=Visibility.CONFIDENTIAL)


def test_metadata_sends_the_keys_changed_added_and_removed_only():
    memory = _memory()
    update = update_from(memory, _fields(memory, metadata_text='{"source": "chat", "mood": "tired", "new": 1}'))
    assert update == MemoryUpdate(metadata={"mood": "tired", "new": 1})
    assert update_from(memory, _fields(memory, metadata_text='{"source": "chat"}')) == MemoryUpdate(
        metadata={"mood": None})


def test_metadata_that_is_no_object_is_refused_or_left_out():
    memory = _memory()
    assert update_from(memory, _fields(memory, metadata_text="[1]")).startswith("The metadata must be a JSON object")
    assert update_from(memory, _fields(memory, metadata_text="{", content="x"), leave_bad_metadata=True) == \
        MemoryUpdate(content="x")
