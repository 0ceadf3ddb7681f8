"""Snapshots of a shared namespace: a new member reads the newest one, then only the segments after it.

A snapshot is sync's snapshot (:func:`memvault.sync.snapshots.state_ops`: every memory's merge state with its
vectors and history, and the namespace's wipe) of the one shared namespace, in sync's file format
(:mod:`memvault.sync.segments`, kind ``snapshot``) at ``<share>/snapshots/<person>/<device>/<seq>``::

    head = {"count", "namespace", "covers": {writer: [seq, digest]}, "devices": {device: person}}
    line = a merge state, plus "by": [person, device] of its latest attributed change

Only an admin writes one, under the namespace's current key generation, signed with its person key; ``covers``
is the chain link of every writer's segment it had applied (its own included), so a member that starts from it
goes on checking each writer's hash chain from there. A reader uses a snapshot only when its path names a
current admin, its signature is that admin's, it is under the *current* generation (one written before a
removal or rotation is refused: after a rotation nothing the namespace holds is read under a key a removed
member has), its head and every line are well formed, and every op is in the shared namespace. Anything else
is refused, reported (``share status``), and the segments are read instead: nothing is lost, because segments
are never deleted (no compaction), so a snapshot that the target deletes or rolls back only costs reading more.
A member already under way uses one when it is far behind or a writer's segments went missing (see FORMAT.md).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from memvault.crypto.digest import sha256_hex
from memvault.domain.errors import DamagedData, DecryptionFailed, NotFound, SyncError, SyncKeyError, SyncTargetError
from memvault.heap import collections_paused
from memvault.sharing import roster as rosters
from memvault.sync import incoming, merge, op_shape, replica
from memvault.sync import snapshots as sync_snapshots
from memvault.sync.segments import SegmentHeader, read_file, sized_by_header, write_file
from memvault.sync.targets.base import ID, seq_name
from memvault.vault import share_store
from memvault.vault import sync_store as store

if TYPE_CHECKING:
    from memvault.sharing.engine import ShareEngine, ShareReport

log = logging.getLogger(__name__)

_PERSON = re.compile(r"^[0-9a-f]{32}$")
#: An admin writes a snapshot when this many segments (of every writer) are not covered by its last one, at once
#: when the key generation changed since (a removal or rotation), and daily when anything is new.
SNAPSHOT_SEGMENTS = 50
SNAPSHOT_SECONDS = 24 * 3600
#: Seconds between an admin's reads of its newest snapshot back from the target: the target may change it in
#: place (members then refuse it and read every segment), which its listing alone does not show.
SNAPSHOT_CHECK_SECONDS = 24 * 3600
#: A reader tries at most this many of one writer's snapshots, newest first.
LOOK_BACK = 3
#: Snapshot names a member remembers having read.
KEEP_READ = 20


def _is_writer(text: Any) -> bool:
    parts = text.split("/") if isinstance(text, str) else []
    return len(parts) == 2 and bool(_PERSON.match(parts[0])) and bool(ID.match(parts[1]))


def name(share: str, writer: str, seq: int) -> str:
    return f"{share}/snapshots/{writer}/{seq_name(seq)}"


def listed(engine: ShareEngine) -> dict[str, list[int]]:
    """Every writer's snapshot numbers on the target."""
    return engine.listed("snapshots")


def _total(cursors: dict[str, Any]) -> int:
    return sum(int(link[0]) for link in cursors["writers"].values()) + int(cursors["chain"][0])


def due(engine: ShareEngine, roster: rosters.Roster, report: ShareReport) -> bool:
    """Whether this member (an admin) should write a snapshot now; its newest one missing from the target (deleted
    or rolled back to an older one) is reported and makes one due."""
    if roster.role_of(engine.me.person_id) != "admin" or roster.tainted or roster.current not in roster.keys:
        return False
    with engine.db.read() as conn:
        cursors = engine.cursors(conn)
    total, last = _total(cursors), cursors.get("snapshot") or {}
    if total == 0:
        return False
    if last and int(last["seq"]) not in listed(engine).get(engine.writer, []):
        report.problems.append(f"this device's snapshot {last['seq']} is gone from the target (deleted, or rolled "
                               "back to an older one): a new one is written")
        return True
    if last.get("digest") and engine.wall() - float(last.get("checked", last.get("at", 0))) >= SNAPSHOT_CHECK_SECONDS \
            and not _intact(engine, last):
        report.problems.append(f"this device's snapshot {last['seq']} was changed on the target (damaged or "
                               "replaced): a new one is written")
        return True
    if last.get("gen") != roster.current:
        return True
    return total - int(last.get("total", 0)) >= SNAPSHOT_SEGMENTS or \
        (total > int(last.get("total", 0)) and engine.wall() - float(last.get("at", 0)) > SNAPSHOT_SECONDS)


