"""Bounded clock skew: ops stamped too far ahead wait here, and a device whose clock runs ahead corrects itself.

Two halves (see ``FORMAT.md``, clock skew):

- A receiver *holds* every op stamped more than :data:`MAX_DRIFT_MS` ahead of its own clock: kept in the vault
  (so it survives restarts), not applied, until this clock reaches its stamp minus the drift. Holding is a
  delay, not a change: every device ends up applying the same ops, so they converge on the same state. An edit
  made here over a held op of the same memory is stamped after it (:func:`floors`), so the later edit in real
  time wins everywhere.
- A writer learns how far ahead it runs from its peers' signed device records: each record carries the writer's
  raw clock reading and an *echo* of the raw reading it last read in every other device's record. A peer read
  this device's reading ``e`` before writing its own reading ``r``, so this device runs at least ``e - r``
  ahead (when the peer's clock is right). Withholding or replaying records can only make that lower bound
  smaller or stale, never larger; stale echoes are not used (:data:`EVIDENCE_MS`), nor records older than one
  already read (a replay).
"""

from __future__ import annotations

import json
import math
from typing import Any

from memvault.domain.hlc import Hlc
from memvault.sync import merge
from memvault.vault import sync_store as store

#: Ops stamped further ahead of the receiver's clock than this are held; a device whose peers show it this far
#: ahead corrects its clock.
MAX_DRIFT_MS = 5 * 60 * 1000
#: An echo of this device's reading older than this (by its own clock) is no evidence any more.
EVIDENCE_MS = 3600 * 1000
#: A local change stamped this far past the newest clock reading of a peer may have been made on a clock that
#: jumped ahead: it is pushed once a peer has answered a reading made after it. A live peer republishes its
#: record at least every 10 minutes, on its next cycle (every 5 minutes by default), so a right clock is rarely
#: further past the readings than that plus the drift; a wrong guess costs one exchange of records.
QUIET_MS = 2 * 10 * 60 * 1000 + MAX_DRIFT_MS
#: Cycles a device waits for that answer (after the one that asked) before it pushes anyway (its peers are silent).
ASK_CYCLES = 3
#: ``[[device, op], ...]``: ops held until this clock reaches their stamp minus the drift.
HELD = "sync_held"
#: ``{"offset": ms, "raw_at": raw ms when the offset was set, "peers": {device: {"at": ms, "raw": ms}},
#: "ahead": {device: ms}}``.
CLOCK = "sync_clock"


def stamp_of(op: dict[str, Any]) -> str | None:
    return op["h"] if "wipe" in op else merge.latest(op)


def lead_of(op: dict[str, Any], now_ms: int) -> int:
    stamp = stamp_of(op)
    return Hlc.parse(stamp).ms - now_ms if stamp else 0


