"""A shared namespace over WebDAV (wsgidav on loopback) and a plain folder: the same files, the same checks."""

from __future__ import annotations

import pytest

from memvault.domain.errors import Forbidden
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.sync.targets.factory import TargetConfig
from tests.helpers.sync_servers import webdav_server

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind", ["webdav", "folder"])
def test_a_write_members_change_reaches_the_other_member(make_person, tmp_path, kind):
    root = tmp_path / "target"
    root.mkdir()
    with webdav_server(root) as url:
        (root / "shared").mkdir()  # the folder a WebDAV URL names exists (as on a real share)
        target = TargetConfig("webdav", url + "/shared") if kind == "webdav" else TargetConfig("folder", str(root))
        anna, ben = make_person("anna"), make_person("ben")
        anna.memories.create(MemoryCreate(namespace="ops", content="the pager rota is in the wiki"))
        info = anna.sharing.share("ops", with_key=ben.sharing.my_key(), role="write", target=target)
        ben.sharing.join(info.invite, target)
        # Anna's first cycle wrote a snapshot there; ben started from it (nothing refused).
        assert list(root.rglob("snapshots/*/*/0000000001")) and not ben.sharing.info("ops").refused
        ben.memories.create(MemoryCreate(namespace="ops", content="ben takes the night shift"))
        ben.sharing.sync_now()
        assert anna.sharing.sync_now().applied_segments == 1
        page = anna.memories.list(MemoryFilter(namespace="ops"))
        assert {m.content for m in page.items} == {"the pager rota is in the wiki", "ben takes the night shift"}
        assert any(p.is_file() for p in root.rglob("*"))


def test_a_members_wipe_of_the_namespace_waits_until_allowed(make_person, tmp_path):
    target = TargetConfig("folder", str(tmp_path / "shared"))
    anna, ben = make_person("anna"), make_person("ben")
    for i in range(60):
        anna.memories.create(MemoryCreate(namespace="ops", content=f"runbook step {i}"))
    info = anna.sharing.share("ops", with_key=ben.sharing.my_key(), role="write", target=target)
    ben.sharing.join(info.invite, target)
    assert ben.memories.count(MemoryFilter(namespace="ops")) == 60
    ben.lifecycle.wipe_namespace("ops", confirm="ops")
    ben.sharing.sync_now()
    result = anna.sharing.sync_now()
    assert anna.memories.count(MemoryFilter(namespace="ops")) == 60
    assert any("would remove 60 of 60 memories" in p and "--allow-mass-delete" in p for p in result.problems)
    anna.sharing.sync_now(allow_mass_delete=True)
    assert anna.memories.count(MemoryFilter(namespace="ops")) == 0


def test_a_segment_written_before_a_crash_keeps_the_chain(make_person, tmp_path):
    from memvault.sharing.engine import cursors_key
    from memvault.vault import sync_store

    target = TargetConfig("folder", str(tmp_path / "shared"))
    anna, ben = make_person("anna"), make_person("ben")
    info = anna.sharing.share("ops", with_key=ben.sharing.my_key(), role="write", target=target)
    ben.sharing.join(info.invite, target)
    share = info.share_id
    with ben.vault.db.read() as conn:
        before = sync_store.get_setting(conn, cursors_key(share))
    ben.memories.create(MemoryCreate(namespace="ops", content="sent just before the crash"))
    ben.sharing.sync_now()
    with ben.vault.db.write() as conn:  # the crash: the segment is on the target, its number not recorded
        if before is None:
            sync_store.delete_settings(conn, cursors_key(share))
        else:
            sync_store.set_setting(conn, cursors_key(share), before)
    ben.memories.create(MemoryCreate(namespace="ops", content="sent after the restart"))
    result = ben.sharing.sync_now()
    assert result.problems == ()
    anna.sharing.sync_now()
    page = anna.memories.list(MemoryFilter(namespace="ops"))
    assert {m.content for m in page.items} == {"sent just before the crash", "sent after the restart"}
    assert anna.sharing.info("ops").refused == ()


