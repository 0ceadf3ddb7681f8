"""Person keys and the membership roster, without a vault: who may change membership, and convergence."""

from __future__ import annotations

import json
import random

import pytest

from memvault.crypto import recipients
from memvault.domain.errors import DamagedData, DecryptionFailed, InvalidInput, WrongPassphrase, WrongRecipient
from memvault.sharing import roster as rosters
from memvault.sharing.person import PersonIdentity, PersonKey

SHARE = "0190a000-0000-7000-8000-00000000abcd"


class Clock:
    def __init__(self) -> None:
        self.ms = 1_700_000_000_000

    def now(self, who: str = "d") -> str:
        self.ms += 1
        return f"{self.ms:013d}-00000-{who}"


@pytest.fixture
def people():
    return {name: PersonIdentity.new() for name in ("anna", "ben", "cara", "dave")}


def entries_of(*datas: bytes) -> dict[str, bytes]:
    return {rosters.entry_digest(d): d for d in datas}


def test_person_key_text_round_trips_and_refuses_typos_and_bundle_keys(people):
    key = people["anna"].key
    assert PersonKey.from_text(key.text) == key and key.text.startswith("mvperson1")
    assert PersonKey.from_text("  " + key.text.upper() + "\n") == key
    typo = key.text[:-3] + ("a" if key.text[-3] != "a" else "b") + key.text[-2:]
    for bad in (typo, key.text[:-1], "mvperson1", recipients.generate_key_pair().public_text, "hello"):
        with pytest.raises(InvalidInput):
            PersonKey.from_text(bad)
    assert len({p.person_id for p in people.values()}) == 4


def test_a_share_stanza_opens_in_no_other_protocol(people):
    key = b"k" * 32
    stanza = recipients.wrap_for_recipient(key, people["anna"].key.wrap, protocol=recipients.SHARE)
    assert people["anna"].unwrap(stanza) == key
    for other in (recipients.SYNC, recipients.BUNDLE):
        with pytest.raises(DecryptionFailed):
            recipients.unwrap_with_private(stanza, people["anna"].wrap_private, protocol=other)
    with pytest.raises(WrongRecipient):
        people["ben"].unwrap(stanza)


def test_key_file_round_trip_and_wrong_passphrase(people):
    data = people["anna"].key_file("a long passphrase", 1024, 1)
    assert people["anna"].sign_private.hex() not in data.decode()
    assert PersonIdentity.from_key_file(data, "a long passphrase") == people["anna"]
    with pytest.raises(WrongPassphrase):
        PersonIdentity.from_key_file(data, "another passphrase")
    doc = json.loads(data)
    doc["kdf"]["iterations"] += 1  # parameters are bound: a changed one does not open
    with pytest.raises(WrongPassphrase):
        PersonIdentity.from_key_file(json.dumps(doc).encode(), "a long passphrase")
    with pytest.raises(DamagedData):
        PersonIdentity.from_key_file(b"{}", "a long passphrase")


def _team(people, clock):
    anna = people["anna"]
    made = rosters.create(SHARE, clock.now(), anna, "team")
    roster = rosters.fold(entries_of(made), SHARE, anna.person_id, anna)
    add_ben = rosters.add(roster, clock.now(), anna, people["ben"].key, "write")
    roster = rosters.fold(entries_of(made, add_ben), SHARE, anna.person_id, anna)
    add_cara = rosters.add(roster, clock.now(), anna, people["cara"].key, "read")
    return [made, add_ben, add_cara]


def test_members_and_their_keys(people):
    clock = Clock()
    entries = entries_of(*_team(people, clock))
    anchor = people["anna"].person_id
    views = {n: rosters.fold(entries, SHARE, anchor, people[n]) for n in ("anna", "ben", "cara", "dave")}
    roles = {p: m.role for p, m in views["anna"].members.items()}
    assert roles == {people["anna"].person_id: "admin", people["ben"].person_id: "write",
                     people["cara"].person_id: "read"}
    assert all(v.members.keys() == views["anna"].members.keys() for v in views.values() if v.namespace)
    current = views["anna"].current
    assert views["ben"].keys[current] == views["cara"].keys[current] == views["anna"].keys[current]
    assert views["dave"].keys == {} and views["dave"].namespace is None  # an outsider reads nothing
    assert views["anna"].problems == [] and not views["anna"].tainted and views["anna"].missing() == []


