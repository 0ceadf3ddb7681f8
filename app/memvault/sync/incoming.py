"""Other devices' ops become local changes: join them into the merge states, write what the states show.

:func:`apply` runs inside the caller's write transaction, after
:func:`memvault.sync.replica.catch_up` in the same transaction (so a row always
equals what its state shows when remote ops meet it). It writes through the one
write path (:mod:`memvault.vault.memories`) with stamps that name the other device,
so that ``catch_up`` never ships the changes back.
"""

from __future__ import annotations

import binascii
import contextlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from memvault.domain import vector_values
from memvault.domain.changes import ChangeKind
from memvault.domain.entities import TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.errors import DamagedData, MassDeletePaused
from memvault.domain.hlc import Hlc
from memvault.domain.models import FieldChanges
from memvault.domain.transfer import MemoryRecord, VectorSet
from memvault.sync import merge, scope
from memvault.sync.replica import Models
from memvault.vault import memories as writes
from memvault.vault import memory_imports, memory_parts, memory_vectors
from memvault.vault import memory_queries as repo
from memvault.vault import sync_store as store
from memvault.vault.export_queries import client_id_owners
from memvault.vault.oplog import Stamp
from memvault.vault.vectors import Embedded


@dataclass
class Applied:
    """What :func:`apply` changed here, for change events and the status line."""

    changes: list[tuple[ChangeKind, str, str]] = field(default_factory=list)
    conflicts: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    #: Memories this batch brought here first (no row before it).
    arrived: set[str] = field(default_factory=set)


class MassDelete(Exception):
    """Raised inside :func:`apply` (rolling its transaction back) when a batch removes too much of a namespace."""

    def __init__(self, counts: dict[str, tuple[int, int]]) -> None:
        super().__init__("mass delete")
        self.counts = counts


#: Mass-delete guard: a batch that removes more than this many memories *and* this share of a namespace pauses.
MASS_DELETE_MIN = 50
MASS_DELETE_SHARE = 0.2


def mass_delete_guard(removed: dict[str, int], live: dict[str, int]) -> None:
    over = {ns: (n, live.get(ns, 0)) for ns, n in removed.items()
            if n > MASS_DELETE_MIN and n > MASS_DELETE_SHARE * max(live.get(ns, 0), 1)}
    if over:
        raise MassDelete(over)


@contextlib.contextmanager
def mass_delete_explained(device: str) -> Iterator[None]:
    """Turn a :class:`MassDelete` of ``device``'s changes into what the user reads (nothing was applied)."""
    try:
        yield
    except MassDelete as exc:
        detail = "; ".join(f"{n} of the {live} memories in {ns!r}" for ns, (n, live) in sorted(exc.counts.items()))
        raise MassDeletePaused(
            f"changes from device {device[:8]} would remove {detail}; nothing was applied. If that is intended, "
            "allow it: Yes when the app asks, or `memvault sync now --allow-mass-delete`",
            counts={ns: n for ns, (n, _) in exc.counts.items()}) from None


