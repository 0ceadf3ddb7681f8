"""Handing freed pages back to the file system.

SQLite keeps a deleted row's pages in the file as free pages. The big frees are the vector log, which
every index snapshot empties (a quarter of a 100k vault's pages were free after its build), and purged
memories. With ``auto_vacuum = INCREMENTAL`` those pages are truncated off the end of the file by
``PRAGMA incremental_vacuum`` inside the transaction that freed them. The mode can only be switched on
for a file that has tables by rewriting it once (VACUUM): :func:`ensure_incremental` does that when a
vault is created or opened the first time by this release.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection

from memvault.domain.errors import StorageError, StorageFull, VaultBusy, VaultReadOnly
from memvault.vault import fts, oplog
from memvault.vault.engine import Database

log = logging.getLogger(__name__)

INCREMENTAL = 2


def auto_vacuum(conn: Connection) -> int:
    """The file's auto-vacuum mode: 0 none, 1 full, 2 incremental (as this connection last read it)."""
    return int(conn.connection.dbapi_connection.execute("PRAGMA auto_vacuum").fetchone()[0])


def ensure_incremental(db: Database) -> bool:
    """Switch the file to incremental auto-vacuum if it is not yet; returns whether it rewrote the file.

    The VACUUM rewrites every page once (it needs free disk space about the file's size, and takes about
    as long as reading and writing the file encrypted); it also drops the free pages already there. A
    failure (disk full, another process writing) leaves the vault as it was, and the next unlock tries
    again.
    """
    try:
        # The writer's view: a pooled reader keeps the mode it read when it opened.
        with db.outside_transaction() as raw:
            if int(raw.execute("PRAGMA auto_vacuum").fetchone()[0]) == INCREMENTAL:
                return False
            raw.execute("PRAGMA auto_vacuum = INCREMENTAL")
            raw.execute("VACUUM")
            # The rewritten pages are in the write-ahead log until a checkpoint: the file shrinks now.
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except (StorageFull, StorageError, VaultBusy, VaultReadOnly) as exc:
        log.warning("the vault file was not compacted (tried again at the next unlock): %s", exc.code)
        return False
    return True


def reclaim(conn: Connection) -> int:
    """Truncate the file's free pages in this write transaction (when the file is incremental); returns
    how many pages were free."""
    raw = conn.connection.dbapi_connection
    free = int(raw.execute("PRAGMA freelist_count").fetchone()[0])
    if free:
        raw.execute("PRAGMA incremental_vacuum").fetchall()
    return free


def compact(conn: Connection) -> int:
    """Drop the oplog entries nothing will read again (:func:`memvault.vault.oplog.prune`) and truncate the
    free pages, in this write transaction; returns the pages handed back.

    The background loop's index snapshot runs this: without it every memory kept its whole create entry
    (a copy of its row, ~1.3 KB with its indexes at 10k short memories) for good.
    """
    oplog.prune(conn)
    return reclaim(conn)


def shrink_copies(conn: Connection) -> None:
    """Migration 20: the copies an older vault kept that this release does not (see docs/benchmarks.md)."""
    raw = conn.connection.dbapi_connection
    # Nothing looks entries up by clock or memory: sync reads them by id, once; each index cost every write.
    raw.execute("DROP INDEX IF EXISTS ix_oplog_hlc")
    raw.execute("DROP INDEX IF EXISTS ix_oplog_memory")
    oplog.prune(conn)
    # Both keyword indexes kept their own copy of each text: the English one now reads the memory's
    # (:data:`fts.ENGLISH_DDL`), the segmented one is contentless (:data:`fts.DDL`).
    raw.execute("DROP TABLE memory_fts")
    raw.execute(fts.ENGLISH_DDL)
    raw.execute("INSERT INTO memory_fts(memory_fts) VALUES ('rebuild')")
    fts.create_and_fill(conn)
    reclaim(conn)


#: One lifecycle index instead of v2's (namespace, state, type) and v8's (namespace, type, state, visibility): the
#: state columns first, so a namespace's live memories are one seek and a type filter seeks one column further, and
#: visibility, so that every count and eligible set reads this index alone.
LIVE_INDEX = ("CREATE INDEX ix_memories_live ON memories(namespace, deleted_at, archived_at, memory_type, visibility, "
              "expires_at)")
#: The creation-time indexes in ascending order: SQLite reads them backwards for newest first as it reads them
#: forwards. Schema 1 made them descending, so each new (newest) memory landed at the b-tree's left edge, where
#: every page split leaves two half-full pages; appended at the right edge pages fill up.
CREATED_INDEXES = ("CREATE INDEX ix_memories_ns_created ON memories(namespace, created_at, id)",
                   "CREATE INDEX ix_memories_created ON memories(created_at, id)")


def slim_memory_indexes(conn: Connection) -> None:
    """Migration 22: the memory indexes that held the same entries twice or pages half empty (docs/benchmarks.md)."""
    raw = conn.connection.dbapi_connection
    # Every query by subject names the person too and reads ix_memories_fact_person (v14), which holds only facts;
    # this one held an entry for every memory.
    raw.execute("DROP INDEX IF EXISTS ix_memories_fact_subject")
    # Both held every memory's namespace, type and lifecycle state. Given up: seeking a type among trashed and
    # live memories together (a list that includes the trash, never a search) reads the namespace's entries.
    raw.execute("DROP INDEX IF EXISTS ix_memories_ns_type")
    raw.execute("DROP INDEX IF EXISTS ix_memories_live")
    raw.execute(LIVE_INDEX)
    raw.execute("DROP INDEX IF EXISTS ix_memories_ns_created")
    raw.execute("DROP INDEX IF EXISTS ix_memories_created")
    for ddl in CREATED_INDEXES:
        raw.execute(ddl)
    reclaim(conn)
