"""Sync scope at the service level: only chosen namespaces go out and come in; widening the scope later sends
and applies what was skipped, once; a snapshot written under a narrow scope does not hide other namespaces
from a device that syncs everything."""

from __future__ import annotations

import pytest

from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.sync import snapshots
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


def _held(services) -> dict[str, tuple[str, str]]:
    return {m.id: (m.namespace, m.content) for m in services.memories.list(ALL, limit=1000).items}


def _contents(services) -> set[tuple[str, str]]:
    return set(_held(services).values())


def _versions(services, memory_id: str) -> int:
    return len(services.memories.history(memory_id))


def _sync(*vaults) -> None:
    for s in vaults:
        s.sync.sync_now()


def test_only_the_chosen_namespaces_go_out_and_come_in(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    a.memories.create(MemoryCreate(namespace="work", content="a work"))
    a.memories.create(MemoryCreate(namespace="home", content="a home before setup"))
    status = a.sync.setup(folder, SYNC_PASSPHRASE, namespaces=["work"])
    assert status.namespaces == ("work",) and a.sync.scope() == ("work",)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    assert b.sync.scope() is None
    a.memories.create(MemoryCreate(namespace="home", content="a home after setup"))
    b.memories.create(MemoryCreate(namespace="work", content="b work"))
    b.memories.create(MemoryCreate(namespace="home", content="b home"))
    _sync(a, b, a)
    assert _contents(b) == {("work", "a work"), ("work", "b work"), ("home", "b home")}
    assert _contents(a) == {("work", "a work"), ("work", "b work"), ("home", "a home before setup"),
                            ("home", "a home after setup")}


def test_widening_the_scope_sends_and_applies_what_was_skipped_once(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    shared = a.memories.create(MemoryCreate(namespace="home", content="synced while in scope")).memory
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    _sync(a, b)
    a.sync.set_scope(["work"])
    # While "home" is outside a's scope, both sides change it.
    a.memories.update(shared.id, MemoryUpdate(tags=["edited-on-a"]))
    local = a.memories.create(MemoryCreate(namespace="home", content="made on a while narrowed")).memory
    remote = b.memories.create(MemoryCreate(namespace="home", content="made on b while a was narrowed")).memory
    b.memories.update(shared.id, MemoryUpdate(importance=0.9))
    b.memories.create(MemoryCreate(namespace="work", content="b work"))
    _sync(b, a, b, a)
    assert ("home", "made on b while a was narrowed") not in _contents(a)
    assert ("home", "made on a while narrowed") not in _contents(b)
    assert a.memories.get(shared.id).importance != 0.9 and b.memories.get(shared.id).tags == ()
    b_versions = _versions(b, shared.id)

    status = a.sync.set_scope(None)
    assert status.namespaces is None
    _sync(a, b, a, b)
    assert _held(a) == _held(b)
    assert a.memories.get(remote.id).content == "made on b while a was narrowed"
    assert b.memories.get(local.id).content == "made on a while narrowed"
    for s in (a, b):
        got = s.memories.get(shared.id)
        assert got.tags == ("edited-on-a",) and got.importance == 0.9
    # Re-reading every segment from the start applies nothing twice: one new version on b (a's tag), not more.
    assert _versions(b, shared.id) == b_versions + 1
    assert _versions(a, remote.id) == 1
    again = [s.sync.sync_now() for s in (a, b)]
    assert all(r.changes == 0 for r in again)


def test_widening_reads_a_compacted_device_from_its_snapshot(make_vault, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshots, "SNAPSHOT_SEGMENTS", 2)
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    a.sync.setup(folder, SYNC_PASSPHRASE, namespaces=["work"])
    b.sync.setup(folder, SYNC_PASSPHRASE)
    for n in range(4):
        b.memories.create(MemoryCreate(namespace="home", content=f"home {n}"))
        _sync(b, a)
    _sync(b)
    assert not list((tmp_path / "target").glob(f"*/ops/{b.vault.device_id}/0000000001"))  # compacted away
    assert _contents(a) == set()
    a.sync.set_scope(["work", "home"])
    _sync(a)
    assert _contents(a) == {("home", f"home {n}") for n in range(4)}


def test_a_device_that_syncs_everything_does_not_trust_a_narrow_snapshot_for_other_devices(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    a.sync.setup(folder, SYNC_PASSPHRASE, namespaces=["work"])
    b.sync.setup(folder, SYNC_PASSPHRASE)
    b.memories.create(MemoryCreate(namespace="home", content="only b had it"))
    a.memories.create(MemoryCreate(namespace="work", content="a work"))
    _sync(b, a)
    snapshots.write_snapshot(a.sync._engine())  # covers b's segments, but only for "work"
    c = make_vault("c")
    c.sync.setup(folder, SYNC_PASSPHRASE)
    assert _contents(c) == {("home", "only b had it"), ("work", "a work")}


def test_an_empty_scope_is_refused(make_vault, tmp_path):
    a = make_vault("a")
    a.sync.setup(TargetConfig("folder", str(tmp_path / "target")), SYNC_PASSPHRASE)
    with pytest.raises(InvalidInput):
        a.sync.set_scope([])
    with pytest.raises(InvalidInput):
        a.sync.set_scope([" "])
    assert a.sync.scope() is None
