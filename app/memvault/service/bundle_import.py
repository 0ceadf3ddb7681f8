"""Importing a bundle: verify the whole body, then write every memory in one transaction.

Pass 1 reads the bundle from end to end under a read snapshot: every segment
authenticates, every line parses and passes validation, the end line's counts
and digest match, and each memory's fate under the conflict policy is
tallied. That tally is the dry run; nothing has been written. Pass 2 reads the
file again inside one write transaction and applies the same decisions
through the one write path (:func:`memvault.vault.memory_imports.import_memory`); any
failure there, or a cancel, rolls the whole import back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from memvault.bundle import format as fmt
from memvault.bundle import records
from memvault.crypto.recipients import key_pair_from_private
from memvault.domain.changes import IMPORT, ChangeEvent, ChangeKind, ChangeOrigin
from memvault.domain.errors import (
    BundleTooDemanding,
    PassphraseRequired,
    TamperedData,
    WrongRecipient,
)
from memvault.domain.hlc import Hlc, HybridClock
from memvault.domain.ids import uuid7
from memvault.domain.transfer import ConflictPolicy, MemoryRecord
from memvault.service import validation as v
from memvault.service.bundle_lineage import Lineage, later, lineage_of, newer, same_fields
from memvault.service.bundle_records import checked
from memvault.service.events import EventHub
from memvault.service.import_links import CopyLinks, earlier_copy, relinked
from memvault.vault import export_queries as q
from memvault.vault import memory_imports
from memvault.vault import share_store
from memvault.vault.engine import Database
from memvault.vault.oplog import Stamp

#: ``progress(stage, done, total)``: stage "verifying" counts bytes of the file, "importing" memories.
Progress = Callable[[str, int, int], None]
#: At most this many conflicting ids are listed in a report (the counts are always complete).
CONFLICTS_LISTED = 100
#: A record stamped further ahead of this clock than this decides nothing (:attr:`ImportReport.stamped_now`):
#: kept, a wrong or hostile clock would win every later edit.
MAX_CLOCK_LEAD_MS = 24 * 3600 * 1000
#: Records decided (and written) together: one lookup of ids and one executemany per table per batch.
BATCH = 250


@dataclass(frozen=True)
class ImportOptions:
    """How to import: destination namespace (``None``: each memory's own), conflict policy, dry run."""

    into: str | None = None
    policy: ConflictPolicy = ConflictPolicy.NEWER
    dry_run: bool = False
    #: Most Argon2id work (memory KiB × passes) the passphrase may take; ``None``: what any export writes.
    max_kdf_work_kib: int | None = None


@dataclass(frozen=True)
class NamespaceImport:
    """One destination namespace's share of an import: what it gains, what is replaced, what is left alone."""

    namespace: str
    new: int = 0
    updated: int = 0
    skipped: int = 0
    conflicting: int = 0


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, in a dry run, would do).

    ``new``: memories created (copies included); ``updated``: the vault's memories
    replaced; ``skipped``: kept as they were; ``conflicting``: bundle memories
    that met a different local memory with their id (or their client id),
    whatever the policy then did; ``to_embed``: memories that get their vectors
    from this vault's model because the bundle's were made by another;
    ``by_namespace``: the same counts per destination namespace (sorted by name);
    ``stamped_now``: memories whose clock stamp was more than a day ahead of this
    device's (kept, it would beat every later edit, here and on every synced
    device): a new one is stamped now, and one the vault holds is replaced only
    by the overwrite policy (its clock cannot say it is newer).
    """

    memories: int
    new: int
    updated: int
    skipped: int
    conflicting: int
    to_embed: int
    namespaces: tuple[str, ...]
    conflicts: tuple[str, ...]
    dry_run: bool
    cancelled: bool = False
    by_namespace: tuple[NamespaceImport, ...] = ()
    stamped_now: int = 0
    #: Skipped because the vault holds their id in another namespace (an import never moves a memory; the copy
    #: policy imports them as new memories).
    held_elsewhere: int = 0


class Cancelled(Exception):
    """Raised inside the import transaction to roll it back when the caller cancels."""


@dataclass
class _Tally:
    memories: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    conflicting: int = 0
    to_embed: int = 0
    #: Ids of the records stamped more than a day ahead (their stamp replaced by this clock's).
    ahead: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)
    conflicts: list[str] = field(default_factory=list)
    held_elsewhere: int = 0
    created_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    #: Per destination namespace: [new, updated, skipped, conflicting].
    per_namespace: dict[str, list[int]] = field(default_factory=dict)
    links: CopyLinks = field(default_factory=CopyLinks)

    def repeated(self, record: MemoryRecord) -> None:
        """A record whose id an earlier one of the same file had: skipped, in a dry run as in the real one (the
        real run would otherwise apply it over its twin, which a dry run cannot see)."""
        self.memories += 1
        self.skipped += 1
        self.per_namespace.setdefault(record.namespace, [0, 0, 0, 0])[2] += 1

    def report(self, *, dry_run: bool, cancelled: bool = False) -> ImportReport:
        by_namespace = tuple(NamespaceImport(ns, *counts) for ns, counts in sorted(self.per_namespace.items()))
        return ImportReport(self.memories, self.new, self.updated, self.skipped, self.conflicting, self.to_embed,
                            tuple(sorted(self.namespaces)), tuple(self.conflicts), dry_run, cancelled, by_namespace,
                            len(self.ahead), self.held_elsewhere)


@dataclass(frozen=True)
class _Decision:
    action: str  # "new", "update" or "skip"
    record: MemoryRecord
    conflicting: bool
    local: q.Local | None = None
    #: The vault's memory the bundle's met (its id, or its client id in the same namespace): what the report
    #: lists, not the fresh id a copy is given.
    conflict_with: str | None = None
    #: Skipped because its id is a memory of another namespace here.
    elsewhere: bool = False


def open_bundle(fh: BinaryIO, private_key: bytes, passphrase: str | None,
                max_kdf_work_kib: int | None = None) -> tuple[fmt.BundleHeader, bytes]:
    """Read the header and unwrap the file key: with this vault's key if the bundle is for it, else the passphrase
    (refused before deriving anything if that takes more than ``max_kdf_work_kib``)."""
    header = fmt.read_header(fh)
    if header.stanzas and header.is_for(key_pair_from_private(private_key).public):
        return header, fmt.file_key_from_private_key(header, private_key)
    if header.passphrase is not None:
        if passphrase is None:
            raise PassphraseRequired("this bundle is protected by a passphrase; give the bundle's passphrase")
        kdf = header.passphrase.kdf
        if max_kdf_work_kib is not None and kdf.memory_kib * kdf.iterations > max_kdf_work_kib:
            raise BundleTooDemanding(
                f"this bundle's passphrase takes {kdf.memory_kib // 1024} MiB × {kdf.iterations} passes to check, more "
                f"than one request may spend ({max_kdf_work_kib // 1024} MiB × passes): import it with "
                "`memvault import` or the desktop app")
        return header, fmt.file_key_from_passphrase(header, passphrase)
    raise WrongRecipient("this bundle was encrypted for other recipient keys, not this vault's, and has no "
                         "passphrase: ask the sender to export it for this vault's recipient key")


class Importer:
    """Runs the two passes of an import for one vault."""

    def __init__(self, db: Database, clock: HybridClock, events: EventHub, *, model_id: str, dimension: int,
                 private_key: Callable[[], bytes], wall: Callable[[], float], wake_worker: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._model_id = model_id
        self._dimension = dimension
        self._private_key = private_key
        self._wall = wall
        self._wake = wake_worker

    def run(self, path: Path, options: ImportOptions, *, passphrase: str | None = None,
            progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
            origin: ChangeOrigin = IMPORT) -> ImportReport:
        if options.into is not None:
            v.namespace(options.into)
        policy = v.choice(ConflictPolicy, options.policy, "on_conflict")
        options = replace(options, policy=policy)
        size = os.path.getsize(path)
        try:
            with open(path, "rb") as fh:
                header, key = open_bundle(fh, self._private_key(), passphrase, options.max_kdf_work_kib)
                manifest = fmt.open_manifest(header, key)
                if options.dry_run:
                    with self._db.read() as conn:
                        return self._pass(conn, fh, header, key, options, apply=False, tick=self._ticker(
                            "verifying", lambda _n: (fh.tell(), size), progress, cancelled)).report(dry_run=True)
                # Everything authenticates before anything is written; parsing and checking each
                # memory happen in the transaction, which any failure rolls back.
                fmt.verify_body(fh, header, key, self._byte_ticker(size, progress, cancelled))
            with self._db.write() as conn, open(path, "rb") as fh:
                if fmt.read_header(fh).prefix != header.prefix:
                    raise TamperedData("the bundle file changed while it was being imported")
                done = self._pass(conn, fh, header, key, options, apply=True, tick=self._ticker(
                    "importing", lambda n: (n, manifest.memories), progress, cancelled))
        except Cancelled:
            return _Tally().report(dry_run=options.dry_run, cancelled=True)
        self._announce(done, origin)
        return done.report(dry_run=False)

    @staticmethod
    def _byte_ticker(size: int, progress: Progress | None,
                     cancelled: Callable[[], bool] | None) -> Callable[[int], None]:
        def tick(plaintext_bytes: int) -> None:
            if cancelled is not None and cancelled():
                raise Cancelled
            if progress is not None:
                progress("verifying", min(plaintext_bytes, size), size)
        return tick

    @staticmethod
    def _ticker(stage: str, where: Callable[[int], tuple[int, int]], progress: Progress | None,
                cancelled: Callable[[], bool] | None) -> Callable[[int], None]:
        """Called after each batch with the memories handled: checks for a cancel, then reports progress."""
        def tick(memories: int) -> None:
            if cancelled is not None and cancelled():
                raise Cancelled
            if progress is not None:
                progress(stage, *where(memories))
        return tick

    def _records(self, fh: BinaryIO, header: fmt.BundleHeader, key: bytes, into: str | None) -> Iterator[MemoryRecord]:
        for number, record in enumerate(records.decode(fmt.body_lines(fh, header, key)), 1):
            yield checked(record, number, into)

    def _pass(self, conn: Any, fh: BinaryIO, header: fmt.BundleHeader, key: bytes, options: ImportOptions, *,
              apply: bool, tick: Callable[[int], None]) -> _Tally:
        tally = _Tally()
        batch: list[MemoryRecord] = []
        seen: set[Any] = set()
        ids: set[str] = set()
        tick(0)
        for record in self._records(fh, header, key, options.into):
            if record.id in ids:
                tally.repeated(record)
                continue
            ids.add(record.id)
            record = self.clock_checked(record, tally)
            # A repeated client id must meet its twin as a memory of the vault: end the batch first.
            keys = {record.id} | ({(record.namespace, record.client_id)} if record.client_id else set())
            if len(batch) >= BATCH or keys & seen:
                self._batch(conn, batch, options.policy, tally, apply)
                tick(tally.memories)
                batch, seen = [], set()
            batch.append(record)
            seen |= keys
        self._batch(conn, batch, options.policy, tally, apply)
        self.finish_pass(conn, tally, apply)
        tick(tally.memories)
        return tally

    def clock_checked(self, record: MemoryRecord, tally: _Tally) -> MemoryRecord:
        """``record``, its stamp replaced by this clock's if it is more than a day ahead (noted in ``tally``)."""
        if Hlc.parse(record.hlc).ms <= self._wall() * 1000 + MAX_CLOCK_LEAD_MS:
            return record
        tally.ahead.add(record.id)
        return replace(record, hlc=self._clock.now())

    def _batch(self, conn: Any, batch: list[MemoryRecord], policy: ConflictPolicy, tally: _Tally,
               apply: bool) -> None:
        if not batch:
            return
        local = q.local_memories(conn, [r.id for r in batch])
        owners = q.client_id_owners(conn, [(r.namespace, r.client_id) for r in batch if r.client_id])
        texts = q.same_texts(conn, [(r.namespace, r.created_at, r.content) for r in batch]) \
            if policy is ConflictPolicy.COPY else {}
        decisions = [self._decide(r, local.get(r.id), owners, policy, clock_trusted=r.id not in tally.ahead,
                                  lineage=lineage_of(conn, r, local.get(r.id))) for r in batch]
        # A copy this vault made before (the same bundle imported again) is not made twice; links lead to it.
        decisions = [replace(d, action="skip", conflicting=False, record=replace(d.record, id=earlier))
                     if d.action == "new" and d.record.id != r.id
                     and (earlier := earlier_copy(r, texts, d.conflict_with)) else d
                     for r, d in zip(batch, decisions, strict=True)]
        share_store.refuse_read_only(conn, {d.record.namespace for d in decisions if d.action in ("new", "update")})
        for decision in decisions:
            self._count(tally, decision)
        if not apply:
            return
        news = [d for d in decisions if d.action == "new"]
        if policy is ConflictPolicy.COPY:
            links = tally.links
            links.copies.update((r.id, d.record.id) for r, d in zip(batch, decisions, strict=True)
                                if d.record.id != r.id)
            links.decided.update(r.id for r in batch)
            waiting = [links.waits(d.record) for d in news]
            links.held += [d for d, wait in zip(news, waiting, strict=True) if wait]
            news = [replace(d, record=relinked(d.record, links.copies))
                    for d, wait in zip(news, waiting, strict=True) if not wait]
        self._write_new(conn, news, tally)
        for d in decisions:
            if d.action == "update":
                assert d.local is not None
                memory_imports.import_memory(conn, d.record, self._stamp(d), model_id=self._model_id,
                                             dimension=self._dimension, replacing=d.local.memory)
                tally.updated_ids.append(d.record.id)

    def _write_new(self, conn: Any, news: list[_Decision], tally: _Tally) -> None:
        stamped = [(d.record, self._stamp(d)) for d in news]
        memory_imports.import_memories(conn, stamped, model_id=self._model_id, dimension=self._dimension)
        tally.created_ids += [record.id for record, _ in stamped]

    def finish_pass(self, conn: Any, tally: _Tally, apply: bool) -> None:
        """After a pass's last batch: the records held back for a link forward, written with their links renamed."""
        held, tally.links.held = tally.links.held, []
        if apply and held:
            self._write_new(conn, [replace(d, record=relinked(d.record, tally.links.copies)) for d in held], tally)

    def _decide(self, record: MemoryRecord, local: q.Local | None, owners: dict[tuple[str, str], str],
                policy: ConflictPolicy, *, clock_trusted: bool = True, lineage: Lineage | None = None) -> _Decision:
        if local is None:
            owner = owners.get((record.namespace, record.client_id)) if record.client_id else None
            if owner is None:
                return _Decision("new", record, conflicting=False)
            # Same idempotency key, different memory: the vault already holds "this" memory under another id.
            if policy is ConflictPolicy.COPY:
                return _Decision("new", self._copy(record, owners), conflicting=True, conflict_with=owner)
            return _Decision("skip", record, conflicting=True, conflict_with=owner)
        met = local.memory.id
        if local.memory.namespace != record.namespace:
            # Never move a memory between namespaces by import (e.g. --into with ids the vault holds elsewhere).
            if policy is ConflictPolicy.COPY:
                return _Decision("new", self._copy(record, owners), conflicting=True, conflict_with=met)
            return _Decision("skip", record, conflicting=True, conflict_with=met, elsewhere=True)
        if local.hlc == record.hlc or same_fields(record, local.memory):
            return _Decision("skip", record, conflicting=False, local=local)
        if lineage is not None and lineage is not Lineage.APART:
            # Changed on one side only: no conflict. The side ahead wins, but skip keeps the vault's and
            # overwrite takes the bundle's all the same.
            take = policy is ConflictPolicy.OVERWRITE or (lineage is Lineage.AHEAD and policy is not ConflictPolicy.SKIP)
            return _Decision("update" if take else "skip", record, conflicting=False, local=local)
        if policy is ConflictPolicy.COPY:
            return _Decision("new", self._copy(record, owners), conflicting=True, conflict_with=met)
        replace_it = policy is ConflictPolicy.OVERWRITE or (
            policy is ConflictPolicy.NEWER and clock_trusted and newer(record, local))
        return _Decision("update" if replace_it else "skip", record, conflicting=True, local=local)

    def _copy(self, record: MemoryRecord, owners: dict[tuple[str, str], str]) -> MemoryRecord:
        client_id = record.client_id
        if client_id is not None and (record.namespace, client_id) in owners:
            client_id = None
        return replace(record, id=uuid7(), client_id=client_id, hlc=self._clock.now(),
                       origin_device=self._clock.device_id)

    def _needs_embedding(self, decision: _Decision) -> bool:
        v_ = decision.record.vectors
        if v_ is not None and v_.model_id == self._model_id and v_.dimension == self._dimension and v_.spans:
            return False
        local = decision.local
        return not (decision.action == "update" and local is not None
                    and local.memory.content == decision.record.content and local.memory.model_id == self._model_id)

    def _count(self, tally: _Tally, decision: _Decision) -> None:
        tally.memories += 1
        share = tally.per_namespace.setdefault(decision.record.namespace, [0, 0, 0, 0])
        if decision.conflicting:
            tally.conflicting += 1
            share[3] += 1
            if len(tally.conflicts) < CONFLICTS_LISTED:
                tally.conflicts.append(decision.conflict_with or (
                    decision.local.memory.id if decision.local else decision.record.id))
        if decision.action == "skip":
            tally.skipped += 1
            tally.held_elsewhere += decision.elsewhere
            share[2] += 1
            return
        tally.namespaces.add(decision.record.namespace)
        if decision.action == "new":
            tally.new += 1
            share[0] += 1
        else:
            tally.updated += 1
            share[1] += 1
        if self._needs_embedding(decision):
            tally.to_embed += 1

    def _stamp(self, decision: _Decision) -> Stamp:
        """The record's own stamp when its version wins as it is; a fresh one when the import is a new decision
        here (an overwrite with an older or concurrent version), so that other devices apply it too."""
        record, now = decision.record, self._wall()
        local = decision.local
        if decision.action == "update" and local is not None and not later(record.hlc, local.hlc):
            return Stamp(self._clock.now(), self._clock.device_id, now)
        # Follow the record's clock so that later local edits sort after it (stamps over a day ahead were
        # replaced by this clock's in _pass).
        self._clock.observe(record.hlc)
        return Stamp(record.hlc, self._clock.device_id, now)

    def _announce(self, tally: _Tally, origin: ChangeOrigin) -> None:
        if tally.to_embed:
            self._wake()
        namespaces = tuple(sorted(tally.namespaces))
        if tally.created_ids:
            self._events.emit(ChangeEvent(ChangeKind.CREATED, tuple(tally.created_ids), namespaces, origin))
        if tally.updated_ids:
            self._events.emit(ChangeEvent(ChangeKind.UPDATED, tuple(tally.updated_ids), namespaces, origin))
