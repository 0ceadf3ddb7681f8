"""A party that can write the target but does not know the sync passphrase: one test per attack. Each checks
that the attack is refused and reported, that no key it chose is adopted, that nothing an honest device wrote is
lost or readable on the target, and that the honest devices still converge."""

from __future__ import annotations

import base64
import os

import pytest

from memvault.crypto import recipients
from memvault.domain.errors import DecryptionFailed, SyncError, SyncKeyError
from memvault.sync.targets.factory import TargetConfig
from tests.helpers.sync_hostile import (SECRET, Storage, assert_converged, contents, problems, repaired, rounds,
                                       write)
from tests.helpers.sync_servers import S3_CREDENTIALS, make_bucket, s3_server, webdav_server
from tests.integration.sync.conftest import SYNC_PASSPHRASE

NEW = "a brand new sync passphrase"
# Three vaults per test and a few S3/WebDAV servers: about 40 s in all.
pytestmark = pytest.mark.slow


def _group(make_vault, config):
    a, b, c = make_vault("a"), make_vault("b"), make_vault("c")
    write(a, f"{SECRET} from a")
    for s in (a, b, c):
        s.sync.setup(config, SYNC_PASSPHRASE)
    rounds(a, b, c, times=1)
    return a, b, c, Storage(config)


@pytest.fixture
def folder(tmp_path):
    return TargetConfig("folder", str(tmp_path / "target"))


@pytest.fixture
def group(make_vault, folder):
    return _group(make_vault, folder)


def _keys(*devices):
    return [sorted(d.sync._engine().ring.keys.items()) for d in devices]


def _refused_key_file(storage, b, before_keys, needle="refused"):
    result = b.sync.sync_now()
    assert any(f"{storage.group}/key" in p and needle in p for p in result.problems), result.problems
    assert _keys(b) == before_keys
    return result


def test_grant_injection_with_the_public_recipient_key(group):
    a, b, c, storage = group
    before = _keys(b)
    chosen = os.urandom(32)
    outer, doc = storage.key_doc()
    # b's bundle recipient key is public (mvpub1…), and its sync wrapping key is in the key file: grant to both.
    bundle_key = recipients.public_key_from_text(b.bundles.recipient_key())
    doc["grants"]["99"] = {b.vault.device_id: base64.b64encode(recipients.wrap_for_recipient(
        chosen, bytes.fromhex(doc["devices"][b.vault.device_id]["wrap"]), protocol=recipients.SYNC)).decode()}
    doc["grants"]["98"] = {b.vault.device_id: base64.b64encode(
        recipients.wrap_for_recipient(chosen, bundle_key)).decode()}
    storage.set_key_doc(outer, doc)
    _refused_key_file(storage, b, before)
    assert chosen not in dict(b.sync._engine().ring.keys).values()
    write(b, f"{SECRET} from b")
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} from a", f"{SECRET} from b"])


def test_a_bundle_stanza_does_not_open_as_a_sync_grant():
    pair = recipients.generate_key_pair()
    stanza = recipients.wrap_for_recipient(os.urandom(32), pair.public)
    with pytest.raises(DecryptionFailed):
        recipients.unwrap_with_private(stanza, pair.private, protocol=recipients.SYNC)


def test_an_edited_removed_list(group):
    a, b, c, storage = group
    before = _keys(b)
    outer, doc = storage.key_doc()
    doc["removed"] = [a.vault.device_id]
    storage.set_key_doc(outer, doc)
    _refused_key_file(storage, b, before)
    write(a, f"{SECRET} after the edit")
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} after the edit", f"{SECRET} from a"])
    assert a.vault.device_id not in b.sync._engine().ring.removed


