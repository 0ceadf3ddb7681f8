"""Convergence, proven by random runs: replicas on real vaults make random changes and sync on random,
partial schedules (push without pull, pull without push, one device at a time), with crashes between
segments (the target fails mid-cycle, or after a segment is written but before it is recorded).
Once everyone has synced to the end, every replica holds the same memories, field for field.

The fast tier runs a few schedules; the slow tier runs thousands.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from memvault.domain.errors import Conflict, NotFound, SyncTargetError
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.service.container import create_vault
from memvault.sync.engine import CycleReport
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

NAMESPACES = ("alpha", "beta")
WORDS = st.sampled_from(["tea", "kyoto", "train", "budget", "ünïcode", "日本", "notes"])
CONTENT = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)
TAGS = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True)
PATCH = st.dictionaries(st.sampled_from(["k1", "k2"]), st.one_of(st.none(), st.integers(-3, 3)), max_size=2)
#: Which memory a step works on, as an index into the replica's memories at that moment.
PICK = st.integers(0, 63)
ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


def canonical(services) -> dict:
    """Every memory's synced fields (not the device-local ones: rowid, version, embedding status, history)."""
    page = services.memories.list(ALL, limit=1000)
    return {m.id: (m.namespace, m.content, m.memory_type.value, tuple(sorted(m.tags)), tuple(sorted(m.metadata.items())),
                   m.importance, m.tier.value, m.visibility.value, m.agent_id, m.project, m.client_id, m.created_at,
                   m.expires_at, m.deleted_at, m.archived_at) for m in page.items}


class FlakyTarget:
    """A target that fails once, at a chosen call, before or after doing what it was asked."""

    def __init__(self, inner, fail_at: int, after: bool) -> None:
        self.inner, self.fail_at, self.after, self.calls = inner, fail_at, after, 0

    def _tick(self, call):
        self.calls += 1
        if self.calls != self.fail_at:
            return call()
        if self.after:
            call()
        raise SyncTargetError("the target failed (test)")

    def describe(self):
        return "flaky"

    def list(self, prefix):
        return self._tick(lambda: self.inner.list(prefix))

    def get(self, name, limit=None):
        return self._tick(lambda: self.inner.get(name, limit))

    def put_new(self, name, data):
        return self._tick(lambda: self.inner.put_new(name, data))

    def put(self, name, data):
        return self._tick(lambda: self.inner.put(name, data))

    def delete(self, name):
        return self._tick(lambda: self.inner.delete(name))


