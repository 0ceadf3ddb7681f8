"""Whole-vault backups: consistent while the vault keeps writing, still encrypted, restored only when confirmed."""

from __future__ import annotations

import threading

import pytest

from memvault.domain.errors import InvalidInput, VaultCorrupt, VaultExists, WrongPassphrase
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.backups import BackupSchedule, inspect_backup, restore_backup
from memvault.service.container import create_vault, open_vault
from tests.helpers import PASSPHRASE, fast_settings, wait_for

ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


def test_backup_while_writing_restores_to_a_consistent_vault(services, settings, embedder, tmp_path):
    for i in range(50):
        services.memories.create(MemoryCreate(content=f"before the backup {i}", namespace="n"))
    services.worker.drain()
    stop = threading.Event()
    written = []

    def keep_writing():
        while not stop.is_set():
            written.append(services.memories.create(MemoryCreate(content="written during the backup")).memory.id)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        info, _seconds = services.backups.backup(tmp_path / "vault.mvbackup")
    finally:
        stop.set()
        writer.join()
    assert info.database_bytes > 0 and inspect_backup(tmp_path / "vault.mvbackup").device_id == services.vault.device_id

    home = tmp_path / "restored"
    report = restore_backup(tmp_path / "vault.mvbackup", home)
    assert report.replaced_kept_in is None
    restored = open_vault(fast_settings(home), PASSPHRASE, embedder, background=False)
    try:
        ids = {m.id for m in restored.memories.list(ALL, limit=1000).items}
        during = [i for i in written if i in ids]
        assert len(ids) == 50 + len(during)
        assert during == written[:len(during)]  # a prefix of the concurrent writes: a snapshot, not a mix
        assert restored.search.search(SearchQuery("before the backup 7", filter=MemoryFilter(namespace="n"))).hits
        assert restored.vault.device_id == services.vault.device_id
    finally:
        restored.close()


def test_a_backup_is_encrypted_under_the_same_passphrase(services, embedder, tmp_path):
    services.memories.create(MemoryCreate(content="a secret that must never be on disk in clear"))
    path = tmp_path / "b.mvbackup"
    services.backups.backup(path)
    data = path.read_bytes()
    assert b"a secret that must never" not in data and b"SQLite format 3" not in data
    restore_backup(path, tmp_path / "r")
    with pytest.raises(WrongPassphrase):
        open_vault(fast_settings(tmp_path / "r"), "not the passphrase", embedder, background=False)
    open_vault(fast_settings(tmp_path / "r"), PASSPHRASE, embedder, background=False).close()


def test_restore_refuses_to_replace_a_vault_unless_confirmed(services, embedder, tmp_path):
    services.memories.create(MemoryCreate(content="in the backup"))
    path = tmp_path / "b.mvbackup"
    services.backups.backup(path)
    home = tmp_path / "other"
    other = create_vault(
        fast_settings(home), "the other vault's passphrase", embedder, background=False)
    other.memories.create(MemoryCreate(content="only in the other vault"))
    other.close()
    before = {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()}
    with pytest.raises(VaultExists):
        restore_backup(path, home)
    assert {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()} == before
    report = restore_backup(path, home, replace=True)
    assert report.replaced_kept_in is not None
    assert {p.name for p in report.replaced_kept_in.iterdir()} >= {"vault.db", "vault.header"}
    restored = open_vault(fast_settings(home), PASSPHRASE, embedder, background=False)
    try:
        assert [m.content for m in restored.memories.list(ALL).items] == ["in the backup"]
    finally:
        restored.close()


@pytest.mark.parametrize("damage", ["truncate", "flip", "not a backup"])
def test_damaged_backups_are_refused_before_anything_changes(services, tmp_path, damage):
    path = tmp_path / "b.mvbackup"
    services.backups.backup(path)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0x10
    else:
        data = bytearray(b"PK\x03\x04" + bytes(data[4:]))
    path.write_bytes(bytes(data))
    home = tmp_path / "target"
    with pytest.raises(VaultCorrupt if damage != "not a backup" else InvalidInput):
        restore_backup(path, home, replace=True)
    assert not home.exists()


def test_scheduled_backups_keep_the_newest_and_wait_for_their_interval(services, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not ours")
    (folder / "other.mvbackup").write_text("not named by the schedule")
    now = [1_800_000_000.0]
    schedule = BackupSchedule(services.backups, folder, interval=3600, keep=2, wall=lambda: now[0])
    assert schedule.due_in() == 0  # no backup yet: due at once
    made = []
    for _ in range(4):
        made.append(schedule.run_once())
        now[0] += 3600
    assert schedule.existing() == made[-2:]  # the two newest kept, the older ones deleted
    assert {p.name for p in folder.iterdir()} == {"notes.txt", "other.mvbackup", *(p.name for p in made[-2:])}
    assert inspect_backup(made[-1]).database_bytes > 0
    now[0] = made[-1].stat().st_mtime + 600
    assert schedule.due_in() == pytest.approx(3000)
    assert schedule.step() == pytest.approx(3000) and schedule.existing() == made[-2:]  # not due: nothing written


def test_the_container_runs_the_schedule_when_a_folder_is_set(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(BackupSchedule, "FIRST_DELAY_SECONDS", 0.0)
    folder = tmp_path / "scheduled"
    svc = create_vault(fast_settings(tmp_path / "v", backup_folder=str(folder)), PASSPHRASE, embedder)
    try:
        assert svc.backup_schedule is not None and svc.background.is_running("scheduled-backup")
        wait_for(lambda: len(list(folder.glob("memvault-*.mvbackup"))) == 1)
        assert svc.backup_schedule.due_in() > 3600 * 23
    finally:
        svc.close()
    quiet = create_vault(fast_settings(tmp_path / "w"), PASSPHRASE, embedder)
    try:
        assert quiet.backup_schedule is None
    finally:
        quiet.close()
