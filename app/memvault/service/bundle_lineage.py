"""Whether a bundle's memory and the vault's differ because one side moved on, or because both did.

An import meets a memory the vault holds under the same id. When the vault's
memory is a version the bundle's passed through (the same fields as one of the
bundle's history entries, and not edited here since: its last edit is that
entry's), the bundle is ahead: only the sender changed it. When the bundle's is
a version the vault's passed through, the bundle is behind (an older export
imported again). Neither is a conflict, so neither is reported as one: a user
read "changed both here and in the bundle" for a memory never edited here, and
went looking for an edit that did not exist. Only a memory changed on both
sides since they last agreed is a conflict, settled by the policy.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from memvault.domain.entities import TypeSource
from memvault.domain.fields import FIELDS
from memvault.domain.hlc import Hlc
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord
from memvault.vault import memory_queries
from memvault.vault.export_queries import Local

#: The fields a version of the history keeps.
_KEPT = tuple(f.name for f in FIELDS if f.history)
#: Compared fields a version does not keep: they must agree, but for a move along the trash, archive or expiry
#: that only the side ahead made (the vault's still unset).
_LIFECYCLE = ("expires_at", "deleted_at", "archived_at")
_OTHERS = ("agent_id", "user_id", "session_id", "project", "client_id")


class Lineage(enum.Enum):
    AHEAD = "ahead"  # the bundle's memory is a later version of the vault's
    BEHIND = "behind"  # the vault's memory is a later version of the bundle's
    APART = "apart"  # both changed since they last agreed: a conflict


def _kept(entry: HistoryEntry, state: Any) -> bool:
    return all(getattr(entry, n) == getattr(state, n) for n in _KEPT)


def _rest_follows(earlier: Any, later: Any) -> bool:
    return all(getattr(earlier, n) == getattr(later, n) for n in _OTHERS) and all(
        getattr(earlier, n) in (None, getattr(later, n)) for n in _LIFECYCLE)


def ahead(record: MemoryRecord, memory: Any) -> bool:
    """Whether the bundle's ``record`` is a later version of the vault's ``memory`` (read from the bundle alone)."""
    # The vault's memory is that version, unedited since: its last edit is the entry's.
    return _rest_follows(memory, record) and any(
        entry.changed_at == memory.updated_at and _kept(entry, memory) for entry in record.history)


def behind(record: MemoryRecord, memory: Any, history: Sequence[HistoryEntry]) -> bool:
    """Whether the vault's ``memory`` (with its ``history``) is a later version of the bundle's ``record``."""
    # The vault's memory held the bundle's version no earlier than the bundle's last edit of it (an import
    # records the version when it took it, not when it was made).
    return _rest_follows(record, memory) and any(
        entry.changed_at >= record.updated_at and _kept(entry, record) for entry in history)


_COMPARED = ("content", "memory_type", "tags", "metadata", "importance", "tier", "visibility", "agent_id", "user_id",
             "session_id", "project", "client_id", "expires_at", "deleted_at", "archived_at")


def lineage_of(conn: Any, record: MemoryRecord, local: Local | None) -> Lineage | None:
    """How the bundle's memory and the vault's one of the same id came apart (:class:`Lineage`), where
    they did in the same namespace."""
    if local is None or local.memory.namespace != record.namespace or same_fields(record, local.memory):
        return None
    if ahead(record, local.memory):
        return Lineage.AHEAD
    if behind(record, local.memory, memory_queries.history(conn, local.memory)):
        return Lineage.BEHIND
    return Lineage.APART


def same_fields(record: MemoryRecord, memory: Any) -> bool:
    """Whether the vault's memory already holds what the record says (whatever their clocks). A record that
    names no type of its own says nothing against the type the vault inferred for it."""
    return all(getattr(record, name) == getattr(memory, name) for name in _COMPARED
               if name != "memory_type" or not _type_inferred_here(record, memory))


def _type_inferred_here(record: MemoryRecord, memory: Any) -> bool:
    return record.memory_type_source is TypeSource.DEFAULT and memory.memory_type_source is TypeSource.INFERRED


def newer(record: MemoryRecord, local: Local) -> bool:
    """Whether the record is a later version than the vault's memory. What the vault inferred itself (a type)
    moves its clock but is no edit (``updated_at`` stays): a record later than the memory's last edit is newer."""
    if later(record.hlc, local.hlc):
        return True
    try:
        theirs, ours = Hlc.parse(record.hlc).ms, Hlc.parse(local.hlc).ms
    except ValueError:
        return False
    edited = int(local.memory.updated_at * 1000)
    return ours > edited and theirs > edited


def later(a: str, b: str) -> bool:
    """Whether stamp ``a`` is later than stamp ``b`` (unparseable local stamps count as oldest)."""
    try:
        right = Hlc.parse(b)
    except ValueError:
        return True
    return Hlc.parse(a) > right
