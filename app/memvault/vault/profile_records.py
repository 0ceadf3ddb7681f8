"""Rows of ``profile_records``: JSON records that compatibility clients keep besides memories."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

_COLUMNS = "id, parent, seq, body, created_at, updated_at"


def _decode(row: Any) -> dict[str, Any]:
    return {"id": row.id, "parent": row.parent, "seq": row.seq, "body": json.loads(row.body),
            "created_at": row.created_at, "updated_at": row.updated_at}


def put(conn: Connection, namespace: str, kind: str, record_id: str, body: dict[str, Any], now: float, *,
        parent: str | None = None, seq: int = 0) -> None:
    """Insert or replace one record (its ``created_at`` survives a replace)."""
    conn.execute(text(
        "INSERT INTO profile_records(namespace, kind, id, parent, seq, body, created_at, updated_at) "
        "VALUES (:ns, :k, :i, :p, :s, :b, :t, :t) ON CONFLICT(namespace, kind, id) DO UPDATE SET "
        "parent = excluded.parent, seq = excluded.seq, body = excluded.body, updated_at = excluded.updated_at"),
        {"ns": namespace, "k": kind, "i": record_id, "p": parent, "s": seq,
         "b": json.dumps(body, ensure_ascii=False, separators=(",", ":")), "t": now})


def get(conn: Connection, namespace: str, kind: str, record_id: str) -> dict[str, Any] | None:
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM profile_records WHERE namespace = :ns AND kind = :k "
                            "AND id = :i"), {"ns": namespace, "k": kind, "i": record_id}).first()
    return None if row is None else _decode(row)


def children(conn: Connection, namespace: str, kind: str, parent: str, *, after_seq: int = -1,
             limit: int = 1000, newest_first: bool = False) -> list[dict[str, Any]]:
    order = "DESC" if newest_first else "ASC"
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} FROM profile_records WHERE namespace = :ns AND kind = :k AND parent = :p "
        f"AND seq > :a ORDER BY seq {order} LIMIT :l"),
        {"ns": namespace, "k": kind, "p": parent, "a": after_seq, "l": limit}).all()
    return [_decode(r) for r in rows]


def last_seq(conn: Connection, namespace: str, kind: str, parent: str) -> int:
    return int(conn.execute(text(
        "SELECT COALESCE(MAX(seq), 0) FROM profile_records WHERE namespace = :ns AND kind = :k AND parent = :p"),
        {"ns": namespace, "k": kind, "p": parent}).scalar_one())


def page(conn: Connection, namespace: str, kind: str, *, limit: int, after: tuple[float, str] | None = None
         ) -> list[dict[str, Any]]:
    """Records of ``kind``, newest first, after the (created_at, id) of the previous page's last one."""
    where, params = "", {"ns": namespace, "k": kind, "l": limit}
    if after is not None:
        where = " AND (created_at < :t OR (created_at = :t AND id < :i))"
        params.update(t=after[0], i=after[1])
    rows = conn.execute(text(f"SELECT {_COLUMNS} FROM profile_records WHERE namespace = :ns AND kind = :k{where} "
                             "ORDER BY created_at DESC, id DESC LIMIT :l"), params).all()
    return [_decode(r) for r in rows]


def count(conn: Connection, namespace: str, kind: str) -> int:
    return int(conn.execute(text("SELECT COUNT(*) FROM profile_records WHERE namespace = :ns AND kind = :k"),
                            {"ns": namespace, "k": kind}).scalar_one())


def delete(conn: Connection, namespace: str, kind: str, record_id: str) -> int:
    return conn.execute(text("DELETE FROM profile_records WHERE namespace = :ns AND kind = :k AND id = :i"),
                        {"ns": namespace, "k": kind, "i": record_id}).rowcount


def delete_children(conn: Connection, namespace: str, kind: str, parent: str) -> int:
    return conn.execute(text("DELETE FROM profile_records WHERE namespace = :ns AND kind = :k AND parent = :p"),
                        {"ns": namespace, "k": kind, "p": parent}).rowcount


def delete_namespace(conn: Connection, namespace: str) -> int:
    """Every record of ``namespace``, whatever its kind (a namespace wipe takes them with its memories)."""
    return conn.execute(text("DELETE FROM profile_records WHERE namespace = :ns"), {"ns": namespace}).rowcount
