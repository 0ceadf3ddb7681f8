"""One vault as a sync replica: local changes become ops, other devices' ops become local changes.

Both directions run inside the caller's write transaction:

- :func:`catch_up` reads the oplog entries this device wrote since the last
  call, compares each touched memory's row with its merge state, and turns the
  difference into an op (stamped after everything the state had seen, since the
  user made the change over it) that joins the state and goes to the outbox.
- :func:`memvault.sync.incoming.apply` joins other devices' ops into the states and
  writes what the states now show through the one write path.

Before every ``apply`` the caller runs :func:`catch_up` in the same
transaction, so a row always equals what its state shows when remote ops meet it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from memvault.domain.errors import DamagedData
from memvault.domain.hlc import Hlc
from memvault.sync import merge, scope, skew
from memvault.vault import sync_store as store

OPLOG_CURSOR = "sync_oplog_cursor"
#: Set when every device is to be read from the start: the next pull also looks for devices whose segments were
#: all compacted away (known only by a snapshot).
REWOUND = "sync_rewound"
_BATCH = 2000


@dataclass(frozen=True)
class Models:
    """This device's embedding model: shipped vectors are stored only when they come from the same one."""

    model_id: str
    dimension: int


def _vectors_payload(row: store.Row, found: tuple[list[tuple[int, int]], bytes], dimension: int) -> dict[str, Any]:
    spans, data = found
    return {"model": row.model_id, "dim": dimension, "hash": row.content_hash, "spans": [list(s) for s in spans],
            "data": base64.b64encode(data).decode("ascii")}


def catch_up(conn: Any, device_id: str, models: Models) -> int:
    """Fold this device's oplog entries since the last call into states and the outbox; returns ops added."""
    cursor = int(store.get_setting(conn, OPLOG_CURSOR) or 0)
    last = store.last_oplog_id(conn)
    added = 0
    while cursor < last:
        entries = store.local_entries_since(conn, cursor, device_id, _BATCH)
        if not entries:
            break
        added += _fold(conn, entries, device_id, models)
        cursor = entries[-1].id
    # Everything up to now is folded (the caller's write transaction keeps others out): entries other devices'
    # ops wrote after this point are skipped for good instead of being read again on every cycle.
    store.set_setting(conn, OPLOG_CURSOR, str(store.last_oplog_id(conn)))
    return added


def unfolded(conn: Any) -> bool:
    """Whether the oplog holds entries after the last :func:`catch_up` (to fold, or to skip)."""
    return int(store.get_setting(conn, OPLOG_CURSOR) or 0) < store.last_oplog_id(conn)


def skip_applied(conn: Any) -> None:
    """After :func:`apply` (preceded by :func:`catch_up` in the same transaction): its oplog entries are others'."""
    store.set_setting(conn, OPLOG_CURSOR, str(store.last_oplog_id(conn)))


def _fold(conn: Any, entries: list[store.LocalEntry], device_id: str, models: Models) -> int:
    ops: list[dict[str, Any]] = []
    wipes = store.wipes(conn)
    route = scope.routing(conn)
    for entry in entries:
        if entry.op == "wipe_namespace" and entry.namespace and route.folds(entry.namespace):
            ops.append(_fold_wipe(conn, entry, wipes, device_id))
    touched: dict[str, str] = {}
    vectors_only: set[str] = set()
    changed: dict[str, dict[str, str] | None] = {}
    for entry in entries:
        if entry.op == "wipe_namespace":
            continue
        uuid = entry.memory_uuid
        touched[uuid] = max(entry.hlc, touched.get(uuid, ""))
        if entry.op == "vectors":
            vectors_only.add(uuid)
        if entry.op in ("create", "import"):
            changed[uuid] = None  # every field, at the latest stamp
        elif entry.fields is not None and changed.get(uuid, {}) is not None:
            # Each field keeps the stamp of the edit that last changed it, so that a later edit of another field
            # does not carry it past another device's change made in between (see merge.delta).
            fields = changed.setdefault(uuid, {})
            assert fields is not None
            for name in entry.fields:
                fields[name] = max(entry.hlc, fields.get(name, ""))
    ops += _fold_memories(conn, touched, vectors_only, wipes, route, device_id, models, changed)
    store.outbox_append(conn, ops)
    return len(ops)


