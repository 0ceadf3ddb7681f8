"""API key rows, per-key daily usage counters and the secret behind public ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, insert, text

from memvault.vault import filters
from memvault.vault.connect import driver_rows
from memvault.vault.schema import api_keys

KEY_COLUMNS = "id, name, namespace, scopes, prefix, per_minute, per_hour, created_at, last_used_at, revoked_at"


class KeyRow(NamedTuple):
    """A key's row as :data:`KEY_COLUMNS` reads it."""

    id: int
    name: str
    namespace: str
    scopes: str
    prefix: str
    per_minute: int | None
    per_hour: int | None
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


def insert_key(conn: Connection, values: dict[str, Any]) -> int:
    return conn.execute(insert(api_keys).values(**values).returning(api_keys.c.id)).scalar_one()


def by_hash(conn: Connection, key_hash: str) -> KeyRow | None:
    # Every request asks: through the driver.
    found = driver_rows(conn, f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,))
    return KeyRow(*found[0]) if found else None


def by_id(conn: Connection, key_id: int) -> Any:
    return conn.execute(text(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = :i"), {"i": key_id}).first()


def all_keys(conn: Connection, namespace: str | None = None) -> list[Any]:
    where, params = ("", {}) if namespace is None else (" WHERE namespace = :ns", {"ns": namespace})
    return conn.execute(text(f"SELECT {KEY_COLUMNS} FROM api_keys{where} ORDER BY id"), params).all()


def revoke(conn: Connection, key_id: int, now: float) -> int:
    return conn.execute(
        text("UPDATE api_keys SET revoked_at = :t WHERE id = :i AND revoked_at IS NULL"), {"t": now, "i": key_id}
    ).rowcount


PUBLIC_ID_SETTING = "public_id_secret"


def public_id_secret(conn: Connection, candidate: str) -> str:
    """The vault's secret for public ids, storing ``candidate`` if there is none yet (first writer wins)."""
    conn.execute(text("INSERT OR IGNORE INTO settings(key, value) VALUES (:k, :v)"),
                 {"k": PUBLIC_ID_SETTING, "v": candidate})
    return conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": PUBLIC_ID_SETTING}).scalar_one()


def touch(conn: Connection, last_used: dict[int, float]) -> None:
    for key_id, at in last_used.items():
        conn.execute(text("UPDATE api_keys SET last_used_at = :t WHERE id = :i"), {"t": at, "i": key_id})


def add_usage(conn: Connection, rows: Iterable[tuple[int, str, dict[str, int]]]) -> None:
    """Add counters (calls, errors, memories_created, searches) to each key's day."""
    for key_id, day, c in rows:
        conn.execute(
            text(
                "INSERT INTO usage_daily(key_id, day, calls, errors, memories_created, searches) "
                "VALUES (:k, :d, :c, :e, :m, :s) ON CONFLICT(key_id, day) DO UPDATE SET "
                "calls = calls + excluded.calls, errors = errors + excluded.errors, "
                "memories_created = memories_created + excluded.memories_created, "
                "searches = searches + excluded.searches"
            ),
            {"k": key_id, "d": day, "c": c.get("calls", 0), "e": c.get("errors", 0),
             "m": c.get("memories_created", 0), "s": c.get("searches", 0)},
        )


def usage(conn: Connection, key_ids: list[int] | None, since_day: str | None = None) -> list[Any]:
    conds, params = [], {}
    if key_ids is not None:
        conds.append("u.key_id IN (SELECT value FROM json_each(:ids))")
        params["ids"] = filters.json_ids(key_ids)
    if since_day is not None:
        conds.append("u.day >= :since")
        params["since"] = since_day
    where = " WHERE " + " AND ".join(conds) if conds else ""
    return conn.execute(
        text(
            "SELECT u.key_id, k.name, k.namespace, u.day, u.calls, u.errors, u.memories_created, u.searches "
            f"FROM usage_daily u JOIN api_keys k ON k.id = u.key_id{where} ORDER BY u.day, u.key_id"
        ),
        params,
    ).all()
