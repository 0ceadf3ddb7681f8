"""One cycle of one shared namespace over its target: membership, then this device's ops out, others' in.

Target layout (``<share>`` is the shared namespace's random id; nothing else names it)::

    <share>/roster/<sha256>                    membership entries (:mod:`memvault.sharing.roster`)
    <share>/ops/<person>/<device>/<seq>        a device's op segments, signed with its person's key

Segments are sync's files (:mod:`memvault.sync.segments`: segmented AES-256-GCM
under a key generation, signed, hash-chained through ``prev``) with the share
id as group and ``<person>/<device>`` as the writer. A reader applies a
segment only when it verifies as the person its path names, that person is a
member with the ``write`` or ``admin`` role in the roster this reader folded
(or the segment is among those the entry that took that role vouches for,
:mod:`memvault.sharing.vouched`), the segment continues that device's chain,
every op is in the shared namespace, and the device is not already bound to
another person. Anything else is refused, reported in ``share status`` and
skipped (never applied), so one bad file does not stall the honest stream
behind it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memvault.domain.errors import DamagedData, DecryptionFailed, NotFound, SyncError, SyncTargetError, TruncatedData
from memvault.sharing import roster as rosters
from memvault.sharing import snapshots, vouched
from memvault.sharing.person import PersonIdentity
from memvault.sharing.rules import WRITE_ROLES
from memvault.sync import incoming, merge, op_shape, replica
from memvault.sync.engine import mass_delete_guard
from memvault.sync.segments import SegmentHeader, digest, read_file, write_file
from memvault.sync.targets.base import ID, SEGMENT_MAX_BYTES, SEQ, SMALL_FILE_MAX_BYTES, Target, seq_name
from memvault.vault import share_store
from memvault.vault import sync_store as store
from memvault.vault.engine import Database

log = logging.getLogger(__name__)

_PERSON = re.compile(r"^[0-9a-f]{32}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
#: Refusals and problems kept for ``share status`` (the latest ones).
KEEP_REPORTED = 50


@dataclass
class ShareReport:
    pushed_ops: int = 0
    applied_segments: int = 0
    changes: list[tuple[Any, str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def entries_key(share: str) -> str:
    return f"share_entries:{share}"


def kept_entries(conn: Any, share: str) -> dict[str, bytes]:
    """The membership entries this vault has read (by digest), kept inside it."""
    kept = json.loads(store.get_setting(conn, entries_key(share)) or "{}")
    return {d: base64.b64decode(b) for d, b in kept.items()}


def cursors_key(share: str) -> str:
    return f"share_cursors:{share}"


class ShareEngine:
    """One shared namespace on one target, as seen by this vault's person on this device."""

    def __init__(self, db: Database, target: Target, share: str, anchor: str, me: PersonIdentity, device_id: str,
                 models: replica.Models, clock: Any, wall: Callable[[], float]) -> None:
        self.db, self.target, self.share, self.anchor = db, target, share, anchor
        self.me, self.device_id, self.models, self.clock, self.wall = me, device_id, models, clock, wall

    # -- membership ----------------------------------------------------------------------------------------------

    def _entries(self) -> dict[str, bytes]:
        with self.db.read() as conn:
            return kept_entries(conn, self.share)

    def _keep_entries(self, entries: dict[str, bytes]) -> None:
        with self.db.write() as conn:
            store.set_setting(conn, entries_key(self.share),
                              json.dumps({d: base64.b64encode(b).decode() for d, b in sorted(entries.items())}))

    def roster(self, report: ShareReport | None = None) -> rosters.Roster:
        """Read new membership entries from the target, write back any it lost, and fold them all."""
        entries = self._entries()
        prefix = f"{self.share}/roster/"
        listed = {n[len(prefix):] for n in self.target.list(prefix)}
        for name in sorted(listed - set(entries)):
            if _DIGEST.match(name):
                try:
                    entries[name] = self.target.get(prefix + name, SMALL_FILE_MAX_BYTES)
                except NotFound:
                    continue
                except DamagedData as exc:  # planted, larger than any entry: not read into memory
                    if report is not None:
                        report.problems.append(exc.message)
                    continue
        for name in sorted(set(entries) - listed):
            self.target.put_new(prefix + name, entries[name])  # deleted or rolled back on the target
        folded = rosters.fold(entries, self.share, self.anchor, self.me)
        # Only entries that verify are kept (a forged one is refused again each time it is listed, and reported).
        valid = {d: b for d, b in entries.items() if d in folded.accepted or rosters.verifies(b, self.share)}
        if valid != self._entries():
            self._keep_entries(valid)
        if report is not None:
            report.problems += folded.problems
        return folded

    def publish(self, entry: bytes) -> rosters.Roster:
        """Write one new membership entry (create-only, under its digest) and return the roster it makes."""
        name = rosters.entry_digest(entry)
        self.target.put_new(f"{self.share}/roster/{name}", entry)
        entries = self._entries()
        entries[name] = entry
        self._keep_entries(entries)
        return self.roster()

    def upkeep(self, roster: rosters.Roster) -> rosters.Roster:
        """What the roster asks of this member: rotate a tainted generation (admins), grant it to those lacking it."""
        mine = roster.role_of(self.me.person_id)
        if mine == "admin" and roster.tainted:
            roster = self.publish(rosters.rotate(roster, self.clock.now(), self.me))
        if mine is not None and roster.missing() and roster.current in roster.keys and not roster.tainted:
            roster = self.publish(rosters.grant_missing(roster, self.clock.now(), self.me))
        return roster

    # -- push ----------------------------------------------------------------------------------------------------

    def cursors(self, conn: Any) -> dict[str, Any]:
        return json.loads(store.get_setting(conn, cursors_key(self.share)) or
                          '{"next": 1, "chain": [0, ""], "writers": {}, "devices": {}}')

    @property
    def cursors_name(self) -> str:
        return cursors_key(self.share)

    def _ops_name(self, writer: str, seq: int) -> str:
        return f"{self.share}/ops/{writer}/{seq_name(seq)}"

    @property
    def writer(self) -> str:
        return f"{self.me.person_id}/{self.device_id}"

    def push(self, roster: rosters.Roster, ops: list[dict[str, Any]], report: ShareReport) -> None:
        """Send ``ops`` (this device's changes in the shared namespace) as one segment under the current key."""
        if not ops:
            return
        if roster.current is None or roster.current not in roster.keys or roster.tainted:
            raise SyncError("this shared namespace has no key this device may write under yet (an admin rotates "
                            "it on their next sync); the changes are kept and sent then")
        with self.db.read() as conn:
            cursors = self.cursors(conn)
        seq = int(cursors["next"])
        while True:
            header = SegmentHeader(self.share, self.writer, "ops", seq, roster.current)
            data = write_file(header, roster.keys[roster.current],
                              {"count": len(ops), "prev": cursors["chain"], "device": self.device_id},
                              (json.dumps(op, sort_keys=True, ensure_ascii=False) for op in ops), self.me.sign_private)
            name = self._ops_name(self.writer, seq)
            if self.target.put_new(name, data):
                break
            cursors["chain"] = self._own_link(roster, name, seq, cursors["chain"], report)
            seq += 1
        now = self.wall()
        with self.db.write() as conn:
            cursors = self.cursors(conn)
            cursors.update(next=seq + 1, chain=[seq, digest(data)])
            store.set_setting(conn, self.cursors_name, json.dumps(cursors, sort_keys=True))
            share_store.record(conn, [(op["u"], roster.namespace or "", self.me.person_id, self.device_id, now)
                                      for op in ops if "u" in op])
        report.pushed_ops += len(ops)

    def _own_link(self, roster: rosters.Roster, name: str, seq: int, chain: list[Any],
                  report: ShareReport) -> list[Any]:
        """The chain link after the file already at our next number: its own when this device wrote it (before a
        crash kept that from being recorded), else the same link (a planted file, which readers refuse)."""
        try:
            found = self.target.get(name, SEGMENT_MAX_BYTES)
            read_file(found, SegmentHeader(self.share, self.writer, "ops", seq, 0), roster.keys, self.me.key.sign)
        except SyncTargetError:
            raise
        except (NotFound, DamagedData, DecryptionFailed, SyncError) as exc:
            report.problems.append(f"{name} was not written by this device ({exc.message}): it is left there and "
                                   "the next number is used")
            return chain
        return [seq, digest(found)]

    # -- snapshots (memvault/sharing/snapshots.py) -------------------------------------------------------------------

    def maintain(self, roster: rosters.Roster, report: ShareReport) -> str | None:
        """Write a snapshot when one is due (this member is an admin); returns its name."""
        return snapshots.write(self, roster) if snapshots.due(self, roster, report) else None

    def write_snapshot(self, roster: rosters.Roster) -> str:
        return snapshots.write(self, roster)

    # -- pull ----------------------------------------------------------------------------------------------------

    def writers(self) -> dict[str, list[int]]:
        return self.listed("ops")

    def listed(self, kind: str) -> dict[str, list[int]]:
        """Every writer's file numbers under ``<share>/<kind>/`` (names a member would not write are ignored)."""
        found: dict[str, list[int]] = {}
        prefix = f"{self.share}/{kind}/"
        for name in self.target.list(prefix):
            parts = name[len(prefix):].split("/")
            if len(parts) == 3 and _PERSON.match(parts[0]) and ID.match(parts[1]) and SEQ.match(parts[2]):
                found.setdefault(f"{parts[0]}/{parts[1]}", []).append(int(parts[2]))
        return {w: sorted(s) for w, s in found.items()}

    def pull(self, roster: rosters.Roster, report: ShareReport, *, allow_mass_delete: bool = False) -> None:
        with self.db.read() as conn:
            cursors = self.cursors(conn)
        listed = self.writers()
        done = {w: cursors["writers"].get(w, [0, ""])[0] for w in listed}
        unread = sum(1 for w, seqs in listed.items() if w != self.writer for seq in seqs if seq > done[w])
        # A writer whose next segment is not there while later ones are: deleted on the target (or not arrived).
        gap = any(w != self.writer and min((q for q in seqs if q > done[w]), default=done[w] + 1) > done[w] + 1
                  for w, seqs in listed.items())
        # A device that has read nothing yet (it just joined) starts from the newest admin snapshot, then reads
        # only the segments after it; so does one that is far behind (away long) or missing a writer's segments,
        # when a snapshot it has not read yet covers more than it has. One that joined before snapshots existed goes on from its cursors.
        new = not cursors.get("snapshot_checked") and not cursors["writers"]
        if roster.current in roster.keys and (new or gap or unread >= snapshots.SNAPSHOT_SEGMENTS):
            snapshots.join(self, roster, report, guard=None if new or allow_mass_delete else mass_delete_guard)
            with self.db.write() as conn:
                cursors = self.cursors(conn)
                cursors["snapshot_checked"] = True
                store.set_setting(conn, self.cursors_name, json.dumps(cursors, sort_keys=True))
        for writer, seqs in sorted(listed.items()):
            if writer != self.writer:
                self._pull_writer(roster, writer, seqs, report, allow_mass_delete)
        vouched.missing(self, roster, listed, report)

    def links_of(self, person: str) -> dict[str, list[Any]]:
        """What an entry taking ``person``'s write role vouches for (:mod:`memvault.sharing.vouched`)."""
        with self.db.read() as conn:
            return vouched.links_of(self.cursors(conn), person, self.me.person_id, self.device_id)

    def _pull_writer(self, roster: rosters.Roster, writer: str, seqs: list[int], report: ShareReport,
                     allow_mass_delete: bool) -> None:
        person, device = writer.split("/")
        walked = vouched.walk(self, roster, writer, report)
        for seq in seqs:
            with self.db.read() as conn:
                cursors = self.cursors(conn)
            done, link = cursors["writers"].get(writer, [0, ""])
            if seq <= done:
                continue
            name = self._ops_name(writer, seq)
            why, ops, data, head = self._check(roster, writer, seq, link, cursors, walked)
            if why == "wait":
                return  # not readable yet (still arriving, or a key generation not granted to this member)
            if why == "gap":
                report.problems.append(f"segments of person {person[:8]} before {name} are missing on the target "
                                       "(deleted, or not arrived): its later ones wait for them or for a snapshot "
                                       "of an admin that covers them")
                return
            if why is not None:
                report.refused.append(f"refused {name}: {why}")
                log.warning("share: refused a segment of person %s", person[:8])
                if data is None:
                    return
                # Skipped for good, and the chain moves past it only when it was a real (signed) file of that
                # writer; a forged file does not move it, so the writer's next real segment still follows.
                if head is not None:
                    self._advance(writer, seq, data, None, device, person, report)
                continue
            try:
                self._advance(writer, seq, data, ops, device, person, report,
                              guard=None if allow_mass_delete else mass_delete_guard)
            except incoming.MassDelete as exc:
                removed = ", ".join(f"{n} of {live} memories" for n, live in exc.counts.values())
                report.problems.append(f"{name} from person {person[:8]} would remove {removed} of the shared "
                                       "namespace: nothing was applied; if that is intended, run `memvault share now "
                                       "--allow-mass-delete`")
                return

    def _check(self, roster: rosters.Roster, writer: str, seq: int, link: str, cursors: dict[str, Any],
               walked: vouched.Walk | None) -> tuple[str | None, list[dict[str, Any]], bytes | None, dict | None]:
        """``(why refused or "wait" or None, ops, file bytes, head when signed by the writer)``."""
        person, device = writer.split("/")
        try:
            data = self.target.get(self._ops_name(writer, seq), SEGMENT_MAX_BYTES)
        except NotFound:
            return "wait", [], None, None
        except DamagedData as exc:  # larger than any segment a member writes: refused unread
            return exc.message, [], None, None
        signer = roster.known_key(person)
        if signer is None:
            return f"person {person[:8]} is not a member of this shared namespace", [], data, None
        try:
            lines = read_file(data, SegmentHeader(self.share, writer, "ops", seq, 0), roster.keys, signer.sign)
        except TruncatedData:
            return "wait", [], None, None
        except SyncTargetError:
            raise
        except SyncError as exc:  # a key generation this member does not hold (granted later, unless removed)
            vouched_up_to = vouched.link(roster, writer)
            if person in roster.removed and (vouched_up_to is None or seq > vouched_up_to[0]):
                return exc.message, [], data, None
            return "wait", [], None, None
        except (DamagedData, DecryptionFailed) as exc:
            return exc.message, [], data, None
        head = lines[0]
        if roster.role_of(person) not in WRITE_ROLES:
            why, moves = vouched.judge(roster, writer, seq, data, len(lines) - 1, walked)
            if why == "wait":
                return "wait", [], None, None
            if why is not None:
                return why, [], data, head if moves else None
        # A device writes for one person: this device is this vault's person's, and a device another person
        # wrote for first stays theirs (attribution and the stamps inside ops name the device).
        bound = self.me.person_id if device == self.device_id else cursors["devices"].get(device)
        if head.get("device") != device or (bound is not None and bound != person):
            return f"device {device[:8]} belongs to another person", [], data, None
        done, prev = cursors["writers"].get(writer, [0, ""])[0], head.get("prev")
        if isinstance(prev, list) and len(prev) == 2 and isinstance(prev[0], int) and prev[0] > done:
            return "gap", [], None, None  # its predecessors are missing (deleted on the target): a snapshot covers them
        if prev != [done, link]:
            return "it does not follow this device's chain (replayed, or forged by a member)", [], data, None
        try:
            ops = [op_shape.validate_op(op) for op in lines[1:]]
        except DamagedData as exc:
            return exc.message, [], data, head
        outside = [op for op in ops if op.get("wipe", op.get("ns")) != roster.namespace]
        with self.db.read() as conn:
            # An op names its memory by id: one that is here in another namespace is not the member's to change.
            rows = store.rows_for(conn, [op["u"] for op in ops if "u" in op])
        moved = [u for u, row in rows.items() if row.fields["namespace"] != roster.namespace]
        if outside or moved or head.get("count") != len(ops):
            return "it changes memories outside the shared namespace", [], data, head
        return None, ops, data, head

    def _advance(self, writer: str, seq: int, data: bytes, ops: list[dict[str, Any]] | None, device: str, person: str,
                 report: ShareReport, guard: Callable[[dict[str, int], dict[str, int]], None] | None = None) -> None:
        now = self.wall()
        with self.db.write() as conn:
            if ops:
                newest = max((merge.latest(op) or "" for op in ops if "u" in op), default="")
                if newest:
                    self.clock.observe(newest)
                replica.catch_up(conn, self.device_id, self.models)
                # (_check let only the shared namespace's ops through: they all name it)
                applied = incoming.apply(conn, ops, device, self.models, now, guard=guard,
                                         namespace=ops[0].get("wipe", ops[0].get("ns")))
                replica.skip_applied(conn)
                share_store.record_applied(conn, [(u, ns, person, device, now) for _, u, ns in applied.changes])
                report.changes += applied.changes
                report.applied_segments += 1
            cursors = self.cursors(conn)
            cursors["writers"][writer] = [seq, digest(data)]
            if ops is not None:
                cursors["devices"][device] = person
            store.set_setting(conn, self.cursors_name, json.dumps(cursors, sort_keys=True))

