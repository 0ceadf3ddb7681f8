"""One sync cycle over a target: push this device's ops as segments, pull and apply the other devices'.

Target layout (``<group>`` is the sync group's random id, devices are named by their device ids)::

    <group>/key                          the key file (sync key generations wrapped by the sync passphrase)
    <group>/ops/<device>/<seq>           a device's op segments, seq = 0000000001, 0000000002, ...
    <group>/snapshots/<device>/<seq>     every memory's state, for devices that join later
    <group>/devices/<device>             a device's record (name, last seen, how far it has read)

Every step is safe to interrupt. A segment is created under its final name in
one create-only step, and the outbox position it covers is recorded only
afterwards: a device that crashed in between finds its own segment on the next
push, reads what it covered and goes on, so nothing is shipped twice under two
names. A pulled segment is applied and its device's cursor moved in one
transaction, so nothing is applied twice or lost. Segments of one device are
applied strictly in order; a missing number (a file not arrived yet) waits.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    NotFound,
    SyncError,
    SyncTargetError,
)
from memvault.domain.hlc import HybridClock
from memvault.sync import (
    chains, device_records, incoming, membership, own_clock, replica, scope, skew, snapshots, strangers,
)
from memvault.heap import collections_paused
from memvault.sync.incoming import mass_delete_guard
from memvault.sync.parts import CycleReport
from memvault.sync.identity import DeviceIdentity, KeyRing
from memvault.sync.segments import (
    SegmentHeader,
    digest,
    read_file,
    seal_record,
    write_file,
)
from memvault.sync.targets.base import ID, SEGMENT_MAX_BYTES, SEQ, Target, seq_name
from memvault.vault import sync_store as store
from memvault.vault.engine import Database

log = logging.getLogger(__name__)

PUSHED = "sync_pushed"
NEXT_SEGMENT = "sync_next_segment"
#: ``[seq, digest]`` of this device's latest segment: the ``prev`` of its next one.
OWN_CHAIN = "sync_own_chain"
#: ``{device: [seq, digest]}``: the latest segment of each device applied here.
CHAINS = "sync_chains"
#: ``{device: [seq, why]}``: the segment of each device this device cannot get past (published in its record,
#: so that the writer learns it and writes a snapshot that covers it).
STUCK = "sync_stuck"
#: ``{device: seq}``: the newest segment of each removed device already reported as ignored.
#: Ops per segment (a segment also stops growing at about 8 MB of op text).
SEGMENT_OPS = 5000
#: A segment takes ops until they pass this many bytes (readers refuse a file over SEGMENT_MAX_BYTES).
SEGMENT_BYTES = 8 << 20


def within_segment(rows: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The first of the outbox ``rows`` (position, op text) up to the one that passes :data:`SEGMENT_BYTES`:
    what one segment carries, for device sync and for a shared namespace alike."""
    size = 0
    for i, (_, text) in enumerate(rows):
        size += len(text)
        if size > SEGMENT_BYTES:
            return rows[:i + 1]
    return rows
#: A clock this far ahead of ours is not followed: its ops are held (see :mod:`memvault.sync.skew`).
MAX_SKEW_MS = skew.MAX_DRIFT_MS


