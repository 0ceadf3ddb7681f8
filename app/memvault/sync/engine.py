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

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from memvault.crypto.recipients import key_pair_from_private
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    MassDeletePaused,
    NotFound,
    SyncError,
    SyncKeyError,
    SyncTargetError,
    TruncatedData,
)
from memvault.domain.hlc import Hlc, HybridClock
from memvault.sync import incoming, merge, replica, snapshots
from memvault.sync.segments import (
    KeyRing,
    SegmentHeader,
    granted_keys,
    open_record,
    read_file,
    seal_record,
    write_file,
)
from memvault.sync.targets.base import ID, SEQ, Target, seq_name
from memvault.vault import sync_store as store
from memvault.vault.engine import Database

log = logging.getLogger(__name__)

PUSHED = "sync_pushed"
NEXT_SEGMENT = "sync_next_segment"
#: Ops per segment (a segment also stops growing at about 8 MB of op text).
SEGMENT_OPS = 5000
_SEGMENT_BYTES = 8 << 20
#: A clock this far ahead of ours is reported and not followed.
MAX_SKEW_MS = 5 * 60 * 1000
#: Mass-delete guard: a batch that removes more than this many memories *and* this share of a namespace pauses.
MASS_DELETE_MIN = 50
MASS_DELETE_SHARE = 0.2