def _intact(engine: ShareEngine, last: dict[str, Any]) -> bool:
    """Whether this device's newest snapshot on the target holds the bytes it wrote (read back whole; the time of
    the check is remembered when it does)."""
    try:
        data = engine.target.get(name(engine.share, engine.writer, int(last["seq"])))
    except (NotFound, SyncTargetError):
        return True  # gone or unreachable: the listing's check above, or the next cycle, says so
    if sha256_hex(data) != last["digest"]:
        return False
    with engine.db.write() as conn:
        cursors = engine.cursors(conn)
        if (cursors.get("snapshot") or {}).get("seq") == last["seq"]:
            cursors["snapshot"]["checked"] = engine.wall()
            store.set_setting(conn, engine.cursors_name, json.dumps(cursors, sort_keys=True))
    return True


def write(engine: ShareEngine, roster: rosters.Roster) -> str:
    """Write a snapshot of the shared namespace as this vault holds it; returns its name."""
    if roster.role_of(engine.me.person_id) != "admin" or roster.current not in roster.keys or roster.tainted:
        raise SyncError("only an admin holding the namespace's current key writes a snapshot")
    with engine.db.write() as conn:
        replica.catch_up(conn, engine.device_id, engine.models)
    with engine.db.read() as conn:
        cursors = engine.cursors(conn)
        ops = sync_snapshots.state_ops(conn, engine.models.dimension, roster.namespace)
        by = share_store.latest_for(conn, [op["u"] for op in ops if "u" in op])
    covers = dict(cursors["writers"])
    if cursors["chain"][0]:
        covers[engine.writer] = cursors["chain"]
    devices = dict(cursors["devices"], **{engine.device_id: engine.me.person_id})
    lines = []
    for op in ops:
        found = by.get(op.get("u", ""))
        lines.append(json.dumps(dict(op, by=[found.person, found.device]) if found else op, ensure_ascii=False,
                                sort_keys=True))
    head = {"count": len(lines), "namespace": roster.namespace, "covers": covers, "devices": devices}
    seq = int((cursors.get("snapshot") or {}).get("seq", 0)) + 1
    while True:
        header = SegmentHeader(engine.share, engine.writer, "snapshot", seq, roster.current)
        data = write_file(header, roster.keys[roster.current], head, lines, engine.me.sign_private)
        path = name(engine.share, engine.writer, seq)
        if engine.target.put_new(path, data):
            break
        seq += 1  # written before a crash kept it from being recorded (or planted): this one is newer
    with engine.db.write() as conn:
        cursors = engine.cursors(conn)
        cursors["snapshot"] = {"seq": seq, "gen": roster.current, "total": _total(cursors), "at": engine.wall(),
                               "digest": sha256_hex(data)}
        store.set_setting(conn, engine.cursors_name, json.dumps(cursors, sort_keys=True))
    for older in listed(engine).get(engine.writer, []):
        if older < seq:
            engine.target.delete(name(engine.share, engine.writer, older))
    return path


def _read(engine: ShareEngine, roster: rosters.Roster, writer: str,
          seq: int) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, tuple[str, str]]]:
    """A snapshot's head, ops and attributions, checked; :class:`DamagedData` or :class:`SyncError` (why)."""
    person, device = writer.split("/")
    if person in roster.removed:
        raise SyncError(f"person {person[:8]} was removed from this shared namespace")
    member = roster.members.get(person)
    if member is None:
        raise SyncError(f"person {person[:8]} is not a member of this shared namespace")
    if member.role != "admin":
        raise SyncError(f"person {person[:8]} is a {member.role} member: only an admin's snapshot is used")
    assert roster.current is not None
    expected = SegmentHeader(engine.share, writer, "snapshot", seq, 0)
    keys = {roster.current: roster.keys[roster.current]}
    try:
        data = engine.target.get(name(engine.share, writer, seq), sized_by_header(expected, keys, member.key.sign))
        lines = read_file(data, expected, keys, member.key.sign)
    except SyncKeyError:
        raise SyncError("it is under an earlier key generation (written before a member was removed or the key "
                        "rotated)") from None
    head, body = lines[0], lines[1:]
    covers, devices = head.get("covers"), head.get("devices")
    if head.get("count") != len(body) or head.get("namespace") != roster.namespace or \
            not isinstance(covers, dict) or not isinstance(devices, dict):
        raise DamagedData("it does not hold what its head says")
    for w, link in covers.items():
        if not (_is_writer(w) and isinstance(link, list) and len(link) == 2 and type(link[0]) is int and
                link[0] > 0 and isinstance(link[1], str)):
            raise DamagedData("it names an impossible segment")
    if devices.get(device) not in (None, person) or \
            (engine.device_id == device and person != engine.me.person_id):
        raise DamagedData(f"device {device[:8]} belongs to another person")
    ops, bys = [], {}
    for line in body:
        by = line.pop("by", None) if isinstance(line, dict) else None
        op = op_shape.validate_op(line)
        if op.get("wipe", op.get("ns")) != roster.namespace:
            raise DamagedData("it holds memories outside the shared namespace")
        if isinstance(by, list) and len(by) == 2 and isinstance(by[0], str) and _PERSON.match(by[0]) and \
                isinstance(by[1], str) and ID.match(by[1]) and "u" in op:
            bys[op["u"]] = (by[0], by[1])
        ops.append(op)
    with engine.db.read() as conn:
        rows = store.rows_for(conn, [op["u"] for op in ops if "u" in op])
    if any(row.fields["namespace"] != roster.namespace for row in rows.values()):
        raise DamagedData("it changes memories this member holds outside the shared namespace")
    return head, ops, bys