def test_a_kdf_downgrade(group, make_vault, folder):
    a, b, c, storage = group
    before = _keys(b)
    outer, doc = storage.key_doc()
    doc["kdf"]["memory_kib"] = 1024 if doc["kdf"]["memory_kib"] != 1024 else 2048
    doc["kdf"]["iterations"] = 1 if doc["kdf"]["iterations"] != 1 else 2
    storage.set_key_doc(outer, doc)
    late = make_vault("late")
    with pytest.raises(SyncKeyError):  # the parameters are bound to every wrapped generation
        late.sync.setup(folder, SYNC_PASSPHRASE)
    _refused_key_file(storage, b, before)  # and b writes back the one it accepted
    late.sync.setup(folder, SYNC_PASSPHRASE)
    rounds(a, b, c, late)
    assert_converged(storage, a, b, c, late, expected=[f"{SECRET} from a"])


def _unread_segments(storage, writer, reader, texts):
    """``writer`` sends one segment per text that ``reader`` has not read yet; their numbers."""
    numbers = []
    for text in texts:
        write(writer, text)
        writer.sync.sync_now()
        numbers.append(storage.seqs(writer.vault.device_id)[-1])
    return numbers


def _writer_learns_and_reader_goes_on(storage, a, b, c, expected, reported):
    first = b.sync.sync_now()
    assert any(reported in p for p in first.problems + first.waiting), (first.problems, first.waiting)
    later = rounds(a, b, c)
    # The writer heard that a reader could not read its file, and wrote a snapshot that covers it: said as done.
    assert any("cannot read this device's segment" in p and "a snapshot covering it was written now" in p
               for p in repaired(later)), repaired(later)
    assert not any("cannot read this device's segment" in p for p in problems(later))
    assert_converged(storage, a, b, c, expected=expected)
    assert not rounds(a, b, c, times=1)[1].problems


def test_a_replayed_segment(group):
    a, b, c, storage = group
    first, second = _unread_segments(storage, a, b, [f"{SECRET} 1", f"{SECRET} 2"])
    storage.target.put(storage.ops(a.vault.device_id, second), storage.target.get(storage.ops(a.vault.device_id,
                                                                                              first)))
    _writer_learns_and_reader_goes_on(storage, a, b, c, [f"{SECRET} 1", f"{SECRET} 2", f"{SECRET} from a"],
                                      "another file")


def test_a_deleted_segment(group):
    a, b, c, storage = group
    first, _ = _unread_segments(storage, a, b, [f"{SECRET} 1", f"{SECRET} 2"])
    storage.target.delete(storage.ops(a.vault.device_id, first))
    _writer_learns_and_reader_goes_on(storage, a, b, c, [f"{SECRET} 1", f"{SECRET} 2", f"{SECRET} from a"],
                                      "missing")


def test_a_truncated_segment(group):
    a, b, c, storage = group
    first, _ = _unread_segments(storage, a, b, [f"{SECRET} 1", f"{SECRET} 2"])
    name = storage.ops(a.vault.device_id, first)
    storage.target.put(name, storage.target.get(name)[:-100])
    _writer_learns_and_reader_goes_on(storage, a, b, c, [f"{SECRET} 1", f"{SECRET} 2", f"{SECRET} from a"],
                                      "incomplete")


def test_swapped_segments_of_two_devices(group):
    a, b, c, storage = group
    (from_a,) = _unread_segments(storage, a, b, [f"{SECRET} a1"])
    (from_c,) = _unread_segments(storage, c, b, [f"{SECRET} c1"])
    one, other = storage.ops(a.vault.device_id, from_a), storage.ops(c.vault.device_id, from_c)
    data_one, data_other = storage.target.get(one), storage.target.get(other)
    storage.target.put(one, data_other)
    storage.target.put(other, data_one)
    first = b.sync.sync_now()
    assert sum("another file" in p for p in first.problems) == 2
    rounds(a, b, c, times=4)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} a1", f"{SECRET} c1", f"{SECRET} from a"])