@dataclass
class CycleReport:
    """What one cycle did."""

    pushed_ops: int = 0
    pushed_segments: int = 0
    applied_segments: int = 0
    changes: list[tuple[Any, str, str]] = field(default_factory=list)
    conflicts: int = 0
    problems: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def mass_delete_guard(removed: dict[str, int], live: dict[str, int]) -> None:
    over = {ns: (n, live.get(ns, 0)) for ns, n in removed.items()
            if n > MASS_DELETE_MIN and n > MASS_DELETE_SHARE * max(live.get(ns, 0), 1)}
    if over:
        raise incoming.MassDelete(over)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while reading and applying files.

    A snapshot or segment becomes hundreds of thousands of small dicts that all
    stay alive until applied; every collection of the oldest generation walks
    all of them again, which cost about a fifth of a join's CPU. Those objects
    form no reference cycles (reference counting frees them), so pausing loses
    nothing; a pause already in place (nested, or another thread's) is left as it is.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SyncEngine:
    """Sync between one vault and one target.

    Args:
        db: the vault's database.
        target: where the group's files are.
        ring: the group's keys.
        device_id: this device.
        models: this device's embedding model (shipped vectors are used when they match).
        clock: this device's hybrid logical clock (it follows other devices' stamps within :data:`MAX_SKEW_MS`).
        wall: the wall clock in seconds.
        private_key: this vault's X25519 private key (opens key generations granted to this device).
        ring_changed: called with the ring when it gains a key generation (the caller keeps it in the vault).
    """

    def __init__(self, db: Database, target: Target, ring: KeyRing, device_id: str, models: replica.Models,
                 clock: HybridClock, wall: Callable[[], float] = time.time, *,
                 private_key: Callable[[], bytes] | None = None,
                 ring_changed: Callable[[KeyRing], None] | None = None) -> None:
        self.db = db
        self._private_key = private_key
        self.ring_changed = ring_changed or (lambda _ring: None)
        self.target = target
        self.ring = ring
        self.device_id = device_id
        self.models = models
        self.clock = clock
        self.wall = wall

    @property
    def group(self) -> str:
        return self.ring.group

    @property
    def public_key(self) -> bytes:
        if self._private_key is None:
            return b""
        return key_pair_from_private(self._private_key()).public

    def refresh_keys(self) -> bool:
        """Learn key generations the key file grants this device (after another device removed one)."""
        if self._private_key is None:
            return False
        try:
            data = self.target.get(f"{self.group}/key")
        except NotFound:
            return False
        ring = granted_keys(data, self.ring, self.device_id, self._private_key())
        if ring == self.ring:
            return False
        self.ring = ring
        self.ring_changed(ring)
        return True

    def cycle(self, report: CycleReport, *, allow_mass_delete: bool = False) -> CycleReport:
        self.push(report)
        with collector_paused():
            self.pull(report, allow_mass_delete=allow_mass_delete)
        return report

    # -- push ----------------------------------------------------------------------------------------------------

    def push(self, report: CycleReport) -> None:
        with self.db.write() as conn:
            replica.catch_up(conn, self.device_id, self.models)
        while True:
            with self.db.read() as conn:
                pushed = int(store.get_setting(conn, PUSHED) or 0)
                seq = int(store.get_setting(conn, NEXT_SEGMENT) or 1)
                rows = store.outbox_after(conn, pushed, SEGMENT_OPS)
            if not rows:
                return
            size, take = 0, 0
            for _, text in rows:
                size += len(text)
                take += 1
                if size > _SEGMENT_BYTES:
                    break
            rows = rows[:take]
            header = SegmentHeader(self.group, self.device_id, "ops", seq, self.ring.current)
            data = write_file(header, self.ring.key, {"first": rows[0][0], "last": rows[-1][0], "count": len(rows)},
                              (text for _, text in rows))
            name = self._ops_name(self.device_id, seq)
            if self.target.put_new(name, data):
                last = rows[-1][0]
                report.pushed_ops += len(rows)
                report.pushed_segments += 1
            else:
                # Written before a crash that kept us from recording it: it says what it covered.
                head = next(read_file(self.target.get(name), header, self.ring.keys))
                last = int(head["last"])
            with self.db.write() as conn:
                store.set_setting(conn, PUSHED, str(last))
                store.set_setting(conn, NEXT_SEGMENT, str(seq + 1))
                store.outbox_drop_upto(conn, last)

    def _ops_name(self, device: str, seq: int) -> str:
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
        with self.db.read() as conn:
            cursors = store.cursors(conn)
            rewound = store.get_setting(conn, replica.REWOUND) is not None
        listed = self.segments()
        if rewound:
            # Read from the start (joined, or the scope widened): a device whose segments were all compacted
            # away is known only by its snapshots.
            for device in snapshots.writers(self):
                listed.setdefault(device, [])
        for device, seqs in sorted(listed.items()):
            if device == self.device_id or device in self.ring.removed:
                continue  # a removed device's new segments are not trusted
            cursor = cursors.get(device)
            done = cursor.segment if cursor else 0
            needed = seqs[0] - 1 if seqs else done + 1
            if needed > done and snapshots.catch_up_from_snapshot(self, device, needed, report):
                # The segments this device needs were compacted away: that device's snapshot covers them.
                with self.db.read() as conn:
                    moved = store.cursors(conn).get(device)
                done = moved.segment if moved else done
            for seq in seqs:
                if seq <= done:
                    continue
                if seq != done + 1:
                    report.waiting.append(f"segment {done + 1} of device {device[:8]} has not arrived yet")
                    break
                if not self._pull_one(device, seq, report, allow_mass_delete):
                    break
                done = seq
        if rewound:
            with self.db.write() as conn:
                store.delete_settings(conn, replica.REWOUND)

    def _pull_one(self, device: str, seq: int, report: CycleReport, allow_mass_delete: bool) -> bool:
        name = self._ops_name(device, seq)
        try:
            lines = list(read_file(self.target.get(name), SegmentHeader(self.group, device, "ops", seq, 0),
                                   self.ring.keys))
            head, ops = lines[0], [merge.validate_op(op) for op in lines[1:]]
            if head.get("count") != len(ops):
                raise DamagedData(f"{name} holds {len(ops)} ops but says {head.get('count')}")
        except TruncatedData:
            report.waiting.append(f"{name} is incomplete (still arriving?)")
            return False
        except NotFound:
            report.waiting.append(f"{name} disappeared while being read")
            return False
        except SyncTargetError:
            raise  # the target failed, not the file: the cycle stops and is retried
        except SyncKeyError as exc:
            if self.refresh_keys():
                return self._pull_one(device, seq, report, allow_mass_delete)
            report.problems.append(f"refused {name}: {exc.message}")
            return False
        except (DamagedData, DecryptionFailed, SyncError) as exc:
            report.problems.append(f"refused {name}: {exc.message}")
            log.warning("sync: refused a segment of device %s: %s", device[:8], exc.code)
            return False
        self.apply_ops(ops, device, seq, report, allow_mass_delete)
        report.applied_segments += 1
        return True

    def apply_ops(self, ops: list[dict[str, Any]], device: str, seq: int, report: CycleReport,
                  allow_mass_delete: bool, covers: dict[str, int] | None = None) -> None:
        """Apply one segment's ops (or a snapshot's states) and move ``device``'s cursor to ``seq``, at once."""
        now = self.wall()
        stamps = [op["h"] if "wipe" in op else merge.latest(op) for op in ops]
        stamps = [s for s in stamps if s]
        newest = max(stamps) if stamps else None
        skew = 0
        if newest is not None:
            lead = Hlc.parse(newest).ms - int(now * 1000)
            if lead > MAX_SKEW_MS:
                skew = lead
                log.warning("sync: device %s stamps changes %.0f s ahead of this clock", device[:8], lead / 1000)
            else:
                self.clock.observe(newest)
        guard = None if allow_mass_delete else mass_delete_guard
        try:
            with self.db.write() as conn:
                replica.catch_up(conn, self.device_id, self.models)
                applied = incoming.apply(conn, ops, device, self.models, now, guard=guard)
                replica.skip_applied(conn)
                known = store.cursors(conn)
                for moved, upto in (covers or {device: seq}).items():
                    if moved == self.device_id:
                        continue
                    previous = known.get(moved)
                    store.set_cursor(conn, store.Cursor(
                        moved, max(upto, previous.segment if previous else 0),
                        max(newest or "", (previous.last_hlc if previous else "") or "") or None, now,
                        skew if moved == device else (previous.skew_ms if previous else 0)))
        except incoming.MassDelete as exc:
            detail = ", ".join(f"{n} of {live} memories" for n, live in exc.counts.values())
            raise MassDeletePaused(
                f"changes from device {device[:8]} would remove {detail} of a namespace; nothing was applied. "
                "If that is intended, sync again allowing mass deletes (--allow-mass-delete)",
                counts={ns: n for ns, (n, _) in exc.counts.items()}) from None
        report.changes += applied.changes
        report.conflicts += applied.conflicts

    # -- upkeep (app/sync/snapshots.py) ---------------------------------------------------------------------------

    def join_from_snapshot(self, report: CycleReport) -> bool:
        with collector_paused():
            return snapshots.join_from_snapshot(self, report)

    def maintain(self, device_name: str | None) -> None:
        snapshots.maintain(self, device_name)

    def write_snapshot(self) -> str:
        return snapshots.write_snapshot(self)

    def rotate(self, removed_device: str, passphrase: str, memory_kib: int, iterations: int) -> None:
        snapshots.rotate(self, removed_device, passphrase, memory_kib, iterations)

    # -- device records ------------------------------------------------------------------------------------------

    def device_name(self, device: str) -> str:
        return f"{self.group}/devices/{device}"

    def publish_record(self, record: dict[str, Any]) -> None:
        self.target.put(self.device_name(self.device_id), seal_record(self.ring, self.device_id, record))

    def records(self) -> dict[str, dict[str, Any]]:
        """Every device's record (unreadable ones are reported as such)."""
        prefix = f"{self.group}/devices/"
        found: dict[str, dict[str, Any]] = {}
        for name in self.target.list(prefix):
            device = name[len(prefix):]
            if not ID.match(device):
                continue
            try:
                found[device] = open_record(self.ring, device, self.target.get(name))
            except (DamagedData, DecryptionFailed, NotFound) as exc:
                found[device] = {"error": exc.message}
        return found

