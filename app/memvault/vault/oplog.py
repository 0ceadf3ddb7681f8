"""The operation log: one entry per change to a memory, in the same transaction as the change.

Sync (and anything else that carries changes to another device) reads it. An
entry names the memory, its namespace, the kind of operation, the hybrid
logical clock stamp and device that made it, and a JSON payload with the
changed fields: enough for another device to apply the change without asking.
Only :mod:`memvault.vault.memories` writes it.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text


class Op(enum.StrEnum):
    """Kinds of oplog entries."""

    CREATE = "create"  # payload: every field of the new memory
    UPDATE = "update"  # payload: the changed fields (metadata as set/unset keys, tags as add/remove)
    DELETE = "delete"  # to the trash (a tombstone others can still restore)
    RESTORE = "restore"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    HARD_DELETE = "hard_delete"  # gone for good; payload says why (deleted, expired, trash emptied)
    WIPE_NAMESPACE = "wipe_namespace"  # payload: the namespace; one entry for the whole wipe
    VECTORS = "vectors"  # new vectors: payload names the model and the content they embed
    IMPORT = "import"  # from a bundle: payload is the memory's whole state (a create, or a full replacement)


@dataclass(frozen=True)
class Stamp:
    """When and where a change was made: its HLC stamp, device and wall-clock time."""

    hlc: str
    device_id: str
    at: float


_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # one for all (json.dumps makes one per call)


def append(conn: Connection, stamp: Stamp, op: Op, memory_uuid: str, namespace: str,
           payload: dict[str, Any]) -> None:
    conn.execute(
        text(
            "INSERT INTO oplog(hlc, device_id, op, memory_uuid, created_at, namespace, payload) "
            "VALUES (:h, :d, :o, :u, :t, :ns, :p)"
        ),
        {"h": stamp.hlc, "d": stamp.device_id, "o": op.value, "u": memory_uuid, "t": stamp.at, "ns": namespace,
         "p": _PAYLOAD_ENCODER.encode(payload)},
    )


def append_many(conn: Connection, entries: list[tuple[Stamp, Op, str, str, dict[str, Any]]]) -> None:
    """:func:`append` for many entries ``(stamp, op, memory_uuid, namespace, payload)`` in one statement."""
    # The driver's executemany: imports append one entry per memory of a bundle.
    conn.connection.dbapi_connection.executemany(
        "INSERT INTO oplog(hlc, device_id, op, memory_uuid, created_at, namespace, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(stamp.hlc, stamp.device_id, op.value, uuid, stamp.at, namespace,
          _PAYLOAD_ENCODER.encode(payload)) for stamp, op, uuid, namespace, payload in entries])


def head(conn: Connection) -> int:
    """The newest entry's id (0 before any): it grows with every change committed to a memory, by any process
    that has the vault open, and never goes back (:func:`prune` keeps the newest entry)."""
    return conn.connection.dbapi_connection.execute("SELECT coalesce(max(id), 0) FROM oplog").fetchone()[0]


#: The setting in which sync keeps the last entry it has folded into its outbox
#: (``memvault.sync.replica.OPLOG_CURSOR``; a test keeps the two names equal).
SYNC_CURSOR = "sync_oplog_cursor"


def prune(conn: Connection) -> int:
    """Delete the entries that nothing will read again; returns how many.

    Sync is the one reader, and it reads each entry once: it folds this device's entries after its cursor
    into its outbox (which then holds what is not pushed yet), and setting sync up folds the memory rows
    themselves, never older entries. So with sync off every entry is spent, and with sync on every entry up
    to the cursor. The newest entry stays: ``id`` is not AUTOINCREMENT, and a cursor must never find ids
    below it handed out again. Settings named ``sync_…`` without a cursor (set up by a release that kept
    none) keep everything.
    """
    raw = conn.connection.dbapi_connection
    newest = raw.execute("SELECT max(id) FROM oplog").fetchone()[0]
    if newest is None:
        return 0
    cursor = raw.execute("SELECT value FROM settings WHERE key = ?", (SYNC_CURSOR,)).fetchone()
    if cursor is not None:
        upto = min(int(cursor[0]), newest - 1)
    elif raw.execute("SELECT 1 FROM settings WHERE key LIKE 'sync\\_%' ESCAPE '\\' LIMIT 1").fetchone() is None:
        upto = newest - 1
    else:
        return 0
    return raw.execute("DELETE FROM oplog WHERE id <= ?", (upto,)).rowcount
