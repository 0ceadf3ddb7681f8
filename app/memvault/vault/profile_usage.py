"""What a namespace stores, counted in SQL for the usage reports of the compatibility profiles."""

from __future__ import annotations

from sqlalchemy import Connection, text


def stored(conn: Connection, namespace: str) -> tuple[int, int]:
    """(memories not deleted, expired ones included; their characters of content) in ``namespace``."""
    row = conn.execute(text("SELECT count(*), COALESCE(SUM(length(content)), 0) FROM memories "
                            "WHERE namespace = :ns AND deleted_at IS NULL"), {"ns": namespace}).one()
    return int(row[0]), int(row[1])
