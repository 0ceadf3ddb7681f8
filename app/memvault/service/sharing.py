"""Namespaces shared with other people, as a use case: my key, share, join, remove, list, status, sync.

Each shared namespace is kept in the vault's settings (inside the encrypted
database): its id, its target, the person who created it (the anchor every
member checks the membership against), the membership entries read so far and
the cursors. The vault's person identity is made on first use. One cycle runs
at a time (a lock), from the CLI, the background loop or the API.

A vault that shares namespaces may also run device sync (`memvault sync`): a
shared namespace is never in device sync's scope (memvault/sync/scope.py), and
each reads its own namespaces' ops from the one outbox. Each of a person's
devices joins a shared namespace as a member device (the same person key, moved
with a key file: ``memvault share key --export``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from memvault.config import Settings
from memvault.domain.changes import SYNC, ChangeEvent, ChangeKind
from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import Forbidden, InvalidInput, JoinWouldShare, MemvaultError, NotFound, SyncError
from memvault.domain.hlc import HybridClock
from memvault.service import validation as v
from memvault.service.events import EventHub, events_of_arrivals
from memvault.service.share_info import INVITE_PREFIX, ChangeBy, MemberInfo, ShareInfo, ShareResult, parse_invite
from memvault.sharing import roster as rosters
from memvault.sharing.engine import KEEP_REPORTED, ShareEngine, ShareReport, kept_entries
from memvault.sharing.person import PersonIdentity, PersonKey
from memvault.sync import replica
from memvault.sync import snapshots as sync_snapshots
from memvault.sync.engine import within_segment
from memvault.sync.targets.factory import TargetConfig, open_new_target, open_target
from memvault.vault import share_store
from memvault.vault import sync_store as store
from memvault.vault.engine import Database

log = logging.getLogger(__name__)

_IDENTITY = "share_identity"
_SHARE = "share_config:"
_REPORT = "share_report:"
_SEGMENT_OPS = 2000


class SharingService:
    def __init__(self, db: Database, device_id: str, clock: HybridClock, events: EventHub, settings: Settings,
                 models: replica.Models, wake_worker: Callable[[], None] | None = None,
                 wall: Clock = system_clock) -> None:
        self._db, self._device_id, self._clock, self._events = db, device_id, clock, events
        self._settings, self._models, self._wall = settings, models, wall
        self._wake = wake_worker or (lambda: None)
        self._lock = threading.Lock()
        self._targets: dict[str, Any] = {}

    # -- the person identity ---------------------------------------------------------------------------------------

    def _identity(self, *, make: bool = True) -> PersonIdentity:
        with self._db.read() as conn:
            text = store.get_setting(conn, _IDENTITY)
        if text is not None:
            return PersonIdentity.decode_local(text)
        if not make:
            raise NotFound("this vault has no person key yet: run `memvault share key`")
        me = PersonIdentity.new()
        with self._db.write() as conn:
            if store.get_setting(conn, _IDENTITY) is None:
                store.set_setting(conn, _IDENTITY, me.encode_local())
        return self._identity(make=False)

    def my_key(self) -> str:
        """This vault's person key (``mvperson1…``), made on first use: what others paste to share with me."""
        return self._identity().key.text

    def export_key_file(self, passphrase: str) -> bytes:
        """This person's private keys sealed under ``passphrase``, for another device of this person (a server)."""
        if len(passphrase) < 8:
            raise InvalidInput("a key file passphrase has at least 8 characters", field="passphrase")
        return self._identity().key_file(passphrase, self._settings.kdf_memory_kib, self._settings.kdf_iterations)

    def import_key_file(self, data: bytes, passphrase: str) -> str:
        """Use the person identity in a key file here; refused when this vault already has another one."""
        them = PersonIdentity.from_key_file(data, passphrase)
        with self._db.write() as conn:
            have = store.get_setting(conn, _IDENTITY)
            if have is not None and PersonIdentity.decode_local(have) != them:
                raise SyncError("this vault already has another person key; a vault is one person")
            store.set_setting(conn, _IDENTITY, them.encode_local())
        return them.key.text

    # -- shares --------------------------------------------------------------------------------------------------

    def _configs(self) -> dict[str, dict[str, Any]]:
        with self._db.read() as conn:
            rows = [(k, store.get_setting(conn, k)) for k in _share_keys(conn)]
        return {json.loads(v)["namespace"]: json.loads(v) for _, v in rows if v}

    def _config(self, namespace: str) -> dict[str, Any]:
        config = self._configs().get(namespace)
        if config is None:
            raise NotFound(f"namespace {namespace!r} is not shared (see `memvault share list`)")
        return config

    def _engine(self, config: dict[str, Any]) -> ShareEngine:
        # A target's client is made once (an S3 client costs tens of milliseconds to build).
        where = json.dumps(config["target"], sort_keys=True)
        target = self._targets.get(where)
        if target is None:
            target = self._targets[where] = open_target(TargetConfig.from_json(config["target"]))
        return ShareEngine(self._db, target, config["share"], config["anchor"], self._identity(), self._device_id,
                           self._models, self._clock, self._wall)

    def _keep(self, config: dict[str, Any]) -> None:
        # The config is what takes the namespace out of device sync's scope (scope.shared reads it).
        with self._db.write() as conn:
            store.set_setting(conn, _SHARE + config["share"], json.dumps(config, sort_keys=True))

    def _remember_role(self, config: dict[str, Any], role: str | None) -> None:
        """Keep this person's role as the roster now says (local writes to a read-only namespace are refused)."""
        if config.get("role") != role:
            config["role"] = role
            self._keep(config)

    def _adopt(self, namespace: str) -> None:
        """``namespace`` is shared from now on (its config kept): what this vault holds of it goes to the share.

        Memories with a merge state (synced with this person's devices before) are sent as their states; the
        others get one. Changes not folded yet are folded first (for their own groups), so that the seed's
        oplog position skips nothing.
        """
        with self._db.write() as conn:
            ops = sync_snapshots.state_ops(conn, self._models.dimension, namespace)
            if store.get_setting(conn, replica.OPLOG_CURSOR) is not None:
                replica.catch_up(conn, self._device_id, self._models)
            store.outbox_append(conn, ops)
            replica.seed(conn, self._device_id, self._models, only=lambda ns: ns == namespace)

    def share(self, namespace: str, *, with_key: str | None = None, role: str = "read",
              target: TargetConfig | None = None, name: str | None = None) -> ShareInfo:
        """Share ``namespace`` (on ``target``, the first time) and add the person ``with_key`` with ``role``."""
        v.namespace(namespace)  # an empty one read "namespace '' is not shared yet: give a target for it"
        if role not in rosters.ROLES:
            raise InvalidInput(f"a role is one of {', '.join(rosters.ROLES)}", field="role")
        person = PersonKey.from_text(with_key) if with_key else None
        config = self._configs().get(namespace)
        with self._lock:
            if config is None:
                if target is None:
                    raise InvalidInput(f"namespace {namespace!r} is not shared yet: give a target for it", field="target")
                me = self._identity()
                config = {"namespace": namespace, "share": str(uuid.uuid4()), "anchor": me.person_id,
                          "target": target.to_json()}
                open_new_target(target)
                engine = self._engine(config)
                engine.publish(rosters.create(config["share"], self._clock.now(), me, namespace))
                self._keep(config)
                self._adopt(namespace)
            if person is not None:
                engine = self._engine(config)
                roster = engine.roster()
                self._require_admin(roster)
                engine.publish(rosters.add(roster, self._clock.now(), self._identity(), person, role, name,
                                           writes=engine.links_of(person.person_id)))
        self.sync_now()
        return self.info(namespace)

    def join(self, invite: str, target: TargetConfig, *, share_existing: bool = False) -> ShareInfo:
        """Join the shared namespace of ``invite`` (``mvshare1:<share>:<creator>``) on ``target``.

        A namespace of that name holding memories here is refused (:class:`JoinWouldShare`) unless
        ``share_existing``: joining sends them to every member, and a private namespace that happens to share the
        name is no one else's."""
        share, anchor = parse_invite(invite)
        if any(c["share"] == share for c in self._configs().values()):
            raise SyncError("this vault already belongs to that shared namespace")
        config = {"share": share, "anchor": anchor, "target": target.to_json(), "namespace": ""}
        roster = self._engine(config).roster()
        me = self._identity().person_id
        if roster.namespace is None or me not in roster.members:
            raise Forbidden("you are not a member of that shared namespace (not invited yet, or removed): "
                            f"ask an admin to run `memvault share NAMESPACE --with {self.my_key()}`")
        if roster.namespace in self._configs():
            raise SyncError(f"namespace {roster.namespace!r} is already shared here under another id")
        with self._db.read() as conn:
            held = share_store.memories_held(conn, roster.namespace)
        if held and not share_existing:
            raise JoinWouldShare(f"namespace {roster.namespace!r} already holds {held} memor"
                                 f"{'y' if held == 1 else 'ies'} on this vault, and joining shares them with everyone "
                                 "in it: move them to another namespace first, or join sharing them")
        config["namespace"] = roster.namespace
        config["role"] = roster.role_of(me)
        with self._lock:
            self._keep(config)
            if roster.role_of(me) in ("write", "admin"):
                self._adopt(roster.namespace)
        self.sync_now()
        return self.info(roster.namespace)

    def remove(self, namespace: str, person: str) -> ShareInfo:
        """Remove a member (their key text or person id): a new key generation for the members that remain."""
        engine = self._engine(self._config(namespace))
        with self._lock:
            roster = engine.roster()
            self._require_admin(roster)
            found = _find(roster, person)
            # What this device has read of theirs is what everyone, a member who joins later included, still
            # accepts of them; anything they sign afterwards is refused.
            engine.publish(rosters.remove(roster, self._clock.now(), self._identity(), found,
                                          writes=engine.links_of(found.person_id)))
        self.sync_now()
        return self.info(namespace)

    def _require_admin(self, roster: rosters.Roster) -> None:
        role = roster.role_of(self._identity().person_id)
        if role != "admin":
            raise Forbidden(f"only an admin changes who shares this namespace (you are {_role_said(role)})")

    def list(self) -> list[ShareInfo]:
        return [self.info(ns) for ns in sorted(self._configs())]

    def info(self, namespace: str) -> ShareInfo:
        config = self._config(namespace)
        me_identity = self._identity()
        with self._db.read() as conn:
            entries = kept_entries(conn, config["share"])
        roster = rosters.fold(entries, config["share"], config["anchor"], me_identity)
        with self._db.read() as conn:
            report = json.loads(store.get_setting(conn, _REPORT + config["share"]) or "{}")
        me = me_identity.person_id
        members = tuple(MemberInfo(p, m.key.text, m.role, m.added_by, m.name, p == me)
                        for p, m in sorted(roster.members.items()))
        return ShareInfo(namespace, config["share"], f"{INVITE_PREFIX}{config['share']}:{config['anchor']}",
                         TargetConfig.from_json(config["target"]).describe(), roster.role_of(me), members,
                         tuple(sorted(roster.removed)), tuple(report.get("refused", [])),
                         tuple(report.get("problems", [])), report.get("at"), me in roster.removed)

    def is_shared(self, namespace: str) -> bool:
        return namespace in self._configs()

    def any_shared(self) -> bool:
        with self._db.read() as conn:
            return bool(_share_keys(conn))

    # -- cycles --------------------------------------------------------------------------------------------------

    def sync_now(self, *, allow_mass_delete: bool = False) -> ShareResult:
        """One cycle of every shared namespace: membership, this vault's changes out, members' changes in.

        A member's segment that would remove more than 50 memories and 20% of the namespace waits (reported)
        unless ``allow_mass_delete``."""
        with self._lock:
            return self._cycle(allow_mass_delete)

    def _cycle(self, allow_mass_delete: bool = False) -> ShareResult:
        configs = self._configs()
        total = ShareReport()
        if not configs:
            return ShareResult(0, 0, 0, (), ())
        engines = {ns: self._engine(c) for ns, c in configs.items()}
        reports = {ns: ShareReport() for ns in configs}
        rosters_now = {}
        try:
            for ns, engine in engines.items():
                rosters_now[ns] = engine.upkeep(engine.roster(reports[ns]))
                self._remember_role(configs[ns], rosters_now[ns].role_of(engine.me.person_id))
            self._push(engines, rosters_now, reports)
            for ns, engine in engines.items():
                if rosters_now[ns].role_of(engine.me.person_id) is not None:
                    engine.pull(rosters_now[ns], reports[ns], allow_mass_delete=allow_mass_delete)
                    engine.maintain(rosters_now[ns], reports[ns])
                elif engine.me.person_id in rosters_now[ns].removed:
                    reports[ns].problems.append(
                        f"you were removed from the shared namespace {ns!r} by an admin: nothing more arrives "
                        "from its members or goes to them; what it held stays in this vault (not on your other "
                        "devices)")
        except MemvaultError as exc:
            for report in reports.values():
                report.problems.append(exc.message)
            raise
        finally:
            for ns, report in reports.items():
                self._record(configs[ns]["share"], report)
                total.pushed_ops += report.pushed_ops
                total.applied_segments += report.applied_segments
                total.changes += report.changes
                total.refused += report.refused
                total.problems += report.problems
            self._announce(total)
        return ShareResult(total.pushed_ops, total.applied_segments, len(total.changes), tuple(total.refused),
                           tuple(total.problems))

    def _push(self, engines: dict[str, ShareEngine], found: dict[str, rosters.Roster],
              reports: dict[str, ShareReport]) -> None:
        """Send each shared namespace's ops from the outbox; each drops only its own, once sent (device sync's
        ops wait there for it, and one namespace's failure leaves the others' positions where they got to)."""
        with self._db.write() as conn:
            replica.catch_up(conn, self._device_id, self._models)
        for ns, engine in engines.items():
            roster, me = found[ns], engine.me.person_id
            while True:
                with self._db.read() as conn:
                    rows = store.outbox_after(conn, 0, _SEGMENT_OPS, only=ns)
                if not rows:
                    break
                rows = within_segment(rows)  # 2,000 long memories made one file larger than readers take
                if roster.role_of(me) not in ("write", "admin"):
                    reports[ns].problems.append(f"{len(rows)} change(s) made here were not sent: you are "
                                                f"{_role_said(roster.role_of(me))} in {ns!r}")
                else:
                    engine.push(roster, [json.loads(text) for _, text in rows], reports[ns])
                with self._db.write() as conn:
                    store.outbox_drop_upto(conn, rows[-1][0], only=ns)

    def _record(self, share: str, report: ShareReport) -> None:
        with self._db.write() as conn:
            old = json.loads(store.get_setting(conn, _REPORT + share) or "{}")
            doc = {"at": self._wall(), "refused": (old.get("refused", []) + report.refused)[-KEEP_REPORTED:],
                   "problems": report.problems[-KEEP_REPORTED:]}
            store.set_setting(conn, _REPORT + share, json.dumps(doc))

    def _announce(self, report: ShareReport) -> None:
        if any(kind in (ChangeKind.CREATED, ChangeKind.UPDATED) for kind, _, _ in report.changes):
            self._wake()
        for event in events_of_arrivals(report.changes, SYNC):
            self._events.emit(event)

    def write_snapshot(self, namespace: str) -> str:
        """Write a snapshot of a shared namespace now (an admin; the cycle writes them when due)."""
        engine = self._engine(self._config(namespace))
        with self._lock:
            return engine.write_snapshot(engine.roster())

    # -- attribution ----------------------------------------------------------------------------------------------

    def changes_of(self, memory_id: str) -> list[ChangeBy]:
        """Who made each change of a memory that arrived through a shared namespace (and this person's sent ones)."""
        with self._db.read() as conn:
            found = share_store.for_memory(conn, memory_id)
        return self._attributed(found)

    def last_change_by(self, memory_ids: list[str]) -> dict[str, ChangeBy]:
        with self._db.read() as conn:
            found = share_store.latest_for(conn, memory_ids)
        return dict(zip(found, self._attributed(list(found.values())), strict=True))

    def _attributed(self, found: list[share_store.Attribution]) -> list[ChangeBy]:
        if not found:
            return []
        names = self._names()
        with self._db.read() as conn:
            mine = store.get_setting(conn, _IDENTITY)
        me = PersonIdentity.decode_local(mine).person_id if mine else None
        return [ChangeBy(a.person, a.device, a.at, names.get(a.person), a.person == me) for a in found]

    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for info in self.list():
            names.update({m.person: m.name for m in info.members if m.name})
        return names


