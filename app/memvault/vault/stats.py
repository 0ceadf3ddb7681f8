"""Aggregate queries for the stats view."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from memvault.domain.models import Stats
from memvault.vault.engine import Database


def _grouped(conn: Connection, column: str, where: str, params: dict) -> dict[str, int]:
    rows = conn.execute(
        text(f"SELECT {column} AS k, count(*) AS n FROM memories WHERE {where} GROUP BY {column} ORDER BY {column}"),
        params,
    ).all()
    return {str(r.k): int(r.n) for r in rows}


def collect(conn: Connection, db_path: Path, now: float, namespace: str | None) -> Stats:
    """Counts over live memories (not deleted, not expired) plus lifecycle counts."""
    scope = "1" if namespace is None else "namespace = :ns"
    params: dict = {"now": now, "ns": namespace}
    live = f"{scope} AND deleted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)"
    row = conn.execute(
        text(
            "SELECT "
            f"sum(CASE WHEN {live} THEN 1 ELSE 0 END) AS total, "
            f"sum(CASE WHEN {live} AND expires_at IS NULL THEN 1 ELSE 0 END) AS permanent, "
            f"sum(CASE WHEN {live} AND expires_at IS NOT NULL THEN 1 ELSE 0 END) AS ttl, "
            "sum(CASE WHEN deleted_at IS NULL AND expires_at IS NOT NULL AND expires_at <= :now THEN 1 ELSE 0 END) AS expired, "
            "sum(CASE WHEN deleted_at IS NOT NULL THEN 1 ELSE 0 END) AS deleted, "
            f"sum(CASE WHEN {live} AND archived_at IS NOT NULL THEN 1 ELSE 0 END) AS archived, "
            f"min(CASE WHEN {live} THEN created_at END) AS oldest, "
            f"max(CASE WHEN {live} THEN created_at END) AS newest "
            f"FROM memories WHERE {scope}"
        ),
        params,
    ).one()
    stored = conn.execute(text("SELECT count(*) FROM memories")).scalar_one()
    # The per-day and per-tier counts read a column no index on the namespace holds: through the index
    # that is a row lookup per memory, ~4x a scanned row, so a namespace holding over a quarter of the
    # vault is read in one pass over the table instead (the unary plus keeps the planner off the index).
    unindexed = live.replace("namespace = :ns", "+namespace = :ns", 1) if 4 * int(row.total or 0) > stored else live
    queue_scope = "" if namespace is None else " WHERE memory_id IN (SELECT id FROM memories WHERE namespace = :ns)"
    queue = conn.execute(text("SELECT count(*) FROM embedding_jobs" + queue_scope), params).scalar_one()
    failed = conn.execute(
        text(f"SELECT count(*) FROM memories WHERE {scope} AND embedding_status = 'failed'"), params
    ).scalar_one()
    # Days as the user lives them (this machine's time zone, as the Stats page's "today" is): by UTC day, a
    # note made in the evening west of Greenwich counted on tomorrow's bar.
    per_day = conn.execute(
        text(
            "SELECT date(created_at, 'unixepoch', 'localtime') AS d, count(*) AS n FROM memories "
            f"WHERE {unindexed} GROUP BY d ORDER BY d"
        ),
        params,
    ).all()
    size = sum(p.stat().st_size for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if p.exists())
    space = file_space(conn)
    return Stats(
        total=int(row.total or 0),
        by_namespace=_grouped(conn, "namespace", live, params),
        by_type=_grouped(conn, "memory_type", live, params),
        by_tier=_grouped(conn, "tier", unindexed, params),
        permanent=int(row.permanent or 0),
        with_ttl=int(row.ttl or 0),
        expired=int(row.expired or 0),
        deleted=int(row.deleted or 0),
        archived=int(row.archived or 0),
        oldest_at=row.oldest,
        newest_at=row.newest,
        storage_bytes=size,
        queue_depth=int(queue),
        failed_embeddings=int(failed),
        created_per_day={str(r.d): int(r.n) for r in per_day},
        bytes_per_memory=size / stored if stored else 0.0,
        free_bytes=space.free_pages * space.page_size,
    )



@dataclass(frozen=True)
class FileSpace:
    """The database file's pages: in use and free (a freed page stays in the file until a vacuum)."""

    page_size: int
    pages: int
    free_pages: int


def file_space(conn: Connection) -> FileSpace:
    raw = conn.connection.dbapi_connection
    return FileSpace(*(int(raw.execute(f"PRAGMA {p}").fetchone()[0])
                       for p in ("page_size", "page_count", "freelist_count")))


def _owner(name: str, tables: dict[str, str]) -> str:
    """The table a b-tree belongs to: an index to its table, a virtual table's shadow tables to it."""
    table = tables.get(name, name)
    for virtual in ("memory_vectors", "memory_fts"):  # memory_vectors: schemas before 21
        if table.startswith(virtual + "_"):
            return virtual
    return table


def page_breakdown(db: Database, scratch: Path) -> dict[str, int]:
    """Bytes of pages per table (its indexes and shadow tables included) plus ``"(free)"``.

    SQLCipher is built without the ``dbstat`` table, so the pages are counted in a plaintext copy
    (``sqlcipher_export``) written into ``scratch``: the bench uses this on its generated vaults only.
    The copy is packed, so its used pages are the live data without the free ones, which are read from
    the encrypted file itself.
    """
    plain = scratch / "pages.db"
    quoted = str(plain).replace("'", "''")
    with db.outside_transaction() as raw:
        page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
        free = int(raw.execute("PRAGMA freelist_count").fetchone()[0])
        raw.execute(f"ATTACH DATABASE '{quoted}' AS plain KEY ''")
        try:
            raw.execute("SELECT sqlcipher_export('plain')")
        finally:
            raw.execute("DETACH DATABASE plain")
    try:
        copy = sqlite3.connect(plain)
        try:
            tables = dict(copy.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
            out: dict[str, int] = {}
            for name, pages in copy.execute("SELECT name, count(*) FROM dbstat GROUP BY name"):
                owner = _owner(str(name), tables)
                out[owner] = out.get(owner, 0) + int(pages) * page_size
        finally:
            copy.close()
    finally:
        plain.unlink(missing_ok=True)
    out["(free)"] = free * page_size
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
