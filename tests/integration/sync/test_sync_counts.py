"""The numbers a cycle and the status report: memories changed here, and the devices of the group."""

from __future__ import annotations

from memvault.domain.models import MemoryCreate, MemoryUpdate


def test_an_edit_that_arrives_with_its_vectors_is_one_memory_changed(make_synced):
    a, b = make_synced("a", "b")
    memory = a.memories.create(MemoryCreate(namespace="notes", content="first")).memory
    for device in (a, b):
        device.sync.sync_now()
    a.memories.update(memory.id, MemoryUpdate(content="second"))
    a.sync.sync_now()
    result = b.sync.sync_now()
    assert (result.applied_segments, result.changes) == (1, 1)


def test_devices_seen_counts_a_member_this_device_never_read_from(make_synced):
    a, b = make_synced("a", "b")
    a.sync.sync_now()  # B wrote nothing: A has read no segment of it
    assert a.sync.status().devices_seen == b.sync.status().devices_seen == 2