def join(engine: ShareEngine, roster: rosters.Roster, report: ShareReport,
         guard: Callable[[dict[str, int], dict[str, int]], None] | None = None) -> bool:
    """Apply the newest usable admin snapshot (the one covering most); returns whether one was applied.

    ``guard`` is the mass-delete guard for a member that already holds the namespace (a new one has nothing to
    lose); when it refuses, nothing is applied and the segments wait as they would."""
    if roster.current is None or roster.current not in roster.keys:
        return False
    with engine.db.read() as conn:
        cursors = engine.cursors(conn)
    # Each snapshot is read at most once by a member (a refused one is reported once, a good one is not read again,
    # nor anything older of its writer).
    seen: dict[str, bool] = cursors.get("snapshots_read", {})
    tried: dict[str, bool] = {}
    best: tuple[int, str, dict[str, Any], list[dict[str, Any]], dict[str, tuple[str, str]], int] | None = None
    for writer, seqs in sorted(listed(engine).items()):
        if writer == engine.writer:
            continue
        # The newest that verifies: a file planted under a higher number does not hide the admin's real one.
        for seq in seqs[::-1][:LOOK_BACK]:
            path = name(engine.share, writer, seq)
            if path in seen:
                if seen[path]:
                    break
                continue
            try:
                head, ops, bys = _read(engine, roster, writer, seq)
            except SyncTargetError:
                raise
            except NotFound:
                continue
            except (DamagedData, DecryptionFailed, SyncError) as exc:
                report.refused.append(f"refused snapshot {path}: {exc.message}; the segments are read instead")
                log.warning("share: refused a snapshot of person %s", writer[:8])
                tried[path] = False
                continue
            size = sum(link[0] for link in head["covers"].values())
            if best is None or size > best[0]:
                if best is not None:
                    tried[name(engine.share, best[1], best[5])] = True
                best = (size, writer, head, ops, bys, seq)
            else:
                tried[path] = True
            break
    useless = best is not None and not any(link[0] > cursors["writers"].get(w, [0, ""])[0]
                                           for w, link in best[2]["covers"].items() if w != engine.writer)
    if best is not None and useless:
        tried[name(engine.share, best[1], best[5])] = True
    _remember(engine, tried)
    if best is None or useless:
        return False  # nothing usable, or nothing this member has not read already
    _, writer, head, ops, bys, seq = best
    person, device = writer.split("/")
    newest = max((merge.latest(op) or "" for op in ops if "u" in op), default="")
    if newest:
        engine.clock.observe(newest)
    now = engine.wall()
    try:
        with collections_paused(), engine.db.write() as conn:
            applied = _apply(engine, conn, ops, device, person, head, bys, now, guard)
    except incoming.MassDelete as exc:
        removed = ", ".join(f"{n} of {live} memories" for n, live in exc.counts.values())
        report.problems.append(f"the snapshot of person {person[:8]} would remove {removed} of the shared namespace: "
                               "nothing was applied; if that is intended, run `memvault share now --allow-mass-delete`")
        return False
    _remember(engine, {name(engine.share, writer, seq): True})  # not read again (a refused apply is retried)
    report.changes += applied.changes
    report.applied_segments += 1
    return True


def _remember(engine: ShareEngine, tried: dict[str, bool]) -> None:
    """Keep which snapshots this member has read (``True``: it verified; ``False``: refused)."""
    if not tried:
        return
    with engine.db.write() as conn:
        cursors = engine.cursors(conn)
        cursors["snapshots_read"] = dict(list({**cursors.get("snapshots_read", {}), **tried}.items())[-KEEP_READ:])
        store.set_setting(conn, engine.cursors_name, json.dumps(cursors, sort_keys=True))


def _apply(engine: ShareEngine, conn: Any, ops: list[dict[str, Any]], device: str, person: str, head: dict[str, Any],
           bys: dict[str, tuple[str, str]], now: float,
           guard: Callable[[dict[str, int], dict[str, int]], None] | None) -> incoming.Applied:
    """The snapshot's states joined here, and every writer's cursor moved to what it covers, in one transaction."""
    replica.catch_up(conn, engine.device_id, engine.models)
    applied = incoming.apply(conn, ops, device, engine.models, now, guard=guard, namespace=head["namespace"])
    replica.skip_applied(conn)
    share_store.record_applied(conn, [(u, ns, *bys.get(u, (person, device)), now) for _, u, ns in applied.changes])
    cursors = engine.cursors(conn)
    for w, link in head["covers"].items():
        if w != engine.writer and link[0] > cursors["writers"].get(w, [0, ""])[0]:
            cursors["writers"][w] = link
    for d, p in head["devices"].items():
        if isinstance(d, str) and isinstance(p, str) and d != engine.device_id:
            cursors["devices"].setdefault(d, p)
    store.set_setting(conn, engine.cursors_name, json.dumps(cursors, sort_keys=True))
    return applied
