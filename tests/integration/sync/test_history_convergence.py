"""History converges: random concurrent per-field edits on three devices, synced on random partial schedules, end
with the same memory *and* the same history (numbers, changes, times, states) on every device, holding every
version any device made."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, example, given, settings

from memvault.domain.models import MemoryCreate, MemoryUpdate
from tests.helpers.budget import examples
from tests.integration.sync.test_field_edits import (  # noqa: F401 (devices: the same three devices)
    EDITS, FIELDS, _shown, _sync_all, devices)


def _made(entry):
    """A version as the device that made it wrote it (its number may change as others' versions arrive)."""
    return (entry.change, entry.changed_at, entry.content, entry.importance, entry.tier.value,
            entry.visibility.value, entry.tags)


def _history(device, memory_id):
    return [(h.version, *_made(h)) for h in device.memories.history(memory_id)]


def _row(device, memory_id):
    m = device.memories.get(memory_id)
    return (m.content, m.importance, m.tier.value, m.project, m.version, m.updated_at)


@pytest.mark.slow  # three vaults and a few dozen sync cycles per example: about 5 s each
@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Three devices edit one memory concurrently, then sync (each used to write its own "sync" versions on arrival).
@example(edits=[(0, "content", 0, "none"), (1, "importance", 2, "none"), (2, "tier", 2, "none")])
@example(edits=[(0, "importance", 0, "none"), (1, "importance", 2, "none"), (0, "content", 1, "none")])
@example(edits=[(0, "content", 0, "push"), (1, "content", 1, "none"), (2, "content", 2, "cycle")])
@given(edits=EDITS)
def test_history_is_the_same_on_every_device_and_keeps_every_edit(devices, edits):
    replicas, clock = devices
    clock.tick()
    memory = replicas[0].memories.create(MemoryCreate(namespace="n", content="start", importance=0.5)).memory
    _sync_all(replicas)
    made = []
    for device, name, index, then in edits:
        clock.tick()
        if _shown(replicas[device].memories.get(memory.id), name) == FIELDS[name][index]:
            continue  # nothing changes on that device: not an edit
        replicas[device].memories.update(memory.id, MemoryUpdate(**{name: FIELDS[name][index]}))
        made.append(_made(replicas[device].memories.history(memory.id)[-1]))
        engine = replicas[device].sync._engine()
        if then == "push":
            engine.push(engine.new_report())
        elif then == "cycle":
            replicas[device].sync.sync_now()
    _sync_all(replicas)
    rows = [_row(d, memory.id) for d in replicas]
    assert rows == [rows[0]] * 3
    histories = [_history(d, memory.id) for d in replicas]
    assert histories == [histories[0]] * 3
    assert [v for v, *_ in histories[0]] == list(range(1, len(histories[0]) + 1))
    assert rows[0][4] == len(histories[0])  # the version counts the versions devices made, no more
    kept = {entry[1:] for entry in histories[0]}
    assert [m for m in made if m not in kept] == []  # no device's edit is lost from history
    assert sum(h.change == "sync" for d in replicas for h in d.memories.history(memory.id)) == 0
