"""Sync as a use case: set up or join a target, sync now, status, devices, conflicts, turn off.

The sync key, the target's address and its credentials are kept in the vault's
settings (inside the encrypted database), never in a plaintext file. One cycle
runs at a time (a lock), from the CLI, the background loop or the GUI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from memvault.config import Settings
from memvault.domain.changes import SYNC, ChangeEvent, ChangeKind
from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import (
    InvalidInput,
    MemvaultError,
    NotFound,
    SyncError,
    SyncKeyError,
    SyncNotSetUp,
)
from memvault.domain.hlc import HybridClock
from memvault.service.events import EventHub, events_of_arrivals
from memvault.service import sync_conflicts
from memvault.service import validation as v
from memvault.service.lifecycle import LifecycleService
from memvault.service.sync_info import ConflictInfo, DeviceInfo, SyncResult, SyncStatus
from memvault.service.sync_refusals import Progress, kept, shown
from memvault.sync import replica, skew
from memvault.sync import scope as scopes
from memvault.sync.engine import CycleReport, SyncEngine
from memvault.domain import limits
from memvault.sync import identity
from memvault.sync.identity import DeviceIdentity, KeyRing
from memvault.sync.segments import digest as segment_digest
from memvault.sync.targets.base import SEGMENT_MAX_BYTES
from memvault.sync.targets.factory import TargetConfig, files_before_setup, open_new_target, open_target
from memvault.vault import memory_queries as repo
from memvault.vault import sync_store as store
from memvault.vault.engine import Database

log = logging.getLogger(__name__)

_RING, _TARGET, _LAST, _NAME = "sync_ring", "sync_target", "sync_last", "sync_device_name"
_IDENTITY = "sync_identity"


def check_passphrase(passphrase: str, field: str = "sync_passphrase") -> None:
    """The sync passphrase protects the key file on third-party storage: the vault's minimum applies."""
    if len(passphrase) < limits.MIN_PASSPHRASE_CHARS:
        raise InvalidInput(f"the sync passphrase must have at least {limits.MIN_PASSPHRASE_CHARS} characters "
                           "(the key file on the target is open to offline guessing)", field=field)


