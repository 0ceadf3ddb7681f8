"""A removed or demoted admin keeps its signing key: what it signs "before" its removal must not count.

Real person keys, real signatures and sealing; no vault. Each test's attack succeeded when the roster was folded
by stamp alone (the removed admin stamped its entry before its removal).
"""

from __future__ import annotations

import itertools
import json
import random

import pytest

from memvault.sharing import causal
from memvault.sharing import roster as rosters
from memvault.sharing.person import PersonIdentity

SHARE = "0190a000-0000-7000-8000-00000000abcd"


class Clock:
    def __init__(self) -> None:
        self.ms = 1_700_000_000_000

    def now(self) -> str:
        self.ms += 10
        return self.stamp(self.ms)

    @staticmethod
    def stamp(ms: int) -> str:
        return f"{ms:013d}-00000-d"


@pytest.fixture
def people():
    return {name: PersonIdentity.new() for name in ("anna", "ben", "cara", "dave", "mallory")}


class Team:
    """Anna creates the namespace, makes Ben an admin and Cara a write member."""

    def __init__(self, people) -> None:
        self.p, self.clock, self.entries = people, Clock(), {}
        self.anchor = people["anna"].person_id
        self.put(rosters.create(SHARE, self.clock.now(), people["anna"], "team"))
        self.put(rosters.add(self.view("anna"), self.clock.now(), people["anna"], people["ben"].key, "admin"))
        self.put(rosters.add(self.view("anna"), self.clock.now(), people["anna"], people["cara"].key, "write"))
        self.before = Clock.stamp(self.clock.ms + 5)  # after every entry above, before any written later

    def put(self, entry: bytes) -> bytes:
        self.entries[rosters.entry_digest(entry)] = entry
        return entry

    def view(self, who: str, entries: dict[str, bytes] | None = None) -> rosters.Roster:
        return rosters.fold(self.entries if entries is None else entries, SHARE, self.anchor, self.p[who])

    def id(self, who: str) -> str:
        return self.p[who].person_id

    def roles(self, who: str = "anna", entries: dict[str, bytes] | None = None) -> dict[str, str]:
        return {p: m.role for p, m in self.view(who, entries).members.items()}

    def backdated(self) -> str:
        """A stamp before every entry written since the team was made (the attacker's choice)."""
        return self.before


def summary(view: rosters.Roster) -> tuple:
    return ({p: m.role for p, m in view.members.items()}, sorted(view.removed), view.current, sorted(view.accepted),
            sorted(view.problems), view.tainted)


@pytest.mark.parametrize("role", ["admin", "write"])
def test_a_removed_admins_backdated_add_is_refused_on_every_member(people, role):
    team = Team(people)
    stale = team.view("ben")  # what ben had folded before anna removed him
    at = team.backdated()
    removal = team.put(rosters.remove(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key))
    puppet = team.put(rosters.add(stale, at, people["ben"], people["mallory"].key, role))
    for who in ("anna", "cara", "ben", "mallory"):
        assert team.roles(who) == {team.id("anna"): "admin", team.id("cara"): "write"}, who
        assert rosters.entry_digest(puppet) not in team.view(who).accepted
    assert any(rosters.entry_digest(puppet)[:12] in p and "did not know of it" in p for p in team.view("anna").problems)
    # The puppet was granted every key ben held, by an entry that does not count: none of them is used.
    assert team.view("mallory").keys == {}
    # Nor does the puppet act as a member: what it signs, as if ben's entry counted, is refused too.
    as_if = team.view("mallory", {d: e for d, e in team.entries.items() if d != rosters.entry_digest(removal)})
    assert as_if.role_of(team.id("mallory")) == role  # ... which it would without the removal
    if role == "admin":
        team.put(rosters.add(as_if, team.backdated(), people["mallory"], people["dave"].key, "write"))
    else:
        team.put(rosters.grant_missing(as_if, team.backdated(), people["mallory"]))
    for who in ("anna", "cara"):
        assert team.roles(who) == {team.id("anna"): "admin", team.id("cara"): "write"}, who
        assert len(team.view(who).problems) == 2


