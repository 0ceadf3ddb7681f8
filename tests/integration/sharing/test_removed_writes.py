"""A removed member's writes from while it was a member reach people who join later (WebDAV on loopback).

The attack: after a removal the storage damages the admin's snapshot, so a new member has only the segments; the
removed member's own segments must still count up to where its removal vouches, and nothing the removed member
signs afterwards (a new segment, or one put in place of an old one) may count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.sharing.engine import ShareReport
from memvault.sync import merge
from memvault.sync.segments import SegmentHeader, digest, write_file
from memvault.sync.targets.factory import TargetConfig
from memvault.vault import sync_store
from tests.helpers.sync_servers import webdav_server
from tests.integration.sharing.members import NS, contents, person_id, writer_of

pytestmark = pytest.mark.slow

BOBS = "Bob: staging DB password rotates monthly"


def flip(path: Path) -> None:
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:])


@pytest.fixture
def webdav(tmp_path):
    root = tmp_path / "dav"
    (root / "team").mkdir(parents=True)
    with webdav_server(root) as url:
        yield root / "team", TargetConfig("webdav", url + "/team")


def _bob_writes_and_dana_reads(make_person, target, admin_first: str | None = None):
    """The admin shares with bob (write) and dana (read), both join, and bob writes :data:`BOBS` and syncs; the
    three and the invite."""
    admin, bob, dana = make_person("admin"), make_person("bob"), make_person("dana")
    if admin_first:
        admin.memories.create(MemoryCreate(namespace=NS, content=admin_first))
    admin.sharing.share(NS, with_key=bob.sharing.my_key(), role="write", target=target, name="bob")
    info = admin.sharing.share(NS, with_key=dana.sharing.my_key(), role="read", name="dana")
    bob.sharing.join(info.invite, target)
    dana.sharing.join(info.invite, target)
    bob.memories.create(MemoryCreate(namespace=NS, content=BOBS))
    bob.sharing.sync_now()
    return admin, bob, dana, info.invite


@pytest.fixture
def removed(make_person, webdav):
    """Admin shares with bob (write) and dana (read); bob writes; the admin removes bob, then the storage flips a
    byte of the admin's snapshot written for the new key generation."""
    root, target = webdav
    admin, bob, dana, invite = _bob_writes_and_dana_reads(make_person, target,
                                                          admin_first="the deploy key rotates on mondays")
    admin.memories.create(MemoryCreate(namespace=NS, content="the admin's second note"))
    for services in (admin, dana):
        services.sharing.sync_now()
    admin.sharing.remove(NS, person_id(bob))
    (root,) = root.iterdir()  # the share's random id
    snapshot = sorted(root.glob(f"snapshots/{writer_of(admin)}/*"))[-1]
    flip(snapshot)
    return admin, bob, dana, root, target, invite


def join_late(make_person, admin, target, invite, name="eve"):
    late = make_person(name)
    admin.sharing.share(NS, with_key=late.sharing.my_key(), role="read", name=name)
    late.sharing.join(invite, target)
    return late


def test_a_new_member_gets_a_removed_members_earlier_writes_when_the_snapshot_is_damaged(removed, make_person):
    admin, bob, dana, root, target, invite = removed
    everything = contents(admin)
    assert BOBS in everything and contents(dana) == everything
    eve = join_late(make_person, admin, target, invite)
    assert contents(eve) == everything
    refused = eve.sharing.info(NS).refused
    assert any("refused snapshot" in r for r in refused), refused  # the damage itself is still reported
    assert not any(f"/ops/{person_id(bob)}" in r for r in refused), refused
    # Attribution: bob's note is bob's.
    (note,) = [m for m in eve.memories.list(MemoryFilter(namespace=NS)).items if m.content == BOBS]
    assert [c.person for c in eve.sharing.changes_of(note.id)] == [person_id(bob)]


def _sign_as_bob(bob, engine, seq: int, prev: list, content: str, stamp: str) -> bytes:
    """A segment bob signs under the generation he held before his removal (he keeps it, and his signing key)."""
    roster = engine.roster()
    old = max(roster.keys)  # any generation he holds: none of them is the one after his removal
    made = bob.memories.create(MemoryCreate(namespace=NS, content=content)).memory
    with bob.vault.db.read() as conn:
        row = sync_store.rows_for(conn, [made.id])[made.id]
    op = dict(merge.delta(None, None, row.fields, stamp), u=made.id)
    me = bob.sharing._identity()
    header = SegmentHeader(engine.share, engine.writer, "ops", seq, old)
    return write_file(header, roster.keys[old], {"count": 1, "prev": prev, "device": bob.vault.device_id},
                      [json.dumps(op, sort_keys=True)], me.sign_private)


def test_a_removed_member_cannot_add_a_backdated_segment_after_its_removal(removed, make_person):
    admin, bob, dana, root, target, invite = removed
    engine = bob.sharing._engine(bob.sharing._config(NS))
    with bob.vault.db.read() as conn:
        chain = engine.cursors(conn)["chain"]
    backdated = "0000001000000-00000-" + bob.vault.device_id  # stamped long before the removal
    data = _sign_as_bob(bob, engine, chain[0] + 1, chain, "bob slips this in after his removal", backdated)
    (root / "ops" / engine.writer / f"{chain[0] + 1:010d}").write_bytes(data)
    eve = join_late(make_person, admin, target, invite)
    for services in (admin, dana, eve):
        services.sharing.sync_now()
        assert "bob slips this in after his removal" not in contents(services)
        refused = services.sharing.info(NS).refused
        assert any(f"/ops/{engine.writer}/{chain[0] + 1:010d}" in r and "after their removal" in r
                   for r in refused), refused
    assert BOBS in contents(eve)


