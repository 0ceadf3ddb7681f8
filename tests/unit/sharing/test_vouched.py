"""What an entry that takes a person's write role vouches for of their writes, and how a reader judges a segment
of theirs against it (the chain walk over a target is in tests/integration/sharing/test_removed_writes.py)."""

from __future__ import annotations

import pytest

from memvault.sharing import roster as rosters
from memvault.sharing import vouched
from memvault.sharing.person import PersonIdentity
from memvault.sharing.rules import Vouched
from memvault.sync.segments import digest
from tests.unit.sharing.test_roster import SHARE, Clock, entries_of

DEVICE = "0190a000-0000-7000-8000-0000000000b1"
OTHER = "0190a000-0000-7000-8000-0000000000b2"
LINK = [2, "ab" * 32]


@pytest.fixture
def people():
    return {name: PersonIdentity.new() for name in ("anna", "ben", "cara")}


def _fold(people, *entries, me="anna"):
    return rosters.fold(entries_of(*entries), SHARE, people["anna"].person_id, people[me])


def _team(people, clock, role="write"):
    anna = people["anna"]
    made = rosters.create(SHARE, clock.now(), anna, "team")
    add = rosters.add(_fold(people, made), clock.now(), anna, people["ben"].key, role)
    return [made, add]


def test_a_removal_vouches_for_the_links_it_names_under_the_role_they_had(people):
    clock = Clock()
    team = _team(people, clock)
    remove = rosters.remove(_fold(people, *team), clock.now(), people["anna"], people["ben"].key,
                            writes={DEVICE: LINK, "not a device": [1, "ab" * 32], OTHER: [0, "x"]})
    view = _fold(people, *team, remove, me="ben")  # the removed person reads it too (sealed under the old key)
    ben = people["ben"].person_id
    assert ben in view.removed
    assert view.vouched[ben] == Vouched("write", {DEVICE: (2, "ab" * 32)})  # malformed links are left out


def _team_and_old_removal(people):
    """The team's entries and ben's removal as an older Memvault wrote it: a body without "writes"."""
    clock = Clock()
    team = _team(people, clock)
    roster = _fold(people, *team)
    old = rosters.make_entry(SHARE, clock.now(), people["anna"], {"op": "remove", "person": people["ben"].key.text},
                             sealed_gen=roster.current, sealed_key=roster.keys[roster.current],
                             grants={7: {}}, gen=7, parents=roster.heads)
    return team, old


def test_a_removal_without_writes_vouches_for_nothing(people):
    team, old = _team_and_old_removal(people)
    view = _fold(people, *team, old)
    assert view.vouched[people["ben"].person_id] == Vouched("write", None)


def test_adding_back_with_the_write_role_lets_the_whole_chain_count_again(people):
    clock = Clock()
    team = _team(people, clock)
    remove = rosters.remove(_fold(people, *team), clock.now(), people["anna"], people["ben"].key,
                            writes={DEVICE: LINK})
    as_reader = rosters.add(_fold(people, *team, remove), clock.now(), people["anna"], people["ben"].key, "read")
    view = _fold(people, *team, remove, as_reader)
    assert view.vouched[people["ben"].person_id].writes == {DEVICE: (2, "ab" * 32)}  # a reader: still capped
    as_writer = rosters.add(view, clock.now(), people["anna"], people["ben"].key, "write")
    assert people["ben"].person_id not in _fold(people, *team, remove, as_reader, as_writer).vouched


def test_a_demotion_vouches_and_a_later_removal_of_the_reader_keeps_it(people):
    clock = Clock()
    team = _team(people, clock)
    demote = rosters.add(_fold(people, *team), clock.now(), people["anna"], people["ben"].key, "read",
                         writes={DEVICE: LINK})
    view = _fold(people, *team, demote)
    assert view.vouched[people["ben"].person_id] == Vouched("write", {DEVICE: (2, "ab" * 32)})
    # Removed as a reader with a link further on (it read the segments he sent as a reader): those stay refused.
    remove = rosters.remove(view, clock.now(), people["anna"], people["ben"].key, writes={DEVICE: [5, "cd" * 32]})
    assert _fold(people, *team, demote, remove).vouched[people["ben"].person_id].writes == {DEVICE: (2, "ab" * 32)}
    # A role change between readers, or to a reader who never wrote, vouches for nothing.
    reader_team = _team(people, Clock(), role="read")
    again = rosters.add(_fold(people, *reader_team), clock.now(), people["anna"], people["ben"].key, "read",
                        writes={DEVICE: LINK})
    assert people["ben"].person_id not in _fold(people, *reader_team, again).vouched


def _removed(people, writes):
    clock = Clock()
    team = _team(people, clock)
    remove = rosters.remove(_fold(people, *team), clock.now(), people["anna"], people["ben"].key, writes=writes)
    return _fold(people, *team, remove)


def test_a_segment_counts_only_on_the_walked_chain_up_to_the_link(people):
    data = b"segment bytes" + b"s" * 64
    roster = _removed(people, {DEVICE: [2, digest(data)]})
    writer = f"{people['ben'].person_id}/{DEVICE}"
    walked = vouched.Walk({2: digest(data)}, True)
    assert vouched.judge(roster, writer, 2, data, 1, walked) == (None, True)
    # Another file under a vouched number: refused, and the chain does not move past it.
    why, moves = vouched.judge(roster, writer, 1, b"planted" + b"s" * 64, 1, walked)
    assert "not on the chain" in why and not moves
    # While the walk could not reach this reader's position, the segment waits (the walk reported why).
    assert vouched.judge(roster, writer, 2, data, 1, vouched.Walk({}, False)) == ("wait", False)
    # After the link: written after the removal (or at the same time), refused, and the chain moves on.
    why, moves = vouched.judge(roster, writer, 3, b"later", 1, walked)
    assert "after their removal" in why and moves
    # Another device of the person: nothing of it is vouched for.
    why, _ = vouched.judge(roster, f"{people['ben'].person_id}/{OTHER}", 1, data, 1, None)
    assert "after their removal" in why


def test_a_removal_by_an_older_version_says_so(people):
    team, old = _team_and_old_removal(people)
    view = _fold(people, *team, old)
    why, moves = vouched.judge(view, f"{people['ben'].person_id}/{DEVICE}", 1, b"x" * 80, 3, None)
    assert "older Memvault" in why and "3 change(s) cannot be read here" in why and moves


def test_links_of_names_each_device_read_and_this_devices_own_chain():
    cursors = {"chain": [4, "ee" * 32], "writers": {f"{'a' * 32}/{DEVICE}": [3, "cd" * 32],
                                                    f"{'a' * 32}/{OTHER}": [0, ""],
                                                    f"{'b' * 32}/{DEVICE}": [9, "ff" * 32]}}
    assert vouched.links_of(cursors, "a" * 32, "c" * 32, OTHER) == {DEVICE: [3, "cd" * 32]}
    assert vouched.links_of(cursors, "a" * 32, "a" * 32, OTHER) == {DEVICE: [3, "cd" * 32], OTHER: [4, "ee" * 32]}