def test_forged_and_altered_entries_are_refused(people):
    clock = Clock()
    team = _team(people, clock)
    anchor = people["anna"].person_id
    roster = rosters.fold(entries_of(*team), SHARE, anchor, people["cara"])
    self_promotion = rosters.add(roster, clock.now(), people["cara"], people["cara"].key, "admin")
    outsider = rosters.make_entry(SHARE, clock.now(), people["dave"], {"op": "add", "person": people["dave"].key.text,
                                                                       "role": "admin"},
                                  sealed_gen=roster.current, sealed_key=roster.keys[roster.current],
                                  grants={roster.current: {people["dave"].person_id: "x"}})
    altered = team[2].replace(b'"v": 1', b'"v": 1 ', 1)
    doc = json.loads(team[1])
    inner = json.loads(doc["doc"])
    inner["at"] = clock.now()  # moved in the order: the signature no longer verifies
    doc["doc"] = json.dumps(inner, sort_keys=True)
    relabelled = json.dumps(doc).encode()
    foreign_create = rosters.create(SHARE, clock.now(), people["dave"], "team")
    entries = entries_of(*team, self_promotion, outsider, relabelled, foreign_create)
    entries["0" * 64] = altered
    view = rosters.fold(entries, SHARE, anchor, people["anna"])
    assert {p: m.role for p, m in view.members.items()} == {anchor: "admin", people["ben"].person_id: "write",
                                                           people["cara"].person_id: "read"}
    # renamed, self-promotion, outsider, relabelled (signature); the foreign create is sealed under a key no
    # member holds (unreadable, and it could not count anyway: the invitation names anna as the creator).
    assert len(view.problems) == 4, view.problems
    assert view.unreadable == 1 and len(view.accepted) == 3
    assert any("name is not its digest" in p for p in rosters.fold({"0" * 64: team[0]}, SHARE, anchor,
                                                                   people["anna"]).problems)
    # The invitation names the creator: a roster someone else created is not the one anna made.
    assert rosters.fold(entries_of(foreign_create), SHARE, anchor, people["anna"]).namespace is None


def test_concurrent_admin_changes_converge_in_any_order(people):
    clock = Clock()
    team = _team(people, clock)
    anchor = people["anna"].person_id
    base = rosters.fold(entries_of(*team), SHARE, anchor, people["anna"])
    promote = rosters.add(base, clock.now(), people["anna"], people["ben"].key, "admin")
    ben_view = rosters.fold(entries_of(*team, promote), SHARE, anchor, people["ben"])
    anna_view = rosters.fold(entries_of(*team, promote), SHARE, anchor, people["anna"])
    # At the same moment: anna adds dave; ben removes cara (each without the other's entry).
    at = clock.now()
    add_dave = rosters.add(anna_view, at, people["anna"], people["dave"].key, "write")
    remove_cara = rosters.remove(ben_view, at, people["ben"], people["cara"].key)
    everything = [*team, promote, add_dave, remove_cara]
    folded = []
    for seed in range(6):
        order = everything[:]
        random.Random(seed).shuffle(order)
        view = rosters.fold(entries_of(*order), SHARE, anchor, people["anna"])
        folded.append(({p: m.role for p, m in view.members.items()}, view.current, sorted(view.removed)))
    assert all(f == folded[0] for f in folded)
    members, current, removed = folded[0]
    assert removed == [people["cara"].person_id] and people["dave"].person_id in members
    dave = rosters.fold(entries_of(*everything), SHARE, anchor, people["dave"])
    if current not in dave.keys:  # dave was added under the generation before the removal: granted by the next sync
        anna_now = rosters.fold(entries_of(*everything), SHARE, anchor, people["anna"])
        assert anna_now.missing() == [people["dave"].person_id]
        grant = rosters.grant_missing(anna_now, clock.now(), people["anna"])
        dave = rosters.fold(entries_of(*everything, grant), SHARE, anchor, people["dave"])
    assert dave.keys[current] == rosters.fold(entries_of(*everything), SHARE, anchor, people["anna"]).keys[current]
    cara = rosters.fold(entries_of(*everything), SHARE, anchor, people["cara"])
    assert current not in cara.keys


def test_a_rotation_that_reached_a_removed_member_is_tainted_until_an_admin_rotates(people):
    clock = Clock()
    team = _team(people, clock)
    anchor = people["anna"].person_id
    base = rosters.fold(entries_of(*team), SHARE, anchor, people["anna"])
    promote = rosters.add(base, clock.now(), people["anna"], people["ben"].key, "admin")
    view = rosters.fold(entries_of(*team, promote), SHARE, anchor, people["anna"])
    remove_cara = rosters.remove(view, clock.now(), people["anna"], people["cara"].key)
    rotate_unaware = rosters.rotate(rosters.fold(entries_of(*team, promote), SHARE, anchor, people["ben"]),
                                    clock.now(), people["ben"])  # wraps the new key to cara too
    entries = entries_of(*team, promote, remove_cara, rotate_unaware)
    view = rosters.fold(entries, SHARE, anchor, people["anna"])
    assert view.tainted
    fixed = rosters.rotate(view, clock.now(), people["anna"])
    view = rosters.fold({**entries, **entries_of(fixed)}, SHARE, anchor, people["anna"])
    assert not view.tainted
    assert view.current not in rosters.fold({**entries, **entries_of(fixed)}, SHARE, anchor, people["cara"]).keys


def test_the_last_admin_cannot_be_removed_or_demoted(people):
    clock = Clock()
    team = _team(people, clock)
    anchor = people["anna"].person_id
    view = rosters.fold(entries_of(*team), SHARE, anchor, people["anna"])
    demote = rosters.add(view, clock.now(), people["anna"], people["anna"].key, "read")
    leave = rosters.remove(view, clock.now(), people["anna"], people["anna"].key)
    view = rosters.fold(entries_of(*team, demote, leave), SHARE, anchor, people["anna"])
    assert view.role_of(anchor) == "admin" and len(view.problems) == 2
