"""The merge rules on their own: join is commutative, associative and idempotent over random ops; what a
state shows follows last-writer-wins per field, add-wins tags, tombstones and namespace wipes."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from memvault.domain.errors import DamagedData
from memvault.sync import merge, op_shape
from tests.helpers.budget import examples

DEVICES = ["a0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002"]


def stamp(ms: int, device: int = 0, counter: int = 0) -> str:
    return f"{1_700_000_000_000 + ms:013d}-{counter:05d}-{DEVICES[device]}"


def born(ms: int, device: int = 0, content: str = "c", tags=("t",)) -> dict:
    h = stamp(ms, device)
    return {"ns": "n", "born": [h, {"client_id": None, "created_at": 1.0, "origin_device": DEVICES[device]}],
            "content": [h, content, []],
            "f": {k: [h, v] for k, v in {"memory_type": "general", "memory_type_source": "explicit",
                                          "importance": 0.5, "tier": "warm",
                                          "visibility": "private", "agent_id": None, "user_id": None,
                                          "session_id": None, "project": None, "expires_at": None}.items()},
            "tags": {t: [{DEVICES[device]: h}, {}] for t in tags}, "trash": [h, None], "archive": [h, None]}


STAMPS = st.builds(stamp, st.integers(0, 50), st.integers(0, 1), st.integers(0, 2))
OPS = st.one_of(
    st.builds(lambda h, v: {"ns": "n", "content": [h, v, []]}, STAMPS, st.sampled_from(["x", "y", "z"])),
    st.builds(lambda h, v: {"ns": "n", "meta": {"k": [h, v is not None, v]}}, STAMPS,
              st.one_of(st.none(), st.integers(0, 3))),
    st.builds(lambda h, t, add: {"ns": "n", "tags": {t: [{h[-36:]: h}, {}] if add else [{}, {h[-36:]: h}]}},
              STAMPS, st.sampled_from(["p", "q"]), st.booleans()),
    st.builds(lambda h: {"ns": "n", "gone": h}, STAMPS),
    st.builds(lambda h, k, v: {"ns": "n", "f": {k: [h, v]}}, STAMPS, st.sampled_from(["importance", "tier"]),
              st.sampled_from([0.1, 0.9, "hot"])),
    st.builds(lambda h, v: {"ns": "n", "trash": [h, v]}, STAMPS, st.one_of(st.none(), st.floats(1, 2))),
    st.builds(lambda ms, d: born(ms, d), st.integers(0, 50), st.integers(0, 1)),
)


def fold(ops):
    state = None
    for op in ops:
        state = merge.join(state, op)
    return state


@settings(max_examples=examples(300))
@given(st.lists(OPS, min_size=1, max_size=8), st.randoms())
def test_join_gives_one_state_whatever_the_order_and_repetition(ops, rnd):
    shuffled = list(ops) + rnd.sample(ops, k=min(3, len(ops)))
    rnd.shuffle(shuffled)
    assert fold(shuffled) == fold(ops)
    half = len(ops) // 2
    assert merge.join(fold(ops[:half]) if half else None, fold(ops[half:])) == fold(ops)


@settings(max_examples=examples(300))
@given(st.lists(OPS, min_size=0, max_size=8))
def test_latest_is_the_newest_of_all_clocks(ops):
    state = fold(ops)
    found = merge.clocks(state)
    assert merge.latest(state) == (max(found) if found else None)


def test_later_writer_wins_per_field():
    state = merge.join(born(0), {"ns": "n", "content": [stamp(5, 1), "from b", [stamp(0)]]})
    state = merge.join(state, {"ns": "n", "content": [stamp(3, 0), "from a", [stamp(0)]]})
    state = merge.join(state, {"ns": "n", "f": {"memory_type": [stamp(4, 0), "fact"]}})
    state = merge.join(state, {"ns": "n", "f": {"importance": [stamp(2, 1), 0.9]}})  # concurrent, another field
    shown = merge.render(state, None)
    assert shown["content"] == "from b" and shown["memory_type"] == "fact" and shown["importance"] == 0.9


def test_an_edit_of_one_field_does_not_carry_an_earlier_edit_of_another_past_a_concurrent_one():
    # Device a sets importance 0.1 (t1), then edits only the content (t3); device b set importance 0.9 at t2.
    state = born(0)
    row = dict(merge.render(state, None), importance=0.1, content="edited on a")
    op = merge.delta(state, None, row, stamp(3), {"importance": stamp(1), "content": stamp(3)})
    assert op["f"] == {"importance": [stamp(1), 0.1]} and op["content"][0] == stamp(3)
    from_b = {"ns": "n", "f": {"importance": [stamp(2, 1), 0.9]}}
    for joined in (merge.join(merge.join(state, op), from_b), merge.join(merge.join(state, from_b), op)):
        assert merge.render(joined, None)["importance"] == 0.9
        assert merge.render(joined, None)["content"] == "edited on a"


def test_a_concurrent_add_survives_a_remove_that_did_not_see_it():
    state = born(0, tags=("t",))
    removed = {"ns": "n", "tags": {"t": [{}, {DEVICES[0]: stamp(0)}]}}  # device a removes the add it saw
    added = {"ns": "n", "tags": {"t": [{DEVICES[1]: stamp(-5, 1)}, {}]}}  # b adds again, earlier clock, unseen
    assert merge.tags_of(merge.join(merge.join(state, removed), added)) == ["t"]
    assert merge.tags_of(merge.join(state, removed)) == []


def test_hard_delete_and_wipe_remove_what_was_born_before_them():
    state = born(10)
    assert merge.render(merge.join(state, {"ns": "n", "gone": stamp(11)}), None) is None
    assert merge.render(state, stamp(12)) is None
    assert merge.render(state, stamp(9)) is not None
    again = merge.join(merge.join(state, {"ns": "n", "gone": stamp(11)}), born(20))
    assert merge.render(again, None) is not None


def test_delta_of_a_local_change_joins_into_the_rows_fields():
    state = born(0, tags=("t", "u"))
    row = dict(merge.render(state, None), content="new", tags=["u", "v"], metadata={"k": 1}, deleted_at=3.0)
    op = merge.delta(state, None, row, stamp(1))
    assert set(op) == {"ns", "content", "tags", "meta", "trash", "ts"}
    assert op["ts"] == [op["trash"][0], op["content"][0]]  # deleted over the content it edited first
    assert merge.render(merge.join(state, op), None) == dict(row, tags=["u", "v"])
    assert merge.delta(merge.join(state, op), None, row, stamp(2)) is None


@pytest.mark.parametrize("bad", [
    {"ns": "n", "u": "x", "content": ["not a stamp", "c", []]},
    {"ns": "n", "u": "x", "f": {"memory_type": [stamp(0), "nonsense"]}},
    {"ns": "n", "u": "x", "f": {"importance": [stamp(0), 1.5]}},
    {"ns": "n", "u": "x", "f": {"not_a_field": [stamp(0), 1]}},
    {"ns": "n", "u": "x", "tags": {"t": "not a pair"}},
    {"wipe": "n"},
    ["not", "an", "op"],
    {"ns": "n", "u": "x", "f": {"tier": [stamp(0), "lukewarm"]}},
    {"ns": "n", "u": "x", "f": {"visibility": [stamp(0), ["private"]]}},
    {"ns": "n", "u": "x", "ts": [stamp(0), "not a stamp"]},
    {"ns": "n", "u": "x", "ts": [stamp(0), stamp(0), stamp(1)]},
])
def test_ops_of_impossible_shape_are_refused(bad):
    with pytest.raises(DamagedData):
        op_shape.validate_op(bad)


def test_a_delete_met_by_a_later_edit_of_another_device_is_a_conflict():
    from memvault.sync.merge import deleted_while_edited

    a, b = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
    trashed = {"ns": "n", "trash": [f"0000000000100-00000-{a}", 1.0], "content": [f"0000000000200-00000-{b}", "x", []]}
    assert deleted_while_edited(trashed) == (a, b)
    assert deleted_while_edited(dict(trashed, content=[f"0000000000050-00000-{b}", "x", []])) is None  # before it
    assert deleted_while_edited(dict(trashed, trash=[f"0000000000100-00000-{a}", None])) is None  # restored
    assert deleted_while_edited(dict(trashed, content=[f"0000000000200-00000-{a}", "x", []])) is None  # its own


def test_a_delete_that_names_the_content_it_saw_catches_an_edit_stamped_before_it():
    from memvault.sync.merge import deleted_while_edited

    a, b = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
    made = f"0000000000010-00000-{a}"
    trash = f"0000000000100-00000-{a}"
    behind = f"0000000000050-00000-{b}"  # B's clock ran behind: its edit sorts before the delete
    state = {"ns": "n", "trash": [trash, 1.0], "ts": [trash, made], "content": [behind, "x", [made]]}
    assert deleted_while_edited(state) == (a, b)
    assert deleted_while_edited(dict(state, ts=[trash, behind])) is None  # the delete was made over that edit
    # A ``ts`` of an earlier delete (restored and deleted again by a release without it): the stamps decide.
    assert deleted_while_edited(dict(state, ts=[f"0000000000020-00000-{a}", made])) is None
    assert deleted_while_edited(dict(state, trash=[trash, None])) is None  # restored


def test_a_delete_names_the_content_its_device_had_seen_and_a_restore_names_none():
    state = born(0)
    trashed = dict(merge.render(state, None), deleted_at=3.0)
    op = merge.delta(state, None, trashed, stamp(5))
    assert op["ts"] == [stamp(5), state["content"][0]]
    joined = merge.join(state, op)
    restored = merge.delta(joined, None, dict(trashed, deleted_at=None), stamp(6))
    assert "ts" not in restored and merge.join(joined, restored)["ts"] == op["ts"]
    # Joined with another device's later delete, the later delete's ``ts`` goes with its trash register.
    other = {"ns": "n", "trash": [stamp(7, 1), 4.0], "ts": [stamp(7, 1), stamp(0)]}
    assert merge.join(joined, other)["ts"] == other["ts"] == merge.join(other, joined)["ts"]



def test_a_field_tag_or_metadata_change_of_another_device_after_a_delete_is_a_conflict():
    from memvault.sync.merge import deleted_while_edited, edit_that_met_delete

    a, b = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
    trash, before, after = (f"0000000000{ms}-00000-" for ms in (100, "050", 150))
    trashed = {"ns": "n", "trash": [trash + a, 1.0], "content": [f"0000000000010-00000-{a}", "x", []]}
    later = [
        {"f": {"importance": [after + b, 0.9]}},
        {"meta": {"room": [after + b, True, "B2"]}},
        {"tags": {"urgent": [{b: after + b}, {}]}},
        {"tags": {"old": [{a: f"0000000000010-00000-{a}"}, {b: after + b}]}},  # a tag removed
    ]
    for change in later:
        state = dict(trashed, **change)
        assert deleted_while_edited(state) == (a, b)
        assert edit_that_met_delete(state) == (a, b, after + b)
    assert deleted_while_edited(dict(trashed, f={"importance": [before + b, 0.9]})) is None  # the delete saw it
    assert deleted_while_edited(dict(trashed, f={"importance": [after + a, 0.9]})) is None  # its own device
    assert deleted_while_edited(dict(trashed, f={"importance": [after + b, 0.9]}, trash=[trash + a, None])) is None


def test_a_type_the_system_inferred_after_a_delete_is_no_conflict_but_one_a_person_set_is():
    from memvault.sync.merge import deleted_while_edited

    a, b = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
    after = f"0000000000150-00000-{b}"
    trashed = {"ns": "n", "trash": [f"0000000000100-00000-{a}", 1.0]}
    inferred = {"memory_type": [after, "task"], "memory_type_source": [after, "inferred"]}
    assert deleted_while_edited(dict(trashed, f=inferred)) is None
    assert deleted_while_edited(dict(trashed, f=dict(inferred, memory_type_source=[after, "explicit"]))) == (a, b)
