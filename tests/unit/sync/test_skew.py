"""The clock estimate from peers' signed readings (memvault/sync/skew.py): what moves it and what cannot."""

from __future__ import annotations

import json

import pytest

from memvault.domain.errors import DamagedData
from memvault.sync import merge, skew

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
        merge.validate_op(dict(_born(f"{1_800_000_000_000:013d}-00000-d"), hv=history))


def test_well_formed_shipped_history_is_accepted():
    snapshot = json.dumps({"content": "x", "memory_type": "general", "tags": ["t"], "metadata": {"k": 1},
                           "importance": 0.5, "tier": "warm", "visibility": "private"})
    op = dict(_born(f"{1_800_000_000_000:013d}-00000-d"), hv=[[1, "create", 1.0, snapshot]])
    assert merge.validate_op(op) is op