def test_a_removed_admins_backdated_removal_of_a_member_is_refused(people):
    team = Team(people)
    stale = team.view("ben")
    at = team.backdated()
    team.put(rosters.remove(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key))
    current = team.view("anna").current
    team.put(rosters.remove(stale, at, people["ben"], people["cara"].key))
    for who in ("anna", "cara"):
        view = team.view(who)
        assert team.roles(who) == {team.id("anna"): "admin", team.id("cara"): "write"}
        assert view.current == current and current in view.keys  # cara still holds the namespace's key
        assert not view.tainted


def test_a_removed_admin_cannot_undo_its_removal_by_removing_its_remover(people):
    """Both removals at once form a cycle: the senior admin's (here the creator's) counts, whatever the stamps."""
    team = Team(people)
    stale = team.view("ben")
    at = team.backdated()
    team.put(rosters.remove(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key))
    team.put(rosters.remove(stale, at, people["ben"], people["anna"].key))
    team.put(rosters.add(stale, at, people["ben"], people["ben"].key, "admin"))
    for who in ("anna", "ben", "cara"):
        assert team.roles(who) == {team.id("anna"): "admin", team.id("cara"): "write"}, who
        assert sorted(team.view(who).removed) == [team.id("ben")]


def test_two_admins_removing_each_other_at_once_agree_on_the_senior_one_everywhere(people):
    team = Team(people)
    team.put(rosters.add(team.view("anna"), team.clock.now(), people["anna"], people["dave"].key, "admin"))
    ben, dave = team.view("ben"), team.view("dave")
    # Dave (the junior admin) stamps his removal of ben first; ben's of dave comes after it.
    early, late = team.clock.now(), team.clock.now()
    team.put(rosters.remove(dave, early, people["dave"], people["ben"].key))
    team.put(rosters.remove(ben, late, people["ben"], people["dave"].key))
    for who in ("anna", "ben", "cara", "dave"):
        assert team.roles(who) == {team.id("anna"): "admin", team.id("ben"): "admin", team.id("cara"): "write"}, who
        view = team.view(who)
        assert sorted(view.removed) == [team.id("dave")] and not view.tainted


def test_the_last_admin_guard_holds_when_two_admins_step_down_at_once(people):
    team = Team(people)
    anna, ben = team.view("anna"), team.view("ben")
    team.put(rosters.add(anna, team.clock.now(), people["anna"], people["anna"].key, "write"))
    team.put(rosters.add(ben, team.clock.now(), people["ben"], people["ben"].key, "write"))
    for who in ("anna", "ben", "cara"):
        assert team.roles(who) == {team.id("anna"): "write", team.id("ben"): "admin", team.id("cara"): "write"}, who
        assert any("without an admin" in p for p in team.view(who).problems)


def test_a_demoted_admins_backdated_entries_are_refused(people):
    team = Team(people)
    stale = team.view("ben")
    at = team.backdated()
    team.put(rosters.add(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key, "write"))
    team.put(rosters.add(stale, at, people["ben"], people["mallory"].key, "admin"))
    team.put(rosters.remove(stale, at, people["ben"], people["cara"].key))
    team.put(rosters.add(stale, at, people["ben"], people["anna"].key, "read"))  # demote its demoter
    expected = {team.id("anna"): "admin", team.id("ben"): "write", team.id("cara"): "write"}
    for who in ("anna", "ben", "cara", "mallory"):
        assert team.roles(who) == expected, who
    assert len(team.view("anna").problems) == 3
    # Still a member: a grant it writes afterwards (any member may) counts.
    grant = team.put(rosters.grant_missing(team.view("ben"), team.clock.now(), people["ben"]))
    assert rosters.entry_digest(grant) in team.view("anna").accepted


