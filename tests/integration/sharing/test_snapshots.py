"""Snapshots of a shared namespace: a new member starts from an admin's, and a target that forges, replays,
damages or rolls one back gets it refused and reported while the member still ends up with everything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memvault.domain.errors import SyncKeyError
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.sharing import roster as rosters
from memvault.sharing import snapshots
from memvault.sharing.engine import ShareEngine
from memvault.sharing.person import PersonIdentity, PersonKey
from memvault.sync.segments import SegmentHeader, read_file
from memvault.sync.targets.factory import TargetConfig
from memvault.vault import sync_store
from tests.integration.sharing.members import NS, contents, person_id, writer_of

# Four or five vaults and a dozen cycles each: several seconds.
pytestmark = pytest.mark.slow


def engine_of(services) -> ShareEngine:
    return services.sharing._engine(services.sharing._config(NS))


def snapshot_files(root: Path, services) -> list[Path]:
    return sorted(root.glob(f"*/snapshots/{writer_of(services)}/*"))


def ops_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/ops/*/*/*") if p.is_file())


def identity(services) -> PersonIdentity:
    with services.vault.db.read() as conn:
        return PersonIdentity.decode_local(sync_store.get_setting(conn, "share_identity"))


def embed(services) -> None:
    while services.worker.run_once():  # as the background worker would have, before the memory is sent
        pass


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "target"
    return root, TargetConfig("folder", str(root))


@pytest.fixture
def team(make_person, folder):
    """Anna (admin) shares 'team' with Ben (write); both wrote; Anna's newest snapshot covers both."""
    root, target = folder
    anna, ben = make_person("anna"), make_person("ben")
    for i in range(3):
        anna.memories.create(MemoryCreate(namespace=NS, content=f"anna's note {i}"))
    embed(anna)
    info = anna.sharing.share(NS, with_key=ben.sharing.my_key(), role="write", target=target, name="ben")
    assert len(snapshot_files(root, anna)) == 1  # the first cycle of a new namespace writes one
    ben.sharing.join(info.invite, target)
    ben.memories.create(MemoryCreate(namespace=NS, content="ben's note"))
    embed(ben)
    ben.sharing.sync_now()
    anna.sharing.sync_now()
    anna.sharing.write_snapshot(NS)
    assert len(snapshot_files(root, anna)) == 1  # the older one is deleted once a newer one is there
    return anna, ben, root, target, info.invite


EVERYTHING = {"anna's note 0", "anna's note 1", "anna's note 2", "ben's note"}


def test_a_new_member_starts_from_the_admins_snapshot_and_reads_only_what_follows(team, make_person):
    anna, ben, root, target, invite = team
    # Every segment the snapshot covers disappears: a member that joins has them only through the snapshot.
    for path in ops_files(root):
        path.unlink()
    ben.memories.create(MemoryCreate(namespace=NS, content="ben after the snapshot"))
    embed(ben)
    ben.sharing.sync_now()
    cara = make_person("cara")
    anna.sharing.share(NS, with_key=cara.sharing.my_key(), role="read", name="cara")
    cara.sharing.join(invite, target)
    assert contents(cara) == EVERYTHING | {"ben after the snapshot"}
    assert cara.jobs.depth() == 0  # vectors came with the states: nothing to embed again
    assert not cara.sharing.info(NS).refused
    # Attribution travels in the snapshot: ben's note is ben's, not the snapshot writer's.
    bens = [m for m in cara.memories.list(MemoryFilter(namespace=NS)).items if m.content == "ben's note"][0]
    assert [c.person for c in cara.sharing.changes_of(bens.id)] == [person_id(ben)]
    # Each writer's chain goes on from the snapshot's links: a later segment of each applies.
    ben.memories.create(MemoryCreate(namespace=NS, content="ben later"))
    anna.memories.create(MemoryCreate(namespace=NS, content="anna later"))
    ben.sharing.sync_now()
    anna.sharing.sync_now()
    result = cara.sharing.sync_now()
    assert result.applied_segments == 2 and not result.refused
    assert {"ben later", "anna later"} <= contents(cara)