def test_rolled_back_segments(group):
    a, b, c, storage = group
    first, second = _unread_segments(storage, a, b, [f"{SECRET} 1", f"{SECRET} 2"])
    for seq in (first, second):  # the target goes back to how it was before both
        storage.target.delete(storage.ops(a.vault.device_id, seq))
    looked = b.sync.sync_now()
    assert looked.problems == ()  # nothing to refuse; but a's signed record says it wrote more than is there:
    assert any("says it wrote up to" in w for w in looked.waiting), looked  # b waits, and asks a for a snapshot
    write(a, f"{SECRET} 3")
    a.sync.sync_now()
    b.sync.sync_now()
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} 1", f"{SECRET} 2", f"{SECRET} 3",
                                                 f"{SECRET} from a"])


def test_a_rolled_back_key_file(group, make_vault, folder):
    a, b, c, storage = group
    old = storage.key()
    a.sync.change_passphrase(SYNC_PASSPHRASE, NEW)
    write(a, f"{SECRET} after the new passphrase")
    rounds(a, b, c, times=1)
    before = _keys(b)
    storage.set_key(old)
    _refused_key_file(storage, b, before, needle="rolled back")
    assert storage.key() != old  # b wrote back the file it had accepted
    storage.set_key(old)
    late = make_vault("late")
    late.sync.setup(folder, SYNC_PASSPHRASE)  # the old file opens with the old passphrase...
    assert f"{SECRET} after the new passphrase" not in contents(late)  # ...but not what came after it
    write(late, "from a device that joined a rolled-back key file")
    late.sync.sync_now()
    refused = _refused_key_file(storage, b, before, needle="no member vouched")
    result = b.sync.sync_now()
    assert any(late.vault.device_id[:8] in p and "in no sync key file" in p for p in refused.problems + result.problems)
    listed = {d.device_id: d for d in b.sync.devices()}
    assert listed[late.vault.device_id].unknown and not listed[a.vault.device_id].unknown
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} after the new passphrase", f"{SECRET} from a"])


def test_a_forged_file(group):
    a, b, c, storage = group
    storage.target.put(f"{storage.group}/ops/{'0' * 8}-0000-4000-8000-{'0' * 12}/0000000001", os.urandom(900))
    storage.target.put(storage.ops(a.vault.device_id, storage.seqs(a.vault.device_id)[-1] + 5), os.urandom(900))
    result = b.sync.sync_now()
    assert result.problems
    write(a, f"{SECRET} later")
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} from a", f"{SECRET} later"])


def test_one_byte_flipped(group, make_vault, folder):
    a, b, c, storage = group
    (seq,) = _unread_segments(storage, a, b, [f"{SECRET} 1"])
    name = storage.ops(a.vault.device_id, seq)
    flipped = bytearray(storage.target.get(name))
    flipped[len(flipped) // 2] ^= 1
    storage.target.put(name, bytes(flipped))
    key = bytearray(storage.key())
    key[len(key) // 3] ^= 1
    storage.set_key(bytes(key))
    result = b.sync.sync_now()
    assert any(name in p for p in result.problems) and any("/key" in p for p in result.problems)
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} 1", f"{SECRET} from a"])
    make_vault("late").sync.setup(folder, SYNC_PASSPHRASE)  # the key file was written back whole


def test_a_forged_next_sequence_number(group):
    a, b, c, storage = group
    b_id = b.vault.device_id
    write(b, f"{SECRET} from b, not sent yet")
    nxt = (storage.seqs(b_id) or [0])[-1] + 1
    storage.target.put(storage.ops(b_id, nxt), storage.target.get(storage.ops(a.vault.device_id,
                                                                              storage.seqs(a.vault.device_id)[0])))
    result = b.sync.sync_now()
    assert any("was not written by this device" in p for p in result.problems)
    assert result.pushed_ops > 0  # the outbox went out under the next number, not dropped
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} from a", f"{SECRET} from b, not sent yet"])