def test_a_re_added_admins_later_entries_count_and_its_backdated_ones_still_do_not(people):
    team = Team(people)
    stale = team.view("ben")
    at = team.backdated()
    team.put(rosters.remove(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key))
    puppet = team.put(rosters.add(stale, at, people["ben"], people["mallory"].key, "admin"))
    team.put(rosters.add(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key, "admin"))
    later = team.put(rosters.add(team.view("ben"), team.clock.now(), people["ben"], people["dave"].key, "write"))
    # A second backdated entry, written now that ben knows of his re-add but claiming a past without it.
    team.put(rosters.remove(stale, team.backdated(), people["ben"], people["cara"].key))
    for who in ("anna", "ben", "cara", "dave"):
        view = team.view(who)
        assert team.roles(who) == {team.id("anna"): "admin", team.id("ben"): "admin", team.id("cara"): "write",
                                   team.id("dave"): "write"}, who
        assert rosters.entry_digest(later) in view.accepted and rosters.entry_digest(puppet) not in view.accepted
    dave = team.view("dave")
    assert dave.current in dave.keys or dave.missing() == [team.id("dave")]


@pytest.mark.seconds  # every arrival order of a roster's entries: ~2 s
def test_entries_in_any_arrival_order_give_the_same_roster(people):
    """Concurrent legitimate changes, a removal, the removed admin's backdated entries, and a re-add."""
    team = Team(people)
    anna, stale = team.view("anna"), team.view("ben")
    at = team.clock.now()
    team.put(rosters.add(anna, at, people["anna"], people["dave"].key, "read"))  # at the same time as ben's rotation
    team.put(rosters.rotate(stale, at, people["ben"]))
    team.put(rosters.remove(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key))
    team.put(rosters.add(stale, team.backdated(), people["ben"], people["mallory"].key, "admin"))
    team.put(rosters.remove(stale, team.backdated(), people["ben"], people["anna"].key))
    team.put(rosters.add(team.view("anna"), team.clock.now(), people["anna"], people["ben"].key, "write"))
    view = team.view("anna")
    if view.missing():
        team.put(rosters.grant_missing(view, team.clock.now(), people["anna"]))
    names = list(team.entries)
    expected = summary(team.view("anna"))
    assert expected[0] == {team.id("anna"): "admin", team.id("ben"): "write", team.id("cara"): "write",
                           team.id("dave"): "read"}
    assert not expected[5] and len(expected[4]) == 2  # not tainted; ben's two backdated entries refused
    orders = [random.Random(seed).sample(names, len(names)) for seed in range(30)]
    orders += [names[:-5] + list(p) for p in itertools.permutations(names[-5:])]
    for order in orders:
        assert summary(team.view("anna", {n: team.entries[n] for n in order})) == expected
    # A member that receives them one at a time, in any order, ends on the same roster.
    for seed in range(5):
        arrived: dict[str, bytes] = {}
        for name in random.Random(seed).sample(names, len(names)):
            arrived[name] = team.entries[name]
            team.view("cara", arrived)
        assert summary(team.view("anna", arrived)) == expected


def _old_entry(roster, at, me, body, *, grants=None, gen=None) -> bytes:
    """An entry as format 1 wrote it (no parents)."""
    return rosters.make_entry(SHARE, at, me, body, sealed_gen=roster.current, sealed_key=roster.keys[roster.current],
                              grants=grants or {}, gen=gen, parents=None)


def test_format_1_entries_fold_as_before_until_their_signer_is_removed(people):
    clock, anchor = Clock(), people["anna"].person_id
    anna, ben, cara, mallory = (people[n] for n in ("anna", "ben", "cara", "mallory"))
    entries: dict[str, bytes] = {}

    def put(entry):
        entries[rosters.entry_digest(entry)] = entry

    def view(who=anna):
        return rosters.fold(entries, SHARE, anchor, who)

    made = json.loads(rosters.create(SHARE, clock.now(), anna, "team"))
    doc = json.loads(made["doc"])
    doc.pop("parents")  # the creation as format 1 wrote it (same signer, same key generation)
    text = json.dumps(doc, sort_keys=True)
    signature = anna.sign(b"memvault-share-roster\x00" + text.encode()).hex()
    put(json.dumps({"v": 1, "doc": text, "sig": signature}).encode())
    for person, role in ((ben, "admin"), (cara, "write")):
        v = view()
        put(_old_entry(v, clock.now(), anna, {"op": "add", "person": person.key.text, "role": role},
                       grants={g: {person.person_id: rosters.wrap(k, person.key)} for g, k in v.keys.items()}))
    old = view()
    assert {p: m.role for p, m in old.members.items()} == {anchor: "admin", ben.person_id: "admin",
                                                           cara.person_id: "write"}
    assert len(old.heads) == 3 and not old.problems  # format-1 entries name no parents: each is a head
    stale = view(ben)
    at = Clock.stamp(clock.ms + 5)  # after every entry ben had read, before his removal
    removal = rosters.remove(old, clock.now(), anna, ben.key)
    assert sorted(json.loads(json.loads(removal)["doc"])["parents"]) == old.heads  # every head: the old entries
    put(removal)
    # Ben answers with format-1 entries stamped before his removal: they name no parents, so nothing puts them
    # in the removal's past.
    put(_old_entry(stale, at, ben, {"op": "add", "person": mallory.key.text, "role": "admin"}))
    put(_old_entry(stale, at, ben, {"op": "remove", "person": cara.key.text}, gen=7,
                   grants={7: {anchor: rosters.wrap(b"k" * 32, anna.key)}}))
    now = view()
    assert {p: m.role for p, m in now.members.items()} == {anchor: "admin", cara.person_id: "write"}
    assert len(now.problems) == 2 and now.current == view(cara).current and now.current in view(cara).keys


