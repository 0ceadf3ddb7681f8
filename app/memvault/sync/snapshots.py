"""Snapshots, compaction, device records and key rotation: the upkeep of a sync group on its target.

A snapshot is every memory's merge state (with its vectors) and every
namespace wipe, plus the segment of each device it covers. A device that joins
applies the newest snapshot, then only the segments after it. A device deletes
its own segments once every known device has read them and a snapshot covers
them, and its own older snapshots once a newer one exists.
"""

from __future__ import annotations

import json
from typing import Any

from memvault.domain.errors import DamagedData, DecryptionFailed, NotFound, SyncError
from memvault.sync import identity, merge, op_shape, own_clock, replica, republish, scope, skew
from memvault.sync.parts import CycleReport, SyncParts
from memvault.sync.segments import SegmentHeader, read_file, sized_by_header, write_file
from memvault.sync.targets.base import ID, SEQ, SMALL_FILE_MAX_BYTES, seq_name
from memvault.vault import sync_store as store

SNAPSHOT_SEQ = "sync_snapshot_seq"
SNAPSHOT_AT = "sync_snapshot_at"
RECORD_AT = "sync_record_at"
#: A device writes a snapshot when this many of its own segments are not covered by one, or daily.
SNAPSHOT_SEGMENTS = 50
SNAPSHOT_SECONDS = 24 * 3600
RECORD_SECONDS = 600


def _names(engine: SyncParts, kind: str) -> dict[str, list[int]]:
    prefix = f"{engine.group}/{kind}/"
    found: dict[str, list[int]] = {}
    for name in engine.target.list(prefix):
        parts = name[len(prefix):].split("/")
        if len(parts) == 2 and ID.match(parts[0]) and SEQ.match(parts[1]):
            found.setdefault(parts[0], []).append(int(parts[1]))
    return {d: sorted(s) for d, s in found.items()}


def writers(engine: SyncParts) -> list[str]:
    """The devices that have a snapshot on the target."""
    return [device for device, seqs in _names(engine, "snapshots").items() if seqs]


def write_snapshot(engine: SyncParts) -> str:
    """Write a snapshot of this vault's sync state; returns its name."""
    with engine.db.write() as conn:
        replica.catch_up(conn, engine.device_id, engine.models)
    with engine.db.read() as conn:
        seq = int(store.get_setting(conn, SNAPSHOT_SEQ) or 0) + 1
        covers = {c.device_id: c.segment for c in store.cursors(conn).values()}
        # Only segments already on the target are covered; the states may hold more, which is harmless.
        covers[engine.device_id] = int(store.get_setting(conn, "sync_next_segment") or 1) - 1
        chosen, shared = scope.read(conn), scope.shared(conn)
        chain = json.loads(store.get_setting(conn, "sync_own_chain") or '[0, ""]')
        # A namespace shared with people is never re-published here (its members hold it; memvault/sharing/FORMAT.md).
        lines = [json.dumps(op, ensure_ascii=False, sort_keys=True) for op in state_ops(conn, engine.models.dimension)
                 if op.get("wipe", op.get("ns")) not in shared]
    while True:
        header = SegmentHeader(engine.group, engine.device_id, "snapshot", seq, engine.ring.current)
        name = f"{engine.group}/snapshots/{engine.device_id}/{seq_name(seq)}"
        data = write_file(header, engine.ring.key, {"count": len(lines), "covers": covers, "chain": chain,
                                                   "scope": scope.encode(chosen), "shared": sorted(shared)}, lines,
                           engine.me.sign_private)
        if engine.target.put_new(name, data):
            break
        seq += 1  # written before a crash kept us from recording it: this one is newer
    with engine.db.write() as conn:
        store.set_setting(conn, SNAPSHOT_SEQ, str(seq))
        store.set_setting(conn, SNAPSHOT_AT, str(engine.wall()))
        store.set_setting(conn, "sync_snapshot_covers", str(covers[engine.device_id]))
        store.set_setting(conn, "sync_snapshot_all", json.dumps(covers, sort_keys=True))
    return name