class Replicas(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="memvault-sync-"))
        self.replicas = []
        self.ids: list[str] = []

    @initialize(count=st.integers(3, 4))
    def make(self, count):
        config = TargetConfig("folder", str(self.root / "target"))
        for n in range(count):
            s = create_vault(fast_settings(self.root / f"v{n}", worker=False), f"passphrase number {n}",
                             FakeEmbedder(), background=False)
            s.sync.setup(config, "the sync passphrase")
            self.replicas.append(s)

    def teardown(self) -> None:
        try:
            if self.replicas:
                for _ in range(2):
                    for s in self.replicas:
                        s.sync.sync_now(allow_mass_delete=True)
                first = canonical(self.replicas[0])
                for s in self.replicas[1:]:
                    assert canonical(s) == first
        finally:
            for s in self.replicas:
                s.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def _pick(self, index):
        return self.replicas[index % len(self.replicas)]

    @staticmethod
    def _memory(services, pick):
        # Every draw is made before the step looks at the state (a strategy that depends on the state replays
        # differently and hypothesis refuses it as flaky): ``pick`` is mapped onto the memories here.
        ids = [m.id for m in sorted(services.memories.list(ALL, limit=1000).items, key=lambda m: (m.created_at, m.id))]
        return ids[pick % len(ids)] if ids else None

    @rule(i=st.integers(0, 3), ns=st.sampled_from(NAMESPACES), content=CONTENT, tags=TAGS)
    def create(self, i, ns, content, tags):
        self._pick(i).memories.create(MemoryCreate(namespace=ns, content=content, tags=tags))

    @rule(i=st.integers(0, 3), pick=PICK, content=st.one_of(st.none(), CONTENT), tags=st.one_of(st.none(), TAGS),
          patch=PATCH, importance=st.one_of(st.none(), st.sampled_from([0.1, 0.5, 0.9])))
    def update(self, i, pick, content, tags, patch, importance):
        s = self._pick(i)
        memory_id = self._memory(s, pick)
        if memory_id is not None:
            try:
                s.memories.update(memory_id, MemoryUpdate(content=content, tags=tags, metadata=patch or None,
                                                          importance=importance))
            except Conflict:
                assert s.memories.get(memory_id).deleted_at is not None  # a trashed memory takes no edits

    @rule(i=st.integers(0, 3), pick=PICK,
          move=st.sampled_from(["delete", "restore", "archive", "unarchive", "hard_delete"]))
    def lifecycle(self, i, pick, move):
        s = self._pick(i)
        memory_id = self._memory(s, pick)
        if memory_id is not None:
            try:
                getattr(s.lifecycle, move)(memory_id)
            except Conflict:
                pass

    @rule(i=st.integers(0, 3), ns=st.sampled_from(NAMESPACES))
    def wipe(self, i, ns):
        self._pick(i).lifecycle.wipe_namespace(ns, confirm=ns)

    @rule(i=st.integers(0, 3), how=st.sampled_from(["cycle", "push", "pull"]))
    def sync(self, i, how):
        s = self._pick(i)
        engine = s.sync._engine()
        report = CycleReport()
        if how in ("cycle", "push"):
            engine.push(report)
        if how in ("cycle", "pull"):
            engine.pull(report, allow_mass_delete=True)
        assert not report.problems

    @rule(i=st.integers(0, 3), fail_at=st.integers(1, 6), after=st.booleans())
    def crash(self, i, fail_at, after):
        s = self._pick(i)
        engine = s.sync._engine()
        engine.target = FlakyTarget(engine.target, fail_at, after)
        try:
            engine.cycle(CycleReport(), allow_mass_delete=True)
        except (SyncTargetError, NotFound):
            pass


def _run(examples: int, steps: int) -> None:
    from hypothesis.stateful import run_state_machine_as_test
    run_state_machine_as_test(Replicas, settings=settings(max_examples=examples, stateful_step_count=steps,
                                                          deadline=None, suppress_health_check=list(HealthCheck)))


@pytest.mark.seconds
def test_replicas_converge():
    _run(8, 20)


@pytest.mark.slow
def test_replicas_converge_over_forty_schedules():
    # ~20 CPU-s (a hundred took a minute of the suite's ten); the long run below takes thousands.
    _run(40, 30)


@pytest.mark.slow
@pytest.mark.long
def test_replicas_converge_over_thousands_of_schedules():
    # About 20 minutes on 2 cores: outside the default run (pytest -m long -s).
    _run(2000, 30)


def test_a_target_failing_while_a_device_rereads_its_own_segment_does_not_fork_its_chain():
    """A schedule the random runs found: a segment is written but not recorded (crash), and on the next cycle
    the target fails while the device reads that segment back. A failed read says nothing about the file: the
    device must not take it as planted and write the same ops again under the next number off the old chain
    head (the other devices then refused that segment as not following the device's chain)."""
    state = Replicas()
    try:
        state.make(count=3)
        state.create(content="tea", i=0, ns="alpha", tags=[])
        state.crash(after=True, fail_at=2, i=0)   # ops/1 written, not recorded
        state.crash(after=False, fail_at=3, i=0)  # the read of ops/1 fails
        state.sync(how="cycle", i=1)              # asserts no problem was reported
    finally:
        state.teardown()
