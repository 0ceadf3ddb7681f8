"""A copy's links to the memories copied with it: an import that gives records new ids renames their links too.

An extracted fact names other memories by id in its metadata: the stored turn it was read from
(``fact.provenance.memory_id``), the facts it replaced (``fact.supersedes``) and, once replaced, the fact that
replaced it (``superseded_by``). ``import --into NS --on-conflict copy`` gives each record a new id; without
this its links kept naming the originals, in the namespace it was copied from, so a copied fact was never
shown with its copied turn (a fact and its turn are shown together only within one namespace).

Links point back (a fact's turn and the facts it replaced come before it in an export) and forward (the fact
that replaced it comes after): a record linking to an id the import has not reached yet is held back, at
most :data:`HELD_MAX` of them, and written at the end of the pass with every link renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from memvault.domain.transfer import MemoryRecord

#: Records held back for a link forward (a superseded fact waits for the fact that replaced it); past this many
#: the rest are written as they come, their forward links naming the originals.
HELD_MAX = 10_000


def linked_ids(metadata: dict[str, Any]) -> set[str]:
    """The memory ids ``metadata`` links to."""
    found: set[str] = set()
    if isinstance(metadata.get("superseded_by"), str):
        found.add(metadata["superseded_by"])
    fact = metadata.get("fact")
    if isinstance(fact, dict):
        found.update(i for i in fact.get("supersedes") or () if isinstance(i, str))
        provenance = fact.get("provenance")
        if isinstance(provenance, dict) and isinstance(provenance.get("memory_id"), str):
            found.add(provenance["memory_id"])
    return found


def relinked(record: MemoryRecord, renamed: dict[str, str]) -> MemoryRecord:
    """``record`` with each link to a key of ``renamed`` naming its value instead."""
    if not renamed or not linked_ids(record.metadata) & renamed.keys():
        return record
    metadata = dict(record.metadata)
    if metadata.get("superseded_by") in renamed:
        metadata["superseded_by"] = renamed[metadata["superseded_by"]]
    fact = metadata.get("fact")
    if isinstance(fact, dict):
        fact = metadata["fact"] = dict(fact)
        if isinstance(fact.get("supersedes"), list):
            fact["supersedes"] = [renamed.get(i, i) if isinstance(i, str) else i for i in fact["supersedes"]]
        provenance = fact.get("provenance")
        if isinstance(provenance, dict) and provenance.get("memory_id") in renamed:
            fact["provenance"] = {**provenance, "memory_id": renamed[provenance["memory_id"]]}
    return replace(record, metadata=metadata)


@dataclass
class CopyLinks:
    """One import pass's copies (original id to new id), the ids it has decided on, and the records held back."""

    copies: dict[str, str] = field(default_factory=dict)
    decided: set[str] = field(default_factory=set)
    held: list[Any] = field(default_factory=list)

    def waits(self, record: MemoryRecord) -> bool:
        """Whether ``record`` links to an id this pass has not reached and can be held back until the end (one
        with a client id is not: a later record with the same one must meet it in the vault)."""
        return (record.client_id is None and len(self.held) < HELD_MAX
                and bool(linked_ids(record.metadata) - self.decided))


def earlier_copy(record: MemoryRecord, texts: dict[tuple[str, float, str], set[str]], met: str | None) -> str | None:
    """The id of a copy of ``record`` this vault holds already (the same bundle imported again with the copy policy
    added every conflicting memory once more): a memory of its namespace with its text and creation time, other
    than the record itself and the memory it met (``met``); ``texts`` as
    :func:`memvault.vault.export_queries.same_texts` gives them."""
    earlier = texts.get((record.namespace, record.created_at, record.content), set()) - {record.id, met}
    return min(earlier) if earlier else None
