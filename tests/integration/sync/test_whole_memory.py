"""What a memory is travels whole: where its type came from arrives with it through sync and through bundles."""

from __future__ import annotations

from memvault.domain.entities import TypeSource
from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE


def test_the_type_source_arrives_through_sync(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    named = a.memories.create(MemoryCreate(namespace="n", content="named type", memory_type="fact")).memory
    left = a.memories.create(MemoryCreate(namespace="n", content="type left to the classifier")).memory
    assert (named.memory_type_source, left.memory_type_source) == (TypeSource.EXPLICIT, TypeSource.DEFAULT)
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    assert b.memories.get(left.id).memory_type_source is TypeSource.DEFAULT  # not "explicit" by accident
    assert b.memories.get(named.id).memory_type_source is TypeSource.EXPLICIT
    b.memories.update(left.id, MemoryUpdate(memory_type="preference"))  # the user names it on b
    for s in (b, a):
        s.sync.sync_now()
    assert a.memories.get(left.id).memory_type_source is TypeSource.EXPLICIT
    assert a.memories.get(left.id).memory_type.value == "preference"


def test_the_type_source_arrives_through_a_bundle(make_vault, tmp_path):
    from memvault.service.bundles import ExportRequest

    a, c = make_vault("a"), make_vault("c")
    left = a.memories.create(MemoryCreate(namespace="n", content="type left to the classifier")).memory
    named = a.memories.create(MemoryCreate(namespace="n", content="named type", memory_type="fact")).memory
    bundle = tmp_path / "n.mvbundle"
    a.bundles.export_to_file(bundle, ExportRequest(("n",), passphrase="bundle passphrase"))
    c.bundles.import_bundle(bundle, passphrase="bundle passphrase")
    assert c.memories.get(left.id).memory_type_source is TypeSource.DEFAULT
    assert c.memories.get(named.id).memory_type_source is TypeSource.EXPLICIT


def test_a_memory_stored_before_type_sources_were_kept_still_syncs(make_vault, tmp_path):
    """Rows from before schema 7 hold NULL as their type source (an explicit type); their ops must still be valid."""
    from sqlalchemy import text

    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    old = a.memories.create(MemoryCreate(namespace="n", content="stored by an old release", memory_type="fact")).memory
    with a.vault.db.write() as conn:
        conn.execute(text("UPDATE memories SET memory_type_source = NULL WHERE uuid = :u"), {"u": old.id})
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    assert b.sync.status().problems == ()
    arrived = b.memories.get(old.id)
    assert (arrived.content, arrived.memory_type_source) == ("stored by an old release", TypeSource.EXPLICIT)


def _versions(memory_id, *devices):
    return [(d.memories.get(memory_id).version, d.memories.get(memory_id).updated_at) for d in devices]


def test_version_and_updated_at_agree_on_every_device_after_sync(make_vault, tmp_path):
    """Each device counts the versioned changes it made to a memory; the version is their sum and the change time
    is the stamp of the latest change, so devices that merged the same changes show the same, whatever order
    they saw them in (a type the system inferred adds no version, here or there)."""
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b, c = make_vault("a"), make_vault("b"), make_vault("c")
    for s in (a, b, c):
        s.sync.setup(folder, SYNC_PASSPHRASE)
    memory = a.memories.create(MemoryCreate(namespace="n", content="first", importance=0.5)).memory
    a.memories.update(memory.id, MemoryUpdate(content="second"))
    for s in (a, b, c):
        s.sync.sync_now()
    b.memories.update(memory.id, MemoryUpdate(importance=0.9))  # concurrent edits of two devices
    c.memories.update(memory.id, MemoryUpdate(tags=["x"]))
    c.lifecycle.delete(memory.id)
    for _ in range(2):
        for s in (c, b, a):
            s.sync.sync_now()
    seen = _versions(memory.id, a, b, c)
    assert seen[0][0] == 5 and seen == [seen[0]] * 3, seen
    a.lifecycle.restore(memory.id)  # (a memory in the trash takes no edits)
    restored = _versions(memory.id, a)[0][0]
    a.memories.update(memory.id, MemoryUpdate(project="p"))  # later edits go on from the agreed version
    for s in (a, b, c):
        s.sync.sync_now()
    assert _versions(memory.id, a, b, c) == [(restored + 1, _versions(memory.id, a)[0][1])] * 3


def test_history_and_version_arrive_intact_through_a_bundle(make_vault, tmp_path):
    from memvault.service.bundles import ExportRequest

    a, c = make_vault("a"), make_vault("c")
    memory = a.memories.create(MemoryCreate(namespace="n", content="first words")).memory
    a.memories.update(memory.id, MemoryUpdate(content="second words", importance=0.8))
    a.memories.update(memory.id, MemoryUpdate(tags=["kept"]))
    bundle = tmp_path / "n.mvbundle"
    a.bundles.export_to_file(bundle, ExportRequest(("n",), passphrase="bundle passphrase"))
    c.bundles.import_bundle(bundle, passphrase="bundle passphrase")
    made, arrived = a.memories.get(memory.id), c.memories.get(memory.id)
    assert (arrived.version, arrived.updated_at) == (made.version, made.updated_at) == (3, made.updated_at)
    assert [(h.version, h.change, h.content) for h in c.memories.history(memory.id)] == \
        [(h.version, h.change, h.content) for h in a.memories.history(memory.id)]
    restored = c.memories.restore_version(memory.id, 1)  # a version made on the other vault
    assert (restored.content, restored.version) == ("first words", 4)


def test_history_made_on_one_device_can_be_browsed_and_restored_on_another(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    before = a.memories.create(MemoryCreate(namespace="n", content="edited before sync")).memory
    a.memories.update(before.id, MemoryUpdate(content="edited once before sync"))
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    memory = a.memories.create(MemoryCreate(namespace="n", content="one")).memory
    a.sync.sync_now()
    b.sync.sync_now()
    a.memories.update(memory.id, MemoryUpdate(content="two"))
    a.memories.update(memory.id, MemoryUpdate(content="three", importance=0.9))
    a.lifecycle.archive(memory.id)
    a.sync.sync_now()
    b.sync.sync_now()

    def shown(device, memory_id):
        return [(h.version, h.change, h.content, h.importance) for h in device.memories.history(memory_id)]

    for memory_id in (before.id, memory.id):
        assert shown(b, memory_id) == shown(a, memory_id)
        assert b.memories.get(memory_id).version == a.memories.get(memory_id).version
    assert [h.content for h in b.memories.history(memory.id)] == ["one", "two", "three", "three"]
    b.memories.restore_version(memory.id, 2)  # made on a
    b.sync.sync_now()
    a.sync.sync_now()
    assert [d.memories.get(memory.id).content for d in (a, b)] == ["two", "two"]
    assert shown(a, memory.id) == shown(b, memory.id) and len(shown(a, memory.id)) == 5


def test_a_device_that_joins_from_a_snapshot_gets_the_history_too(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a = make_vault("a")
    a.sync.setup(folder, SYNC_PASSPHRASE)
    memory = a.memories.create(MemoryCreate(namespace="n", content="one")).memory
    a.memories.update(memory.id, MemoryUpdate(content="two"))
    a.sync.sync_now()
    a.sync._engine().write_snapshot()  # covers every segment of a: a joiner reads only the snapshot
    c = make_vault("c")
    c.sync.setup(folder, SYNC_PASSPHRASE)
    assert [(h.version, h.change, h.content) for h in c.memories.history(memory.id)] == \
        [(h.version, h.change, h.content) for h in a.memories.history(memory.id)] == \
        [(1, "create", "one"), (2, "update", "two")]
    assert (c.memories.get(memory.id).version, c.memories.get(memory.id).updated_at) == \
        (a.memories.get(memory.id).version, a.memories.get(memory.id).updated_at)
