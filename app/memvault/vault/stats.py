"""Aggregate queries for the stats view."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

from memvault.domain.models import Stats


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
    queue_scope = "" if namespace is None else " WHERE memory_id IN (SELECT id FROM memories WHERE namespace = :ns)"
    queue = conn.execute(text("SELECT count(*) FROM embedding_jobs" + queue_scope), params).scalar_one()
    failed = conn.execute(
        text(f"SELECT count(*) FROM memories WHERE {scope} AND embedding_status = 'failed'"), params
    ).scalar_one()
    per_day = conn.execute(
        text(
            "SELECT date(created_at, 'unixepoch') AS d, count(*) AS n FROM memories "
            f"WHERE {live} GROUP BY d ORDER BY d"
        ),
        params,
    ).all()
    size = sum(p.stat().st_size for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if p.exists())
    return Stats(
        total=int(row.total or 0),
        by_namespace=_grouped(conn, "namespace", live, params),
        by_type=_grouped(conn, "memory_type", live, params),
        by_tier=_grouped(conn, "tier", live, params),
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
    )

