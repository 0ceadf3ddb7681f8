"""The outbox of ops not yet pushed (table ``sync_outbox``, migration 6), read per group.

Device sync and each namespace shared with people read the one outbox
independently: an op belongs to its namespace's group
(:class:`memvault.sync.scope.Routing`), so each reader takes the ops of its own
namespace (``only``) or of every namespace but the shared ones (``without``),
and drops only what it pushed. Device sync's pushed position (an outbox
sequence number) therefore never moves past, or drops, a share's op.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection

_OP_NAMESPACE = "coalesce(json_extract(op, '$.wipe'), json_extract(op, '$.ns'))"


def _raw(conn: Connection) -> Any:
    return conn.connection.dbapi_connection


def namespace_filter(only: str | None, without: Collection[str]) -> tuple[str, list[Any]]:
    """An ``AND ...`` clause on the op's namespace, and its parameters."""
    if only is not None:
        return f" AND {_OP_NAMESPACE} = ?", [only]
    if without:
        return f" AND {_OP_NAMESPACE} NOT IN ({','.join('?' * len(without))})", sorted(without)
    return "", []


def outbox_append(conn: Connection, ops: Sequence[dict[str, Any]]) -> None:
    _raw(conn).executemany("INSERT INTO sync_outbox(op) VALUES (?)",
                           [(json.dumps(op, ensure_ascii=False, sort_keys=True),) for op in ops])


def outbox_after(conn: Connection, seq: int, limit: int, *, only: str | None = None,
                 without: Collection[str] = ()) -> list[tuple[int, str]]:
    """Ops after ``seq`` as ``(seq, JSON text)``: of namespace ``only``, or of every namespace but ``without``."""
    where, params = namespace_filter(only, without)
    return [tuple(r) for r in _raw(conn).execute(f"SELECT seq, op FROM sync_outbox WHERE seq > ?{where} ORDER BY seq "
                                                 "LIMIT ?", (seq, *params, limit)).fetchall()]


def outbox_replace(conn: Connection, ops: Sequence[tuple[int, str]]) -> None:
    """Rewrite ops not pushed yet (``(seq, JSON text)``)."""
    _raw(conn).executemany("UPDATE sync_outbox SET op = ? WHERE seq = ?", [(text_, seq) for seq, text_ in ops])


def outbox_count_after(conn: Connection, seq: int, *, without: Collection[str] = ()) -> int:
    where, params = namespace_filter(None, without)
    return int(_raw(conn).execute(f"SELECT count(*) FROM sync_outbox WHERE seq > ?{where}",
                                  (seq, *params)).fetchone()[0])


def outbox_drop_upto(conn: Connection, seq: int, *, only: str | None = None, without: Collection[str] = ()) -> None:
    where, params = namespace_filter(only, without)
    _raw(conn).execute(f"DELETE FROM sync_outbox WHERE seq <= ?{where}", (seq, *params))
