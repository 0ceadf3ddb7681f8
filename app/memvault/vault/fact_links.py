"""Extracted facts' links: the stored turn each fact was read from, and the people a namespace's facts are about.

A fact's ``metadata.fact.provenance.memory_id`` names the memory holding the
message it was read from, when the caller stored that message as a memory of
the namespace too (an agent that keeps its turns and sends the chat for
extraction): search shows such a fact with its turn (:mod:`memvault.ranking.facts`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from memvault.domain.conversations import Person
from memvault.domain.models import MemoryFilter
from memvault.vault import filters
from memvault.vault.memory_parts import content_hash
from memvault.vault.migrations import FACT_PERSON, FACT_SUBJECT

FACT_SOURCE = "json_extract(m.metadata, '$.fact.provenance.memory_id')"


def stored_turns(conn: Connection, namespace: str, messages: Iterable[str]) -> dict[str, str]:
    """The id of the newest live memory of ``namespace`` (not itself a fact) whose content is each message's
    text, by that text; messages stored nowhere are left out. Found through the content-hash index."""
    by_hash: dict[str, str] = {}
    for message in messages:
        for variant in {message, message.strip()}:
            if variant:
                by_hash[content_hash(variant)] = message
    if not by_hash:
        return {}
    rows = conn.execute(text(
        "SELECT m.uuid, m.content_hash FROM json_each(:hashes) h CROSS JOIN memories m "
        "ON m.namespace = :ns AND m.content_hash = h.value "
        "WHERE m.deleted_at IS NULL AND json_extract(m.metadata, '$.fact') IS NULL ORDER BY m.id"),
        {"hashes": json.dumps(sorted(by_hash)), "ns": namespace}).all()
    return {by_hash[r.content_hash]: r.uuid for r in rows}


@dataclass(frozen=True)
class FactCandidate:
    """A fact among a search's candidates: its text, the person it names (if a name was given), the rowid
    of the stored, live turn it was read from (if any) and the single-valued attribute it sets (if any)."""

    fact: int
    uuid: str
    content: str
    person: str | None
    source: int | None
    attribute: str | None = None
    #: The id of the newer fact that superseded this one (``metadata.superseded_by``), if any.
    successor: str | None = None
    #: Whom the fact is about, relative to its person: "user", "user's sister", a name's key.
    subject: str | None = None


def facts_among(conn: Connection, rowids: Sequence[int]) -> dict[int, FactCandidate]:
    """The extracted facts among the memories ``rowids``, by rowid."""
    if not rowids:
        return {}
    rows = conn.execute(text(
        "SELECT m.id, m.uuid, m.content, json_extract(m.metadata, '$.fact.person') AS person, s.id AS source, "
        "json_extract(m.metadata, '$.fact.attribute') AS attribute, "
        "json_extract(m.metadata, '$.fact.subject') AS subject, "
        "json_extract(m.metadata, '$.superseded_by') AS successor "
        "FROM json_each(:ids) j CROSS JOIN memories m ON m.id = j.value "
        f"LEFT JOIN memories s ON s.uuid = {FACT_SOURCE} AND s.namespace = m.namespace AND s.deleted_at IS NULL "
        "WHERE json_extract(m.metadata, '$.fact') IS NOT NULL"), {"ids": filters.json_ids(rowids)}).all()
    return {r.id: FactCandidate(r.id, r.uuid, r.content, r.person, r.source, r.attribute, r.successor,
                              r.subject) for r in rows}


def sources_in_scope(conn: Connection, rowids: Sequence[int], f: MemoryFilter, now: float) -> list[int]:
    """The stored turns the facts among ``rowids`` were read from that pass ``f`` and are not in ``rowids``."""
    if not rowids:
        return []
    where = filters.full(f, now, probe=True)
    rows = conn.execute(text(
        "SELECT DISTINCT m.id FROM json_each(:ids) j CROSS JOIN memories c ON c.id = j.value "
        f"JOIN memories m ON m.uuid = json_extract(c.metadata, '$.fact.provenance.memory_id') "
        f"WHERE json_extract(c.metadata, '$.fact.provenance.memory_id') IS NOT NULL AND {where.sql()}"),
        {"ids": filters.json_ids(rowids), **where.params}).all()
    known = set(rowids)
    return [r.id for r in rows if r.id not in known]


def any_facts(conn: Connection, namespace: str | None) -> bool:
    """Whether ``namespace`` (any, for ``None``) holds an extracted fact: one row of the fact-person index."""
    where = "namespace = :ns AND " if namespace is not None else ""
    return conn.execute(text(f"SELECT 1 FROM memories WHERE {where}{FACT_SUBJECT} IS NOT NULL LIMIT 1"),
                        {"ns": namespace}).first() is not None


#: Facts about a person read for their name: a user's facts from before their name was known (read from a
#: later chat, :mod:`memvault.extraction.names`) have none, so one fact is not enough; a bounded few are.
NAME_WINDOW = 64


def person_name(conn: Connection, namespace: str, person_id: str) -> str | None:
    """The display name given with a fact about ``person_id`` in ``namespace`` (the first named one of at most
    :data:`NAME_WINDOW` facts read through the fact-person index), or ``None``."""
    row = conn.execute(text(
        "SELECT name FROM (SELECT json_extract(metadata, '$.fact.person') AS name FROM memories "
        f"WHERE namespace = :ns AND {FACT_PERSON} = :p AND {FACT_SUBJECT} IS NOT NULL LIMIT :n) "
        "WHERE name IS NOT NULL LIMIT 1"),
        {"ns": namespace, "p": person_id, "n": NAME_WINDOW}).first()
    return None if row is None or not isinstance(row.name, str) else row.name


def people(conn: Connection, namespace: str | None = None) -> list[Person]:
    """The people of ``namespace``'s live facts (every namespace's when ``None``), most facts first.

    Read through the fact-person index (:func:`memvault.vault.migrations._v14`): only extracted facts are in it.
    """
    # Live: neither deleted nor superseded by a later fact ("moved to Porto" retires "lives in Lisbon").
    where = (f"{FACT_SUBJECT} IS NOT NULL AND deleted_at IS NULL AND json_extract(metadata, '$.superseded_by') IS NULL"
             + (" AND namespace = :ns" if namespace else ""))
    rows = conn.execute(text(
        f"SELECT namespace, {FACT_PERSON} AS person_id, count(*) AS n, max(created_at) AS last, "
        "max(json_extract(metadata, '$.fact.person')) AS name "
        f"FROM memories WHERE {where} GROUP BY namespace, person_id "
        "ORDER BY n DESC, namespace, person_id"), {"ns": namespace}).all()
    return [Person(r.namespace, r.person_id, r.name, int(r.n), float(r.last)) for r in rows]


def known_place(conn: Connection, namespace: str, value: str) -> bool:
    """Whether ``namespace`` holds an entity of type location with the normalised name ``value`` (one read of
    the entities' (namespace, value) index)."""
    return conn.execute(text("SELECT 1 FROM entities WHERE namespace = :ns AND value = :v AND type = 'location' "
                             "LIMIT 1"), {"ns": namespace, "v": value}).first() is not None


def known_people(conn: Connection, namespace: str, values: Collection[str]) -> set[str]:
    """Which of the normalised names ``values`` ``namespace`` holds as entities of type person or animal (a named
    pet is someone "he" or "she" may be, as a person is; one read of the entities' (namespace, value) index per
    name)."""
    if not values:
        return set()
    marks = ", ".join(f":v{i}" for i in range(len(values)))
    params: dict[str, Any] = {"ns": namespace, **{f"v{i}": v for i, v in enumerate(values)}}
    rows = conn.execute(text(f"SELECT DISTINCT value FROM entities WHERE namespace = :ns "
                             f"AND type IN ('person', 'animal') AND value IN ({marks})"), params)
    return {r.value for r in rows}
