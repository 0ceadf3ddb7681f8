"""The clock estimate from peers' signed readings (memvault/sync/skew.py): what moves it and what cannot."""

from __future__ import annotations

import json

import pytest

from memvault.domain.errors import DamagedData
from memvault.sync import merge, op_shape, skew

DAY = 86_400_000
ME, P, Q = "me", "peer-p", "peer-q"


def _record(at_ms: int, echo_of_me: int | None, raw_ms: int | None = None) -> dict:
    record = {"seen_at": at_ms / 1000, "raw_at": raw_ms if raw_ms is not None else at_ms}
    if echo_of_me is not None:
        record["echo"] = {ME: echo_of_me}
    return record


def test_a_device_a_day_ahead_learns_its_offset_from_echoed_readings():
    now = 1_800_000_000_000
    raw = now + DAY
    # Each peer read this device's reading (raw - 60 s) before writing its own (now - 30 s).
    records = {P: _record(now - 30_000, raw - 60_000), Q: _record(now - 20_000, raw - 50_000)}
    clock = skew.observe({}, ME, records, raw, raw)
    assert DAY - 60_000 < clock["offset"] <= DAY


def test_a_correct_clock_gets_no_offset_and_a_peer_ahead_is_named():
    now = 1_800_000_000_000
    records = {P: _record(now - 30_000, now - 60_000), Q: _record(now + DAY, now - 60_000)}
    clock = skew.observe({}, ME, records, now, now)
    assert clock["offset"] == 0 and set(clock["ahead"]) == {Q}


def test_one_peer_behind_does_not_drag_the_device_back():
    now = 1_800_000_000_000
    records = {P: _record(now - 30_000, now - 60_000), Q: _record(now - DAY, now - 60_000)}
    assert skew.observe({}, ME, records, now, now)["offset"] == 0


def test_replayed_and_stale_readings_do_not_move_the_estimate():
    now = 1_800_000_000_000
    old = {"offset": 0, "raw_at": now, "peers": {P: {"at": now - 10_000, "raw": now - 10_000}}, "ahead": {}}
    # A replay: older than the record of P already read, carrying an echo that would say "a day ahead".
    replayed = {P: _record(now - DAY - 20_000, now - 20_000)}
    assert skew.observe(old, ME, replayed, now, now) == old
    # An echo of a reading this clock has not made yet (it went back since), or made over an hour ago.
    for echo in (now + DAY, now - skew.EVIDENCE_MS - 1):
        assert skew.observe({}, ME, {P: _record(now - DAY, echo)}, now, now)["offset"] == 0


def test_an_offset_is_kept_without_evidence_and_dropped_when_the_clock_goes_back():
    now = 1_800_000_000_000
    kept = {"offset": DAY, "raw_at": now + DAY, "peers": {}, "ahead": {}}
    assert skew.observe(kept, ME, {}, now + DAY + 60_000, now + 60_000)["offset"] == DAY
    assert skew.observe(kept, ME, {}, now + 60_000, now + 60_000)["offset"] == 0


def test_ops_stamped_beyond_the_drift_are_held():
    now = 1_800_000_000_000
    near = {"ns": "n", "u": "a", "gone": f"{now + skew.MAX_DRIFT_MS:013d}-00000-d"}
    far = {"ns": "n", "u": "b", "gone": f"{now + skew.MAX_DRIFT_MS + 1:013d}-00000-d"}
    wipe = {"wipe": "n", "h": f"{now + DAY:013d}-00000-d"}
    assert skew.split([near, far, wipe], now) == ([near], [far, wipe])


def _born(stamp: str) -> dict:
    return {"ns": "n", "u": "m", "born": [stamp, {"client_id": None, "created_at": 1.0, "origin_device": "d"}]}


def test_version_counts_join_by_max_per_device():
    a = {"ns": "n", "n": {"x": 2, "y": 1}}
    b = {"ns": "n", "n": {"x": 1, "y": 3, "z": 1}}
    assert merge.join(a, b)["n"] == merge.join(b, a)["n"] == {"x": 2, "y": 3, "z": 1}
    assert merge.version_of(merge.join(a, b)) == 6


