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
