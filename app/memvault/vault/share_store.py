"""Attribution of changes in namespaces shared with other people (the ``share_changes`` table, migration 19).

One row per memory changed by an applied segment: which person (their person id) and which of their devices
made it, and the time it was applied here (the time its history version carries). Local changes have no row:
they are this vault's person's, on this device.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from memvault.domain.errors import Forbidden
from memvault.vault import filters


def create_table(conn: Connection) -> None:
    """The table and its indexes (migration 19)."""
    for sql in ("CREATE TABLE IF NOT EXISTS share_changes (id INTEGER PRIMARY KEY, memory_uuid TEXT NOT NULL, "
                "namespace TEXT NOT NULL, person TEXT NOT NULL, device TEXT NOT NULL, at REAL NOT NULL)",
                "CREATE INDEX IF NOT EXISTS share_changes_memory ON share_changes(memory_uuid, at)",
                "CREATE INDEX IF NOT EXISTS share_changes_person ON share_changes(person, memory_uuid)"):
        conn.execute(text(sql))


@dataclass(frozen=True)
class Attribution:
    memory_uuid: str
    person: str
    device: str
    at: float


def record(conn: Connection, rows: Sequence[tuple[str, str, str, str, float]]) -> None:
    """Rows of ``(memory_uuid, namespace, person, device, at)``: this vault's own changes as it sends them."""
    if rows:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO share_changes(memory_uuid, namespace, person, device, at) VALUES (?, ?, ?, ?, ?)", list(rows))


def record_applied(conn: Connection, rows: Sequence[tuple[str, str, str, str, float]]) -> None:
    """Rows like :func:`record`'s, for changes that arrived from another member and were just applied.

    Such a change is timed as the memory's newest history version says (``at`` only when it has none, e.g.
    purged): history travels with the change and keeps the time it was made where it was made, so the version
    and its attribution meet on the same time.
    """
    if rows:
        conn.connection.dbapi_connection.executemany(
            "INSERT INTO share_changes(memory_uuid, namespace, person, device, at) VALUES (?, ?, ?, ?, coalesce("
            "(SELECT max(h.changed_at) FROM memory_history h JOIN memories m ON m.id = h.memory_id "
            "WHERE m.uuid = ? AND h.change != 'conflict'), (SELECT created_at FROM memories WHERE uuid = ?), ?))",
            [(u, ns, person, device, u, u, at) for u, ns, person, device, at in rows])


def for_memory(conn: Connection, memory_uuid: str) -> list[Attribution]:
    """Every attributed change of one memory, oldest first."""
    return [Attribution(*r) for r in conn.execute(
        text("SELECT memory_uuid, person, device, at FROM share_changes WHERE memory_uuid = :u ORDER BY at, id"),
        {"u": memory_uuid}).all()]


def latest_for(conn: Connection, memory_uuids: Sequence[str]) -> dict[str, Attribution]:
    """The latest attributed change of each memory that has one."""
    found: dict[str, Attribution] = {}
    uuids = list(memory_uuids)
    for start in range(0, len(uuids), 500):
        sql, params = filters.in_list("u", uuids[start:start + 500])
        for r in conn.execute(text(f"SELECT memory_uuid, person, device, at FROM share_changes WHERE memory_uuid IN "
                                   f"{sql} ORDER BY at, id"), params).all():
            found[r[0]] = Attribution(*r)
    return found


def forget_namespace(conn: Connection, namespace: str) -> None:
    conn.execute(text("DELETE FROM share_changes WHERE namespace = :n"), {"n": namespace})


def setting_keys(conn: Connection, prefix: str) -> list[str]:
    """The names of the settings that start with ``prefix`` (one per shared namespace)."""
    return list(conn.execute(text("SELECT key FROM settings WHERE substr(key, 1, :n) = :p ORDER BY key"),
                             {"n": len(prefix), "p": prefix}).scalars())


def _namespace_roles(conn: Connection) -> list[tuple[str | None, str | None]]:
    """``(namespace, this person's role)`` of each share this vault keeps (``share_config:<share>`` settings)."""
    return [tuple(row) for row in conn.execute(text(
        "SELECT json_extract(value, '$.namespace'), json_extract(value, '$.role') FROM settings "
        "WHERE substr(key, 1, 13) = 'share_config:'"))]


def shared_namespaces(conn: Connection) -> frozenset[str]:
    """The namespaces of the shares this vault keeps (sharing's own settings)."""
    return frozenset(n for n, _ in _namespace_roles(conn) if n)


def refuse_read_only(conn: Connection, namespaces: Iterable[str]) -> None:
    """Raise :class:`Forbidden` when one of ``namespaces`` is shared with this person read-only.

    The role is the one the last share cycle found in the roster (kept in the share's config): a change made
    here would only wait in the outbox, never sent, and the vault would differ from every other member's.
    """
    wanted = set(namespaces)
    if not wanted:
        return
    read_only = {n for n, role in _namespace_roles(conn) if role == "read"}
    refused = sorted(wanted & read_only)
    if refused:
        raise Forbidden(f"namespace {refused[0]!r} is shared with you read-only, so nothing was changed: an admin "
                        f"of it can give you the write role (memvault share {refused[0]} --with YOUR_KEY --role write)")


def memories_held(conn: Connection, namespace: str) -> int:
    """Every memory ``namespace`` holds on this vault, in the trash, archived or expired too."""
    return int(conn.execute(text("SELECT count(*) FROM memories WHERE namespace = :ns"), {"ns": namespace})
               .scalar_one())