def _fold_memories(conn: Any, touched: dict[str, str], vectors_only: set[str], wipes: dict[str, str],
                   route: scope.Routing, device_id: str, models: Models,
                   changed: dict[str, dict[str, str] | None] | None = None) -> list[dict[str, Any]]:
    """Turn the difference between each touched memory's row and its state into an op (joined into the state)."""
    ops: list[dict[str, Any]] = []
    states = store.load_states(conn, list(touched))
    rows = store.rows_for(conn, list(touched))
    joined: dict[str, dict[str, Any]] = {}
    # Ops held here (stamped too far ahead): an edit made here over them is later in real time, so it is stamped
    # after them and wins once they apply (see memvault/sync/skew.py).
    held, held_wipes = skew.floors(conn)
    for uuid, entry_hlc in touched.items():
        state, row = states.get(uuid), rows.get(uuid)
        namespace = state["ns"] if state else (row.fields["namespace"] if row else None)
        if namespace is None:
            continue  # made and removed again since the last fold: nothing to tell anyone
        if not route.folds(namespace):
            continue  # outside the scope: its state stays as it was until the scope widens (see memvault/sync/scope.py)
        wipe = wipes.get(namespace)
        floor = max([s for s in (merge.latest(state), wipe, held.get(uuid), held_wipes.get(namespace)) if s] or [""])
        stamp = max(entry_hlc, merge.successor(floor, device_id)) if floor else entry_hlc
        fields = (changed or {}).get(uuid)
        if fields and (uuid in held or namespace in held_wipes):
            fields = {name: max(at, stamp) for name, at in fields.items()}
        op = merge.delta(state, wipe, row.fields if row else None, stamp, fields)
        if row is not None:
            op = _counted(conn, op, state, row, namespace, device_id)
            if op is not None:
                op["t"] = [stamp, row.updated_at]  # stamped after everything the state holds: it wins
        if op is not None:
            joined[uuid] = merge.join(state, {k: v for k, v in op.items() if k != "hv"})
        if row is not None and (uuid in vectors_only or (op and ("content" in op or "born" in op))):
            found = store.vectors_of(conn, row)
            if found is not None:
                op = dict(op or {"ns": namespace}, vectors=_vectors_payload(row, found, models.dimension))
        if op is not None:
            ops.append(dict(op, u=uuid))
    store.save_states(conn, joined)
    return ops


def _counted(conn: Any, op: dict[str, Any] | None, state: dict[str, Any] | None, row: store.Row, namespace: str,
             device_id: str) -> dict[str, Any] | None:
    """``op`` with this device's count of versioned changes to the memory (``n``), when the row's version has
    moved past what the state shows (local changes since the last fold)."""
    counts = (state or {}).get("n", {})
    mine = max(counts.get(device_id, 0), row.version - sum(v for d, v in counts.items() if d != device_id))
    if mine <= counts.get(device_id, 0):
        return op
    # The history versions those changes made go with them, so that other devices can browse and restore them.
    made = store.history_rows(conn, row.rowid, row.version - (mine - counts.get(device_id, 0)))
    return dict(op or {"ns": namespace}, n={device_id: mine}, **({"hv": made[-merge.MAX_HISTORY:]} if made else {}))