def test_a_format_2_entry_cannot_be_rewrapped(people):
    team = Team(people)
    entry = team.put(rosters.rotate(team.view("anna"), team.clock.now(), people["anna"]))
    outer = json.loads(entry)
    as_old = json.dumps(dict(outer, v=1)).encode()  # the target drops it to format 1 (out of the causal order)
    spaced = json.dumps(outer, indent=1).encode()  # the same signed document under another name
    for data in (as_old, spaced):
        assert not rosters.verifies(data, SHARE)
        view = team.view("anna", {**team.entries, rosters.entry_digest(data): data})
        assert any("damaged" in p for p in view.problems)


def _random_history(seed: int, people: list[PersonIdentity], steps: int) -> dict[str, bytes]:
    """Members acting on stale views (what they had read some entries ago), some with backdated stamps."""
    rng, clock, anna = random.Random(seed), Clock(), people[0]
    entries = {}
    made = rosters.create(SHARE, clock.now(), anna, "team")
    entries[rosters.entry_digest(made)] = made
    seen = [dict(entries)]
    for _ in range(steps):
        had = rng.choice(seen[-4:]) if rng.random() < 0.4 else dict(entries)
        members = rosters.fold(had, SHARE, anna.person_id, anna).members
        who = rng.choice([p for p in people if p.person_id in members])
        view = rosters.fold(had, SHARE, anna.person_id, who)
        if view.current not in view.keys:
            continue
        at = clock.now() if rng.random() < 0.7 else Clock.stamp(clock.ms - rng.randint(1, 200))
        other, act = rng.choice(people), rng.random()
        if act < 0.45:
            entry = rosters.add(view, at, who, other.key, rng.choice(["read", "write", "admin", "admin"]))
        elif act < 0.7 and other.person_id in view.members:
            entry = rosters.remove(view, at, who, other.key)
        elif act < 0.85 or not view.missing():
            entry = rosters.rotate(view, at, who)
        else:
            entry = rosters.grant_missing(view, at, who)
        entries[rosters.entry_digest(entry)] = entry
        seen.append(dict(entries))
    return entries


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_random_histories_fold_the_same_in_any_order(people, seed, monkeypatch):
    everyone = list(people.values())
    entries = _random_history(seed, everyone, 30)
    anchor, names = everyone[0].person_id, list(entries)
    expected = summary(rosters.fold(entries, SHARE, anchor, everyone[0]))
    assert any(role == "admin" for role in expected[0].values())
    for order in (random.Random(k).sample(names, len(names)) for k in range(4)):
        assert summary(rosters.fold({n: entries[n] for n in order}, SHARE, anchor, everyone[0])) == expected
    # Going on from a folded prefix (the fold's shortcut) gives what folding every causal past afresh gives.
    run = causal.Resolver.run

    def afresh(self, mask, main=False):
        self._checkpoint = None
        return run(self, mask, main)

    monkeypatch.setattr(causal.Resolver, "run", afresh)
    assert summary(rosters.fold(entries, SHARE, anchor, everyone[0])) == expected