def test_an_old_generation_forgery_by_a_removed_device(group):
    a, b, c, storage = group
    c_engine = c.sync._engine()
    a.sync.remove_device(c.vault.device_id, SYNC_PASSPHRASE, NEW)
    rounds(a, b)
    # c still holds generation 1 and its own signing key: it writes in a's name and in its own.
    from memvault.sync.segments import SegmentHeader, write_file
    seq = int(a.sync._setting("sync_next_segment"))
    forged = write_file(SegmentHeader(storage.group, a.vault.device_id, "ops", seq, 1), c_engine.ring.keys[1],
                        {"first": 1, "last": 1, "count": 0, "prev": [seq - 1, ""]}, [], c_engine.me.sign_private)
    storage.target.put(storage.ops(a.vault.device_id, seq), forged)
    write(c, "from the removed device")
    c_engine.push(c_engine.new_report())
    result = b.sync.sync_now()
    assert any("signature is not device" in p for p in result.problems)
    assert any("which was removed" in p for p in result.problems)
    write(a, f"{SECRET} after the removal")
    rounds(a, b)
    assert_converged(storage, a, b, expected=[f"{SECRET} after the removal", f"{SECRET} from a"])
    assert 2 not in c_engine.ring.keys
    assert b.sync.sync_now().problems == ()  # reported once, not on every cycle from now on


def test_the_snapshot_that_holds_what_a_removed_device_wrote_is_withheld(group):
    a, b, c, storage = group
    write(c, f"{SECRET} from c before its removal")
    c.sync.sync_now()
    a.sync.sync_now()  # b has not read it
    a.sync.remove_device(c.vault.device_id, SYNC_PASSPHRASE)
    a.sync.sync_now()
    prefix = f"{storage.group}/snapshots/{a.vault.device_id}/"
    withheld = {name: storage.target.get(name) for name in storage.target.list(prefix)}
    for name in withheld:
        storage.target.delete(name)
    first, second = b.sync.sync_now(), b.sync.sync_now()
    assert any("before it was removed" in p and "missing on the target" in p for p in first.problems), first.problems
    assert not any("before it was removed" in p for p in second.problems)  # reported once, not every cycle
    assert f"{SECRET} from c before its removal" not in contents(b)
    for name, data in withheld.items():
        storage.target.put(name, data)
    result = b.sync.sync_now()
    assert any("applied what device" in p for p in result.problems), result.problems
    rounds(a, b)
    assert_converged(storage, a, b, expected=[f"{SECRET} from a", f"{SECRET} from c before its removal"])


def test_a_removed_device_rejoining_with_the_passphrase(group, folder):
    a, b, c, storage = group
    a.sync.remove_device(c.vault.device_id, SYNC_PASSPHRASE)
    write(a, f"{SECRET} after the removal")
    rounds(a, b)
    c.sync.off()
    with pytest.raises(SyncKeyError, match="removed"):
        c.sync.setup(folder, SYNC_PASSPHRASE)
    a.sync.change_passphrase(SYNC_PASSPHRASE, NEW)
    with pytest.raises(SyncKeyError):  # the old passphrase opens nothing of the new file
        c.sync.setup(folder, SYNC_PASSPHRASE)
    with pytest.raises(SyncKeyError, match="removed"):  # and with the new one, not under its old id
        c.sync.setup(folder, NEW)
    assert f"{SECRET} after the removal" not in contents(c)
    rounds(a, b)
    assert_converged(storage, a, b, expected=[f"{SECRET} after the removal", f"{SECRET} from a"])


def test_a_deleted_key_file(group, make_vault, folder):
    a, b, c, storage = group
    storage.target.delete(f"{storage.group}/key")
    late = make_vault("late")
    with pytest.raises(SyncError, match="without its key file"):
        late.sync.setup(folder, SYNC_PASSPHRASE)  # not a second group in the same folder
    result = b.sync.sync_now()
    assert any("key file was missing" in p for p in result.problems)
    late.sync.setup(folder, SYNC_PASSPHRASE)
    rounds(a, b, c, late)
    assert_converged(storage, a, b, c, late, expected=[f"{SECRET} from a"])


