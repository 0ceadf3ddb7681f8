"""This device's clock, checked before it pushes (see ``FORMAT.md``, clock skew).

At the start of each cycle a device reads its peers' records and decides from their signed readings how far
its own clock runs ahead (:func:`memvault.sync.skew.observe`), so what it pushes next is stamped by what it
learnt. A local change stamped past the newest peer reading by more than a live peer's publishing interval
(:data:`memvault.sync.skew.QUIET_MS`) may have been made on a clock that jumped ahead: the device asks (its
record says ``ask``, and peers publish their echo at once) and pushes it only once a peer has echoed a reading
made after it. If the echoes show the clock ahead, the waiting changes are stamped back by what it was off, as
if the clock had been corrected when they were made, so an edit made later in real time elsewhere wins. Peers
that do not answer in :data:`memvault.sync.skew.ASK_CYCLES` cycles are silent: the changes go out as they
are (receivers then hold them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from memvault.sync import scope, skew
from memvault.sync.parts import SyncParts
from memvault.vault import sync_store as store


@dataclass
class Clocks:
    """What a cycle read of clocks before pushing."""

    #: Every device's record, as read at the start of the cycle.
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: This device's clock state after reading them.
    state: dict[str, Any] = field(default_factory=dict)
    #: The newest echo of this device's readings in a member's record.
    echo: int | None = None
    #: Whether this cycle already decided about changes stamped past the peers' readings.
    decided: bool = False


def read(engine: SyncParts) -> Clocks:
    """Read the peers' records and correct this device's clock from them."""
    records = engine.records()
    members = {d: r for d, r in records.items() if d in engine.ring.members and d not in engine.ring.removed}
    with engine.db.read() as conn:
        clock = skew.state(conn)
    raw_ms = int(getattr(engine.wall, "raw", engine.wall)() * 1000)
    observed = skew.observe(clock, engine.device_id, members, raw_ms, int(engine.wall() * 1000))
    if observed != clock:
        with engine.db.write() as conn:
            skew.keep(conn, observed)
    engine.correct_clock(observed["offset"])
    return Clocks(records, observed, skew.newest_echo(members, engine.device_id, raw_ms))


def vet(engine: SyncParts, clocks: Clocks, rows: list[tuple[int, str]]) -> list[tuple[int, str]] | None:
    """The first of ``rows`` (ops not pushed yet) that may go out now; ``None``: they were stamped back, read
    them again. An empty list: they wait for a peer's answer."""
    limit = skew.trust_limit(clocks.state)
    if clocks.decided or limit is None:
        return rows
    if not clocks.state.get("ask") and engine.wall() * 1000 <= limit:
        return rows  # this clock is within reach of a live peer's reading: nothing it stamped is suspect
    cut = skew.first_suspect(rows, limit)
    if cut is None or cut > 0:
        return rows[:cut]
    clocks.decided = True
    ask = clocks.state.get("ask")
    if skew.answered(clocks.state, clocks.echo):
        back = int(clocks.state.get("offset", 0)) - int(ask["offset"])
        _settle(engine, clocks, limit, back if back > skew.MAX_DRIFT_MS else 0)
        return None
    if ask and ask["cycles"] + 1 >= skew.ASK_CYCLES:
        _settle(engine, clocks, limit, 0)  # the peers are silent: out as they are
        return rows
    raw_ms = int(getattr(engine.wall, "raw", engine.wall)() * 1000)
    clocks.state = clocks.state | {"ask": (ask | {"cycles": ask["cycles"] + 1}) if ask else
                                   {"at": raw_ms, "offset": int(clocks.state.get("offset", 0)), "cycles": 0}}
    with engine.db.write() as conn:
        skew.keep(conn, clocks.state)
    return []


def _settle(engine: SyncParts, clocks: Clocks, limit: int, back_ms: int) -> None:
    """Stop asking; stamp every op not pushed yet ``back_ms`` back (those past ``limit``)."""
    clocks.state = {k: v for k, v in clocks.state.items() if k != "ask"}
    with engine.db.write() as conn:
        if back_ms:
            pushed = int(store.get_setting(conn, "sync_pushed") or 0)
            rows = store.outbox_after(conn, pushed, 1 << 30, without=scope.shared(conn))
            ops = [json.loads(text) for _, text in rows]
            seen = [c.last_hlc for c in store.cursors(conn).values() if c.last_hlc]
            mapping = skew.stamp_map([op for op in ops if "wipe" not in op], engine.device_id, limit, back_ms,
                                     max(seen, default=""))
            if mapping:
                store.outbox_replace(conn, [(seq, json.dumps(skew.replace_stamps(op, mapping), ensure_ascii=False,
                                                             sort_keys=True)) for (seq, _), op in zip(rows, ops)])
                states = store.load_states(conn, sorted({op["u"] for op in ops if "u" in op}))
                store.save_states(conn, {u: skew.replace_stamps(s, mapping) for u, s in states.items()})
        skew.keep(conn, clocks.state)
