"""Sync at the service level through a folder target: three vaults with different passphrases converge."""

from __future__ import annotations

import pytest

from memvault.domain.errors import SyncKeyError, SyncNotSetUp, SyncTargetError
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


def dump(services) -> dict:
    """The synced fields of every memory, in a canonical form."""
    page = services.memories.list(ALL, limit=1000)
    return {m.id: (m.namespace, m.content, m.memory_type.value, sorted(m.tags), m.metadata, m.importance,
                   m.tier.value, m.visibility.value, m.agent_id, m.deleted_at, m.archived_at) for m in page.items}


def test_three_vaults_converge_through_a_folder(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b, c = make_vault("a"), make_vault("b"), make_vault("c")
    kept = a.memories.create(MemoryCreate(namespace="work", content="the train to kyoto", tags=["travel"])).memory
    a.sync.setup(folder, SYNC_PASSPHRASE, device_name="laptop")
    b.memories.create(MemoryCreate(namespace="home", content="buy tea", metadata={"shop": "corner"}))
    b.sync.setup(folder, SYNC_PASSPHRASE)
    c.sync.setup(folder, SYNC_PASSPHRASE)
    assert b.memories.get(kept.id).content == "the train to kyoto"
    b.memories.update(kept.id, MemoryUpdate(tags=["travel", "japan"], importance=0.9))
    c.lifecycle.archive(kept.id)
    for s in (a, b, c, a, b, c):
        s.sync.sync_now()
    assert dump(a) == dump(b) == dump(c)
    assert len(dump(a)) == 2
    got = c.memories.get(kept.id)
    assert set(got.tags) == {"travel", "japan"} and got.importance == 0.9 and got.archived_at is not None
    status = a.sync.status()
    assert status.enabled and status.devices_seen == 3 and status.pending_ops == 0
    assert {d.this_device for d in a.sync.devices()} == {True, False}


def test_concurrent_content_edits_keep_the_loser_as_a_conflict(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    m = a.memories.create(MemoryCreate(namespace="n", content="first words")).memory
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    a.memories.update(m.id, MemoryUpdate(content="edited on a"))
    b.memories.update(m.id, MemoryUpdate(content="edited on b"))
    for s in (a, b, a):
        s.sync.sync_now()
    winner = a.memories.get(m.id).content
    assert winner == b.memories.get(m.id).content == "edited on b"
    for s in (a, b):
        conflicts = s.sync.conflicts()
        assert [(x.memory_id, x.kept_content) for x in conflicts] == [(m.id, "edited on a")]
        assert [x.id for x in s.memories.list(MemoryFilter(namespace=None, only_conflicts=True)).items] == [m.id]
        assert s.sync.conflicted_memories() == 1
    loser = a.sync.conflicts()[0]
    a.sync.keep_conflict_version(m.id, loser.version,
                                 lambda memory_id, version: a.memories.restore_version(memory_id, version))
    assert a.memories.get(m.id).content == "edited on a" and a.sync.conflicts() == []
    assert not a.memories.list(MemoryFilter(namespace=None, only_conflicts=True)).items
    a.sync.sync_now()
    b.sync.sync_now()
    assert b.memories.get(m.id).content == "edited on a"
    # The choice made on a leaves nothing lost on b either: no longer listed there.
    assert b.sync.conflicts() == [] and b.sync.conflicted_memories() == 0
    assert not b.memories.list(MemoryFilter(namespace=None, only_conflicts=True)).items


def test_a_wrong_sync_passphrase_is_refused(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    a.sync.setup(folder, SYNC_PASSPHRASE)
    with pytest.raises(SyncKeyError):
        b.sync.setup(folder, "not the passphrase")
    assert not b.sync.enabled()
    with pytest.raises(SyncNotSetUp):
        b.sync.sync_now()


def test_pending_counts_changes_made_here_that_no_cycle_has_packed_yet(make_vault, tmp_path):
    """A change made while the target cannot be reached is never packed (the cycle stops before): it still
    counts as pending, or a user would retire a device believing everything was sent."""
    import shutil

    folder = tmp_path / "target"
    a = make_vault("a")
    a.sync.setup(TargetConfig("folder", str(folder)), SYNC_PASSPHRASE, namespaces=["work"])
    a.memories.create(MemoryCreate(namespace="work", content="made before any cycle"))
    a.memories.create(MemoryCreate(namespace="private", content="outside the synced namespaces"))
    assert a.sync.status().pending_ops == 1
    shutil.rmtree(folder)
    folder.write_text("not a folder any more")  # the target is gone
    a.memories.create(MemoryCreate(namespace="work", content="made while the target is away"))
    with pytest.raises(SyncTargetError):
        a.sync.sync_now()
    assert a.sync.status().pending_ops == 2


def test_testing_a_target_that_holds_a_group_checks_the_passphrase_given(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    assert b.sync.test_target(folder, "anything at all") == 0  # nothing there yet: no key to check
    a.sync.setup(folder, SYNC_PASSPHRASE)
    files = b.sync.test_target(folder)
    assert files > 0 and b.sync.test_target(folder, SYNC_PASSPHRASE) == files
    with pytest.raises(SyncKeyError, match="does not open this target's sync key"):
        b.sync.test_target(folder, "not the passphrase")
    assert not b.sync.enabled()