@pytest.fixture(scope="module")
def s3_endpoint():
    pytest.importorskip("boto3")
    with s3_server() as endpoint:
        yield endpoint


def test_grant_injection_through_s3(make_vault, s3_endpoint, tmp_path):
    bucket = f"hostile-{tmp_path.name.lower().replace('_', '-')[-30:]}"
    make_bucket(s3_endpoint, bucket)
    config = TargetConfig("s3", f"s3://{bucket}/memvault", s3_endpoint, dict(S3_CREDENTIALS))
    a, b, c, storage = _group(make_vault, config)
    outer, doc = storage.key_doc()
    doc["grants"]["7"] = {b.vault.device_id: base64.b64encode(recipients.wrap_for_recipient(
        os.urandom(32), bytes.fromhex(doc["devices"][b.vault.device_id]["wrap"]), protocol=recipients.SYNC)).decode()}
    storage.set_key_doc(outer, doc)
    _refused_key_file(storage, b, _keys(b))
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} from a"])


def test_a_flipped_byte_through_webdav(make_vault, tmp_path):
    (tmp_path / "dav").mkdir()
    with webdav_server(tmp_path / "dav") as url:
        a, b, c, storage = _group(make_vault, TargetConfig("webdav", url))
        (seq,) = _unread_segments(storage, a, b, [f"{SECRET} 1"])
        name = storage.ops(a.vault.device_id, seq)
        flipped = bytearray(storage.target.get(name))
        flipped[-10] ^= 1
        storage.target.put(name, bytes(flipped))
        assert any(name in p for p in b.sync.sync_now().problems)
        rounds(a, b, c)
        assert_converged(storage, a, b, c, expected=[f"{SECRET} 1", f"{SECRET} from a"])


def test_a_rolled_back_snapshot_after_compaction(group, make_vault, folder):
    """The storage swaps a device's newest snapshot for an older copy once its segments were compacted away: a
    device that joins then must not settle for the old state. It reads that the writer published more than
    the target holds, says so, and the writer, told, writes its snapshot again."""
    from memvault.sync import snapshots

    a, b, c, storage = group
    engine = a.sync._engine()
    prefix = f"{storage.group}/snapshots/{a.vault.device_id}/"
    snapshots.write_snapshot(engine)
    rounds(a, b, c)
    old = {name: storage.target.get(name) for name in storage.target.list(prefix)}
    write(a, f"{SECRET} after the old snapshot")
    rounds(a, b, c)
    snapshots.write_snapshot(engine)
    rounds(a, b, c)
    snapshots.compact(engine)
    assert storage.seqs(a.vault.device_id) == []  # every segment of a's is covered and gone
    for name in storage.target.list(prefix):  # the rollback
        storage.target.delete(name)
    for name, data in old.items():
        storage.target.put(name, data)
    d = make_vault("d")
    d.sync.setup(folder, SYNC_PASSPHRASE)
    first = d.sync.sync_now()
    assert any(a.vault.device_id[:8] in w and "rolled back" in w for w in first.waiting + first.problems), first
    told = a.sync.sync_now()
    assert any("snapshot" in p and "written again" in p for p in told.repaired), told
    rounds(a, b, c, d)
    assert_converged(storage, a, b, c, d, expected=[f"{SECRET} after the old snapshot", f"{SECRET} from a"])


