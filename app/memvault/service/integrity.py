"""Checking a vault's integrity and repairing what can be rebuilt (``memvault check``, Vault → Check integrity…).

:meth:`IntegrityService.check` returns an :class:`IntegrityReport`: each
problem says what is wrong, how many things it touches, and whether
:meth:`IntegrityService.repair` can fix it. Repairs rebuild derived data only
(the full-text index, vectors); damaged pages need a backup.
Nothing in a report quotes memory text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import (
    StorageError,
    StorageFull,
    VaultBusy,
    VaultCorrupt,
    VaultReadOnly,
)
from memvault.vault import integrity as checks
from memvault.vault.engine import Database

_STOPPERS = (VaultCorrupt, StorageError, StorageFull, VaultReadOnly, VaultBusy)
_LABELS = {"pages": "page authentication", "btree": "database structure", "fts": "full-text index",
           "rows": "consistency (memories, full-text rows, vectors, jobs)"}
_BACKUP = "restore the vault folder from a backup (damaged pages cannot be rebuilt)"


@dataclass(frozen=True)
class IntegrityProblem:
    """One thing found wrong.

    Attributes:
        check: ``pages``, ``btree``, ``fts``, ``vectors`` or ``jobs``.
        message: what is wrong and what to do, for people.
        count: how many pages, rows or memories it touches.
        repairable: whether :meth:`IntegrityService.repair` fixes it.
        details: page numbers or SQLite's own lines (never content).
    """

    check: str
    message: str
    count: int
    repairable: bool
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntegrityReport:
    """The outcome of a check (and of a repair, when ``repaired`` is not empty).

    Attributes:
        ok: no problem found.
        problems: what is wrong.
        counts: memories (trashed, archived, ready, processing, failed), FTS rows, chunks, vectors, jobs,
            history and oplog rows.
        skipped: checks that could not run, with the domain error code that stopped them.
        repaired: what a repair did (or could not do).
        checked_at: Unix time of the (last) check.
        seconds: how long checking (and repairing) took.
    """

    ok: bool
    problems: tuple[IntegrityProblem, ...]
    counts: dict[str, int]
    skipped: dict[str, str]
    repaired: tuple[str, ...]
    checked_at: float
    seconds: float

    @property
    def repairable(self) -> bool:
        return any(p.repairable for p in self.problems)


class IntegrityService:
    """Checks and repairs one vault.

    Args:
        db: the vault's database.
        wake_worker: called after memories were queued for embedding again.
        wall: the wall clock (a re-queued job is due now by this clock).
    """

    def __init__(self, db: Database, wake_worker: Callable[[], None] | None = None,
                 wall: Clock = system_clock) -> None:
        self._db = db
        self._wake_worker = wake_worker
        self._wall = wall

    def check(self) -> IntegrityReport:
        """Run every check; a check stopped by damage is a problem in the report, not an exception."""
        started = time.monotonic()
        found = checks.Findings()
        skipped: dict[str, str] = {}
        self._step("pages", skipped, lambda: self._pages(found))
        # Past a page that fails its HMAC, SQLCipher fails every read of that
        # connection: SQLite's b-tree check and FTS5's would only echo the damage.
        if not found.damaged_pages:
            self._step("btree", skipped, lambda: self._read(checks.check_btree, found))
            if self._db.read_only:
                skipped["fts"] = VaultReadOnly.code  # FTS5's own check is an INSERT: it needs the writer
            else:
                self._step("fts", skipped, lambda: self._write(checks.check_fts_index, found))
        self._step("rows", skipped, lambda: self._read(checks.check_rows, found))
        if found.damaged_pages or found.btree or VaultCorrupt.code in skipped.values():
            self._db.mark_damaged()  # nothing in this process writes to it any more
        problems = _problems(found, skipped)
        return IntegrityReport(ok=not problems, problems=tuple(problems), counts=dict(found.counts),
                               skipped=skipped, repaired=(), checked_at=self._wall(),
                               seconds=time.monotonic() - started)

    def repair(self) -> IntegrityReport:
        """Fix what can be rebuilt (FTS, orphans, missing vectors, flags), then check again.

        Raises:
            VaultReadOnly: the vault cannot be written.
        """
        if self._db.read_only:
            raise VaultReadOnly("the vault folder is read-only: nothing can be repaired; make it writable first")
        started = time.monotonic()
        before = self.check()
        damage = [p for p in before.problems if not p.repairable]
        if damage:
            # Repairs rebuild indexes from the memories; with pages that cannot be read they would rebuild from
            # part of them, and write into a damaged file. Say what is repairable and leave the file as it is.
            fixable = [p for p in before.problems if p.repairable]
            done = [f"nothing was repaired: the vault file is damaged ({damage[0].check}); {_BACKUP}"]
            done += [f"left as it is until the damage is gone: {p.message}" for p in fixable]
            return replace(before, repaired=tuple(done), seconds=time.monotonic() - started)
        found = checks.Findings()
        if "rows" not in before.skipped:
            self._step("rows", {}, lambda: self._read(checks.check_rows, found))
        done: list[str] = []
        if any(p.check == "fts" for p in before.problems):
            indexed = self._attempt(done, "rebuild the full-text index", lambda: self._write(checks.rebuild_fts))
            if indexed is not None:
                done.append(f"rebuilt the full-text index ({indexed} memories)")
        if (found.orphan_chunks or found.orphan_vectors) and self._attempt(
                done, "remove orphaned vectors",
                lambda: self._write(checks.remove_orphans, found.orphan_chunks, found.orphan_vectors)) is not None:
            done.append(f"removed {len(found.orphan_vectors)} vectors and {len(found.orphan_chunks)} chunks "
                        "that belonged to no memory")
        waiting = sorted(set(found.missing_vectors) | set(found.unqueued) | set(found.unsound_vectors))
        if waiting:
            queued = self._attempt(done, "queue memories for embedding",
                                   lambda: self._write(checks.requeue, waiting, self._wall()))
            if queued is not None:
                done.append(f"queued {queued} memories for embedding again")
                if self._wake_worker is not None:
                    self._wake_worker()
        after = self.check()
        return IntegrityReport(ok=after.ok, problems=after.problems, counts=after.counts, skipped=after.skipped,
                               repaired=tuple(done), checked_at=after.checked_at,
                               seconds=time.monotonic() - started)

    # -- helpers -------------------------------------------------------

    def _pages(self, found: checks.Findings) -> None:
        """SQLCipher's page check, without holding up writes unless it finds something.

        The check reads the file itself, past SQLite's pager: a checkpoint that writes pages into the file or
        shrinks it while the check reads (the background loops commit as they work) fails pages that are sound,
        and "error reading 4096 bytes from file page 2248" came from a file a compaction had just shortened. So
        what a first pass finds is read again holding the writer, which every commit and so every checkpoint of
        this process goes through: damage on disk fails again, a race does not.
        """
        self._read(checks.check_cipher, found)
        if found.damaged_pages:
            self._write(checks.check_cipher, found)

    def _read(self, fn: Callable, *args: object) -> object:
        with self._db.read(discard=True, unreadable_is_damage=True) as conn:
            return fn(conn, *args)

    def _write(self, fn: Callable, *args: object) -> object:
        with self._db.write() as conn:
            return fn(conn, *args)

    @staticmethod
    def _step(name: str, skipped: dict[str, str], work: Callable[[], object]) -> None:
        try:
            work()
        except _STOPPERS as exc:
            skipped[name] = exc.code

    @staticmethod
    def _attempt(done: list[str], what: str, work: Callable[[], object]) -> object | None:
        try:
            return work()
        except _STOPPERS as exc:
            done.append(f"could not {what}: {exc.code}")
            return None


def _problems(found: checks.Findings, skipped: dict[str, str]) -> list[IntegrityProblem]:
    problems: list[IntegrityProblem] = []
    add = problems.append
    if found.damaged_pages:
        add(IntegrityProblem("pages", f"{len(found.damaged_pages)} pages of the vault file fail their "
                             f"authentication check (changed or damaged on disk); {_BACKUP}",
                             len(found.damaged_pages), False, tuple(found.damaged_pages)))
    if found.btree:
        add(IntegrityProblem("btree", f"SQLite's structure check found damage; {_BACKUP}", len(found.btree), False,
                             tuple(found.btree)))
    for name, code in skipped.items():
        if code == VaultCorrupt.code:
            add(IntegrityProblem(name, f"the {_LABELS.get(name, name)} check stopped at a damaged page; {_BACKUP}",
                                 1, False))
    fts_rows = len(found.fts_missing) + len(found.fts_orphans)
    if found.fts or fts_rows:
        add(IntegrityProblem("fts", "the full-text (keyword) index disagrees with the memories: "
                             f"{len(found.fts_missing)} missing, {len(found.fts_orphans)} left over"
                             + (", words that no longer match the text" if found.fts else "")
                             + "; `memvault check --repair` rebuilds it",
                             fts_rows or 1, True, tuple(found.fts)))
    if found.missing_vectors:
        add(IntegrityProblem("vectors", f"{len(found.missing_vectors)} memories marked ready lack vectors (semantic "
                             "search misses them); `memvault check --repair` embeds them again",
                             len(found.missing_vectors), True))
    if found.unsound_vectors:
        add(IntegrityProblem("vectors", f"{len(found.unsound_vectors)} memories have vectors no model makes (not "
                             "finite, or not unit length: such a memory can come first for any query); "
                             "`memvault check --repair` embeds them again",
                             len(found.unsound_vectors), True))
    orphans = len(found.orphan_vectors) + len(found.orphan_chunks)
    if orphans:
        add(IntegrityProblem("vectors", f"{orphans} vectors or chunks belong to no memory; "
                             "`memvault check --repair` removes them", orphans, True))
    if found.unqueued:
        add(IntegrityProblem("jobs", f"{len(found.unqueued)} memories wait for an embedding that is not queued; "
                             "`memvault check --repair` queues them", len(found.unqueued), True))
    return problems