def test_a_removed_members_earlier_segment_replaced_by_one_it_signs_later_is_refused(removed, make_person):
    admin, bob, dana, root, target, invite = removed
    engine = bob.sharing._engine(bob.sharing._config(NS))
    (first,) = sorted((root / "ops" / engine.writer).iterdir())
    # Bob (removed) and the storage together put a new segment of his where his first one was: same number, same
    # predecessor, his valid signature; only the removal's chain link tells them apart.
    forged = _sign_as_bob(bob, engine, int(first.name), [0, ""], "bob rewrites his own past", bob.sharing._clock.now())
    assert digest(forged) != digest(first.read_bytes())
    first.write_bytes(forged)
    eve = join_late(make_person, admin, target, invite)
    assert "bob rewrites his own past" not in contents(eve)
    assert BOBS not in contents(eve)  # gone from the target: eve cannot have it, and is told so
    problems = eve.sharing.info(NS).problems + eve.sharing.info(NS).refused
    assert any(f"person {person_id(bob)[:8]}" in p and "removal" in p and "cannot be read" in p
               for p in problems), problems


def test_a_removed_members_deleted_segments_are_reported_as_missing(removed, make_person):
    admin, bob, dana, root, target, invite = removed
    for path in (root / "ops" / writer_of(bob)).iterdir():
        path.unlink()
    eve = join_late(make_person, admin, target, invite)
    assert BOBS not in contents(eve)
    told = eve.sharing.info(NS).problems
    assert any(f"person {person_id(bob)[:8]}" in p and "missing on the target" in p and "cannot be read" in p
               for p in told), told
    # Reported every cycle while it lasts, not once.
    assert any("missing on the target" in p for p in eve.sharing.sync_now().problems)


def test_a_removed_read_members_segments_stay_refused(removed, make_person):
    admin, bob, dana, root, target, invite = removed
    # Dana (read) runs a modified client that sends a change anyway; the admin reads past it, then removes her.
    engine = dana.sharing._engine(dana.sharing._config(NS))
    forged = {"ns": NS, "u": "0190a000-0000-7000-8000-000000000001",
              "born": ["0000001000000-00000-x", ["dana was read only", 1.0, "x"]]}
    engine.push(engine.roster(), [forged], ShareReport())
    admin.sharing.sync_now()
    admin.sharing.remove(NS, person_id(dana))
    flip(sorted(root.glob(f"snapshots/{writer_of(admin)}/*"))[-1])  # eve reads dana's segment itself
    eve = join_late(make_person, admin, target, invite)
    assert "dana was read only" not in contents(eve)
    refused = eve.sharing.info(NS).refused
    assert any(f"person {person_id(dana)[:8]} was a read member" in r for r in refused), refused


def test_a_member_that_reads_the_removal_first_still_applies_the_earlier_writes(make_person, webdav):
    _, target = webdav
    admin, bob, dana, _ = _bob_writes_and_dana_reads(make_person, target)
    admin.sharing.sync_now()
    admin.sharing.remove(NS, person_id(bob))
    # Dana was away: she folds the removal and then reads bob's segment, in one cycle (no gap, no snapshot read).
    result = dana.sharing.sync_now()
    assert BOBS in contents(dana) and not result.refused and not result.problems


def test_a_member_made_a_reader_keeps_counting_up_to_then_and_no_further(make_person, webdav):
    root, target = webdav
    admin, bob = make_person("admin"), make_person("bob")
    info = admin.sharing.share(NS, with_key=bob.sharing.my_key(), role="write", target=target, name="bob")
    bob.sharing.join(info.invite, target)
    bob.memories.create(MemoryCreate(namespace=NS, content=BOBS))
    bob.sharing.sync_now()
    admin.sharing.sync_now()
    admin.sharing.share(NS, with_key=bob.sharing.my_key(), role="read")
    # Bob's modified client sends a change as a reader, stamped long before.
    engine = bob.sharing._engine(bob.sharing._config(NS))
    backdated = {"ns": NS, "u": "0190a000-0000-7000-8000-000000000002",
                 "born": ["0000001000000-00000-x", ["bob writes as a reader", 1.0, "x"]]}
    engine.push(engine.roster(), [backdated], ShareReport())
    eve = make_person("eve")
    admin.sharing.share(NS, with_key=eve.sharing.my_key(), role="read", name="eve")
    for path in root.glob("*/snapshots/*/*/*"):
        path.unlink()  # eve reads every segment herself
    eve.sharing.join(info.invite, target)
    assert BOBS in contents(eve) and "bob writes as a reader" not in contents(eve)
    refused = eve.sharing.info(NS).refused
    assert any(f"person {person_id(bob)[:8]} is a read member" in r for r in refused), refused