class SyncEngine:
    clocks: own_clock.Clocks | None
    listed: dict[str, list[int]] | None
    """Sync between one vault and one target.

    Args:
        db: the vault's database.
        target: where the group's files are.
        ring: the group's keys.
        device_id: this device.
        models: this device's embedding model (shipped vectors are used when they match).
        clock: this device's hybrid logical clock (it follows other devices' stamps within :data:`MAX_SKEW_MS`).
        wall: the wall clock in seconds.
        me: this device's sync identity (signs what it writes, opens generations granted to it).
        ring_changed: called with the ring when it changes (the caller keeps it in the vault).
    """

    def __init__(self, db: Database, target: Target, ring: KeyRing, device_id: str, models: replica.Models,
                 clock: HybridClock, wall: Callable[[], float] = time.time, *, me: DeviceIdentity,
                 ring_changed: Callable[[KeyRing], None] | None = None) -> None:
        self.db = db
        self.me = me
        self.ring_changed = ring_changed or (lambda _ring: None)
        self.target = target
        self.ring = ring
        self.device_id = device_id
        self.models = models
        self.clock = clock
        self.wall = wall
        #: How many times :meth:`apply_ops` moved cursors (what was read before may be stale since).
        self._cursor_moves = 0
        #: The peers' records and this clock's state as this cycle read them before pushing.
        self.clocks = None
        #: Every device's segment numbers as this cycle's pull listed them (after its push).
        self.listed = None

    @property
    def group(self) -> str:
        return self.ring.group

    @staticmethod
    def new_report() -> CycleReport:
        return CycleReport()

    def key_name(self) -> str:
        return f"{self.group}/key"

    def adopt(self, ring: KeyRing) -> None:
        if ring != self.ring:
            self.ring = ring
            self.ring_changed(ring)

    def refresh_keys(self, report: CycleReport) -> None:
        """Read the key file and adopt what members changed (see :func:`memvault.sync.membership.refresh`)."""
        membership.refresh(self, report)

    def cycle(self, report: CycleReport, *, allow_mass_delete: bool = False) -> CycleReport:
        self.refresh_keys(report)
        # Peers' clock readings first: what this cycle pushes is stamped by what they say of this clock.
        self.clocks = own_clock.read(self)
        for device, record in sorted(self.clocks.records.items()):
            if "error" in record and device != self.device_id and device not in self.ring.removed:
                # Without it, how far that device wrote (and its clock) is unknown here: said, not dropped.
                report.waiting.append(f"{record['error']}: how far that device wrote, and its clock, are not known "
                                      "here until it writes its record again on its next sync")
        self.push(report)
        with collections_paused():
            self.pull(report, allow_mass_delete=allow_mass_delete)
        return report

    # -- push ----------------------------------------------------------------------------------------------------

    def push(self, report: CycleReport) -> None:
        with self.db.read() as conn:
            # Folding takes a write transaction; an idle cycle has nothing to fold and skips it.
            unfolded = replica.unfolded(conn)
            state = None if unfolded else self._outbox(conn)
        if unfolded:
            with self.db.write() as conn:
                replica.catch_up(conn, self.device_id, self.models)
        while True:
            if state is None:
                with self.db.read() as conn:
                    state = self._outbox(conn)
            (pushed, seq, prev, rows), state = state, None
            vetted = own_clock.vet(self, self.clocks, rows) if self.clocks else rows
            if vetted is None:
                continue  # stamped back (this clock ran ahead when they were made): read them again
            if not vetted:
                return
            rows = within_segment(vetted)
            header = SegmentHeader(self.group, self.device_id, "ops", seq, self.ring.current)
            data = write_file(header, self.ring.key, {"first": rows[0][0], "last": rows[-1][0], "count": len(rows),
                                                      "prev": prev}, (text for _, text in rows), self.me.sign_private)
            name = self.ops_name(self.device_id, seq)
            if self.target.put_new(name, data):
                last = rows[-1][0]
                report.pushed_ops += len(rows)
                report.pushed_segments += 1
            else:
                found = self._own_segment(name, header, report)
                if found is None:
                    with self.db.write() as conn:
                        store.set_setting(conn, NEXT_SEGMENT, str(seq + 1))
                    continue
                head, ops, data = found
                if not _leftover_of(head, ops, rows):
                    # Not what this outbox would write: this vault is older than its own chain (a backup
                    # restored). Its ops are applied, and this outbox goes out after them, nothing dropped.
                    link = chains.catch_up_own(self, self.segments().get(self.device_id, []), (seq - 1, prev),
                                               report)
                    if link is None:
                        return
                    with self.db.write() as conn:
                        store.set_setting(conn, NEXT_SEGMENT, str(link[0] + 1))
                        store.set_setting(conn, OWN_CHAIN, json.dumps(link))
                    continue
                # Written before a crash that kept us from recording it: it says what it covered.
                last = int(head["last"])
            with self.db.write() as conn:
                store.set_setting(conn, PUSHED, str(last))
                store.set_setting(conn, NEXT_SEGMENT, str(seq + 1))
                store.set_setting(conn, OWN_CHAIN, json.dumps([seq, digest(data)]))
                store.outbox_drop_upto(conn, last, without=scope.shared(conn))  # (a share's ops are its own)

    @staticmethod
    def _outbox(conn: Any) -> tuple[int, int, list[Any], list[tuple[int, str]]]:
        """``(pushed up to, next segment number, own chain link, the next ops to push)``."""
        found = store.get_settings(conn, PUSHED, NEXT_SEGMENT, OWN_CHAIN)
        pushed = int(found[PUSHED] or 0)
        return (pushed, int(found[NEXT_SEGMENT] or 1), json.loads(found[OWN_CHAIN] or '[0, ""]'),
                store.outbox_after(conn, pushed, SEGMENT_OPS, without=scope.shared(conn)))

    def _own_segment(self, name: str, header: SegmentHeader,
                     report: CycleReport) -> tuple[dict[str, Any], list[Any], bytes] | None:
        """The head, ops and bytes of a segment already at our next number, when it verifies as this device's
        own; ``None`` (reported) when something else planted it there: it is left, and the next number is used."""
        try:
            data = self.target.get(name, SEGMENT_MAX_BYTES)
            lines = read_file(data, header, self.ring.keys, self.me.member.sign)
            return lines[0], lines[1:], data
        except NotFound:
            return None
        except SyncTargetError:
            raise  # the target failed to answer: nothing is known about the file yet, so the cycle stops here
        except (DamagedData, DecryptionFailed, SyncError) as exc:
            report.problems.append(f"{name} was not written by this device ({exc.message}): it is left there, "
                                   "this device writes its changes under the next number and the others skip it")
            return None

    def ops_name(self, device: str, seq: int) -> str:
        return f"{self.group}/ops/{device}/{seq_name(seq)}"

    # -- pull ----------------------------------------------------------------------------------------------------

    def segments(self) -> dict[str, list[int]]:
        """Every device's segment numbers on the target (names sync did not write are ignored)."""
        found: dict[str, list[int]] = {}
        prefix = f"{self.group}/ops/"
        for name in self.target.list(prefix):
            parts = name[len(prefix):].split("/")
            if len(parts) == 2 and ID.match(parts[0]) and SEQ.match(parts[1]):
                found.setdefault(parts[0], []).append(int(parts[1]))
        return {device: sorted(seqs) for device, seqs in found.items()}

    def pull(self, report: CycleReport, *, allow_mass_delete: bool = False) -> None:
        # One read for what an idle cycle needs (each statement costs more than what it reads).
        with self.db.read() as conn:
            found = store.get_settings(conn, replica.REWOUND, skew.HELD, STUCK, CHAINS)
            known = store.cursors(conn)
        moves = self._cursor_moves
        rewound = found[replica.REWOUND] is not None
        if found[skew.HELD] not in (None, "[]"):
            self.release_held(report, allow_mass_delete)
        chains = json.loads(found[CHAINS] or "{}")
        listed = self.segments()
        self.listed = {device: list(seqs) for device, seqs in listed.items()}
        if any(d != self.device_id and d not in self.ring.members and d not in self.ring.removed for d in listed):
            self.refresh_keys(report)  # a device joined since this device last read the key file
        if rewound:
            # Read from the start (joined, or the scope widened): a device whose segments were all compacted
            # away is known only by its snapshots.
            for device in snapshots.writers(self):
                listed.setdefault(device, [])
        for device in json.loads(found[STUCK] or "{}"):
            listed.setdefault(device, [])  # stuck on one with no segments left: its next snapshot is the way on
        for device in self.ring.removed:
            listed.setdefault(device, [])  # what a member read of it before its removal may be in a snapshot only
        for device in self._claiming_more(listed, known):
            listed.setdefault(device, [])  # every file of it gone from the target: its record still tells
        for device, seqs in sorted(listed.items()):
            if device == self.device_id:
                continue
            if device in self.ring.removed:
                snapshots.settle_removed(self, device, report)
                strangers.ignore_removed(self, device, seqs, self._cursor(device)[0], report)
                continue
            if device not in self.ring.members:
                strangers.ignore_unknown(self, device, seqs, report)
                continue
            if self._cursor_moves == moves:
                cursor = known.get(device)
                start = (cursor.segment if cursor else 0), chains.get(device)
            else:
                start = self._cursor(device)  # a snapshot read for another device may have moved this one
            self._pull_device(device, seqs, report, allow_mass_delete, start)
        stuck = json.dumps(report.stuck, sort_keys=True)
        if rewound or (found[STUCK] or "{}") != stuck:
            with self.db.write() as conn:
                store.set_setting(conn, STUCK, stuck)
                if rewound:
                    store.delete_settings(conn, replica.REWOUND)

    def _claiming_more(self, listed: dict[str, list[int]], known: dict[str, Any]) -> list[str]:
        """Members with no segment on the target that this device has read less of than their own signed record
        says they wrote, or than another member's snapshot holds: the storage deleted their files (or all of it).
        Pulled like the others, they are caught up from a snapshot or reported
        (:func:`memvault.sync.chains.short_of_record`) instead of passed over in silence."""
        records = self.clocks.records if self.clocks is not None else {}
        out = []
        for device in self.ring.members:
            cursor = known.get(device)
            said = [records.get(device, {}).get("segment"), *snapshots.offers(self, device).values()]
            if device != self.device_id and device not in listed and \
                    any(isinstance(s, int) and s > (cursor.segment if cursor else 0) for s in said):
                out.append(device)
        return out

    def _cursor(self, device: str) -> tuple[int, list[Any] | None]:
        with self.db.read() as conn:
            cursor = store.cursors(conn).get(device)
            link = json.loads(store.get_setting(conn, CHAINS) or "{}").get(device)
        return (cursor.segment if cursor else 0), link

    def _pull_device(self, device: str, seqs: list[int], report: CycleReport, allow_mass_delete: bool,
                     start: tuple[int, list[Any] | None]) -> None:
        """``start``: ``(cursor, chain link)`` of ``device`` as read at the start of the pull."""
        needed = seqs[0] - 1 if seqs else start[0] + 1
        if needed > start[0]:
            # The segments this device needs were compacted away (or lost): a snapshot covers them.
            snapshots.catch_up_from_snapshot(self, device, needed, report)
            start = self._cursor(device)
        stall = self._pull_from(device, seqs, report, allow_mass_delete, start)
        if stall is not None and snapshots.catch_up_from_snapshot(self, device, stall[0], report):
            stall = self._pull_from(device, seqs, report, allow_mass_delete, self._cursor(device))
        if stall is not None:
            seq, why, refused = stall
            (report.problems if refused else report.waiting).append(why)
            report.stuck[device] = [seq, why]

    def _pull_from(self, device: str, seqs: list[int], report: CycleReport, allow_mass_delete: bool,
                   start: tuple[int, list[Any] | None]) -> tuple[int, str, bool] | None:
        """Apply ``device``'s segments that continue its chain from ``start``; the stall, if any."""
        if seqs and seqs[-1] <= start[0]:
            return chains.short_of_record(self, device, start[0])  # nothing new here (an idle cycle)
        stall = chains.pull_chain(self, device, seqs, report, allow_mass_delete, start)
        return stall if stall is not None else chains.short_of_record(self, device, max(start[0], max(seqs, default=0)))

    def apply_ops(self, ops: list[dict[str, Any]], device: str, seq: int, report: CycleReport,
                  allow_mass_delete: bool, covers: dict[str, int] | None = None, link: list[Any] | None = None) -> None:
        """Apply one segment's ops (or a snapshot's states) and move ``device``'s cursor to ``seq``, at once.
        Ops stamped further ahead of this clock than the drift are held instead (see :mod:`memvault.sync.skew`)."""
        now = self.wall()
        with self.db.read() as conn:
            ops, refused = scope.refuse_shared(conn, ops, device)
        report.problems += [refused] if refused else []
        ops, later = skew.split(ops, int(now * 1000))
        newest = max((s for s in map(skew.stamp_of, ops) if s), default=None)
        lead = max((skew.lead_of(op, int(now * 1000)) for op in later), default=0)
        if later:
            log.warning("sync: device %s stamps changes %.0f s ahead of this clock: held", device[:8], lead / 1000)
        if newest is not None:
            self.clock.observe(newest)
        guard = None if allow_mass_delete else mass_delete_guard
        with incoming.mass_delete_explained(device), self.db.write() as conn:
            replica.catch_up(conn, self.device_id, self.models)
            applied = incoming.apply(conn, ops, device, self.models, now, guard=guard, unseen=report.arrived)
            skew.hold(conn, device, later)
            replica.skip_applied(conn)
            known = store.cursors(conn)
            chains = json.loads(store.get_setting(conn, CHAINS) or "{}")
            for moved in (covers or {}):
                if (covers or {})[moved] > (known[moved].segment if moved in known else 0):
                    chains.pop(moved, None)  # moved by a snapshot: the next segment's hash is not known
            if link is not None:
                chains[device] = link
            store.set_setting(conn, CHAINS, json.dumps(chains, sort_keys=True))
            for moved, upto in (covers or {device: seq}).items():
                if moved == self.device_id:
                    continue
                previous = known.get(moved)
                store.set_cursor(conn, store.Cursor(
                    moved, max(upto, previous.segment if previous else 0),
                    max(newest or "", (previous.last_hlc if previous else "") or "") or None, now,
                    lead if moved == device else (previous.skew_ms if previous else 0)))
        self._cursor_moves += 1
        report.changes += applied.changes
        report.conflicts += applied.conflicts
        report.arrived |= applied.arrived

    def release_held(self, report: CycleReport, allow_mass_delete: bool) -> None:
        """Apply the held ops this clock has now reached (see :mod:`memvault.sync.skew`)."""
        now = self.wall()
        guard = None if allow_mass_delete else mass_delete_guard
        with self.db.write() as conn:
            due = skew.take_due(conn, int(now * 1000))
            if not due:
                return
            replica.catch_up(conn, self.device_id, self.models)
            for device, ops in sorted(due.items()):
                with incoming.mass_delete_explained(device):
                    applied = incoming.apply(conn, ops, device, self.models, now, guard=guard, unseen=report.arrived)
                report.changes += applied.changes
                report.conflicts += applied.conflicts
                report.arrived |= applied.arrived
            replica.skip_applied(conn)
        newest = max((s for ops in due.values() for s in map(skew.stamp_of, ops) if s), default=None)
        if newest is not None:
            self.clock.observe(newest)

    # -- upkeep (memvault/sync/snapshots.py) ---------------------------------------------------------------------------

    def join_from_snapshot(self, report: CycleReport) -> bool:
        with collections_paused():
            return snapshots.join_from_snapshot(self, report)

    def maintain(self, device_name: str | None, report: CycleReport) -> None:
        snapshots.maintain(self, device_name, report)

    def write_snapshot(self) -> str:
        return snapshots.write_snapshot(self)

    def rotate(self, removed_device: str | None, passphrase: str, new: tuple[str, int, int] | None) -> None:
        snapshots.rotate(self, removed_device, passphrase, new)

    def correct_clock(self, offset_ms: int) -> None:
        """Stamp and date from now on as if this device's clock ran ``offset_ms`` less far ahead."""
        skew.correct(self.clock, self.wall, offset_ms)

    # -- device records ------------------------------------------------------------------------------------------

    def device_name(self, device: str) -> str:
        return f"{self.group}/devices/{device}"

    def publish_record(self, record: dict[str, Any]) -> None:
        self.target.put(self.device_name(self.device_id),
                        seal_record(self.ring, self.device_id, record, self.me.sign_private))

    def records(self) -> dict[str, dict[str, Any]]:
        """Every device's record (unreadable ones are reported as such)."""
        return device_records.read_all(self.target, self.ring)


def _leftover_of(head: dict[str, Any], ops: list[Any], rows: list[tuple[int, str]]) -> bool:
    """Whether a segment of this device's that is already on the target was written from this outbox (a crash
    came between writing it and recording it): it starts where the outbox does and holds its first ops."""
    return (head.get("first") == rows[0][0] and len(ops) <= len(rows)
            and all(op == json.loads(text) for op, (_, text) in zip(ops, rows)))
