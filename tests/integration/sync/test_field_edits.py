"""No lost updates: random per-field edits on three devices, synced on random partial schedules, converge, and
every field ends on the edit made last in real time (a clock the test moves forward between edits), whichever
device made it and whatever else that device edited afterwards. An importance edit that moves a tier which followed
the importance on that device is a tier edit too, made at that moment."""

from __future__ import annotations

import time

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, example, given, settings

from memvault.domain.enums import Tier
from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.service.container import create_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.budget import examples
from tests.helpers.fake_embedder import FakeEmbedder
from tests.integration.sync.conftest import SYNC_PASSPHRASE

FIELDS = {"importance": [0.1, 0.5, 0.9], "tier": ["hot", "warm", "cold"], "project": ["p1", "p2", "p3"],
          "content": ["first text", "second text", "third text"]}
EDITS = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(sorted(FIELDS)), st.integers(0, 2),
                           st.sampled_from(["none", "push", "cycle"])), min_size=1, max_size=8)


class Clock:
    """One wall clock for all three devices, moved 10 ms forward before every edit: "later" is unambiguous."""

    def __init__(self, devices) -> None:
        self.ms = time.time_ns() // 1_000_000
        for d in devices:
            d.sync._clock._wall_ms = lambda: self.ms

    def tick(self) -> None:
        self.ms += 10


@pytest.fixture(scope="module")
def devices(tmp_path_factory):
    root = tmp_path_factory.mktemp("field-edits")
    folder = TargetConfig("folder", str(root / "target"))
    opened = [create_vault(fast_settings(root / name, worker=False), f"vault passphrase {name}", FakeEmbedder(),
                           background=False) for name in ("d0", "d1", "d2")]
    for services in opened:
        services.sync.setup(folder, SYNC_PASSPHRASE)
    yield opened, Clock(opened)
    for services in opened:
        services.close()


def _sync_all(devices) -> None:
    for _ in range(2):
        for d in devices:
            assert not d.sync.sync_now().problems


@pytest.mark.slow  # three vaults and a few dozen sync cycles per example: about 5 s each
@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(edits=[(0, "importance", 0, "none"), (1, "importance", 2, "none"), (0, "content", 1, "none")])
@example(edits=[(1, "importance", 0, "none"), (0, "importance", 0, "none"), (0, "importance", 1, "none")])
@example(edits=[(0, "content", 0, "none"), (1, "content", 1, "none"), (0, "importance", 0, "none")])
@example(edits=[(1, "tier", 0, "none"), (0, "importance", 0, "none")])
@given(edits=EDITS)
def test_the_later_edit_of_every_field_survives(devices, edits):
    replicas, clock = devices
    clock.tick()
    memory = replicas[0].memories.create(MemoryCreate(namespace="n", content="start", importance=0.5)).memory
    _sync_all(replicas)
    expected = {}
    for device, name, index, then in edits:
        clock.tick()
        value = FIELDS[name][index]
        before = replicas[device].memories.get(memory.id)
        if _shown(before, name) == value:
            continue  # nothing changes on that device: not an edit
        replicas[device].memories.update(memory.id, MemoryUpdate(**{name: value}))
        expected[name] = value
        followed = Tier.from_importance(value) if name == "importance" else None
        if before.tier is Tier.from_importance(before.importance) and followed not in (None, before.tier):
            expected["tier"] = followed.value  # a tier that followed the importance on that device moves with it
        engine = replicas[device].sync._engine()
        if then == "push":
            engine.push(engine.new_report())
        elif then == "cycle":
            replicas[device].sync.sync_now()
    _sync_all(replicas)
    seen = [replicas[d].memories.get(memory.id) for d in range(3)]
    for name, value in expected.items():
        assert [_shown(m, name) for m in seen] == [value] * 3, name


def _shown(memory, name):
    value = getattr(memory, name)
    return getattr(value, "value", value)


def test_a_content_edit_does_not_carry_an_importance_set_earlier_past_a_later_one(make_vault, tmp_path):
    """The case the issue names: d0 sets importance 0.1, d1 sets 0.9 later, d0 then edits only the content."""
    folder = TargetConfig("folder", str(tmp_path / "target"))
    d0, d1 = make_vault("d0"), make_vault("d1")
    memory = d0.memories.create(MemoryCreate(namespace="n", content="start", importance=0.5)).memory
    d0.sync.setup(folder, SYNC_PASSPHRASE)
    d1.sync.setup(folder, SYNC_PASSPHRASE)
    clock = Clock([d0, d1])
    for device, change in ((d0, MemoryUpdate(importance=0.1)), (d1, MemoryUpdate(importance=0.9)),
                           (d0, MemoryUpdate(content="edited on d0"))):
        clock.tick()
        device.memories.update(memory.id, change)
    _sync_all([d0, d1])
    for device in (d0, d1):
        got = device.memories.get(memory.id)
        assert (got.importance, got.content) == (0.9, "edited on d0")
    assert d0.sync.conflicts() == d1.sync.conflicts() == []  # different fields: nothing to list
