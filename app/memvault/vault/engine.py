"""Connections to one SQLCipher database: a single writer, a reader pool, and SQLite errors as domain errors.

Every connection is keyed with the raw data key, loads sqlite-vec, and keeps
temporary data in memory so nothing is ever spilled to disk in plaintext.
Writes go through one connection under a lock with ``BEGIN IMMEDIATE``;
reads use their own connections (WAL lets them run beside the writer).

Every transaction here maps SQLite's failures to domain errors with
:func:`memvault.vault.sqlite_errors.classify`, the one place that knows them.

A vault whose folder cannot be written opens read-only; one whose disk is so
full that the write-ahead log cannot even be created opens read-only too, and
tries the writer again on the next write, so it recovers once space is freed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from memvault.domain.errors import (
    StorageError,
    StorageFull,
    VaultBusy,
    VaultCorrupt,
    VaultError,
    VaultFilesMissing,
    VaultReadOnly,
)
from memvault.vault import process_lock
from memvault.vault.connect import database_url, make_engine
from memvault.vault.file_checks import ProbeDone, files_missing_message, identity, probe_folder
from memvault.vault.reader_pool import ReaderPool
from memvault.vault.sqlite_errors import (
    CORRUPT,
    NOTADB,
    classify,
    damaged_message,
    folder_writable,
    full_message,
    primary_code,
    read_only_message,
)

log = logging.getLogger(__name__)

#: How often a vault opened read-only because its disk was full tries its writer again.
REOPEN_WRITER_SECONDS = 1.0


@dataclass(frozen=True)
class WriteFailure:
    """Writes are failing: the domain code of the last failure, since when, and when it was last seen."""

    code: str
    since: float
    last_at: float


class Database:
    """The open, keyed database of one vault.

    Args:
        path: the database file.
        raw_key: the 32-byte data key.
        readers: how many read connections to keep.
        reader_cache_mib: page cache of each reader.
    """

    def __init__(self, path: Path, raw_key: bytes, *, readers: int = 2, reader_cache_mib: int = 24) -> None:
        self.path = path
        self._key = raw_key
        self._reader_count = max(1, readers)
        self._reader_cache_kib = self._reader_floor_kib = reader_cache_mib * 1024
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._state_lock = threading.Lock()
        self._failure: WriteFailure | None = None
        self._writer: Engine | None = None
        self._readers: ReaderPool | None = None
        self._folder_read_only = not folder_writable(path)
        self._next_reopen = 0.0
        self._damaged = False
        #: Commands set this: their first write checks every page first, so a damaged vault stays as it was.
        self.verify_before_writing = False
        self._pages_verified = False
        self._identity: tuple[int, int] | None = None  # while opening, nothing can have gone yet
        self._hold = process_lock.SharedHold(path.parent)
        try:
            self._open()
        except BaseException:
            self._hold.release()
            raise
        # Deleting or replacing the file under an open connection would let writes "succeed" into an unlinked
        # inode: each write compares the file's identity with this one first and after its commit. (Taken
        # once open: opening a new vault creates the file.)
        self._identity = identity(path)

    def _open(self) -> None:
        if self._folder_read_only:
            self._open_read_only()
            return
        try:
            self._open_read_write()
        except StorageFull as exc:
            # Restarting on a full disk: read what is there; writes retry the writer.
            log.info("the vault's disk is full; opened read-only until space is freed")
            self._open_read_only()
            self._record_failure(exc)

    # -- opening -------------------------------------------------------

    def _readers_engine(self, *, read_only: bool) -> Engine:
        return make_engine(database_url(self.path, self._key, read_only=read_only), pool_size=self._reader_count,
                           cache_kib=self._reader_cache_kib, writer=False)

    def _open_read_write(self) -> None:
        writer = make_engine(database_url(self.path, self._key), pool_size=1, cache_kib=32 * 1024, writer=True)
        try:
            self._check_key(writer)
        except BaseException:
            writer.dispose()
            raise
        self._writer, self._readers = writer, ReaderPool(self._readers_engine(read_only=False), self._reader_count)

    def _open_read_only(self) -> None:
        readers = self._readers_engine(read_only=True)
        try:
            self._check_key(readers)
        except BaseException:
            readers.dispose()
            raise
        self._readers = ReaderPool(readers, self._reader_count)

    def _check_key(self, engine: Engine) -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
                conn.rollback()
        except (DBAPIError, sqlcipher3.Error) as exc:
            mapped = classify(exc, self.path)
            if self._folder_read_only and not isinstance(mapped, (VaultCorrupt, VaultBusy)):
                # A read-only folder whose WAL has no -shm beside it cannot be read.
                raise VaultReadOnly(read_only_message(self.path) + "; it also holds changes that were never "
                                    "saved into the database: open it once from a writable folder") from None
            if mapped is not None and not isinstance(mapped, VaultCorrupt):
                raise mapped from None
            # A wrong key and a damaged first page look the same to SQLCipher.
            raise VaultCorrupt(
                f"the database {self.path} cannot be opened with this vault's key "
                f"(damaged or not a Memvault database: {exc.__class__.__name__}); "
                "restore the vault folder from a backup",
                path=str(self.path),
            ) from None

    def _reopen_writer(self) -> None:
        """Try the writer again after a full disk made this vault read-only (called under the write lock)."""
        if time.monotonic() < self._next_reopen:
            raise StorageFull(full_message(self.path))
        self._next_reopen = time.monotonic() + REOPEN_WRITER_SECONDS
        writer = make_engine(database_url(self.path, self._key), pool_size=1, cache_kib=32 * 1024, writer=True)
        try:
            with self._translated(), writer.begin() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            readers = ReaderPool(self._readers_engine(read_only=False), self._reader_count)
        except BaseException:
            writer.dispose()
            raise
        # The immutable readers would never see new writes: swap them out.
        old, self._readers, self._writer = self._readers, readers, writer
        if old is not None:
            old.dispose()
        log.info("the vault's disk has space again; writes are back on")

    # -- state ---------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """True when the vault's folder cannot be written (reads only, for this whole session)."""
        return self._folder_read_only

    @property
    def write_failure(self) -> WriteFailure | None:
        """The storage failure that stopped the last write, until a write succeeds again (or the vault's
        file vanished, which no write will fix)."""
        if self._failure is None and self.files_missing:
            self._record_failure(VaultFilesMissing(files_missing_message(self.path)))
        return self._failure

    @property
    def files_missing(self) -> bool:
        """Whether the database file was deleted or replaced since this process opened it."""
        return self._identity is not None and identity(self.path) != self._identity

    def _check_files(self) -> None:
        if self.files_missing:
            raise VaultFilesMissing(files_missing_message(self.path))

    def _record_failure(self, exc: VaultError) -> None:
        now = time.time()
        with self._state_lock:
            since = self._failure.since if self._failure is not None else now
            self._failure = WriteFailure(exc.code, since, now)

    def _record_success(self) -> None:
        with self._state_lock:
            self._failure = None

    @contextlib.contextmanager
    def _translated(self, *, unreadable_is_damage: bool = False) -> Iterator[None]:
        try:
            yield
        except (DBAPIError, sqlcipher3.Error) as exc:
            if self.files_missing:
                # A connection opened after the file went fails to open, or opens the stranger now in its place:
                # neither is a disk or a damaged page of this vault.
                raise VaultFilesMissing(files_missing_message(self.path)) from None
            mapped = classify(exc, self.path)
            if mapped is None and unreadable_is_damage:
                # Virtual tables (vec0) report a page that fails its HMAC as a plain SQL error.
                mapped = VaultCorrupt(damaged_message(self.path), path=str(self.path))
            if mapped is None:
                raise
            if isinstance(mapped, VaultCorrupt):
                self._damaged = True
            raise mapped from None

    @property
    def damaged(self) -> bool:
        """Whether this process has met a damaged page (it writes nothing more: run ``memvault check``)."""
        return self._damaged

    def mark_damaged(self) -> None:
        """An integrity check found damaged pages: refuse every write from now on."""
        self._damaged = True

    def _refuse_if_damaged(self) -> None:
        if self.verify_before_writing and not self._pages_verified:
            with self.read(discard=True) as conn:
                if conn.exec_driver_sql("PRAGMA cipher_integrity_check").first() is not None:
                    self._damaged = True
            self._pages_verified = True
        if self._damaged:
            raise VaultCorrupt(damaged_message(self.path) + "; nothing was written", path=str(self.path))

    # -- transactions --------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on any error.

        Raises:
            VaultReadOnly: the folder cannot be written.
            VaultBusy: another process held the write lock for longer than the busy timeout.
            StorageFull, StorageError, VaultCorrupt: the disk or the file failed; nothing was written.
        """
        if getattr(self._local, "writing", False):
            raise RuntimeError("nested write transaction")  # a bug, not a user error
        if self._folder_read_only:
            raise VaultReadOnly(read_only_message(self.path))
        with self._write_lock:
            self._local.writing = True
            try:
                self._check_files()
                self._refuse_if_damaged()
                with self._translated():
                    if self._writer is None:
                        self._reopen_writer()
                    assert self._writer is not None
                    with self._transaction(self._writer) as conn:
                        raw = conn.connection.dbapi_connection
                        before = raw.total_changes
                        yield conn
                        changed = raw.total_changes != before
                # The file may have gone while this transaction ran: then the commit went nowhere anyone reads.
                self._check_files()
                # Only a commit that wrote pages proves the disk takes writes again.
                if changed:
                    self._record_success()
            except (StorageFull, StorageError, VaultReadOnly, VaultCorrupt) as exc:  # VaultFilesMissing included
                self._record_failure(exc)
                raise
            finally:
                self._local.writing = False

    @contextlib.contextmanager
    def outside_transaction(self) -> Iterator[Any]:
        """The writer's driver connection with no transaction open, under the write lock: for the few
        statements SQLite refuses inside one (VACUUM, ATTACH). Nothing else writes meanwhile."""
        if self._folder_read_only:
            raise VaultReadOnly(read_only_message(self.path))
        with self._write_lock:
            self._check_files()
            self._refuse_if_damaged()
            with self._translated():
                if self._writer is None:
                    self._reopen_writer()
                assert self._writer is not None
                with self._writer.connect() as conn:
                    yield conn.connection.dbapi_connection

    @contextlib.contextmanager
    def read(self, *, discard: bool = False, unreadable_is_damage: bool = False) -> Iterator[Connection]:
        """A read transaction on its own connection (a consistent snapshot).

        Args:
            discard: close the connection afterwards instead of pooling it (integrity
                checks: a connection that met a damaged page fails every later read).
            unreadable_is_damage: any SQL failure is :class:`VaultCorrupt` (integrity checks, whose
                statements are known good: what fails them is the file).
        """
        if self._readers is None:
            raise VaultError("the database is closed")
        with self._translated(unreadable_is_damage=unreadable_is_damage), self._readers.connection() as held, \
                self._in_transaction(held, discard=discard) as conn:
            if conn.info.get("cache_kib") != self._reader_cache_kib:
                conn.connection.dbapi_connection.execute(f"PRAGMA cache_size = -{self._reader_cache_kib}")
                conn.info["cache_kib"] = self._reader_cache_kib
            yield conn

    def fit_reader_caches(self, kib: int) -> None:
        """Size each reader's page cache for ``kib`` of pages its reads keep coming back to (never under the
        configured size); a reader takes the new size at its next read."""
        self._reader_cache_kib = max(self._reader_floor_kib, int(kib))

    @classmethod
    @contextlib.contextmanager
    def _transaction(cls, engine: Engine, *, discard: bool = False) -> Iterator[Connection]:
        with engine.connect() as conn, cls._in_transaction(conn, discard=discard):
            yield conn

    @staticmethod
    @contextlib.contextmanager
    def _in_transaction(conn: Connection, *, discard: bool = False) -> Iterator[Connection]:
        try:
            with conn.begin():
                yield conn
        except (DBAPIError, sqlcipher3.Error) as exc:
            # After a page fails its HMAC, SQLCipher fails every later read on
            # that connection: drop it so the pool does not hand it out again.
            if primary_code(exc) in (CORRUPT, NOTADB):
                conn.invalidate()
            raise
        finally:
            if discard and not conn.invalidated:
                conn.invalidate()

    def probe_write(self) -> None:
        """Raise the storage error that stops writes, if any, without changing the vault's files.

        It takes the write lock (``BEGIN IMMEDIATE``), then writes and syncs one
        page to a scratch file beside the database (a full or read-only disk
        fails there as it would for a commit) and rolls back: even a damaged
        vault is left byte for byte as it was.
        """
        try:
            with self.write():
                probe_folder(self.path)
                raise ProbeDone
        except ProbeDone:
            pass
        self._record_success()

    def dispose(self) -> None:
        """Close every connection, and let go of the vault (a restore may replace its files then)."""
        if self._readers is not None:
            self._readers.dispose()
        if self._writer is not None:
            self._writer.dispose()
        self._hold.release()
