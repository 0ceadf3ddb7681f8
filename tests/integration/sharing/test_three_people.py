"""Three people (three vaults, three person keys) share one namespace through a real moto S3 server."""

from __future__ import annotations

import json

import pytest

from memvault.domain.errors import Forbidden, InvalidInput, JoinWouldShare
from memvault.api.schemas import HistoryOut
from memvault.domain.enums import SearchMode
from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.models import (
    MemoryCreate,
    MemoryFilter,
    MemoryUpdate,
    SearchQuery,
)
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest
from memvault.sharing import roster as rosters
from memvault.sharing.engine import ShareEngine, ShareReport
from memvault.sharing.person import PersonIdentity, PersonKey
from memvault.sync import merge
from memvault.vault import sync_store
from tests.integration.sharing.members import NS, contents, person_id

# A real S3 server and a dozen vaults: many seconds.
pytestmark = pytest.mark.slow


def sync_all(*people) -> None:
    for services in people * 2:
        services.sharing.sync_now()


@pytest.fixture
def team(make_person, s3_target):
    """Anna (admin) shares 'team' with Ben (write) and Cara (read); both joined."""
    anna, ben, cara = make_person("anna"), make_person("ben"), make_person("cara")
    anna.memories.create(MemoryCreate(namespace=NS, content="the deploy key rotates on mondays"))
    anna.memories.create(MemoryCreate(namespace="private", content="anna's own note"))
    anna.sharing.share(NS, with_key=ben.sharing.my_key(), role="write", target=s3_target, name="ben")
    info = anna.sharing.share(NS, with_key=cara.sharing.my_key(), role="read", name="cara")
    ben.sharing.join(info.invite, s3_target)
    cara.sharing.join(info.invite, s3_target)
    return anna, ben, cara, s3_target, info.invite


def test_a_write_members_change_reaches_the_others_with_its_author(team):
    anna, ben, cara, _, _ = team
    assert contents(ben) == contents(cara) == {"the deploy key rotates on mondays"}
    assert not ben.memories.list(MemoryFilter(namespace="private")).items  # only the shared namespace travels
    made = ben.memories.create(MemoryCreate(namespace=NS, content="staging db moved to eu-west")).memory
    sync_all(ben, anna, cara)
    assert "staging db moved to eu-west" in contents(anna) and "staging db moved to eu-west" in contents(cara)
    for reader in (anna, cara):
        (by,) = reader.sharing.changes_of(made.id)
        assert by.person == person_id(ben) and by.device == ben.vault.device_id and not by.this_person
        assert contents(reader, changed_by=person_id(ben)) == {"staging db moved to eu-west"}
        assert contents(reader, changed_by=person_id(ben)[:8]) == {"staging db moved to eu-west"}  # as listed
    assert contents(anna, changed_by=person_id(anna)) == {"the deploy key rotates on mondays"}
    # In history (the API's field) and in search, by person.
    history = HistoryOut.of(anna.memories.history(made.id), anna.sharing.changes_of(made.id)).data
    assert history[-1]["changed_by"] == {"person": person_id(ben), "device": ben.vault.device_id, "name": "ben",
                                         "this_person": False}
    for mode in (SearchMode.KEYWORD, SearchMode.HYBRID):
        hits = anna.search.search(SearchQuery("staging deploy", mode=mode, filter=MemoryFilter(
            namespace=NS, changed_by=person_id(ben)))).hits
        assert [h.memory.content for h in hits] == ["staging db moved to eu-west"]
    roles = {m.person: m.role for m in cara.sharing.info(NS).members}
    assert roles == {person_id(anna): "admin", person_id(ben): "write", person_id(cara): "read"}


