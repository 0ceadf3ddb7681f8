"""The oplog keeps what sync has not folded yet, and only that: entries pruned (as each index snapshot prunes
them) never take a change away from another device."""

from __future__ import annotations

from sqlalchemy import text

from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.sync import replica
from memvault.sync.targets.factory import TargetConfig
from memvault.vault import compaction, oplog
from tests.integration.sync.conftest import SYNC_PASSPHRASE


def _entries(services) -> list[tuple[int, str]]:
    with services.vault.db.read() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT id, memory_uuid FROM oplog ORDER BY id")).all()]


def _compact(services) -> None:
    with services.vault.db.write() as conn:
        compaction.compact(conn)


def test_the_vault_prunes_by_the_cursor_sync_keeps():
    assert oplog.SYNC_CURSOR == replica.OPLOG_CURSOR


def test_entries_not_folded_yet_stay_and_every_change_arrives(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    early = a.memories.create(MemoryCreate(namespace="n", content="written before sync was set up")).memory
    a.sync.setup(folder, SYNC_PASSPHRASE)
    late = [a.memories.create(MemoryCreate(namespace="n", content=f"written after setup {i}")).memory
            for i in range(3)]
    a.memories.update(early.id, MemoryUpdate(content="edited after setup"))
    _compact(a)
    kept = {uuid for _, uuid in _entries(a)}
    assert kept == {m.id for m in late} | {early.id}, "what sync has not folded stays"
    a.sync.sync_now()
    _compact(a)
    assert len(_entries(a)) == 1, "folded into the outbox and pushed: spent"
    b.sync.setup(folder, SYNC_PASSPHRASE)
    assert b.memories.get(early.id).content == "edited after setup"
    assert {b.memories.get(m.id).content for m in late} == {m.content for m in late}
    # After a prune the ids go on past the cursor: the next change is folded and arrives too.
    after = a.memories.create(MemoryCreate(namespace="n", content="written after the prune")).memory
    _compact(a)
    a.sync.sync_now()
    b.sync.sync_now()
    assert b.memories.get(after.id).content == "written after the prune"