@pytest.mark.parametrize("history", [
    "not a list", [[0, "update", 1.0, "{}"]], [[1, "update", 1.0, "not json"]],
    [[1, "update", 1.0, json.dumps({"content": "x"})]],  # historic fields missing
    [[1, "update", 1.0, json.dumps({"content": "x", "memory_type": "nonsense", "tags": [], "metadata": {},
                                     "importance": 0.5, "tier": "warm", "visibility": "private"})]],
    [[1, "update", 1.0, "[" * 100_000]],  # too deep to read: refused, not a crash
])
def test_malformed_shipped_history_is_refused(history):
    with pytest.raises(DamagedData):
        op_shape.validate_op(dict(_born(f"{1_800_000_000_000:013d}-00000-d"), hv=history))


def test_well_formed_shipped_history_is_accepted():
    snapshot = json.dumps({"content": "x", "memory_type": "general", "tags": ["t"], "metadata": {"k": 1},
                           "importance": 0.5, "tier": "warm", "visibility": "private"})
    op = dict(_born(f"{1_800_000_000_000:013d}-00000-d"), hv=[[1, "create", 1.0, snapshot]])
    assert op_shape.validate_op(op) is op


ME_ID = "0123456789abcdef0123456789abcdef"


def _stamp(ms: int, counter: int = 0, device: str = ME_ID) -> str:
    return f"{ms:013d}-{counter:05d}-{device}"


def test_changes_stamped_past_the_newest_peer_reading_wait_and_those_before_do_not():
    now = 1_800_000_000_000
    clock = {"peers": {P: {"at": now}, Q: {"at": now - DAY}}}
    limit = skew.trust_limit(clock)
    assert limit == now + skew.QUIET_MS and skew.trust_limit({}) is None  # no peer: nothing to ask
    rows = [(1, json.dumps({"u": "m1", "f": {"importance": [_stamp(now + 1000), 0.5]}})),
            (2, json.dumps({"u": "m2", "f": {"importance": [_stamp(now + DAY), 0.1]}})),
            (3, json.dumps({"u": "m1", "f": {"importance": [_stamp(now + 2000), 0.7]}}))]
    assert skew.first_suspect(rows, limit) == 1
    assert skew.first_suspect(rows[:1], limit) is None


def test_only_an_echo_of_a_reading_made_since_asking_answers():
    clock = {"ask": {"at": 5_000, "offset": 0, "cycles": 0}}
    assert not skew.answered(clock, 4_999) and not skew.answered(clock, None) and skew.answered(clock, 5_000)
    assert not skew.answered({}, 10_000)
    records = {P: {"echo": {ME: 4_000}}, Q: {"echo": {ME: 6_000}}, "r": {"echo": {ME: 9_000}}}
    assert skew.newest_echo(records, ME, 8_000) == 6_000  # an echo from this clock's future is no evidence


def test_stamping_back_moves_only_this_devices_late_stamps_keeps_their_order_and_stays_after_the_floor():
    now = 1_800_000_000_000
    late = [_stamp(now + DAY, 0), _stamp(now + DAY, 1), _stamp(now + DAY + 5)]
    other = _stamp(now + DAY, 0, "f" * 32)
    ops = [{"u": "m", "f": {"a": [late[0], 1], "b": [late[2], 2]}, "tags": {"t": [{ME_ID: late[1]}, {}]}},
           {"u": "n", "f": {"a": [other, 3], "c": [_stamp(now - 10), 4]}}]
    mapping = skew.stamp_map(ops, ME_ID, now + skew.QUIET_MS, DAY, _stamp(now - 1))
    assert set(mapping) == set(late)  # not another device's stamp, not one within reach of the readings
    moved = [mapping[s] for s in late]
    assert moved == sorted(moved) and moved[0] > _stamp(now - 1) and moved[-1] == _stamp(now + 5)
    # A floor later than where they would land: they follow it, still in order.
    floor = _stamp(now + 100)
    after = [skew.stamp_map(ops, ME_ID, now + skew.QUIET_MS, DAY, floor)[s] for s in late]
    assert after == sorted(after) and after[0] > floor
    replaced = skew.replace_stamps(ops, mapping)
    assert replaced[0]["f"]["a"][0] == mapping[late[0]] and replaced[1]["f"]["a"][0] == other
    assert replaced[0]["tags"]["t"][0] == {ME_ID: mapping[late[1]]}
