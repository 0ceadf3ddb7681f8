"""Making a connection to a vault's SQLCipher database: the key, sqlite-vec, the pragmas, the pool.

Every connection is keyed with the raw data key, loads sqlite-vec, and keeps
temporary data in memory so nothing is ever spilled to disk in plaintext.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import sqlcipher3
import sqlite_vec
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import QueuePool

from memvault.domain.errors import VaultError
from memvault.vault import sqlite_errors


def make_engine(url: URL, *, pool_size: int, cache_kib: int, writer: bool) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        pool_pre_ping=False,
        # LIFO hands out the most recently used connection, whose page cache
        # already holds the pages recent searches read.
        pool_use_lifo=True,
        # Parameters are memory text, search filters and keys: never in an error or a log.
        hide_parameters=True,
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # The dialect has set the key already (its on_connect runs first).
        # SQLCipher's own log lines on a damaged page say nothing a user can act
        # on; the domain error (and `memvault check`) does.
        dbapi_conn.execute("PRAGMA cipher_log_level = NONE")
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        try:
            sqlite_vec.load(dbapi_conn)
        except sqlcipher3.OperationalError as exc:
            # Not the database's fault: say so instead of "damaged database".
            raise VaultError(f"the sqlite-vec extension could not be loaded ({exc}); reinstall Memvault") from None
        dbapi_conn.enable_load_extension(False)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {sqlite_errors.BUSY_TIMEOUT_MS}")
        dbapi_conn.execute("PRAGMA temp_store = MEMORY")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        _record.info["cache_kib"] = int(cache_kib)
        if writer:
            if _empty(url):
                # A new vault's file: incremental from the start. SQLite takes the mode only before the WAL
                # switch writes the first page; set later, it costs rewriting the file (compaction's VACUUM).
                dbapi_conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
            # FULL syncs the WAL at every commit: a write acknowledged as stored
            # survives power loss and OS crashes, not only a killed process.
            dbapi_conn.execute("PRAGMA synchronous = FULL")
        else:
            dbapi_conn.execute("PRAGMA query_only = ON")

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Through the driver: as a statement of SQLAlchemy's it was a quarter of a read transaction's cost.
        conn.connection.dbapi_connection.execute(begin)

    return engine


def _empty(url: URL) -> bool:
    try:
        return Path(url.database or "").stat().st_size == 0
    except OSError:
        return False


def driver_rows(conn: Connection, sql: str, params: dict | tuple = ()) -> list[tuple]:
    """The rows of ``sql`` read through the driver, past SQLAlchemy's handling of a statement (its result
    object alone cost as much as a small indexed read). For the statements every request runs."""
    return conn.connection.dbapi_connection.execute(sql, params).fetchall()


def database_url(path: Path, raw_key: bytes, *, read_only: bool = False) -> URL:
    # SQLCipher reads ``PRAGMA key = "x'HEX'"`` as a raw key, skipping its own
    # PBKDF2: the key is already random and wrapped by our Argon2id header.
    password = f"x'{raw_key.hex()}'"
    if not read_only:
        return URL.create("sqlite+pysqlcipher", password=password, database=str(path))
    query = {"uri": "true", "mode": "ro"}
    wal = Path(f"{path}-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        # Without a WAL there is nothing uncommitted to read, and SQLite could
        # not create (or grow) the -shm file it needs for WAL mode here.
        query["immutable"] = "1"
    return URL.create("sqlite+pysqlcipher", password=password,
                      database="file:" + urllib.parse.quote(str(path)), query=query)