def test_membership_entries_deleted_on_the_target_are_written_back(make_person, tmp_path):
    root = tmp_path / "shared"
    target = TargetConfig("folder", str(root))
    anna, ben, cara = make_person("anna"), make_person("ben"), make_person("cara")
    info = anna.sharing.share("ops", with_key=ben.sharing.my_key(), role="write", target=target)
    anna.sharing.share("ops", with_key=cara.sharing.my_key(), role="write")
    ben.sharing.join(info.invite, target)
    anna.sharing.remove("ops", cara.sharing.my_key())
    ben.sharing.sync_now()
    entries = sorted((root / info.share_id / "roster").iterdir())
    assert len(entries) == 4  # create, add ben, add cara, remove cara
    for entry in entries:  # the operator rolls the membership back to nothing
        entry.unlink()
    ben.sharing.sync_now()
    assert len(list((root / info.share_id / "roster").iterdir())) == 4
    members = {m.key: m.role for m in ben.sharing.info("ops").members}
    assert members == {anna.sharing.my_key(): "admin", ben.sharing.my_key(): "write"}
    # Cara, removed, cannot join again from the restored files.
    with pytest.raises(Forbidden):
        cara_again = make_person("cara-again")
        cara_again.sharing.import_key_file(cara.sharing.export_key_file("cara's key file"), "cara's key file")
        cara_again.sharing.join(info.invite, target)


def test_files_planted_larger_than_members_write_are_refused_unread(make_person, tmp_path):
    """The storage may plant a file of any size where members read: a membership entry or a segment larger than
    any a member writes is reported and never read into memory (2 GB, sparse on disk)."""
    import os

    root = tmp_path / "shared"
    target = TargetConfig("folder", str(root))
    anna, ben = make_person("anna"), make_person("ben")
    info = anna.sharing.share("ops", with_key=ben.sharing.my_key(), role="write", target=target)
    ben.sharing.join(info.invite, target)
    roster_dir = next(root.rglob("roster"))
    planted_entry = roster_dir / ("ab" * 32)
    with open(planted_entry, "wb") as fh:
        fh.truncate(2 << 30)
    ben.memories.create(MemoryCreate(namespace="ops", content="sent by ben"))
    ben.sharing.sync_now()
    ben_segment = next(p for p in root.rglob("ops/*/*/*") if p.is_file())
    planted_segment = ben_segment.with_name(f"{int(ben_segment.name) + 1:010d}")
    with open(planted_segment, "wb") as fh:
        fh.truncate(2 << 30)
    result = anna.sharing.sync_now()
    assert any("holds more than 1,048,576 bytes" in p for p in result.problems), result.problems
    assert any(planted_segment.name in r and "holds more than 67,108,864 bytes" in r for r in result.refused), \
        result.refused
    assert {m.content for m in anna.memories.list(MemoryFilter(namespace="ops")).items} == {"sent by ben"}
    os.remove(planted_entry)
    os.remove(planted_segment)


def test_a_share_segment_stays_under_the_size_readers_take(make_person, tmp_path):
    """2,000 long memories went out as one file; now a segment ends once it passes 8 MiB, as device sync's do."""
    root = tmp_path / "shared"
    target = TargetConfig("folder", str(root))
    anna, ben = make_person("anna"), make_person("ben")
    info = anna.sharing.share("ops", with_key=ben.sharing.my_key(), role="write", target=target)
    ben.sharing.join(info.invite, target)
    long_text = "a long runbook line, " * 2_300  # ~48,000 characters
    ben.memories.create_batch([MemoryCreate(namespace="ops", content=f"{i}: {long_text}") for i in range(100)])
    ben.memories.create_batch([MemoryCreate(namespace="ops", content=f"{i + 100}: {long_text}") for i in range(100)])
    ben.sharing.sync_now()
    segments = [p for p in root.rglob("ops/*/*/*") if p.is_file()]
    assert len(segments) >= 2 and max(p.stat().st_size for p in segments) < 12 << 20
    anna.sharing.sync_now()
    assert anna.memories.count(MemoryFilter(namespace="ops")) == 200


def test_sharing_no_namespace_says_so_and_writes_nothing(make_person, tmp_path):
    """The Share dialog's Enter with its namespace empty read "namespace '' is not shared yet: give a target"."""
    from memvault.domain.errors import InvalidInput

    anna = make_person("anna")
    for name in ("", " team"):
        with pytest.raises(InvalidInput, match="^namespace must be") as refused:
            anna.sharing.share(name, role="read", target=TargetConfig("folder", str(tmp_path / "t")))
        assert refused.value.details["field"] == "namespace"
    assert not (tmp_path / "t").exists()