class SyncService:
    """Sync for one vault.

    Args:
        db: the open database.
        device_id: this vault's device id.
        clock: the device's hybrid logical clock.
        events: where change events of applied ops go (origin ``sync``).
        settings: KDF costs for the key file, background interval.
        models: this device's embedding model.
        wake_worker: called when applied memories need embedding here.
        wall: the wall clock.
    """

    def __init__(self, db: Database, device_id: str, clock: HybridClock, events: EventHub, settings: Settings,
                 models: replica.Models, wake_worker: Callable[[], None] | None = None,
                 wall: Clock = system_clock) -> None:
        self._db = db
        self._device_id = device_id
        self._clock = clock
        self._events = events
        self._settings = settings
        self._models = models
        self._wake = wake_worker or (lambda: None)
        self._wall = wall
        self._lock = threading.Lock()
        self.changed = threading.Event()  # set by local changes: the background loop syncs soon
        self._restore_clock()

    def _restore_clock(self) -> None:
        """A device known to run ahead stays corrected across restarts (until its peers' readings say otherwise)."""
        with contextlib.suppress(MemvaultError):
            skew.correct(self._clock, self._wall, int(json.loads(self._setting(skew.CLOCK) or "{}").get("offset", 0)))

    # -- configuration -------------------------------------------------------------------------------------------

    def _setting(self, key: str) -> str | None:
        with self._db.read() as conn:
            return store.get_setting(conn, key)

    def enabled(self) -> bool:
        return self._setting(_RING) is not None

    def _engine(self) -> SyncEngine:
        ring, target = self._setting(_RING), self._setting(_TARGET)
        if ring is None or target is None:
            raise SyncNotSetUp("sync is not set up for this vault: run `memvault sync setup`")
        return self._new_engine(open_target(TargetConfig.from_json(json.loads(target))), KeyRing.decode_local(ring))

    def _new_engine(self, target: Any, ring: KeyRing, me: DeviceIdentity | None = None) -> SyncEngine:
        if me is None:
            text = self._setting(_IDENTITY)
            if text is None:
                raise SyncNotSetUp("sync is not set up for this vault: run `memvault sync setup`")
            me = DeviceIdentity.decode_local(text)
        return SyncEngine(self._db, target, ring, self._device_id, self._models, self._clock, self._wall,
                          me=me, ring_changed=self._keep_ring)

    def _keep_ring(self, ring: KeyRing) -> None:
        with self._db.write() as conn:
            store.set_setting(conn, _RING, ring.encode_local())

    def setup(self, config: TargetConfig, passphrase: str, *, device_name: str | None = None,
              namespaces: Iterable[str] | None = None) -> SyncStatus:
        """Use ``config`` as this vault's target: create a sync group there, or join the one it holds.

        ``namespaces``: sync only these (``None``: the whole vault); see :meth:`set_scope`.
        """
        chosen = scopes.normalize(namespaces, v.namespace)
        check_passphrase(passphrase)
        if self.enabled():
            raise SyncError("sync is already set up for this vault; turn it off first (`memvault sync off`)")
        target = open_new_target(config)
        me = DeviceIdentity.new()
        ring, joined = self._join_or_create(target, passphrase, me)
        engine = self._new_engine(target, ring, me)
        own = engine.segments().get(self._device_id, [])
        read_by_others = self._read_by_others(engine) if joined else 0
        with self._db.write() as conn:
            self._forget(conn)
            store.set_setting(conn, _IDENTITY, me.encode_local())
            store.set_setting(conn, _RING, ring.encode_local())
            store.set_setting(conn, _TARGET, json.dumps(config.to_json()))
            # Numbers the others have read already would be passed over: go on after them, even when this
            # device's files are gone from the target (its chain then breaks, which the others report and a
            # snapshot of this device's mends).
            store.set_setting(conn, "sync_next_segment", str(max(max(own, default=0), read_by_others) + 1))
            if own and max(own) >= read_by_others:  # synced here before: the next segment continues its chain
                last = target.get(engine.ops_name(self._device_id, max(own)), SEGMENT_MAX_BYTES)
                store.set_setting(conn, "sync_own_chain", json.dumps([max(own), segment_digest(last)]))
            elif read_by_others:
                store.set_setting(conn, "sync_own_chain", json.dumps([read_by_others, ""]))
            store.set_setting(conn, "sync_snapshot_at", str(self._wall()))
            store.set_setting(conn, replica.REWOUND, "1")
            scopes.write(conn, chosen)
            if device_name:
                store.set_setting(conn, _NAME, device_name)
            # Namespaces shared with people stay out (their members hold them; see memvault/sync/scope.py).
            replica.seed(conn, self._device_id, self._models, only=scopes.routing(conn).device)
        if joined:
            self._run(lambda: engine.join_from_snapshot(CycleReport()))
        self.sync_now()
        return dataclasses.replace(self.status(), group_started=not joined)

    def _read_by_others(self, engine: SyncEngine) -> int:
        """The furthest segment of this device's that another device's signed record says it has read."""
        furthest = 0
        for device, record in engine.records().items():
            cursors = record.get("cursors")
            read = cursors.get(self._device_id) if device != self._device_id and isinstance(cursors, dict) else None
            if isinstance(read, int) and not isinstance(read, bool):
                furthest = max(furthest, read)
        return furthest

    def _join_or_create(self, target: Any, passphrase: str, me: DeviceIdentity) -> tuple[KeyRing, bool]:
        """Join the group on ``target`` (trust starts here, from the passphrase), or start one there."""
        data = identity.group_key_file(target, target.list(""))
        if data is not None:
            ring, enlisted = identity.join(data, passphrase, self._device_id, me)
            target.put(f"{ring.group}/key", enlisted)
            return ring, True
        ring, data = identity.create(str(uuid.uuid4()), passphrase, self._settings.kdf_memory_kib,
                                     self._settings.kdf_iterations, self._device_id, me)
        if not target.put_new(f"{ring.group}/key", data):
            raise SyncError("another device started a sync group on this target at the same moment: set up again")
        return ring, False

    def scope(self) -> tuple[str, ...] | None:
        """The namespaces that sync (``None``: all of them)."""
        with self._db.read() as conn:
            return _listed(scopes.read(conn))

    def set_scope(self, namespaces: Iterable[str] | None) -> SyncStatus:
        """Sync only ``namespaces`` from now on (``None``: the whole vault).

        What changed here before is sent under the old scope first. Narrowing only stores the choice; widening
        also sends what the added namespaces hold here and reads every device from the start again, so what
        was skipped while outside the scope arrives on the next sync (see :mod:`memvault.sync.scope`).
        """
        chosen = scopes.normalize(namespaces, v.namespace)
        if not self.enabled():
            raise SyncNotSetUp("sync is not set up for this vault: run `memvault sync setup`")

        def change() -> None:
            with self._db.write() as conn:
                replica.catch_up(conn, self._device_id, self._models)
                old = scopes.read(conn)
                scopes.write(conn, chosen)
                if scopes.widened(old, chosen):
                    replica.widen(conn, old, self._device_id, self._models)

        self._run(change)
        self.changed.set()
        return self.status()

    def test_target(self, config: TargetConfig, passphrase: str | None = None) -> int:
        """How many files the target holds (0: this device would start the group); a target error if it fails,
        and :class:`SyncKeyError` when ``passphrase`` does not open the key of the group it holds (the test said
        "this device will join", and setting up then failed on the passphrase)."""
        target, names = files_before_setup(config)
        if names and passphrase and (key_file := identity.group_key_file(target, names)) is not None:
            identity.check_passphrase(key_file, passphrase)
        return len(names)

    def off(self) -> None:
        """Stop syncing: forget the target, its credentials and the sync key (the target is left as it is)."""
        with self._db.write() as conn:
            self._forget(conn)

    def _forget(self, conn: Any) -> None:
        """Drop device sync's rows and settings; a shared namespace's states, wipes and unsent ops stay, and so
        does the oplog position (what is not folded yet is folded first, for the shares)."""
        shared = scopes.shared(conn)
        if shared:
            replica.catch_up(conn, self._device_id, self._models)
        folded = store.get_setting(conn, replica.OPLOG_CURSOR)
        store.forget_sync(conn, keep=shared)
        store.delete_settings(conn, "sync_")
        if shared and folded is not None:
            store.set_setting(conn, replica.OPLOG_CURSOR, folded)

    # -- cycles --------------------------------------------------------------------------------------------------

    def _run(self, step: Callable[[], Any]) -> Any:
        with self._lock:
            return step()

    def sync_now(self, *, allow_mass_delete: bool = False) -> SyncResult:
        """Push local changes, pull and apply other devices' (one cycle); raises on a target failure."""
        engine = self._engine()
        report = CycleReport()
        try:
            self._run(lambda: self._cycle(engine, report, allow_mass_delete))
        except MemvaultError as exc:
            self._record(report, exc.message)
            raise
        finally:
            self._announce(report)
        self._record(report, None)
        # Memories changed here, not change events: an edit that arrived with its vectors is one memory, not two.
        return SyncResult(report.pushed_ops, report.applied_segments, len({u for _, u, _ in report.changes}),
                          report.conflicts,
                          tuple(report.problems), tuple(report.waiting), tuple(report.repaired))

    def _cycle(self, engine: SyncEngine, report: CycleReport, allow_mass_delete: bool) -> None:
        engine.cycle(report, allow_mass_delete=allow_mass_delete)
        engine.maintain(self._setting(_NAME), report)

    def _record(self, report: CycleReport, error: str | None) -> None:
        now = self._wall()
        doc = {"at": now, "error": error, "problems": report.problems[:20], "waiting": report.waiting[:20],
               "repaired": report.repaired[:20]}
        with self._db.write() as conn:
            if store.get_setting(conn, _RING) is not None:
                # Refusals and repairs stay in the status for a while: the background loop's next cycle (which has
                # nothing to refuse) cleared them within seconds, and the user never saw what was not applied.
                last = json.loads(store.get_setting(conn, _LAST) or "{}")
                # A cycle that failed did not get far enough to tell whether a refusal was got past.
                progress = None if error else Progress({d: c.segment for d, c in store.cursors(conn).items()},
                                                       frozenset(report.stuck))
                doc["refused"], doc["kept_repaired"] = kept(last.get("refused", []), last.get("kept_repaired", []),
                                                            (report.problems, report.repaired), progress, now)
                store.set_setting(conn, _LAST, json.dumps(doc))

    def _announce(self, report: CycleReport) -> None:
        if any(kind in (ChangeKind.CREATED, ChangeKind.UPDATED) for kind, _, _ in report.changes):
            self._wake()
        for event in events_of_arrivals(report.changes, SYNC):
            self._events.emit(event)

    # -- reading -------------------------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        with self._db.read() as conn:
            ring, target = store.get_setting(conn, _RING), store.get_setting(conn, _TARGET)
            if ring is None or target is None:
                return SyncStatus(enabled=False)
            last = json.loads(store.get_setting(conn, _LAST) or "{}")
            chosen, shared = scopes.read(conn), scopes.shared(conn)
            # Packed for sending, and made here but not packed yet (a cycle packs them before it sends; when the
            # target was down it stopped before that, and these were all that was unsent).
            pending = store.outbox_count_after(conn, int(store.get_setting(conn, "sync_pushed") or 0),
                                               without=shared) + \
                store.local_entries_count(conn, int(store.get_setting(conn, replica.OPLOG_CURSOR) or 0),
                                          self._device_id, only=chosen, without=shared)
            cursors = store.cursors(conn)
            conflicts = len(sync_conflicts.all_conflicts(conn))
            held = skew.summary(conn, int(self._wall() * 1000))
            clock = skew.state(conn)
        try:
            decoded = KeyRing.decode_local(ring)
            group, removed, error = decoded.group, set(decoded.removed), last.get("error")
            # The group's members by the key file this device accepted: a device it never read from (one that
            # has written nothing yet) is one of them too.
            members = set(decoded.members) | set(cursors)
        except SyncKeyError as exc:  # set up by an older Memvault: the status says what to do
            group, removed, error, members = None, set(), exc.message, set(cursors)
        return SyncStatus(
            enabled=True, target=TargetConfig.from_json(json.loads(target)).describe(),
            group=group, device_id=self._device_id, last_sync_at=last.get("at"),
            last_error=error, pending_ops=pending, devices_seen=len((members | {self._device_id}) - removed), conflicts=conflicts,
            problems=shown(last)[0], waiting=tuple(last.get("waiting", ())), repaired=shown(last)[1],
            skewed_devices=tuple(sorted(set(held) | set(clock.get("ahead", {})))),
            held_changes=sum(n for n, _ in held.values()), clock_ahead_ms=int(clock.get("offset", 0)),
            clock_notes=skew.notes(held, clock.get("ahead", {}), int(clock.get("offset", 0))),
            namespaces=_listed(chosen), shared_with_people=tuple(sorted(shared)))

    def devices(self) -> list[DeviceInfo]:
        engine = self._engine()
        records = engine.records()
        segments = engine.segments()
        with self._db.read() as conn:
            cursors = store.cursors(conn)
            name = store.get_setting(conn, _NAME)
        found = []
        # The key file's members too: a device whose record and segments the target lost is still one.
        for device in sorted(set(records) | set(segments) | {self._device_id} | set(engine.ring.members)
                             | set(engine.ring.removed)):
            record = records.get(device, {})
            cursor = cursors.get(device)
            found.append(DeviceInfo(
                device, name if device == self._device_id else record.get("name"), device == self._device_id,
                record.get("seen_at"), len(segments.get(device, [])), cursor.segment if cursor else None,
                cursor.skew_ms if cursor else 0, device in engine.ring.removed,
                device != self._device_id and device not in engine.ring.members and device not in engine.ring.removed))
        return found

    def remove_device(self, device_id: str, passphrase: str, new_passphrase: str | None = None) -> None:
        """Stop trusting ``device_id`` (or the device of that name): a new sync key generation granted only to the
        remaining devices. ``passphrase`` must open the target's key file. The removed device knows it, so a
        device that joins later needs a new one: ``new_passphrase`` now, or ``change_passphrase`` afterwards."""
        if new_passphrase is not None:
            check_passphrase(new_passphrase, "new_sync_passphrase")
        engine = self._engine()
        # Messages name a device by its first 8 characters: an unambiguous start of its id is enough, or its name.
        said, known = device_id.strip().lower(), self.devices()
        matching = [d.device_id for d in known if d.device_id.startswith(said)] or [
            d.device_id for d in known if (d.name or "").strip().lower() == said] if said else []
        if len(matching) != 1:
            raise NotFound(f"no device {device_id} syncs through this target (`memvault sync devices` lists them)"
                           if not matching else f"{len(matching)} devices' ids start with {device_id}: give more of it")
        device_id = matching[0]
        if device_id == self._device_id:
            raise InvalidInput("this is the device you are on; turn sync off here instead")
        new = None if new_passphrase is None else (new_passphrase, self._settings.kdf_memory_kib,
                                                    self._settings.kdf_iterations)
        # How far this device read the removed one stays: its snapshots say so to the members that read less.
        self._run(lambda: engine.rotate(device_id, passphrase, new))

    def change_passphrase(self, old: str, new: str) -> None:
        """Wrap every sync key generation under ``new`` and start a new generation (granted to every member), so
        that a copy of the old key file, restored on the target, lets no one in with the old passphrase.

        Nothing already on the target is re-encrypted; devices that sync go on. :class:`SyncKeyError` if ``old``
        does not open the target's key file.
        """
        check_passphrase(new, "new_sync_passphrase")
        if new == old:
            raise InvalidInput("the new sync passphrase is the old one", field="new_sync_passphrase")
        engine = self._engine()
        self._run(lambda: engine.rotate(None, old, (new, self._settings.kdf_memory_kib,
                                                     self._settings.kdf_iterations)))

    def conflicts(self) -> list[ConflictInfo]:
        """Versions a concurrent edit put aside, and memories deleted on one device while edited on another."""
        with self._db.read() as conn:
            return sync_conflicts.all_conflicts(conn)

    def conflicted_memories(self) -> int:
        """How many memories have a conflict not resolved yet (the count on the Sync page's tab)."""
        with self._db.read() as conn:
            return store.conflicted_memories(conn) + len(sync_conflicts.deleted_while_edited(conn))

    def dismiss_conflict(self, memory_id: str) -> int:
        """The current content stays (a memory deleted while edited stays in the trash); no longer listed."""
        with self._db.write() as conn:
            if repo.get_by_uuid(conn, memory_id) is None:
                raise NotFound(f"no memory with id {memory_id}")
            return store.clear_conflicts(conn, memory_id) + sync_conflicts.dismiss_deleted(conn, memory_id)

    def keep_conflict_version(self, memory_id: str, version: int, restore: Callable[[str, int], Any]) -> str:
        """Make a version a conflict put aside current again (through the memory service's ``restore``), then
        dismiss, or bring a memory deleted while edited back from the trash; any other version is refused (the
        history restores those). Which of the two it was: ``edit`` or ``deleted``."""
        found = [c for c in self.conflicts() if c.memory_id == memory_id and c.version == version]
        if not found:
            raise InvalidInput(f"version {version} of {memory_id} is not a version a conflict put aside "
                               "(`memvault sync conflicts` lists them; any version comes back from the history)")
        if found[0].kind == "deleted":
            # Deleted on one device while edited on another: keeping the edit is bringing it back from the trash
            # (a new trash stamp, so the conflict ends on every device once it syncs).
            LifecycleService(self._db, self._clock, self._events, self._wall).restore(memory_id)
            return "deleted"
        restore(memory_id, version)
        self.dismiss_conflict(memory_id)
        return "edit"


def _listed(chosen: scopes.Scope) -> tuple[str, ...] | None:
    return None if chosen is None else tuple(sorted(chosen))


def sync_loop(background: Any, sync: SyncService, events: EventHub, *, interval: float, debounce: float) -> None:
    """Register the background sync on ``background``: every ``interval`` seconds, and ``debounce`` seconds
    after a local change (not one that sync itself applied)."""
    wake = threading.Event()

    def on_change(event: ChangeEvent) -> None:
        if event.origin is not SYNC and event.kind is not ChangeKind.EMBEDDED:
            sync.changed.set()
            wake.set()

    events.subscribe(on_change)

    def step() -> float:
        if not sync.enabled():
            sync.changed.clear()
            return interval
        if sync.changed.is_set():
            # Let a burst of changes settle, so that they go out in one segment.
            time.sleep(debounce)
            sync.changed.clear()
        sync.sync_now()
        return interval

    background.add("sync", step, first_delay=min(debounce, interval), wake=wake)