def split(ops: list[dict[str, Any]], now_ms: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(apply now, hold)``."""
    ready, later = [], []
    for op in ops:
        (later if lead_of(op, now_ms) > MAX_DRIFT_MS else ready).append(op)
    return ready, later


def held(conn: Any) -> list[list[Any]]:
    return json.loads(store.get_setting(conn, HELD) or "[]")


def hold(conn: Any, device: str, ops: list[dict[str, Any]]) -> None:
    if ops:
        store.set_setting(conn, HELD, json.dumps(held(conn) + [[device, op] for op in ops], sort_keys=True))


def take_due(conn: Any, now_ms: int) -> dict[str, list[dict[str, Any]]]:
    """The held ops this clock has reached (removed from the held ones), by device."""
    kept, due = [], {}
    waiting = held(conn)
    for device, op in waiting:
        if lead_of(op, now_ms) > MAX_DRIFT_MS:
            kept.append([device, op])
        else:
            due.setdefault(device, []).append(op)
    if due:
        store.set_setting(conn, HELD, json.dumps(kept, sort_keys=True))
    return due


def floors(conn: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The latest held stamp per memory and per wiped namespace: a local edit of one is stamped after it."""
    memories: dict[str, str] = {}
    wipes: dict[str, str] = {}
    for _, op in held(conn):
        stamp = stamp_of(op)
        if not stamp:
            continue
        if "wipe" in op:
            wipes[op["wipe"]] = max(stamp, wipes.get(op["wipe"], ""))
        else:
            memories[op["u"]] = max(stamp, memories.get(op["u"], ""))
    return memories, wipes


def summary(conn: Any, now_ms: int) -> dict[str, tuple[int, int]]:
    """``{device: (held ops, how far ahead its furthest one is stamped, in ms)}``."""
    found: dict[str, tuple[int, int]] = {}
    for device, op in held(conn):
        count, lead = found.get(device, (0, 0))
        found[device] = (count + 1, max(lead, lead_of(op, now_ms)))
    return found


# -- this device's own clock ---------------------------------------------------------------------------------------

def state(conn: Any) -> dict[str, Any]:
    return json.loads(store.get_setting(conn, CLOCK) or "{}")


def record_fields(clock: dict[str, Any], raw_ms: int) -> dict[str, Any]:
    """What this device's record says about its clock: its raw reading, and the peers' raw readings it last read
    (``clock``: this device's clock state); ``ask`` while it waits for an answer before pushing."""
    peers = clock.get("peers", {})
    return {"raw_at": raw_ms, "echo": {d: p["raw"] for d, p in sorted(peers.items()) if "raw" in p}} | (
        {"ask": True} if clock.get("ask") else {})


def asked(records: dict[str, dict[str, Any]], me: str) -> bool:
    """Whether a peer waits for this device's echo of its reading (then this device publishes every cycle)."""
    return any(r.get("ask") is True for d, r in records.items() if d != me and "error" not in r)


def trust_limit(clock: dict[str, Any]) -> int | None:
    """The latest stamp (ms) a local change can carry and still be pushed without asking the peers first;
    ``None``: no peer has a reading (no peer to ask, and none to make a concurrent edit)."""
    newest = max((p["at"] for p in clock.get("peers", {}).values()), default=None)
    return None if newest is None else newest + QUIET_MS


def first_suspect(rows: list[tuple[int, str]], limit: int) -> int | None:
    """The index of the first op not pushed yet stamped past ``limit``: it and everything after it wait."""
    for i, (_, text) in enumerate(rows):
        stamp = stamp_of(json.loads(text))
        if stamp and Hlc.parse(stamp).ms > limit:
            return i
    return None


def newest_echo(records: dict[str, dict[str, Any]], me: str, raw_ms: int) -> int | None:
    """The newest echo of this device's readings in ``records`` (no later than its clock reads now)."""
    echoes = [_ms(r["echo"].get(me)) for r in records.values() if isinstance(r.get("echo"), dict)]
    return max((e for e in echoes if e is not None and e <= raw_ms), default=None)


def answered(clock: dict[str, Any], echoes: int | None) -> bool:
    """Whether a peer echoed a reading this device published since it began to ask (``echoes``: the newest
    echo of its readings in its peers' records)."""
    ask = clock.get("ask")
    return bool(ask) and echoes is not None and echoes >= int(ask["at"])


def stamp_map(ops: list[dict[str, Any]], me: str, limit: int, back_ms: int, floor: str) -> dict[str, str]:
    """Each stamp of this device past ``limit`` in ``ops`` -> that stamp ``back_ms`` earlier, kept in order and
    after ``floor`` (the newest stamp they must stay after): what these ops would have carried had this device's
    clock been corrected when they were made."""
    found: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            if _own_late(value, me, limit):
                found.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(ops)
    mapping, last = {}, floor
    for old in sorted(found):
        stamp = Hlc.parse(old)
        moved = str(Hlc(stamp.ms - back_ms, stamp.counter, me))
        last = moved if moved > last else merge.successor(last, me)
        mapping[old] = last
    return mapping


def replace_stamps(value: Any, mapping: dict[str, str]) -> Any:
    """``value`` (a JSON tree: an op or a state) with each stamp in ``mapping`` replaced."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {mapping.get(k, k): replace_stamps(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_stamps(v, mapping) for v in value]
    return value


def _own_late(value: str, me: str, limit: int) -> bool:
    if not value.endswith(me) or len(value) != 20 + len(me) or value[13] != "-" or value[19] != "-":
        return False
    head = value[:13]
    return head.isdigit() and int(head) > limit


def _ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value)


def observe(old: dict[str, Any], me: str, records: dict[str, dict[str, Any]], raw_ms: int,
            now_ms: int) -> dict[str, Any]:
    """Read the peers' clock readings in their (verified) records and decide this device's offset; returns the
    new clock state (to store when it differs from ``old``): ``offset`` (ms this device's clock runs ahead, 0
    when within the drift), ``ahead`` (peers whose own reading is further ahead of this clock than the drift)."""
    peers: dict[str, dict[str, int]] = dict(old.get("peers", {}))
    bounds, ahead = [], {}
    for device, record in sorted(records.items()):
        seen_at = record.get("seen_at")
        at = _ms(seen_at * 1000) if isinstance(seen_at, (int, float)) and not isinstance(seen_at, bool) else None
        if device == me or "error" in record or at is None:
            continue
        if at < peers.get(device, {}).get("at", -1):
            continue  # older than a record of that device already read: replayed
        raw = _ms(record.get("raw_at"))
        peers[device] = {"at": at} | ({"raw": raw} if raw is not None else {})
        if at - now_ms > MAX_DRIFT_MS:
            ahead[device] = at - now_ms
        echo = record.get("echo")
        seen = _ms(echo.get(me)) if isinstance(echo, dict) else None
        if seen is not None and raw_ms - EVIDENCE_MS <= seen <= raw_ms:
            bounds.append(seen - at)
    offset = int(old.get("offset", 0))
    raw_at = int(old.get("raw_at", raw_ms))
    if bounds:
        # Most peers must agree: one peer whose clock is behind does not drag this device back.
        lead = sorted(bounds, reverse=True)[len(bounds) // 2]
        lead = lead if lead > MAX_DRIFT_MS else 0
        offset, raw_at = lead, (raw_ms if lead != offset else raw_at)
    elif offset and raw_ms < raw_at - MAX_DRIFT_MS:
        offset = 0  # the clock went back (set right) since the offset was measured
    return {"offset": offset, "raw_at": raw_at, "peers": peers, "ahead": ahead} | (
        {"ask": old["ask"]} if old.get("ask") else {})


def keep(conn: Any, clock: dict[str, Any]) -> None:
    store.set_setting(conn, CLOCK, json.dumps(clock, sort_keys=True))


def correct(clock: Any, wall: Any, offset_ms: int) -> None:
    """Stamp (``clock``, a hybrid clock) and date (``wall``, a corrected wall clock) as if this device's clock ran
    ``offset_ms`` less far ahead."""
    clock.correct(offset_ms)
    if hasattr(wall, "offset"):
        wall.offset = offset_ms / 1000


# -- what the status says --------------------------------------------------------------------------------------------

def _ahead(ms: int) -> str:
    return f"{ms / 3_600_000:.1f} h" if ms >= 3_600_000 else f"{ms / 60_000:.0f} min"


def notes(held: dict[str, tuple[int, int]], ahead: dict[str, int], offset: int) -> tuple[str, ...]:
    drift = _ahead(MAX_DRIFT_MS)
    notes = [f"This device's clock runs {_ahead(offset)} ahead of the other devices': it stamps and dates changes "
             "by their time; set this clock right"] if offset else []
    for device in sorted(set(held) | set(ahead)):
        count, lead = held.get(device, (0, 0))
        lead = max(lead, ahead.get(device, 0))
        line = f"The clock of device {device[:8]} runs {_ahead(lead)} ahead of this one"
        if count:
            line += (f": {count} of its changes are held (not lost) until this clock is within {drift} of their "
                     "time")
        notes.append(line)
    return tuple(notes)