def _share_keys(conn: Any) -> list[str]:
    return share_store.setting_keys(conn, _SHARE)


def _role_said(role: str | None) -> str:
    return {"read": "a reader", "write": "a writer", "admin": "an admin"}.get(role or "", "not a member")


def _find(roster: rosters.Roster, person: str) -> PersonKey:
    text = person.strip()
    if text.startswith("mvperson1"):
        key = PersonKey.from_text(text)
        if key.person_id in roster.members:
            return key
    else:
        matches = [m.key for p, m in roster.members.items() if p.startswith(text.lower()) and len(text) >= 8]
        # Or the name they were given (`share ... --name ben`), when one member has it.
        matches = matches or [m.key for m in roster.members.values() if m.name and m.name.lower() == text.lower()]
        if len(matches) == 1:
            return matches[0]
    raise NotFound(f"{person!r} is not a member of this shared namespace (give their name, their key or at least 8 "
                   "characters of their person id, see `memvault share list`)")


def share_loop(background: Any, sharing: SharingService, events: EventHub, *, interval: float,
               debounce: float) -> None:
    """Register the background cycle of shared namespaces: every ``interval`` seconds, and ``debounce`` seconds
    after a local change in a shared namespace."""
    wake = threading.Event()

    def on_change(event: ChangeEvent) -> None:
        if event.origin is not SYNC and event.kind is not ChangeKind.EMBEDDED:
            wake.set()

    events.subscribe(on_change)

    def step() -> float:
        if not sharing.any_shared():
            return interval
        time.sleep(debounce)
        try:
            sharing.sync_now()
        except MemvaultError as exc:
            log.warning("share: the cycle failed: %s", exc.code)
        return interval

    background.add("share", step, first_delay=min(debounce, interval), wake=wake)