def _invited(make_person, anna, name: str):
    """A person the admin added (its cycle ran then); they have not joined yet."""
    late = make_person(name)
    anna.sharing.share(NS, with_key=late.sharing.my_key(), role="read", name=name)
    return late


def _join_without_snapshot(make_person, anna, target, invite, name: str):
    late = _invited(make_person, anna, name)
    late.sharing.join(invite, target)
    return late


def test_a_snapshot_not_written_by_an_admin_is_refused(team, make_person):
    anna, ben, root, target, invite = team
    mallory = make_person("mallory")
    mallory.sharing.my_key()
    # Ben (a write member) runs a modified client that believes he is an admin: his snapshot, well formed and
    # signed by him, carries a memory he never sent.
    ben.memories.create(MemoryCreate(namespace=NS, content="ben's plant"))
    ben_engine = engine_of(ben)
    believed = ben_engine.roster()
    believed.members[person_id(ben)] = rosters.Member(believed.members[person_id(ben)].key, "admin", "", "")
    snapshots.write(ben_engine, believed)
    # Mallory (no member) stole the key generation; her snapshot is signed by her own key.
    outsider = ShareEngine(mallory.vault.db, ben_engine.target, ben_engine.share, ben_engine.anchor,
                           identity(mallory), mallory.vault.device_id, ben_engine.models, ben_engine.clock,
                           ben_engine.wall)
    stolen = ben_engine.roster()
    stolen.members[identity(mallory).person_id] = rosters.Member(identity(mallory).key, "admin", "", "")
    snapshots.write(outsider, stolen)
    assert len(list(root.glob("*/snapshots/*/*/*"))) == 3
    cara = _join_without_snapshot(make_person, anna, target, invite, "cara")
    assert contents(cara) == EVERYTHING  # anna's snapshot and the segments; nothing planted
    refused = cara.sharing.info(NS).refused
    assert any(f"person {person_id(ben)[:8]} is a write member: only an admin's snapshot is used" in r
               for r in refused), refused
    assert any(f"person {identity(mallory).person_id[:8]} is not a member" in r for r in refused), refused