def test_a_read_member_cannot_change_the_namespace_here_and_nothing_is_kept(team, tmp_path):
    anna, ben, cara, _, _ = team
    bundle = tmp_path / "team.mvbundle"
    anna.memories.create(MemoryCreate(namespace="elsewhere", content="a note from another namespace"))
    anna.bundles.export_to_file(bundle, ExportRequest(("elsewhere",), passphrase="bundle passphrase"))
    theirs = next(iter(cara.memories.list(MemoryFilter(namespace=NS)).items))
    attempts = {
        "create": lambda: cara.memories.create(MemoryCreate(namespace=NS, content="cara tries to write")),
        "batch": lambda: cara.memories.create_batch([MemoryCreate(namespace=NS, content="cara tries a batch")]),
        "update": lambda: cara.memories.update(theirs.id, MemoryUpdate(content="cara rewrites it")),
        "delete": lambda: cara.lifecycle.delete(theirs.id),
        "archive": lambda: cara.lifecycle.archive(theirs.id),
        "hard delete": lambda: cara.lifecycle.hard_delete(theirs.id),
        "wipe": lambda: cara.lifecycle.wipe_namespace(NS, confirm=NS),
        "conversation": lambda: cara.conversations.submit(ConversationSubmission(
            namespace=NS, messages=(ChatMessage("user", "I moved to Lisbon last spring."),))),
        "import": lambda: cara.bundles.import_bundle(bundle, ImportOptions(into=NS), passphrase="bundle passphrase"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(Forbidden, match="shared with you read-only") as refused:
            attempt()
        assert "--role write" in refused.value.message, name
    assert contents(cara) == {"the deploy key rotates on mondays"}
    assert cara.memories.get(theirs.id).deleted_at is None and cara.memories.get(theirs.id).archived_at is None
    assert cara.conversations.depth() == 0
    # Her other namespaces stay hers; and once an admin makes her a writer, her next cycle learns it.
    cara.memories.create(MemoryCreate(namespace="cara-private", content="mine alone"))
    anna.sharing.share(NS, with_key=cara.sharing.my_key(), role="write")
    cara.sharing.sync_now()
    cara.memories.create(MemoryCreate(namespace=NS, content="cara may write now"))
    sync_all(cara, anna)
    assert "cara may write now" in contents(anna)


def test_a_read_members_write_is_refused_on_every_reader_and_reported(team):
    anna, ben, cara, _, _ = team
    # A change made before this vault learnt its role (an older version kept none) waits, and is reported.
    config = cara.sharing._config(NS)
    cara.sharing._keep({k: v for k, v in config.items() if k != "role"})
    cara.memories.create(MemoryCreate(namespace=NS, content="cara tries to write"))
    result = cara.sharing.sync_now()
    assert result.pushed_ops == 0 and any("not sent" in p for p in result.problems)
    assert cara.sharing._config(NS)["role"] == "read"
    # A modified client sends it anyway: every reader refuses it.
    config = cara.sharing._config(NS)
    engine = cara.sharing._engine(config)
    forged = [{"ns": NS, "u": "0190a000-0000-7000-8000-000000000001", "born": ["0000001000000-00000-x", [None, 1.0, "x"]]}]
    engine.push(engine.roster(), forged, ShareReport())
    for reader in (anna, ben):
        reader.sharing.sync_now()
        assert contents(reader) == {"the deploy key rotates on mondays"}
        refused = reader.sharing.info(NS).refused
        assert any(f"person {person_id(cara)[:8]} is a read member" in r for r in refused), refused


def test_a_removed_member_cannot_read_what_is_written_after_the_removal(team):
    anna, ben, cara, target, invite = team
    anna.sharing.remove(NS, "Cara")  # by the name she was given
    anna.memories.create(MemoryCreate(namespace=NS, content="new office wifi password"))
    sync_all(anna, ben, cara)
    assert "new office wifi password" in contents(ben)
    assert "new office wifi password" not in contents(cara)
    info = cara.sharing.info(NS)
    assert info.role is None and person_id(cara) in info.removed and info.this_person_removed
    assert not ben.sharing.info(NS).this_person_removed
    # Cara is told, in the cycle's result and in the namespace's status.
    told = cara.sharing.sync_now().problems
    assert any("you were removed from the shared namespace 'team'" in p for p in told), told
    assert any("were removed" in p for p in cara.sharing.info(NS).problems)
    # Not even with the files: every segment written since is under a generation cara was never granted.
    engine = cara.sharing._engine(cara.sharing._config(NS))
    roster = engine.roster()
    assert roster.current not in roster.keys
    writers = engine.writers()
    anna_writer = f"{person_id(anna)}/{anna.vault.device_id}"
    last = engine.target.get(engine._ops_name(anna_writer, writers[anna_writer][-1]))
    header = json.loads(last[10:10 + int.from_bytes(last[8:10], "big")])
    assert header["key"] not in roster.keys
    # What cara already had stays with her (the README says so).
    assert "the deploy key rotates on mondays" in contents(cara)
    with pytest.raises(Forbidden):
        cara.sharing.remove(NS, person_id(anna))


def test_a_forged_membership_change_is_refused(team, make_person):
    anna, ben, cara, _, _ = team
    mallory = make_person("mallory")
    engine = cara.sharing._engine(cara.sharing._config(NS))
    roster = engine.roster()
    cara_id = PersonIdentity.decode_local(_setting(cara, "share_identity"))
    # A read member makes herself admin and adds an outsider; an outsider adds himself; a member's entry is altered.
    engine.publish(rosters.add(roster, cara.sharing._clock.now(), cara_id, PersonKey.from_text(cara.sharing.my_key()),
                               "admin"))
    engine.publish(rosters.add(roster, cara.sharing._clock.now(), cara_id,
                               PersonKey.from_text(mallory.sharing.my_key()), "write"))
    outsider = PersonIdentity.decode_local(_setting(mallory, "share_identity")) if _setting(mallory, "share_identity") \
        else None
    assert outsider is not None
    engine.publish(rosters.make_entry(engine.share, mallory.sharing._clock.now(), outsider,
                                      {"op": "add", "person": outsider.key.text, "role": "admin"},
                                      sealed_gen=roster.current, sealed_key=roster.keys[roster.current]))
    sync_all(anna, ben)
    for reader in (anna, ben):
        info = reader.sharing.info(NS)
        assert {m.person: m.role for m in info.members} == {person_id(anna): "admin", person_id(ben): "write",
                                                            person_id(cara): "read"}
        problems = reader.sharing.sync_now().problems
        assert sum("refused membership entry" in p for p in problems) == 3, problems
    with pytest.raises(Forbidden):
        mallory.sharing.join(anna.sharing.info(NS).invite, team[3])


def test_two_admins_changing_membership_concurrently_converge(team, make_person):
    anna, ben, cara, target, invite = team
    dave = make_person("dave")
    anna.sharing.share(NS, with_key=ben.sharing.my_key(), role="admin")
    ben.sharing.sync_now()
    # Neither sees the other's change before making its own: anna adds dave, ben removes cara.
    ben_engine = ben.sharing._engine(ben.sharing._config(NS))
    anna_engine = anna.sharing._engine(anna.sharing._config(NS))
    ben_roster, anna_roster = ben_engine.roster(), anna_engine.roster()
    anna_identity = PersonIdentity.decode_local(_setting(anna, "share_identity"))
    ben_identity = PersonIdentity.decode_local(_setting(ben, "share_identity"))
    anna_entry = rosters.add(anna_roster, anna.sharing._clock.now(), anna_identity,
                             PersonKey.from_text(dave.sharing.my_key()), "write")
    ben_entry = rosters.remove(ben_roster, ben.sharing._clock.now(), ben_identity,
                               PersonKey.from_text(cara.sharing.my_key()))
    anna_engine.publish(anna_entry)
    ben_engine.publish(ben_entry)
    dave.sharing.join(invite, target)
    sync_all(anna, ben, dave, cara)
    views = [{m.person: m.role for m in p.sharing.info(NS).members} for p in (anna, ben, dave)]
    assert views[0] == views[1] == views[2] == {person_id(anna): "admin", person_id(ben): "admin",
                                                person_id(dave): "write"}
    dave.memories.create(MemoryCreate(namespace=NS, content="dave was here"))
    ben.memories.create(MemoryCreate(namespace=NS, content="ben after the removal"))
    sync_all(dave, ben, anna, cara)
    assert {"dave was here", "ben after the removal"} <= contents(anna)
    assert {"dave was here", "ben after the removal"} <= contents(ben)
    assert "ben after the removal" in contents(dave)
    assert not {"dave was here", "ben after the removal"} & contents(cara)


def test_bad_input_is_refused(make_person, s3_target):
    anna = make_person("anna")
    with pytest.raises(InvalidInput):
        anna.sharing.share(NS, with_key="mvpub1" + "a" * 58, role="write", target=s3_target)
    with pytest.raises(InvalidInput):
        anna.sharing.share(NS, with_key=anna.sharing.my_key(), role="owner", target=s3_target)
    with pytest.raises(InvalidInput):
        anna.sharing.join("mvshare1:nope", s3_target)


def _setting(services, key):
    with services.vault.db.read() as conn:
        return sync_store.get_setting(conn, key)


def test_a_write_member_cannot_reach_memories_outside_the_shared_namespace(team):
    anna, ben, _, _, _ = team
    private = anna.memories.list(MemoryFilter(namespace="private")).items[0]
    made = ben.memories.create(MemoryCreate(namespace=NS, content="an honest memory")).memory
    with ben.vault.db.read() as conn:
        row = sync_store.rows_for(conn, [made.id])[made.id]
    forged = dict(merge.delta(None, None, row.fields | {"content": "overwritten by ben"}, ben.sharing._clock.now()),
                  u=private.id)
    assert forged["ns"] == NS
    engine = ben.sharing._engine(ben.sharing._config(NS))
    engine.push(engine.roster(), [forged], ShareReport())
    anna.sharing.sync_now()
    assert anna.memories.get(private.id).content == "anna's own note"
    assert anna.memories.get(private.id).namespace == "private"
    assert any("outside the shared namespace" in r for r in anna.sharing.info(NS).refused)


def test_nothing_on_the_target_is_readable_without_a_member_key(team):
    import boto3

    anna, ben, _, target, _ = team
    ben.memories.create(MemoryCreate(namespace=NS, content="staging db moved to eu-west"))
    sync_all(ben, anna)
    bucket = target.location.removeprefix("s3://").split("/")[0]
    client = boto3.client("s3", endpoint_url=target.endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                          region_name="us-east-1")
    names = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any("/roster/" in n for n in names) and any("/ops/" in n for n in names)
    for name in names:
        body = client.get_object(Bucket=bucket, Key=name)["Body"].read()
        for secret in (b"deploy key", b"staging db", b'"team"', b'"ben"', b'"cara"', b"mondays", b'"write"'):
            assert secret not in body, (name, secret)


def test_a_member_cannot_write_under_another_persons_device(team):
    anna, ben, cara, _, _ = team
    made = ben.memories.create(MemoryCreate(namespace=NS, content="an honest memory")).memory
    sync_all(ben, anna, cara)
    with ben.vault.db.read() as conn:
        row = sync_store.rows_for(conn, [made.id])[made.id]
    forged = merge.delta(None, None, row.fields | {"content": "made in anna's name"}, ben.sharing._clock.now())
    honest = ben.sharing._engine(ben.sharing._config(NS))
    # Ben's person key, anna's device id: anna (this device) and cara (who saw anna write with it) refuse it.
    posing = ShareEngine(ben.vault.db, honest.target, honest.share, honest.anchor, honest.me, anna.vault.device_id,
                         honest.models, honest.clock, honest.wall)
    posing.push(honest.roster(), [dict(forged, u="0190a000-0000-7000-8000-0000000000aa")], ShareReport())
    for reader in (anna, cara):
        reader.sharing.sync_now()
        assert "made in anna's name" not in contents(reader)
        assert any("belongs to another person" in r for r in reader.sharing.info(NS).refused)


def test_joining_never_shares_what_a_namespace_of_the_same_name_holds_here(make_person, s3_target):
    anna, dana = make_person("anna"), make_person("dana")
    private = dana.memories.create(MemoryCreate(namespace=NS, content="dana's dentist is on friday")).memory
    dana.lifecycle.delete(private.id)  # in the trash: still hers, still not to be shared
    info = anna.sharing.share(NS, with_key=dana.sharing.my_key(), role="write", target=s3_target, name="dana")
    with pytest.raises(JoinWouldShare, match="already holds 1 memory on this vault"):
        dana.sharing.join(info.invite, s3_target)
    assert not dana.sharing.is_shared(NS)
    anna.sharing.sync_now()
    assert "dana's dentist is on friday" not in contents(anna, include_deleted=True)
    # Once nothing of hers is in it, she joins; or, told, she shares what it holds.
    dana.lifecycle.hard_delete(private.id)
    assert dana.sharing.join(info.invite, s3_target).namespace == NS
    assert contents(dana) == set()
    eve = make_person("eve")
    eve.memories.create(MemoryCreate(namespace=NS, content="eve's note for the team"))
    info = anna.sharing.share(NS, with_key=eve.sharing.my_key(), role="write")
    eve.sharing.join(info.invite, s3_target, share_existing=True)
    anna.sharing.sync_now()
    assert "eve's note for the team" in contents(anna)
