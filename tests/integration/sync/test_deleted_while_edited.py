"""A memory deleted on one device while edited on another: the merge keeps both (the edit, in the trash), and every
device lists it as a conflict that restores it, whichever device syncs first."""

from __future__ import annotations

import pytest

from memvault.domain.models import MemoryCreate, MemoryUpdate


@pytest.fixture
def pair(make_synced):
    a, b = make_synced("a", "b")
    memory = a.memories.create(MemoryCreate(namespace="notes", content="the plan")).memory
    for device in (a, b, a):
        device.sync.sync_now()
    a.lifecycle.delete(memory.id)
    b.memories.update(memory.id, MemoryUpdate(content="the plan (edited on B)"))
    return a, b, memory.id


def _ids(device) -> str:
    return device.sync._device_id


@pytest.mark.parametrize("first", ["a", "b"])
def test_an_edit_that_meets_a_delete_is_a_conflict_on_both_devices(pair, first):
    a, b, memory_id = pair
    order = (a, b) if first == "a" else (b, a)
    counted = {}
    for device in (*order, *order):
        result = device.sync.sync_now()
        assert not result.problems
        counted[_ids(device)] = counted.get(_ids(device), 0) + result.conflicts
    # Each device says so in the cycle that brought the other side.
    assert counted == {_ids(a): 1, _ids(b): 1}
    for device in (a, b):
        memory = device.memories.get(memory_id)
        assert memory.content == "the plan (edited on B)" and memory.deleted_at is not None
        [conflict] = device.sync.conflicts()
        assert (conflict.kind, conflict.memory_id, conflict.deleted_on, conflict.edited_on) == \
            ("deleted", memory_id, _ids(a), _ids(b))
        assert conflict.kept_content == "the plan (edited on B)"
        assert device.sync.status().conflicts == 1 and device.sync.conflicted_memories() == 1

    # Keeping it brings the edit back from the trash, on both devices, and ends the conflict there.
    b.sync.keep_conflict_version(memory_id, b.sync.conflicts()[0].version, b.memories.restore_version)
    for device in (b, a, b):
        device.sync.sync_now()
    for device in (a, b):
        memory = device.memories.get(memory_id)
        assert memory.content == "the plan (edited on B)" and memory.deleted_at is None
        assert device.sync.conflicts() == [] and device.sync.conflicted_memories() == 0


def test_dismissing_leaves_it_in_the_trash(pair):
    a, b, memory_id = pair
    for device in (a, b, a):
        device.sync.sync_now()
    assert a.sync.dismiss_conflict(memory_id) == 1
    assert a.sync.conflicts() == [] and a.memories.get(memory_id).deleted_at is not None
    assert len(b.sync.conflicts()) == 1  # dismissed on A only: B's user still hears of their edit


def test_a_delete_made_after_reading_the_edit_is_no_conflict(pair):
    a, b, memory_id = pair
    a.lifecycle.restore(memory_id)
    for device in (b, a):
        device.sync.sync_now()
    a.lifecycle.delete(memory_id)
    for device in (a, b, a):
        device.sync.sync_now()
    assert a.sync.conflicts() == b.sync.conflicts() == []
    assert b.memories.get(memory_id).deleted_at is not None


EDITS = {
    "tags": MemoryUpdate(tags=["urgent"]),
    "importance": MemoryUpdate(importance=0.9),
    "metadata": MemoryUpdate(metadata={"room": "B2"}),
    "type": MemoryUpdate(memory_type="task"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_field_edit_that_meets_a_delete_is_a_conflict_too(make_synced, edit):
    """Not only a content edit: tags, importance, metadata or a type set on B while A deleted the memory stay
    with it in the trash, and both devices list it until it is kept or dismissed."""
    a, b = make_synced("a", "b")
    memory_id = a.memories.create(MemoryCreate(namespace="notes", content="the plan")).memory.id
    for device in (a, b, a):
        device.sync.sync_now()
    a.lifecycle.delete(memory_id)
    b.memories.update(memory_id, EDITS[edit])
    counted = 0
    for device in (a, b, a, b):
        result = device.sync.sync_now()
        assert not result.problems
        counted += result.conflicts
    assert counted == 2  # each device, in the cycle that brought the other side
    for device in (a, b):
        [conflict] = device.sync.conflicts()
        assert (conflict.kind, conflict.memory_id, conflict.deleted_on, conflict.edited_on) == \
            ("deleted", memory_id, _ids(a), _ids(b))
        assert device.memories.get(memory_id).deleted_at is not None
    assert a.sync.dismiss_conflict(memory_id) == 1 and a.sync.conflicts() == []
    b.sync.keep_conflict_version(memory_id, b.sync.conflicts()[0].version, b.memories.restore_version)
    for device in (b, a, b):
        device.sync.sync_now()
    for device in (a, b):
        assert device.memories.get(memory_id).deleted_at is None and device.sync.conflicts() == []


def test_a_field_edit_the_delete_came_after_is_no_conflict(make_synced):
    a, b = make_synced("a", "b")
    memory_id = a.memories.create(MemoryCreate(namespace="notes", content="the plan")).memory.id
    for device in (a, b, a):
        device.sync.sync_now()
    b.memories.update(memory_id, MemoryUpdate(tags=["urgent"]))
    for device in (b, a):
        device.sync.sync_now()
    a.lifecycle.delete(memory_id)  # A saw the tag first
    for device in (a, b, a):
        device.sync.sync_now()
    assert a.sync.conflicts() == b.sync.conflicts() == []
