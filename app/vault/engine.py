"""Connections to one SQLCipher database: a single writer and a reader pool.

Every connection is keyed with the raw data key, loads sqlite-vec, and keeps
temporary data in memory so nothing is ever spilled to disk in plaintext.
Writes go through one connection under a lock with ``BEGIN IMMEDIATE``;
reads use their own connections (WAL lets them run beside the writer).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3
import sqlite_vec
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool

from app.domain.errors import VaultCorrupt, VaultError

BUSY_TIMEOUT_MS = 15_000


def _engine(path: Path, raw_key: bytes, *, pool_size: int, cache_kib: int, writer: bool) -> Engine:
    # SQLCipher reads ``PRAGMA key = "x'HEX'"`` as a raw key, skipping its own
    # PBKDF2: the key is already random and wrapped by our Argon2id header.
    url = URL.create("sqlite+pysqlcipher", password=f"x'{raw_key.hex()}'", database=str(path))
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        pool_pre_ping=False,
        # LIFO hands out the most recently used connection, whose page cache
        # already holds the decrypted vector pages.
        pool_use_lifo=True,
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # The dialect has set the key already (its on_connect runs first).
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        try:
            sqlite_vec.load(dbapi_conn)
        except sqlcipher3.OperationalError as exc:
            # Not the database's fault: say so instead of "damaged database".
            raise VaultError(f"the sqlite-vec extension could not be loaded ({exc}); reinstall Memvault") from None
        dbapi_conn.enable_load_extension(False)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_conn.execute("PRAGMA temp_store = MEMORY")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        if writer:
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
            dbapi_conn.execute("PRAGMA synchronous = NORMAL")
        else:
            dbapi_conn.execute("PRAGMA query_only = ON")

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    """The open, keyed database of one vault.

    Args:
        path: the database file.
        raw_key: the 32-byte data key.
        readers: how many read connections to keep.
        reader_cache_mib: page cache of each reader.
    """

    def __init__(self, path: Path, raw_key: bytes, *, readers: int = 2, reader_cache_mib: int = 256) -> None:
        self.path = path
        self._writer = _engine(path, raw_key, pool_size=1, cache_kib=32 * 1024, writer=True)
        self._readers = _engine(
            path, raw_key, pool_size=max(1, readers), cache_kib=reader_cache_mib * 1024, writer=False
        )
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._check_key()

    def _check_key(self) -> None:
        try:
            with self._writer.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
                conn.rollback()
        except (DatabaseError, OperationalError, sqlcipher3.DatabaseError) as exc:
            self.dispose()
            raise VaultCorrupt(
                f"the database {self.path} cannot be opened with this vault's key "
                f"(damaged or not a Memvault database): {exc.__class__.__name__}",
                path=str(self.path),
            ) from None

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on any error."""
        if getattr(self._local, "writing", False):
            raise RuntimeError("nested write transaction")  # a bug, not a user error
        with self._write_lock:
            self._local.writing = True
            try:
                with self._writer.begin() as conn:
                    yield conn
            finally:
                self._local.writing = False

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction on its own connection (a consistent snapshot)."""
        with self._readers.connect() as conn:
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close every connection."""
        self._readers.dispose()
        self._writer.dispose()
