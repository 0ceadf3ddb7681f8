"""The storage deletes files, all of them or one device's, and a device that joins afterwards must get every memory,
with the loss reported (the threat model: "make an acknowledged change vanish without a report"). Before, the
devices wrote back the key file and nothing else, and a new device joined an empty group in silence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from memvault.sync import snapshots
from memvault.sync.targets.factory import TargetConfig
from tests.helpers.sync_hostile import SECRET, Storage, assert_converged, contents, repaired, rounds, write
from tests.helpers.sync_servers import webdav_server
from tests.integration.sync.conftest import SYNC_PASSPHRASE

MEMORIES = [f"{SECRET} {n}" for n in range(8)]


def _two_in_sync(make_vault, config):
    a, b = make_vault("a"), make_vault("b")
    for text in MEMORIES:
        write(a, text)
    a.sync.setup(config, SYNC_PASSPHRASE)
    b.sync.setup(config, SYNC_PASSPHRASE)
    rounds(a, b, times=2)
    assert contents(b) == MEMORIES
    return a, b


def _wipe(root: Path) -> None:
    """``rm -rf root/*``."""
    for path in root.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _lost(results, who: str) -> bool:
    return any("the target had lost files" in r and who in r and "written again" in r for r in repaired(results))


def test_a_target_wiped_of_everything_is_written_again_and_a_new_device_gets_every_memory(make_vault, tmp_path):
    """The reporter's steps, through a WebDAV server: two devices in sync, then everything under the target
    deleted; both sync; a third device joins."""
    (tmp_path / "dav" / "mv").mkdir(parents=True)
    with webdav_server(tmp_path / "dav") as url:
        config = TargetConfig("webdav", f"{url}/mv")
        a, b = _two_in_sync(make_vault, config)
        _wipe(tmp_path / "dav" / "mv")
        after_a = a.sync.sync_now()
        assert any("key file was missing" in p for p in after_a.problems), after_a
        assert _lost([after_a], "this device's, up to its segment"), after_a
        assert any("this device's record" in r and "was gone from the target: written again" in r
                   for r in after_a.repaired), after_a
        after_b = b.sync.sync_now()
        assert after_b.problems == () and any("this device's record" in r for r in after_b.repaired), after_b
        # Said in the status too, after a later cycle that had nothing to repair (the background loop's).
        a.sync.sync_now()
        status = a.sync.status()
        assert any("the target had lost files" in r and "(at " in r for r in status.repaired), status
        c = make_vault("c")
        c.sync.setup(config, SYNC_PASSPHRASE)
        c.sync.sync_now()
        assert contents(c) == MEMORIES
        assert {d.device_id for d in a.sync.devices()} >= {a.vault.device_id, b.vault.device_id}
        rounds(a, b, c)
        assert_converged(Storage(config), a, b, c, expected=MEMORIES)


def test_a_wiped_target_is_written_again_by_a_device_that_had_read_it_while_the_writer_is_offline(make_vault,
                                                                                                  tmp_path):
    config = TargetConfig("folder", str(tmp_path / "target"))
    a, b = _two_in_sync(make_vault, config)
    _wipe(tmp_path / "target")
    after_b = b.sync.sync_now()  # a does not sync again
    assert _lost([after_b], f"device {a.vault.device_id[:8]}'s, up to its segment"), after_b
    assert after_b.problems == ("the key file was missing on the target: this device wrote back the one it had "
                                "accepted",)
    c = make_vault("c")
    c.sync.setup(config, SYNC_PASSPHRASE)
    c.sync.sync_now()
    assert contents(c) == MEMORIES


def test_one_devices_files_deleted_are_written_again_by_the_device_that_read_them_and_by_their_writer(make_vault,
                                                                                                     tmp_path):
    """Only a's files go (its segments, snapshots and record); b puts a's changes back while a is offline, a new
    device gets them, and a, back, says its record was gone and writes it again."""
    config = TargetConfig("folder", str(tmp_path / "target"))
    a, b = _two_in_sync(make_vault, config)
    storage = Storage(config)
    for kind in ("ops", "snapshots"):
        for name in storage.target.list(f"{storage.group}/{kind}/{a.vault.device_id}/"):
            storage.target.delete(name)
    storage.target.delete(f"{storage.group}/devices/{a.vault.device_id}")
    after_b = b.sync.sync_now()
    assert _lost([after_b], f"device {a.vault.device_id[:8]}'s") and after_b.problems == (), after_b
    c = make_vault("c")
    c.sync.setup(config, SYNC_PASSPHRASE)
    c.sync.sync_now()
    assert contents(c) == MEMORIES
    after_a = a.sync.sync_now()
    assert any("this device's record" in r and "was gone" in r for r in after_a.repaired), after_a
    assert after_a.problems == ()
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=MEMORIES)
    assert a.vault.device_id in {d.device_id for d in c.sync.devices() if d.last_seen}


def test_nothing_is_said_lost_or_written_again_while_the_target_keeps_its_files(make_vault, tmp_path, monkeypatch):
    """Snapshots and compaction move and delete files all the time: none of it is taken for a loss."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_SEGMENTS", 2)
    config = TargetConfig("folder", str(tmp_path / "target"))
    a, b, c = make_vault("a"), make_vault("b"), make_vault("c")
    for s in (a, b, c):
        s.sync.setup(config, SYNC_PASSPHRASE)
    results = []
    for n in range(6):
        write((a, b, c)[n % 3], f"{SECRET} {n}")
        results += rounds(a, b, c, times=2)
    late = make_vault("late")
    late.sync.setup(config, SYNC_PASSPHRASE)
    results += rounds(a, b, c, late, times=2)
    assert list((tmp_path / "target").glob(f"*/snapshots/{a.vault.device_id}/*"))  # it did compact
    assert repaired(results) == [] and all(r.problems == () for r in results), repaired(results)
    assert contents(late) == sorted(f"{SECRET} {n}" for n in range(6))


@pytest.mark.parametrize("kind", ["snapshots", "ops"])
def test_a_compacted_devices_snapshot_or_remaining_segments_deleted(make_synced, tmp_path, monkeypatch, kind):
    """After compaction a device's changes are in its snapshot and its newest segments: the storage deletes
    either; the device notices on its next cycle (no reader has to be stuck first) and writes a snapshot again."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_SEGMENTS", 2)
    a, b = make_synced("a", "b")
    for n in range(5):
        write(a, f"{SECRET} {n}")
        rounds(a, b)
    storage = Storage(TargetConfig("folder", str(tmp_path / "target")))  # where make_synced keeps it
    assert storage.seqs(a.vault.device_id)[0] > 1  # compacted: the first ones are only in the snapshot
    for name in storage.target.list(f"{storage.group}/{kind}/{a.vault.device_id}/"):
        storage.target.delete(name)
    told = a.sync.sync_now()
    assert _lost([told], "this device's"), told
    late, = make_synced("late")
    late.sync.sync_now()
    assert contents(late) == sorted(f"{SECRET} {n}" for n in range(5))