def test_a_padded_snapshot_is_read_no_further_than_its_header_states(group, make_vault, folder):
    """A snapshot has no size cap (it holds a whole vault), so the storage pads one with a quarter of a gigabyte
    (sparse here) after a's segments were compacted away. A joining device reads no further than the size the
    snapshot's authenticated header states, refuses it and says so; a, told, writes it again."""
    from pathlib import Path

    from memvault.sync import snapshots

    a, b, c, storage = group
    write(a, f"{SECRET} in the snapshot")
    rounds(a, b, c)
    snapshots.write_snapshot(a.sync._engine())
    rounds(a, b, c)
    snapshots.compact(a.sync._engine())
    assert storage.seqs(a.vault.device_id) == []
    (name,) = storage.target.list(f"{storage.group}/snapshots/{a.vault.device_id}/")
    path = Path(folder.location) / name
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size + (256 << 20))
    d = make_vault("d")
    d.sync.setup(folder, SYNC_PASSPHRASE)
    first = d.sync.sync_now()
    assert any(f"holds more than the {size:,} bytes its header states" in p for p in first.problems), first.problems
    assert f"{SECRET} in the snapshot" not in contents(d)
    told = a.sync.sync_now()
    assert any("no longer reads as written" in p and "written again" in p for p in told.repaired), told
    rounds(a, b, c, d)
    assert_converged(storage, a, b, c, d, expected=[f"{SECRET} from a", f"{SECRET} in the snapshot"])


def test_a_devices_whole_folder_deleted_before_another_joins(group, make_vault, folder):
    """The storage deletes every segment and snapshot of a's: a device that joins then must not settle for an
    empty group. a's signed record says what it wrote, and the joiner says so; b, which had read it all, puts it
    back in a snapshot of its own, and the joiner gets it from there while a is offline."""
    a, b, c, storage = group
    write(a, f"{SECRET} 1")
    rounds(a, b, c)
    for kind in ("ops", "snapshots"):
        for name in storage.target.list(f"{storage.group}/{kind}/{a.vault.device_id}/"):
            storage.target.delete(name)
    d = make_vault("d")
    d.sync.setup(folder, SYNC_PASSPHRASE)
    first = d.sync.sync_now()
    assert any(a.vault.device_id[:8] in w and "says it wrote up to" in w for w in first.waiting + first.problems), \
        first
    told = b.sync.sync_now()
    assert told.problems == ()  # b read it all already: nothing of it is missing there; and it puts it back
    assert any(f"device {a.vault.device_id[:8]}'s, up to its segment" in r and "written again" in r
               for r in told.repaired), told
    caught_up = d.sync.sync_now()  # a has not synced since
    assert contents(d) == [f"{SECRET} 1", f"{SECRET} from a"], caught_up
    assert any(f"from device {b.vault.device_id[:8]}'s snapshot" in r for r in caught_up.repaired), caught_up
    rounds(a, b, c, d)
    assert_converged(storage, a, b, c, d, expected=[f"{SECRET} 1", f"{SECRET} from a"])


def test_a_device_set_up_again_after_its_files_were_deleted_numbers_on_from_what_the_others_read(group, folder):
    """Every file of a's is gone; the user turns sync off and on again on a. Its segments must not start again
    at 1, which the others have read already and would pass over for good."""
    a, b, c, storage = group
    for i in range(3):
        write(a, f"{SECRET} {i}")
        rounds(a, b, c)
    for kind in ("ops", "snapshots"):
        for name in storage.target.list(f"{storage.group}/{kind}/{a.vault.device_id}/"):
            storage.target.delete(name)
    a.sync.off()
    a.sync.setup(folder, SYNC_PASSPHRASE)
    write(a, f"{SECRET} after setting up again")
    rounds(a, b, c, times=4)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} {i}" for i in range(3)]
                     + [f"{SECRET} after setting up again", f"{SECRET} from a"])