def apply(conn: Any, ops: list[dict[str, Any]], source: str, models: Models, now: float, *,
          guard: Callable[[dict[str, int], dict[str, int]], None] | None = None,
          namespace: str | None = None, unseen: Collection[str] = ()) -> Applied:
    """Join ``ops`` (from device ``source``) into the states and write what changes through the write path.

    ``guard(removed_per_namespace, live_per_namespace)`` may raise to refuse the batch before anything is written;
    the removal of a memory in ``unseen`` (one that arrived in the same pull, never shown here before) is no loss
    it counts: a new device replaying a group's history had 60 memories deleted elsewhere brought back, and was
    asked whether to remove them.
    ``namespace``: the shared namespace a member's ops are applied to (only its ops are). Without it they are
    device sync's: ops of namespaces outside its scope are skipped, a shared namespace's too (the engine has
    refused and reported those already; see :mod:`memvault.sync.scope`).
    """
    if namespace is not None:
        ops = [op for op in ops if op.get("wipe", op.get("ns")) == namespace]
    else:
        route = scope.routing(conn)
        ops = [op for op in ops if route.device(op.get("wipe", op.get("ns")))]
    wipes = store.wipes(conn)
    touched: dict[str, None] = {}
    for op in ops:
        if "wipe" in op:
            if op["h"] > wipes.get(op["wipe"], ""):
                wipes[op["wipe"]] = op["h"]
                store.set_wipe(conn, op["wipe"], op["h"])
                touched.update(dict.fromkeys(store.uuids_in_namespace(conn, op["wipe"])))
                touched.update(dict.fromkeys(u for _, u, _ in store.rows_in_namespace(conn, op["wipe"])))
        else:
            touched[op["u"]] = None
    before = store.load_states(conn, list(touched))
    after = dict(before)
    vectors: dict[str, dict[str, Any]] = {}
    contents: dict[str, list[list[Any]]] = {}
    history: dict[str, list[list[Any]]] = {}
    for op in ops:
        if "wipe" in op:
            continue
        uuid = op["u"]
        delta = {k: v for k, v in op.items() if k not in ("u", "vectors", "hv")}
        if "hv" in op:
            history.setdefault(uuid, []).extend(op["hv"])
        if len(delta) > 1:
            after[uuid] = merge.join(after.get(uuid), delta)
        if "content" in op:
            contents.setdefault(uuid, []).append(op["content"])
        if "vectors" in op:
            vectors[uuid] = op["vectors"]
    rows = store.rows_for(conn, list(touched))
    plan: dict[str, dict[str, Any] | None] = {}
    for uuid in touched:
        state = after.get(uuid)
        plan[uuid] = merge.render(state, wipes.get(state["ns"])) if state else None
    removed = _removals(rows, plan)
    losses = _removals({u: r for u, r in rows.items() if u not in unseen}, plan) if unseen else removed
    if guard is not None and losses:
        guard(losses, store.live_counts(conn))
    store.save_states(conn, {u: s for u, s in after.items() if s is not before.get(u)})
    result = Applied(removed=removed, arrived={u for u in touched if u not in rows and plan[u] is not None})
    # An edit that met a delete made without it (either arriving second): the memory stays in the trash with the
    # edit, and the conflicts list says so until it is restored or dismissed (see merge.deleted_while_edited).
    result.conflicts += sum(1 for u in touched if plan[u] is not None and merge.deleted_while_edited(after.get(u))
                            and not merge.deleted_while_edited(before.get(u)))
    mark = store.history_mark(conn)
    writer = _Writer(conn, source, models, now, result)
    for uuid in touched:
        writer.write(uuid, rows.get(uuid), plan[uuid], after.get(uuid), before.get(uuid), contents.get(uuid, []),
                     vectors.get(uuid))
    writer.flush()
    _converge_history(conn, touched, rows, plan, after, history, writer.losers, mark, now)
    # Version and change time as the merged states decide them, the same on every device (see merge.version_of).
    # (A memory new here was written with them.)
    store.set_versions(conn, [(u, version, at) for u in touched if plan[u] is not None and u in rows
                              and (version := merge.version_of(after.get(u))) is not None
                              and (at := merge.updated_of(after.get(u))) is not None])
    return result


def _converge_history(conn: Any, touched: dict[str, None], rows: dict[str, store.Row],
                      plan: dict[str, dict[str, Any] | None], after: dict[str, dict[str, Any]],
                      history: dict[str, list[list[Any]]], losers: dict[str, str], mark: int, now: float) -> None:
    """History holds the versions devices made (their ops' ``hv``), not what applying wrote here, numbered in one
    order every device derives (see FORMAT.md, History). States without version counts (written before them)
    keep what applying wrote, as before."""
    pending = [u for u in touched if plan[u] is not None
               and (u in history or u in losers or (u in rows and merge.version_of(after.get(u)) is not None))]
    if not pending:
        return
    ids = store.rows_for(conn, pending)
    for uuid in pending:
        row = ids.get(uuid)
        if row is None:
            continue
        counted = merge.version_of(after.get(uuid)) is not None
        if not counted:
            if uuid in history:
                store.take_history(conn, uuid, rows[uuid].version if uuid in rows else 0, history[uuid])
            if uuid in losers:
                _keep_loser(conn, row, losers[uuid], now)
            continue
        if not store.converge_history(conn, row.rowid, mark, history.get(uuid, []), losers.get(uuid)):
            _keep_loser(conn, row, losers[uuid], now)


def _keep_loser(conn: Any, row: store.Row, content: str, now: float) -> None:
    current = repo.get_by_rowid(conn, row.rowid)
    assert current is not None
    writes.keep_conflict_version(conn, current, content, now)


def _removals(rows: dict[str, store.Row], plan: dict[str, dict[str, Any] | None]) -> dict[str, int]:
    removed: dict[str, int] = {}
    for uuid, row in rows.items():
        desired = plan.get(uuid)
        if row.fields["deleted_at"] is None and (desired is None or desired["deleted_at"] is not None):
            removed[row.fields["namespace"]] = removed.get(row.fields["namespace"], 0) + 1
    return removed