def state_ops(conn: Any, dimension: int, namespace: str | None = None) -> list[dict[str, Any]]:
    """What a snapshot holds: every namespace wipe and every memory's merge state with its vectors and history
    (only ``namespace``'s when given; shared namespaces snapshot one namespace each)."""
    ops: list[dict[str, Any]] = [{"wipe": ns, "h": h} for ns, h in sorted(store.wipes(conn).items())
                                 if namespace is None or ns == namespace]
    states = [(u, s) for u, s in store.iter_states(conn) if namespace is None or s.get("ns") == namespace]
    rows = store.rows_for(conn, [u for u, _ in states])
    for uuid, state in states:
        op = dict(state, u=uuid)
        row = rows.get(uuid)
        if row is not None:
            found = store.vectors_of(conn, row)
            if found is not None:
                op["vectors"] = replica._vectors_payload(row, found, dimension)
            # A device that joins from this snapshot gets the history too (one version: nothing to add).
            made = store.history_rows(conn, row.rowid, 0)[-merge.MAX_HISTORY:] if row.version > 1 else []
            if made:
                op["hv"] = made
        ops.append(op)
    return ops


def _read_snapshot(engine: SyncParts, device: str, seq: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    name = f"{engine.group}/snapshots/{device}/{seq_name(seq)}"
    member = engine.ring.members.get(device)
    expected = SegmentHeader(engine.group, device, "snapshot", seq, 0)
    signer = member.sign if member else None
    lines = read_file(engine.target.get(name, sized_by_header(expected, engine.ring.keys, signer)), expected,
                      engine.ring.keys, signer)
    head, ops = lines[0], [op_shape.validate_op(op) for op in lines[1:]]
    if head.get("count") != len(ops) or not isinstance(head.get("covers"), dict):
        raise DamagedData(f"{name} does not hold what its head says")
    try:
        head["scope"] = scope.decode(head.get("scope"))
        head["shared"] = scope.decode(head.get("shared", [])) or frozenset()
    except ValueError:
        raise DamagedData(f"{name} names its namespaces wrongly") from None
    return head, ops


def _trusted_covers(engine: SyncParts, device: str, head: dict[str, Any]) -> dict[str, int]:
    """How far the snapshot lets this device move its cursors: every device's, when the snapshot's scope holds
    this device's (and it left out only namespaces this device shares too); else only the writer's own (its
    states hold every op it sent; see memvault/sync/scope.py)."""
    covers = {str(d): int(s) for d, s in head["covers"].items()}
    with engine.db.read() as conn:
        mine, shared = scope.read(conn), scope.shared(conn)
    if scope.contains(head["scope"], mine) and head["shared"] <= shared:
        return covers
    return {device: covers.get(device, 0)}


def join_from_snapshot(engine: SyncParts, report: CycleReport) -> bool:
    """Apply the newest snapshot another device wrote (if any); returns whether one was applied."""
    candidates = [(device, seqs[-1]) for device, seqs in _names(engine, "snapshots").items()
                  if device != engine.device_id and device not in engine.ring.removed and seqs]
    best: tuple[int, str, dict[str, Any], list[dict[str, Any]]] | None = None
    for device, seq in candidates:
        try:
            head, ops = _read_snapshot(engine, device, seq)
        except (DamagedData, DecryptionFailed, NotFound, SyncError) as exc:
            report.problems.append(f"refused a snapshot of device {device[:8]}: {exc.message}")
            continue
        size = sum(int(v) for v in head["covers"].values())
        if best is None or size > best[0]:
            best = (size, device, head, ops)
    if best is None:
        return False
    _, device, head, ops = best
    covers = _trusted_covers(engine, device, head)
    # A snapshot changes no one's mind about mass deletes: it is the group's state.
    engine.apply_ops(ops, device, covers.get(device, 0), report, True, covers=covers, link=_chain(head, covers, device))
    return True


def _chain(head: dict[str, Any], covers: dict[str, int], device: str) -> list[Any] | None:
    """The writer's own chain link at the snapshot, when it matches what the snapshot covers of it."""
    chain = head.get("chain")
    if isinstance(chain, list) and len(chain) == 2 and chain[0] == covers.get(device):
        return chain
    return None


#: ``{"writer device": [that writer's newest snapshot's number, the segment of device needed]}``: a snapshot read
#: for a device that did not cover what was needed; not read again for it until a newer one is there or more is
#: needed (a snapshot holds a whole vault).
CAUGHT_UP_TRIED = "sync_catch_up_tried"


def catch_up_from_snapshot(engine: SyncParts, device: str, needed: int, report: CycleReport) -> bool:
    """Apply ``device``'s newest snapshot if it covers its segments up to ``needed``, else the newest snapshot of the
    member whose record says it holds ``device`` furthest, if that one does; returns whether one was applied."""
    return _catch_up(engine, device, device, needed, report) or _catch_up_from_peer(engine, device, needed, report)


def _catch_up(engine: SyncParts, writer: str, device: str, needed: int, report: CycleReport) -> bool:
    seqs = _names(engine, "snapshots").get(writer, [])
    if not seqs or writer in engine.ring.removed:
        return False
    key, attempt = f"{writer} {device}", [seqs[-1], needed]
    with engine.db.read() as conn:
        tried = json.loads(store.get_setting(conn, CAUGHT_UP_TRIED) or "{}")
        before = store.cursors(conn).get(writer)
    if tried.get(key) == attempt:
        return False  # that snapshot was read for this and did not reach it
    try:
        head, ops = _read_snapshot(engine, writer, seqs[-1])
    except (DamagedData, DecryptionFailed, NotFound, SyncError) as exc:
        report.problems.append(f"refused a snapshot of device {writer[:8]}: {exc.message}")
        return False
    covers = _trusted_covers(engine, writer, head)
    if covers.get(device, 0) < needed:
        with engine.db.write() as conn:
            store.set_setting(conn, CAUGHT_UP_TRIED, json.dumps(tried | {key: attempt}, sort_keys=True))
        return False
    link = _chain(head, covers, writer) if covers.get(writer, 0) > (before.segment if before else 0) else None
    engine.apply_ops(ops, writer, covers.get(writer, 0), report, True, covers=covers, link=link)
    return True


def offers(engine: SyncParts, device: str) -> dict[str, int]:
    """How far each other member's signed record says its newest snapshot covers ``device``."""
    records = engine.clocks.records if engine.clocks is not None else engine.records()
    return {member: record["snapshot"][device] for member, record in records.items()
            if member not in (engine.device_id, device) and member in engine.ring.members
            and isinstance(record.get("snapshot"), dict) and isinstance(record["snapshot"].get(device), int)}


def _catch_up_from_peer(engine: SyncParts, device: str, needed: int, report: CycleReport) -> bool:
    """The target lost ``device``'s own files (segments and snapshot), and a member that had read them wrote them
    again in a snapshot of its own (memvault/sync/republish.py): a device already in the group gets them from it,
    also while ``device`` is offline."""
    offered = offers(engine, device)
    member = max(sorted(offered), key=offered.__getitem__) if offered else None
    if member is None or offered[member] < needed or not _catch_up(engine, member, device, needed, report):
        return False
    report.repaired.append(f"read device {device[:8]}'s changes up to its segment {offered[member]} from device "
                           f"{member[:8]}'s snapshot: the target no longer holds device {device[:8]}'s own files")
    return True


#: ``{removed device: [member, how far its record says its snapshot covers it, that snapshot's number]}``: the
#: snapshot last tried for what that device wrote before its removal; tried again only when one of these changes.
REMOVED_TRIED = "sync_removed_tried"


def settle_removed(engine: SyncParts, device: str, report: CycleReport) -> None:
    """Apply what removed ``device`` wrote before its removal that another member read and this device did not.

    Nothing a removed device writes is read from its own files (it may be in a stranger's hands). What the members
    had read of it before they learned of the removal is group state, held in their snapshots, and each member's
    signed record says how far its newest snapshot covers every device: the member that covers the most is
    caught up with, so the group ends level (FORMAT.md, "Device identity and the key file").
    """
    offered = offers(engine, device)
    if not offered:
        return
    member = max(sorted(offered), key=offered.__getitem__)
    with engine.db.read() as conn:
        cursors = store.cursors(conn)
        tried = json.loads(store.get_setting(conn, REMOVED_TRIED) or "{}")
    read = cursors[device].segment if device in cursors else 0
    if offered[member] <= read:
        return
    seqs = _names(engine, "snapshots").get(member, [])
    attempt = [member, offered[member], seqs[-1] if seqs else 0]
    if tried.get(device) == attempt:
        return  # reported when tried: a new snapshot or record is needed to try again
    with engine.db.write() as conn:
        store.set_setting(conn, REMOVED_TRIED, json.dumps(tried | {device: attempt}, sort_keys=True))
    lost = f"what device {device[:8]} wrote before it was removed (up to its segment {offered[member]}) is not here yet"
    try:
        if not seqs:
            raise NotFound(f"device {member[:8]}'s snapshot, which holds it, is missing on the target")
        head, ops = _read_snapshot(engine, member, seqs[-1])
    except (DamagedData, DecryptionFailed, NotFound, SyncError) as exc:
        report.problems.append(f"{lost}: {exc.message}")
        return
    covers = _trusted_covers(engine, member, head)
    if covers.get(device, 0) <= read:
        why = "it holds namespaces this device does not sync" if head["covers"].get(device, 0) > read else \
            "its snapshot on the target is older than its record says (rolled back on the target)"
        report.problems.append(f"{lost}: device {member[:8]} holds it, but {why}")
        return
    own = cursors[member].segment if member in cursors else 0
    link = _chain(head, covers, member) if covers.get(member, 0) > own else None
    engine.apply_ops(ops, member, covers.get(member, 0), report, True, covers=covers, link=link)
    report.problems.append(f"applied what device {device[:8]} wrote before it was removed from the group (up to its "
                           f"segment {covers[device]}), as device {member[:8]}'s snapshot holds it")


def maintain(engine: SyncParts, device_name: str | None, report: CycleReport) -> None:
    """Publish this device's record when it changed (or every few minutes, or when the target lost it), snapshot
    and compact when due, and write a snapshot at once when another device reports it cannot get past one of this
    device's segments, or when the target no longer holds what a device joining now would need of this one's."""
    with engine.db.read() as conn:
        cursors = {c.device_id: c.segment for c in store.cursors(conn).values()}
        found = store.get_settings(conn, "sync_next_segment", RECORD_AT, "sync_record", "sync_snapshot_covers",
                                   SNAPSHOT_AT, "sync_snapshot_all", "sync_stuck", skew.CLOCK, skew.HELD, SNAPSHOT_SEQ)
    segment = int(found["sync_next_segment"] or 1) - 1
    record_at = float(found[RECORD_AT] or 0)
    last_record = found["sync_record"]
    snapshot_covers = int(found["sync_snapshot_covers"] or 0)
    snapshot_at = float(found[SNAPSHOT_AT] or 0)
    snapshot = json.loads(found["sync_snapshot_all"] or "{}")
    stuck = json.loads(found["sync_stuck"] or "{}")
    clock = json.loads(found[skew.CLOCK] or "{}")
    holding = found[skew.HELD] not in (None, "[]")
    record = {"name": device_name, "cursors": cursors, "segment": segment, "snapshot": snapshot, "stuck": stuck}
    now = engine.wall()
    raw_ms = int(getattr(engine.wall, "raw", engine.wall)() * 1000)
    if engine.clocks is None:  # upkeep outside a cycle: read the clocks as a cycle does
        engine.clocks = own_clock.read(engine)
        with engine.db.read() as conn:
            clock = skew.state(conn)
    records = engine.clocks.records
    # While a clock in the group is known to run ahead, or a device waits for an echo of its reading, readings go
    # out every cycle (their echoes are how that device learns it; see memvault/sync/own_clock.py).
    urgent = bool(clock.get("ahead") or clock.get("offset") or clock.get("ask")) or holding or \
        skew.asked({d: r for d, r in records.items() if d in engine.ring.members}, engine.device_id)
    readings = skew.record_fields(clock, raw_ms)
    own = records.get(engine.device_id)
    record_lost = last_record is not None and (own is None or "error" in own)
    if json.dumps(record, sort_keys=True) != last_record or now - record_at > RECORD_SECONDS or urgent or record_lost:
        _publish(engine, record, readings | {"seen_at": now})
        if record_lost:
            report.repaired.append("this device's record (how far it wrote and read, which the other devices go by) "
                                   + ("was gone from the target" if own is None else
                                      f"no longer read as written on the target ({own['error']})") + ": written again")
    blocked = _blocked_readers(engine, records)
    gone = _own_snapshot_gone(engine) if any(seq <= snapshot_covers for seq, _ in blocked.values()) else None
    if gone is not None:
        snapshot_covers = 0  # what the missing snapshot covered is covered by none: write one now
    listed, lost = republish.lost(engine, records, cursors | {engine.device_id: segment},
                                  (int(found[SNAPSHOT_SEQ] or 0), snapshot), lambda: _names(engine, "snapshots"))
    engine.listed = None  # this cycle's: upkeep run on its own lists again
    # A reader stuck past all this device wrote gets nothing from another snapshot (its next segment moves it on).
    due = any(snapshot_covers < seq and snapshot_covers < segment for seq, _ in blocked.values()) or bool(lost) or \
        segment - snapshot_covers >= SNAPSHOT_SEGMENTS or \
        (segment > snapshot_covers and now - snapshot_at > SNAPSHOT_SECONDS)
    if due:
        write_snapshot(engine)
        with engine.db.read() as conn:
            record["snapshot"] = json.loads(store.get_setting(conn, "sync_snapshot_all") or "{}")
        # Said at once, before compacting: the others go by the coverage records state (memvault/sync/republish.py).
        _publish(engine, record, readings | {"seen_at": now})
        compact(engine, records)  # the snapshot moved what is covered
    else:
        compact(engine, records, snapshot_covers, listed)
    report.repaired += [gone] if gone else []
    report.repaired += [republish.said(engine.device_id, lost)] if lost else []
    for reader, (seq, why) in sorted(blocked.items()):
        cannot = f"device {reader[:8]} cannot read this device's segment {seq} ({why[:200]})"
        if seq > segment:
            report.problems.append(f"{cannot}; this device wrote up to its segment {segment}: the next one it writes "
                                   "lets it go on")
        elif seq > (segment if due else snapshot_covers):
            report.problems.append(f"{cannot}; a snapshot that covers it lets it go on")
        else:
            report.repaired.append(f"{cannot}: " + ("a snapshot covering it was written now" if due else
                                                    "this device's snapshot on the target covers it")
                                   + f"; device {reader[:8]} reads it at its next sync")


def _publish(engine: SyncParts, record: dict[str, Any], readings: dict[str, Any]) -> None:
    """Publish ``record`` with this clock's ``readings``; what changed since is what the next cycle compares."""
    engine.publish_record(record | readings)
    with engine.db.write() as conn:
        store.set_setting(conn, RECORD_AT, str(readings["seen_at"]))
        store.set_setting(conn, "sync_record", json.dumps(record, sort_keys=True))


def _own_snapshot_gone(engine: SyncParts) -> str | None:
    """What is wrong with this device's newest snapshot on the target: missing, an older one in its place, or no
    longer reading as written (padded, altered); ``None`` when it is there as written. Asked only when a reader is
    stuck on a segment that snapshot covers, so the read back is rare."""
    with engine.db.read() as conn:
        written = int(store.get_setting(conn, SNAPSHOT_SEQ) or 0)
    there = _names(engine, "snapshots").get(engine.device_id, [])
    if written == 0:
        return None
    if there and there[-1] > written:
        return None
    if there and there[-1] == written:
        try:
            _read_snapshot(engine, engine.device_id, written)
            return None
        except (DamagedData, DecryptionFailed, NotFound) as exc:
            return (f"this device's snapshot {written} on the target no longer reads as written ({exc.message}): "
                    "written again, so that the devices that need it can go on")
    return (f"this device's snapshot {written} is gone from the target"
            + (f" (its snapshot {there[-1]} stands in its place: rolled back)" if there else "")
            + ": written again, so that the devices that need it can go on")


def _blocked_readers(engine: SyncParts, records: dict[str, dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """Other members that say they cannot get past one of this device's segments: ``{reader: (seq, why)}``."""
    blocked = {}
    for device, record in records.items():
        if device == engine.device_id or device in engine.ring.removed or "error" in record:
            continue
        stuck = record.get("stuck", {}).get(engine.device_id)
        if isinstance(stuck, list) and len(stuck) == 2 and isinstance(stuck[0], int):
            blocked[device] = (stuck[0], str(stuck[1]))
    return blocked


def compact(engine: SyncParts, records: dict[str, dict[str, Any]] | None = None, covered: int | None = None,
            listed: republish.Listing | None = None) -> int:
    """Delete this device's segments that every known device has read and a snapshot covers (up to ``covered``,
    when the caller read it already; ``listed``: the segments and snapshots on the target, when it listed them);
    returns how many."""
    if covered is None:
        with engine.db.read() as conn:
            covered = int(store.get_setting(conn, "sync_snapshot_covers") or 0)
    if covered == 0:
        return 0
    records = engine.records() if records is None else records
    # Records of devices that are not members (planted on the target) neither hold nor allow anything.
    readers = [r for d, r in records.items() if d != engine.device_id and d in engine.ring.members]
    if any("error" in r for r in readers):
        return 0
    read_by_all = min([int(r.get("cursors", {}).get(engine.device_id, 0)) for r in readers] or [covered])
    # Every snapshot a new device might start from must cover what is deleted.
    in_snapshots = [int(r["snapshot"].get(engine.device_id, 0)) for r in readers if r.get("snapshot")]
    upto = min([read_by_all, covered, *in_snapshots])
    removed = 0
    segments, snapshots_there = listed if listed is not None else (engine.segments(), _names(engine, "snapshots"))
    for seq in segments.get(engine.device_id, []):
        if seq <= upto:
            engine.target.delete(engine.ops_name(engine.device_id, seq))
            removed += 1
    snapshots = snapshots_there.get(engine.device_id, [])
    for seq in snapshots[:-1]:
        engine.target.delete(f"{engine.group}/snapshots/{engine.device_id}/{seq_name(seq)}")
    return removed


def rotate(engine: SyncParts, removed_device: str | None, passphrase: str, new: tuple[str, int, int] | None) -> None:
    """A new key generation that only the remaining members are granted (never ``removed_device``), a new key
    file signed by this device, and a fresh snapshot under the new generation.

    ``passphrase`` must open the target's key file; ``new`` (passphrase, KDF memory, iterations) re-wraps every
    generation under a new passphrase, so that whoever knew the old one (a removed device) opens nothing new.
    """
    identity.check_passphrase(engine.target.get(engine.key_name(), SMALL_FILE_MAX_BYTES), passphrase)
    report = engine.new_report()
    engine.refresh_keys(report)  # every member that joined since this device last looked gets the new generation
    if report.problems:
        raise SyncError("the key file on the target could not be read: " + "; ".join(report.problems))
    ring, data = identity.rotated(engine.ring, engine.device_id, engine.me, removed=removed_device, passphrase=new)
    engine.target.put(engine.key_name(), data)
    engine.adopt(ring)
    if removed_device is not None:
        engine.target.delete(engine.device_name(removed_device))
    write_snapshot(engine)
