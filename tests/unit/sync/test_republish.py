"""How far a device joining now would get with each member, from the listing and the coverage the records state
(memvault/sync/republish.py): what falls short of what a device holds is written again."""

from __future__ import annotations

from memvault.sync.republish import coverage, reach, said, short

A, B, C = "a" * 8 + "-0000-4000-8000-000000000001", "b" * 8 + "-0000-4000-8000-000000000002", \
    "c" * 8 + "-0000-4000-8000-000000000003"


def test_a_reader_goes_on_from_a_snapshot_through_every_next_segment_that_is_there():
    assert reach([1, 2, 3], 0) == 3
    assert reach([2, 3], 0) == 0  # the first is gone: nothing after it is read either
    assert reach([4, 5, 7], 3) == 5
    assert reach([], 6) == 6


def test_nothing_is_short_while_segments_or_a_snapshot_and_the_segments_after_it_are_there():
    held = {A: 5, B: 2}
    assert short(held, {A: [1, 2, 3, 4, 5], B: [1, 2]}, {}, {}) == {}
    # a compacted 1..3 behind its snapshot: a joiner gets them from it
    assert short(held, {A: [4, 5], B: [1, 2]}, {A: [1]}, {A: {A: 3, B: 0}}) == {}


def test_a_wiped_target_is_short_of_everything_held():
    assert short({A: 5, B: 2}, {}, {}, {A: {A: 5, B: 2}}) == {A: (5, 0), B: (2, 0)}  # a record, but no snapshot there


def test_a_joiner_takes_the_snapshot_that_covers_most_and_the_members_own():
    held = {A: 5, B: 4}
    # b's snapshot covers more in all, so a joiner starts from it: a's changes 4 and 5 come from a's segments
    covers = {A: {A: 3, B: 0}, B: {A: 1, B: 4}}
    assert short(held, {A: [4, 5]}, {A: [1], B: [1]}, covers) == {}  # a's own snapshot covers a up to 3
    assert short(held, {A: [4, 5]}, {B: [1]}, covers) == {A: (5, 1)}  # a's is gone: only b's, which covers 1


def test_coverage_is_what_each_members_record_states_of_its_snapshot():
    records = {A: {"snapshot": {A: 3, B: True}}, B: {"error": "unreadable"}, C: {"snapshot": {A: 1}}}
    assert coverage(records, [A, B]) == {A: {A: 3}}


def test_the_line_says_whose_changes_and_that_they_are_written_again():
    line = said(A, {B: (4, 0), A: (5, 2)})
    assert line.startswith("the target had lost files holding changes (this device's, up to its segment 5; device "
                           "bbbbbbbb's, up to its segment 4, which this device had read): written again")