def _record(uuid: str, fields: dict[str, Any], stamp: Stamp, vectors: VectorSet | None,
            state: dict[str, Any] | None = None) -> MemoryRecord:
    return MemoryRecord(
        id=uuid, namespace=fields["namespace"], content=fields["content"],
        memory_type=MemoryType(fields["memory_type"]), tags=tuple(fields["tags"]), metadata=fields["metadata"],
        importance=fields["importance"], tier=Tier(fields["tier"]), visibility=Visibility(fields["visibility"]),
        agent_id=fields["agent_id"], user_id=fields["user_id"], session_id=fields["session_id"],
        project=fields["project"], client_id=fields["client_id"], created_at=fields["created_at"],
        updated_at=merge.updated_of(state) or stamp.at, expires_at=fields["expires_at"],
        deleted_at=fields["deleted_at"], archived_at=fields["archived_at"], version=merge.version_of(state) or 1,
        hlc=stamp.hlc, origin_device=fields["origin_device"],
        vectors=vectors, memory_type_source=TypeSource(fields["memory_type_source"]))


def _vector_set(payload: dict[str, Any] | None, content_hash: str, models: Models) -> VectorSet | None:
    if not payload or payload.get("model") != models.model_id or payload.get("dim") != models.dimension:
        return None
    if payload.get("hash") != content_hash:
        return None
    try:
        # binascii's strict mode refuses what b64decode(validate=True) refuses, without its regular expression.
        data = binascii.a2b_base64(payload["data"], strict_mode=True)
        spans = tuple((int(a), int(b)) for a, b in payload["spans"])
    except (ValueError, TypeError, KeyError):
        raise DamagedData("a sync op carries unreadable vectors") from None
    if not spans or len(data) != len(spans) * models.dimension * 4:
        raise DamagedData("a sync op carries vectors of the wrong size")
    if not vector_values.sound(data, models.dimension):
        return None  # made by no model (a member's crafted op): the memory is embedded here instead
    return VectorSet(models.model_id, models.dimension, spans, data)


_UPDATABLE = ("content", "memory_type", "memory_type_source", "importance", "tier", "visibility", "agent_id",
              "user_id", "session_id", "project", "expires_at")


