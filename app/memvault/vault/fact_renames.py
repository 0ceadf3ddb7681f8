"""Facts written for an unnamed user that wait for the user's name: where they are, and finding them in bounded steps.

A fact the extractor wrote about a user whose name it did not know (``user_id`` given, no name) says
"The user ..." and keeps ``metadata.fact.unnamed_user``: the text as written and where the name goes
(:func:`memvault.extraction.facts.named`). For each such person (namespace, person id) a ``settings`` row
(``unnamed_facts:["<namespace>", "<person id>"]``) says which rowids may still hold one (``from`` .. ``to``)
and, once known, the name to give them. It is written in the transaction that stores the facts, so it
cannot miss one; a namespace's memories are otherwise never scanned for them.

Finding them reads the memories table by rowid, one window of at most ``rows`` rows at a time (not through
the person's index, which would read every fact the person has): a step costs the same however many facts
a person or a vault holds. Facts that arrive by sync or in a bundle still unnamed (the device that wrote
them did not know the name yet) are marked as they are stored (:func:`arrived`), so a name this vault knows
or learns reaches them too; their text and slots are checked first, since they come from elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from memvault.domain.models import Memory
from memvault.vault.fact_links import person_name
from memvault.vault.migrations import FACT_PERSON

PREFIX = "unnamed_facts:"
UNNAMED_FACTS = (
    "SELECT id FROM memories NOT INDEXED WHERE id BETWEEN :lo AND :hi AND namespace = :ns "
    f"AND {FACT_PERSON} = :p AND json_extract(metadata, '$.fact.unnamed_user') IS NOT NULL "
    "AND content = json_extract(metadata, '$.fact.unnamed_user.text') ORDER BY id")


@dataclass(frozen=True)
class Pending:
    """A person whose unnamed facts lie among the rowids ``start`` .. ``end``; ``name`` once known."""

    namespace: str
    person_id: str
    start: int
    end: int
    name: str | None


def _key(namespace: str, person_id: str) -> str:
    return PREFIX + json.dumps([namespace, person_id], ensure_ascii=False)


def _pending(key: str, value: str) -> Pending:
    namespace, person_id = json.loads(key[len(PREFIX):])
    v = json.loads(value)
    return Pending(namespace, person_id, int(v["from"]), int(v["to"]), v.get("name"))


def _save(conn: Connection, p: Pending) -> None:
    value = json.dumps({"from": p.start, "to": p.end, "name": p.name}, ensure_ascii=False)
    conn.execute(text("INSERT INTO settings(key, value) VALUES (:k, :v) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
                 {"k": _key(p.namespace, p.person_id), "v": value})


def pending(conn: Connection, namespace: str, person_id: str) -> Pending | None:
    """The pending row of ``person_id`` in ``namespace`` (one primary-key read), or ``None``."""
    value = conn.execute(text("SELECT value FROM settings WHERE key = :k"),
                         {"k": _key(namespace, person_id)}).scalar_one_or_none()
    return None if value is None else _pending(_key(namespace, person_id), value)


def named_pending(conn: Connection) -> Pending | None:
    """One pending person whose name is known (any namespace), or ``None``."""
    row = conn.execute(text(
        "SELECT key, value FROM settings WHERE substr(key, 1, :n) = :p "
        "AND json_extract(value, '$.name') IS NOT NULL LIMIT 1"), {"n": len(PREFIX), "p": PREFIX}).first()
    return None if row is None else _pending(row.key, row.value)


def mark(conn: Connection, namespace: str, person_id: str, rowids: list[int]) -> None:
    """Facts ``rowids`` of ``person_id`` were just stored unnamed: widen the person's pending range to them."""
    if not rowids:
        return
    p = pending(conn, namespace, person_id)
    if p is None:
        p = Pending(namespace, person_id, min(rowids), max(rowids), None)
    else:
        p = Pending(namespace, person_id, min(p.start, *rowids), max(p.end, *rowids), p.name)
    _save(conn, p)


def with_name(conn: Connection, p: Pending, name: str) -> Pending:
    """``p`` with ``name``, kept: the first name known is the one all its facts get (see the service)."""
    if p.name is not None:
        return p
    named = Pending(p.namespace, p.person_id, p.start, p.end, name)
    _save(conn, named)
    return named


def advance(conn: Connection, p: Pending, start: int) -> None:
    """Rowids below ``start`` hold no unnamed fact of ``p``'s person now; the row goes once none are left."""
    if start > p.end:
        conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": _key(p.namespace, p.person_id)})
    else:
        _save(conn, Pending(p.namespace, p.person_id, start, p.end, p.name))


def unnamed_facts(conn: Connection, p: Pending, start: int, rows: int) -> list[int]:
    """Rowids, ascending, of the facts of ``p``'s person among rowids ``start`` .. ``start + rows - 1`` (and
    ``p.end``) still as the extractor wrote them for an unnamed user: content unedited.

    ``NOT INDEXED``: the rowid range bounds the read; the fact-person index would read all the person's facts.
    """
    found = conn.execute(text(UNNAMED_FACTS),
                         {"lo": start, "hi": min(start + rows - 1, p.end), "ns": p.namespace, "p": p.person_id})
    return list(found.scalars())


#: What fills each name slot of a fact written for an unnamed user (either case: it may start the sentence).
UNNAMED_WORDS = "the user"


def slots_of(memory: Memory) -> list[tuple[int, int]] | None:
    """The name slots of ``memory`` if it is a fact still as written for an unnamed user: its content is the
    kept text and every slot is a ``[start, end]`` within it holding "the user", none overlapping (what
    the extractor writes; a fact that came from elsewhere may hold anything), sorted. ``None`` otherwise."""
    fact = memory.metadata.get("fact")
    unnamed = fact.get("unnamed_user") if isinstance(fact, dict) else None
    if not isinstance(unnamed, dict) or unnamed.get("text") != memory.content:
        return None
    raw = unnamed.get("slots")
    if not isinstance(raw, list) or not raw:
        return None
    if not all(isinstance(slot, list) and len(slot) == 2 and all(type(i) is int for i in slot) for slot in raw):
        return None
    slots, last = sorted((start, end) for start, end in raw), 0
    for start, end in slots:
        if start < last or memory.content[start:end].lower() != UNNAMED_WORDS:
            return None
        last = end
    return slots


def person_of(memory: Memory) -> str | None:
    """Whose fact ``memory`` is, as :data:`FACT_PERSON` reads it (``None``: not a string id)."""
    fact: Any = memory.metadata.get("fact")
    person = fact.get("person_id") if isinstance(fact, dict) else None
    if person is None:
        return memory.user_id or ""
    return person if isinstance(person, str) else None


def arrived(conn: Connection, stored: Sequence[Memory]) -> None:
    """Memories just stored from elsewhere (sync, a bundle): those that are an unnamed user's facts wait for
    the name like the ones this vault's extractor writes, and get it at once (in the background) when a fact
    here, or among them, already names that person."""
    waiting: dict[tuple[str, str], list[int]] = {}
    for memory in stored:
        person = person_of(memory)
        if person is not None and slots_of(memory) is not None:
            waiting.setdefault((memory.namespace, person), []).append(memory.rowid)
    for (namespace, person), rowids in waiting.items():
        mark(conn, namespace, person, rowids)
        name = person_name(conn, namespace, person)
        p = pending(conn, namespace, person)
        if name is not None and p is not None:
            with_name(conn, p, name)