def test_files_larger_than_sync_writes_are_refused_unread(group, folder):
    """A huge file planted at a member's next segment number and over the key file: each is refused by its size
    (sparse here: a real one would otherwise be read whole into memory on every cycle) and routed around."""
    from pathlib import Path

    from memvault.sync.targets.base import SEGMENT_MAX_BYTES, SMALL_FILE_MAX_BYTES

    a, b, c, storage = group
    (seq,) = _unread_segments(storage, a, b, [f"{SECRET} 1"])
    root = Path(folder.location)
    for name, size in ((storage.ops(a.vault.device_id, seq), SEGMENT_MAX_BYTES), (f"{storage.group}/key",
                                                                                   SMALL_FILE_MAX_BYTES)):
        path = root / name
        path.unlink()
        with path.open("wb") as file:
            file.truncate(size + 1)
    looked = b.sync.sync_now()
    assert any("ops" in p and "holds more than" in p for p in looked.problems), looked.problems
    assert any("/key" in p and "holds more than" in p for p in looked.problems), looked.problems
    _writer_learns_and_reader_goes_on(storage, a, b, c, [f"{SECRET} 1", f"{SECRET} from a"], "holds more than")


def test_a_huge_key_file_is_refused_unread_by_a_device_setting_up(group, make_vault, folder):
    """Setting up reads the key file before any cycle does: a planted one of any size is refused by its size there
    too (setup fails with the reason and nothing is half set up)."""
    from pathlib import Path

    from memvault.domain.errors import DamagedData
    from memvault.sync.targets.base import SMALL_FILE_MAX_BYTES

    a, b, c, storage = group
    path = Path(folder.location) / f"{storage.group}/key"
    kept = path.read_bytes()
    path.unlink()
    with path.open("wb") as file:
        file.truncate(SMALL_FILE_MAX_BYTES + 1)
    d = make_vault("d")
    with pytest.raises(DamagedData, match="holds more than 1,048,576 bytes"):
        d.sync.setup(folder, SYNC_PASSPHRASE)
    assert not d.sync.status().enabled
    path.write_bytes(kept)
    d.sync.setup(folder, SYNC_PASSPHRASE)
    rounds(a, b, c, d)
    assert_converged(storage, a, b, c, d, expected=[f"{SECRET} from a"])


def test_files_under_an_id_in_no_key_file_are_reported_once_and_never_read(group):
    """Garbage planted under a made-up device id made every cycle fail (exit 1) for good, saying only "refused"."""
    a, b, c, storage = group
    stranger = "11111111-2222-4333-8444-555555555555"
    storage.target.put(storage.ops(stranger, 1), os.urandom(5000))
    first = b.sync.sync_now()
    assert [p for p in first.problems if stranger[:8] in p] == [
        f"ignored {storage.group}/ops/{stranger}/ (segments up to 1): {stranger[:8]} is in no sync key file this "
        "device accepted, so nothing there is read. Files written by something else, or by a device whose joining "
        "has not reached this device yet; if they stay, they can be deleted"]
    assert not [p for p in b.sync.sync_now().problems if stranger[:8] in p]  # once
    storage.target.put(storage.ops(stranger, 2), os.urandom(5000))
    assert [p for p in b.sync.sync_now().problems if stranger[:8] in p]  # a new file is news again
    write(a, f"{SECRET} 1")
    rounds(a, b, c)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} 1", f"{SECRET} from a"])


def test_a_damaged_device_record_is_said_not_dropped(group):
    """A flipped byte in a's record, or c's record copied over it: b said nothing, and lost the check of how far a
    wrote until a published again."""
    a, b, c, storage = group
    name = f"{storage.group}/devices/{a.vault.device_id}"
    for planted in (bytes([storage.target.get(name)[0] ^ 1]) + storage.target.get(name)[1:],
                    storage.target.get(f"{storage.group}/devices/{c.vault.device_id}")):
        storage.target.put(name, planted)
        looked = b.sync.sync_now()
        assert any(f"record of device {a.vault.device_id[:8]}" in w for w in looked.waiting), looked
    write(a, f"{SECRET} 1")
    rounds(a, b, c)
    assert not any("record of device" in w for w in b.sync.sync_now().waiting)
    assert_converged(storage, a, b, c, expected=[f"{SECRET} 1", f"{SECRET} from a"])