def _fold_wipe(conn: Any, entry: store.LocalEntry, wipes: dict[str, str], device_id: str) -> dict[str, Any]:
    namespace = entry.namespace
    assert namespace is not None
    # Everything the namespace held here is gone, including memories stamped ahead of this clock.
    borns = [s["born"][0] for s in store.load_states(conn, store.uuids_in_namespace(conn, namespace)).values()
             if "born" in s]
    borns += [op["born"][0] for _, op in skew.held(conn) if op.get("ns") == namespace and "born" in op]
    floor = max(borns + ([wipes[namespace]] if namespace in wipes else []) or [""])
    stamp = max(entry.hlc, merge.successor(floor, device_id)) if floor else entry.hlc
    store.set_wipe(conn, namespace, stamp)
    wipes[namespace] = max(stamp, wipes.get(namespace, ""))
    return {"wipe": namespace, "h": stamp}


def seed(conn: Any, device_id: str, models: Models, only: Callable[[str], bool] | None = None) -> int:
    """Give every memory of the scope (and of ``only``'s namespaces) without a state one (sync just set up, or
    the scope widened); returns the ops added to the outbox."""
    wipes = store.wipes(conn)
    route = scope.routing(conn)
    added = 0
    batch: list[store.Row] = []

    def flush() -> int:
        states = store.load_states(conn, [r.uuid for r in batch])
        ops, changed = [], {}
        for row in batch:
            if row.uuid in states:
                continue
            stamp = _row_stamp(conn, row, wipes.get(row.fields["namespace"]))
            op = merge.delta(None, None, row.fields, stamp)
            assert op is not None
            op["n"], op["t"] = {device_id: row.version}, [stamp, row.updated_at]
            changed[row.uuid] = merge.join(None, op)
            found = store.vectors_of(conn, row)
            if found is not None:
                op["vectors"] = _vectors_payload(row, found, models.dimension)
            # Edited before sync was set up: its history goes with it (not into the state).
            made = store.history_rows(conn, row.rowid, 0)[-merge.MAX_HISTORY:] if row.version > 1 else []
            ops.append(dict(op, u=row.uuid, **({"hv": made} if made else {})))
        store.save_states(conn, changed)
        store.outbox_append(conn, ops)
        batch.clear()
        return len(ops)

    for row in list(store.iter_rows(conn)):
        namespace = row.fields["namespace"]
        if not route.folds(namespace) or (only is not None and not only(namespace)):
            continue
        batch.append(row)
        if len(batch) >= _BATCH:
            added += flush()
    added += flush()
    store.set_setting(conn, OPLOG_CURSOR, str(store.last_oplog_id(conn)))
    return added


def widen(conn: Any, old: scope.Scope, device_id: str, models: Models) -> int:
    """The scope (already stored) grew from ``old``: send what the added namespaces hold here, and read every
    device from the start again (what was skipped is applied then); returns the ops added to the outbox."""
    route = scope.routing(conn)

    def added(namespace: str) -> bool:  # (a shared namespace never joins device sync's scope)
        return route.device(namespace) and not scope.includes(old, namespace)

    # Memories that have a state (they synced before the scope narrowed): the difference since, stamped after it.
    touched: dict[str, str] = {}
    for namespace in {ns for ns in store.state_namespaces(conn) if added(ns)}:
        uuids = store.uuids_in_namespace(conn, namespace)
        rows = store.rows_for(conn, uuids)
        touched.update({u: repo_hlc(conn, rows[u]) if u in rows else "" for u in uuids})
    ops = _fold_memories(conn, touched, set(), store.wipes(conn), route, device_id, models)
    store.outbox_append(conn, ops)
    # Memories without one (made here while outside the scope): all of them.
    sent = len(ops) + seed(conn, device_id, models, only=added)
    store.rewind_cursors(conn)
    store.set_setting(conn, REWOUND, "1")
    return sent


def _row_stamp(conn: Any, row: store.Row, wipe: str | None) -> str:
    stamp = repo_hlc(conn, row)
    if wipe and stamp <= wipe:
        stamp = merge.successor(wipe, Hlc.parse(stamp).device_id)
    return stamp


def repo_hlc(conn: Any, row: store.Row) -> str:
    try:
        return merge.check_hlc(row.hlc)
    except DamagedData:
        return str(Hlc(int(row.fields["created_at"] * 1000), 0, row.fields["origin_device"] or "unknown"))
