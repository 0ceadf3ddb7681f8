"""A vault restored from a backup taken while it synced: its own segments written after the backup are on the
target, under the numbers it will use next. Nothing it writes after the restore may be dropped as "already
sent", and what it wrote after the backup comes back to it."""

from __future__ import annotations

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.backups import restore_backup
from memvault.service.container import open_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder
from tests.integration.sync.conftest import SYNC_PASSPHRASE


def _contents(services) -> set[str]:
    return {m.content for m in services.memories.list(MemoryFilter(namespace="n"), limit=100).items}


def test_a_vault_restored_from_a_backup_sends_what_it_writes_and_gets_back_what_it_wrote_after_the_backup(
        make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    laptop, desktop = make_vault("laptop"), make_vault("desktop")
    laptop.sync.setup(folder, SYNC_PASSPHRASE)
    desktop.sync.setup(folder, SYNC_PASSPHRASE)
    laptop.memories.create(MemoryCreate(namespace="n", content="before the backup"))
    laptop.sync.sync_now()
    backup = tmp_path / "laptop.mvbackup"
    laptop.backups.backup(backup)
    laptop.memories.create(MemoryCreate(namespace="n", content="after the backup"))
    laptop.sync.sync_now()
    desktop.sync.sync_now()
    assert _contents(desktop) == {"before the backup", "after the backup"}

    # The laptop's disk is lost: its backup is restored (here over the same folder, as on a new computer).
    laptop.close()
    restore_backup(backup, tmp_path / "laptop", replace=True)
    restored = open_vault(fast_settings(tmp_path / "laptop", worker=False), "vault passphrase laptop",
                          FakeEmbedder(), background=False)
    try:
        restored.memories.create(MemoryCreate(namespace="n", content="after the restore"))
        result = restored.sync.sync_now()
        desktop.sync.sync_now()
        assert _contents(desktop) == {"before the backup", "after the backup", "after the restore"}
        assert _contents(restored) == {"before the backup", "after the backup", "after the restore"}
        assert any("restored from a backup" in p for p in result.problems), result.problems
        assert restored.sync.status().pending_ops == 0
        # And it goes on as before: the next change travels in the next segment.
        restored.memories.create(MemoryCreate(namespace="n", content="later still"))
        restored.sync.sync_now()
        desktop.sync.sync_now()
        assert "later still" in _contents(desktop)
    finally:
        restored.close()


def test_two_vaults_restored_from_one_backup_are_told_they_cannot_be_one_device(make_vault, tmp_path):
    """Both copies set up sync: they took the device id from each other on every cycle and never read each
    other's changes, while each sync reported success."""
    import pytest

    from memvault.domain.errors import SyncError

    folder = TargetConfig("folder", str(tmp_path / "target"))
    laptop = make_vault("laptop")
    laptop.memories.create(MemoryCreate(namespace="n", content="first note"))
    backup = tmp_path / "laptop.mvbackup"
    laptop.backups.backup(backup)
    restore_backup(backup, tmp_path / "copy")
    copy = open_vault(fast_settings(tmp_path / "copy", worker=False), "vault passphrase laptop", FakeEmbedder(),
                      background=False)
    try:
        assert copy.vault.device_id == laptop.vault.device_id
        laptop.sync.setup(folder, SYNC_PASSPHRASE)
        copy.sync.setup(folder, SYNC_PASSPHRASE)
        laptop.memories.create(MemoryCreate(namespace="n", content="written on the laptop"))
        with pytest.raises(SyncError, match="another vault syncs as this device"):
            laptop.sync.sync_now()
        # The remedy it gives for the only copy works: set up again, and the copy is told in turn.
        copy.sync.off()
        laptop.sync.off()
        laptop.sync.setup(folder, SYNC_PASSPHRASE)
        assert "written on the laptop" in _contents(laptop)
    finally:
        copy.close()