class _Writer:
    """Writes planned fields through :mod:`memvault.vault.memories`; new memories in one batch at the end."""

    def __init__(self, conn: Any, source: str, models: Models, now: float, result: Applied) -> None:
        self._conn = conn
        self._source = source
        self._models = models
        self._now = now
        self._result = result
        self._new: list[tuple[MemoryRecord, Stamp]] = []
        self.losers: dict[str, str] = {}

    def _stamp(self, state: dict[str, Any] | None, at: float | None = None) -> Stamp:
        return Stamp(merge.latest(state) or str(Hlc(int(self._now * 1000), 0, self._source)), self._source,
                     self._now if at is None else at)

    def write(self, uuid: str, row: store.Row | None, desired: dict[str, Any] | None, state: dict[str, Any] | None,
              before: dict[str, Any] | None, contents: list[list[Any]], vectors: dict[str, Any] | None) -> None:
        if row is None and desired is None:
            return
        if desired is None:
            assert row is not None
            writes.hard_delete(self._conn, [(row.rowid, row.uuid, row.fields["namespace"])], self._stamp(state),
                               reason="sync")
            self._result.changes.append((ChangeKind.PURGED, uuid, row.fields["namespace"]))
            return
        digest = memory_parts.content_hash(desired["content"])
        shipped = _vector_set(vectors, digest, self._models)
        if row is None:
            stamp = self._stamp(state)
            self._new.append((_record(uuid, desired, stamp, shipped, state), stamp))
            self._result.changes.append((ChangeKind.CREATED, uuid, desired["namespace"]))
            return
        self._update(row, desired, state, before, contents, shipped, digest)

    def _update(self, row: store.Row, desired: dict[str, Any], state: dict[str, Any] | None,
                before: dict[str, Any] | None, contents: list[list[Any]], shipped: VectorSet | None,
                digest: str) -> None:
        current = repo.get_by_rowid(self._conn, row.rowid)
        assert current is not None
        loser = self._conflict(row, desired, before, contents)
        if loser == "local":
            store.mark_conflict(self._conn, row.rowid, row.version)
        have = row.fields
        stamp = self._stamp(state)
        kinds = []
        if any(have[k] != desired[k] for k in (*_UPDATABLE, "metadata")) or set(have["tags"]) != set(desired["tags"]):
            if all(desired[k] is not None for k in _UPDATABLE if have[k] != desired[k]):
                # A change no device counted as a version (what a device inferred, like a type) adds none here.
                derived = merge.version_of(state) is not None and merge.version_of(state) == merge.version_of(before)
                current = writes.update(self._conn, current, _changes(have, desired), stamp, change="sync",
                                        derived=derived)
            else:
                record = _record(row.uuid, desired | {"client_id": have["client_id"]}, stamp, shipped)
                current = memory_imports.import_memory(self._conn, record, stamp, model_id=self._models.model_id,
                                                       dimension=self._models.dimension, replacing=current)
                shipped = None
            kinds.append(ChangeKind.UPDATED)
        for name, set_kind, clear_kind, set_move, clear_move in (
                ("deleted_at", ChangeKind.DELETED, ChangeKind.RESTORED, writes.Transition.DELETE,
                 writes.Transition.RESTORE),
                ("archived_at", ChangeKind.ARCHIVED, ChangeKind.UNARCHIVED, writes.Transition.ARCHIVE,
                 writes.Transition.UNARCHIVE)):
            have_at, want_at = getattr(current, name), desired[name]
            if have_at == want_at:
                continue
            if have_at is not None:
                current = writes.transition(self._conn, current, clear_move, stamp)
            if want_at is not None:
                # The transition stores its stamp's time: the other device's, so that every device agrees.
                current = writes.transition(self._conn, current, set_move, Stamp(stamp.hlc, stamp.device_id, want_at))
            kinds.append(set_kind if want_at is not None else clear_kind)
        if shipped is not None and (current.embedding_status is not EmbeddingStatus.READY
                                    or current.model_id != self._models.model_id):
            matrix = np.frombuffer(shipped.data, dtype="<f4").reshape(len(shipped.spans), shipped.dimension)
            stored = memory_vectors.store_vectors(self._conn, row.rowid, digest,
                                                  Embedded(shipped.spans, matrix, shipped.model_id), stamp)
            if stored is not None:
                current = stored
                kinds.append(ChangeKind.EMBEDDED)
        if loser == "remote":
            # Kept as history by :func:`_converge_history`: the version of the device that made it, marked.
            self.losers[row.uuid] = _remote_loser(contents, desired)
        if loser:
            self._result.conflicts += 1
        for kind in kinds:
            self._result.changes.append((kind, row.uuid, desired["namespace"]))

    @staticmethod
    def _conflict(row: store.Row, desired: dict[str, Any], before: dict[str, Any] | None,
                  contents: list[list[Any]]) -> str | None:
        """Which side lost a concurrent content edit: ``local`` (its content is replaced), ``remote``, or None."""
        if not before or "content" not in before or not contents:
            return None
        mine = before["content"]
        for register in contents:
            stamp, value, ancestors = register
            if stamp == mine[0] or value == mine[1] or mine[0] in (ancestors or ()) or stamp in (mine[2] or ()):
                continue  # the same change, or one made over the other: not concurrent
            return "local" if desired["content"] != row.fields["content"] else "remote"
        return None

    def flush(self) -> None:
        if not self._new:
            return
        owners = client_id_owners(self._conn, [(r.namespace, r.client_id) for r, _ in self._new if r.client_id])
        items, seen = [], set(owners)
        for record, stamp in self._new:
            key = (record.namespace, record.client_id)
            if record.client_id is not None and key in seen:
                # Two devices used one idempotency key for different memories: the later arrival here keeps
                # its memory without the key rather than not at all.
                record = replace(record, client_id=None)
            elif record.client_id is not None:
                seen.add(key)
            items.append((record, stamp))
        memory_imports.import_memories(self._conn, items, model_id=self._models.model_id,
                                       dimension=self._models.dimension)
        self._new.clear()


def _remote_loser(contents: list[list[Any]], desired: dict[str, Any]) -> str:
    losers = [r for r in contents if r[1] != desired["content"]]
    return max(losers)[1] if losers else desired["content"]


def _changes(have: dict[str, Any], desired: dict[str, Any]) -> FieldChanges:
    def new(name: str) -> Any:
        return desired[name] if have[name] != desired[name] else None

    return FieldChanges(
        content=new("content"),
        memory_type=MemoryType(desired["memory_type"]) if have["memory_type"] != desired["memory_type"] else None,
        tags=_ordered_tags(have["tags"], desired["tags"]) if set(have["tags"]) != set(desired["tags"]) else None,
        metadata_set={k: v for k, v in desired["metadata"].items() if have["metadata"].get(k, _GONE) != v},
        metadata_unset=tuple(k for k in have["metadata"] if k not in desired["metadata"]),
        importance=new("importance"),
        tier=Tier(desired["tier"]) if have["tier"] != desired["tier"] else None,
        visibility=Visibility(desired["visibility"]) if have["visibility"] != desired["visibility"] else None,
        agent_id=new("agent_id"), user_id=new("user_id"), session_id=new("session_id"), project=new("project"),
        expires_at=new("expires_at"),
        memory_type_source=TypeSource(desired["memory_type_source"])
        if have["memory_type_source"] != desired["memory_type_source"] else None,
    )


_GONE = object()


def _ordered_tags(have: list[str], desired: list[str]) -> tuple[str, ...]:
    # Keep the order the user gave for tags that stay; new ones follow in sorted order.
    wanted = set(desired)
    return tuple([t for t in have if t in wanted] + sorted(wanted - set(have)))