@pytest.mark.parametrize("damage", ["truncated", "flipped", "renamed", "padded"])
def test_a_damaged_snapshot_is_refused_and_the_segments_are_read(team, make_person, damage):
    anna, ben, root, target, invite = team
    (path,) = snapshot_files(root, anna)
    data = path.read_bytes()
    if damage == "padded":  # a quarter of a gigabyte (sparse): read no further than the size its header states
        with path.open("r+b") as file:
            file.truncate(len(data) + (256 << 20))
    elif damage == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif damage == "flipped":
        path.write_bytes(data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + data[len(data) // 2 + 1:])
    else:  # the admin's file copied under a newer number; the real one, under its own, must still be found
        path.with_name("0000000099").write_bytes(data)
        for covered in ops_files(root):
            covered.unlink()
    cara = _join_without_snapshot(make_person, anna, target, invite, "cara")
    assert contents(cara) == EVERYTHING
    refused = cara.sharing.info(NS).refused
    assert any("refused snapshot" in r and "segments are read instead" in r for r in refused), refused
    if damage == "padded":
        assert any(f"holds more than the {len(data):,} bytes its header states" in r for r in refused), refused


def test_after_a_removal_the_removed_member_cannot_read_the_new_snapshot_and_an_old_one_is_refused(team, make_person):
    anna, ben, root, target, invite = team
    cara = _join_without_snapshot(make_person, anna, target, invite, "cara")
    (before,) = snapshot_files(root, anna)
    old_bytes, old_name = before.read_bytes(), before.name
    anna.sharing.remove(NS, person_id(cara))
    anna.memories.create(MemoryCreate(namespace=NS, content="the new wifi password"))
    anna.sharing.sync_now()
    (after,) = snapshot_files(root, anna)  # a removal changes the key: a new snapshot at once, the old one gone
    assert after.name != old_name
    # Cara holds every old generation, not the new one: the new snapshot does not open for her.
    cara_roster = engine_of(cara).roster()
    assert person_id(cara) in cara_roster.removed
    header = SegmentHeader(engine_of(anna).share, writer_of(anna), "snapshot", int(after.name), 0)
    with pytest.raises(SyncKeyError):
        read_file(after.read_bytes(), header, cara_roster.keys, PersonKey.from_text(anna.sharing.my_key()).sign)
    assert b"wifi password" not in after.read_bytes()
    # The target rolls the snapshot back to the one from before the removal: a new member refuses it and still
    # gets everything from the segments.
    dave = _invited(make_person, anna, "dave")
    after.unlink()
    before.with_name(old_name).write_bytes(old_bytes)
    dave.sharing.join(invite, target)
    assert contents(dave) == EVERYTHING | {"the new wifi password"}
    refused = dave.sharing.info(NS).refused
    assert any("earlier key generation" in r for r in refused), refused


def test_a_snapshot_rolled_back_within_one_generation_loses_nothing(team, make_person):
    anna, ben, root, target, invite = team
    (older,) = snapshot_files(root, anna)
    older_bytes = older.read_bytes()
    ben.memories.create(MemoryCreate(namespace=NS, content="ben's second note"))
    ben.sharing.sync_now()
    anna.sharing.sync_now()
    anna.sharing.write_snapshot(NS)
    (newer,) = snapshot_files(root, anna)
    cara = _invited(make_person, anna, "cara")
    newer.unlink()
    older.write_bytes(older_bytes)
    cara.sharing.join(invite, target)
    assert contents(cara) == EVERYTHING | {"ben's second note"}  # the older snapshot, then ben's newer segment
    with cara.vault.db.read() as conn:
        assert engine_of(cara).cursors(conn)["writers"][writer_of(ben)][0] == 2
    # The admin notices its newest snapshot is gone, says so, and writes a new one (the older one goes).
    problems = anna.sharing.sync_now().problems
    assert any("is gone from the target" in p for p in problems), problems
    (rewritten,) = snapshot_files(root, anna)
    assert int(rewritten.name) > int(newer.name)


def test_a_member_that_has_read_segments_does_not_go_back_to_a_snapshot(team):
    anna, ben, root, _, _ = team
    # Ben has read anna's segments; as a vault that joined before snapshots existed, it has no mark of a first look.
    engine = engine_of(ben)
    with ben.vault.db.write() as conn:
        cursors = engine.cursors(conn)
        del cursors["snapshot_checked"]
        sync_store.set_setting(conn, engine.cursors_name, json.dumps(cursors))
    (path,) = snapshot_files(root, anna)
    path.write_bytes(b"not read by a member that is under way")
    ben.sharing.sync_now()
    assert not any("snapshot" in r for r in ben.sharing.info(NS).refused)


def test_an_admin_writes_a_new_snapshot_when_enough_segments_are_not_covered(team, monkeypatch):
    anna, ben, root, _, _ = team
    monkeypatch.setattr(snapshots, "SNAPSHOT_SEGMENTS", 2)
    (before,) = snapshot_files(root, anna)
    ben.memories.create(MemoryCreate(namespace=NS, content="one more"))
    ben.sharing.sync_now()
    anna.sharing.sync_now()
    assert snapshot_files(root, anna) == [before]  # one segment not covered: not yet
    ben.memories.create(MemoryCreate(namespace=NS, content="and another"))
    ben.sharing.sync_now()
    anna.sharing.sync_now()
    (after,) = snapshot_files(root, anna)
    assert int(after.name) == int(before.name) + 1


def test_a_member_far_behind_catches_up_from_a_newer_snapshot_once(team, make_person, monkeypatch):
    anna, ben, root, target, invite = team
    monkeypatch.setattr(snapshots, "SNAPSHOT_SEGMENTS", 3)
    # Ben is away while anna writes four segments and snapshots them; those segments then disappear, so ben has
    # them only through the snapshot.
    for i in range(4):
        anna.memories.create(MemoryCreate(namespace=NS, content=f"while ben was away {i}"))
        anna.sharing.sync_now()
    anna.sharing.write_snapshot(NS)
    (snapshot,) = snapshot_files(root, anna)
    for path in ops_files(root):
        if writer_of(anna) in str(path) and int(path.name) <= 5:
            path.unlink()
    anna.memories.create(MemoryCreate(namespace=NS, content="after the snapshot"))
    anna.sharing.sync_now()
    for i in range(3):  # still far behind: three more segments ben has not read
        anna.memories.create(MemoryCreate(namespace=NS, content=f"later {i}"))
        anna.sharing.sync_now()
    result = ben.sharing.sync_now()
    assert {f"while ben was away {i}" for i in range(4)} | {"after the snapshot"} <= contents(ben)
    assert {f"later {i}" for i in range(3)} <= contents(ben) and not result.refused
    # Read once: a planted file beside it is refused once, and the snapshot itself is not read again.
    snapshot.with_name("0000000098").write_bytes(b"planted")
    with ben.vault.db.write() as conn:  # as if far behind again
        engine = engine_of(ben)
        cursors = engine.cursors(conn)
        cursors["writers"][writer_of(anna)] = [1, cursors["writers"][writer_of(anna)][1]]
        sync_store.set_setting(conn, engine.cursors_name, json.dumps(cursors))
    first = ben.sharing.sync_now().refused
    second = ben.sharing.sync_now().refused
    assert sum("0000000098" in r for r in first) == 1 and not any("0000000098" in r for r in second)


def test_a_snapshot_that_would_remove_most_of_a_members_namespace_waits_like_a_segment(team, monkeypatch):
    anna, ben, root, _, _ = team
    monkeypatch.setattr(snapshots, "SNAPSHOT_SEGMENTS", 2)
    made = [anna.memories.create(MemoryCreate(namespace=NS, content=f"bulk {i}")).memory.id for i in range(60)]
    anna.sharing.sync_now()
    ben.sharing.sync_now()
    assert len(contents(ben)) == 64
    # Ben is away while anna removes the 60 in a few cycles and snapshots that; the segments disappear.
    for start in range(0, 60, 20):
        for memory_id in made[start:start + 20]:
            anna.lifecycle.delete(memory_id)
        anna.sharing.sync_now()
    anna.sharing.write_snapshot(NS)
    for path in ops_files(root):
        if writer_of(anna) in str(path):
            path.unlink()
    anna.memories.create(MemoryCreate(namespace=NS, content="after the removal"))
    anna.sharing.sync_now()  # a segment ben can only follow from the snapshot
    problems = ben.sharing.sync_now().problems
    assert len(contents(ben)) == 64  # nothing removed without the user's word
    assert any("snapshot of person" in p and "--allow-mass-delete" in p for p in problems), problems
    assert "after the removal" not in contents(ben)  # it waits for what comes before it
    ben.sharing.sync_now(allow_mass_delete=True)
    assert contents(ben) == EVERYTHING | {"after the removal"}


def test_an_admin_reads_its_snapshot_back_and_writes_a_new_one_when_the_target_changed_it(team, make_person,
                                                                                          monkeypatch):
    anna, ben, root, target, invite = team
    monkeypatch.setattr(snapshots, "SNAPSHOT_CHECK_SECONDS", 0.0)  # the check is daily; here every cycle
    (written,) = snapshot_files(root, anna)
    assert not anna.sharing.sync_now().problems  # read back intact: nothing to say, nothing written
    assert snapshot_files(root, anna) == [written]
    # The target flips one byte in the middle: same name, same size.
    data = bytearray(written.read_bytes())
    data[len(data) // 2] ^= 0x01
    written.write_bytes(bytes(data))
    problems = anna.sharing.sync_now().problems
    assert any("was changed on the target" in p for p in problems), problems
    (rewritten,) = snapshot_files(root, anna)
    assert int(rewritten.name) > int(written.name)
    # A new member starts from the new snapshot: nothing refused.
    cara = _invited(make_person, anna, "cara")
    cara.sharing.join(invite, target)
    assert contents(cara) == EVERYTHING
    assert not any("snapshot" in r for r in cara.sharing.info(NS).refused), cara.sharing.info(NS).refused
