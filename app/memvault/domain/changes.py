"""Typed change events: what changed, which memories (by UUID), and who made the change.

The service emits one :class:`ChangeEvent` per committed change; surfaces listen
(the GUI's bridge refreshes views once per event, and can tell its own edits from
an agent's, an import's or a sync's by :attr:`ChangeEvent.origin`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ChangeKind(enum.StrEnum):
    """What happened to the memories named in a :class:`ChangeEvent`."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"  # moved to the trash
    RESTORED = "restored"  # back from the trash
    ARCHIVED = "archived"
    UNARCHIVED = "unarchived"
    PURGED = "purged"  # gone for good: hard delete, expiry, emptied trash
    WIPED = "wiped"  # a whole namespace, gone for good
    EMBEDDED = "embedded"  # new vectors: now (or again) searchable by meaning


class OriginKind(enum.StrEnum):
    """Who made a change."""

    USER = "user"  # a person at this device: the desktop app or the CLI
    AGENT = "agent"  # a client of the agent API (REST, compatibility profile or MCP) with an API key
    IMPORT = "import"  # a bundle being imported
    SYNC = "sync"  # another device, through sync
    SYSTEM = "system"  # Memvault itself: the embedding worker, TTL expiry, re-embedding


@dataclass(frozen=True)
class ChangeOrigin:
    """Who made a change; ``key_id`` names the API key of an agent."""

    kind: OriginKind
    key_id: int | None = None

    @classmethod
    def agent(cls, key_id: int | None) -> ChangeOrigin:
        return cls(OriginKind.AGENT, key_id)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.key_id}" if self.key_id is not None else self.kind.value


USER = ChangeOrigin(OriginKind.USER)
SYSTEM = ChangeOrigin(OriginKind.SYSTEM)
IMPORT = ChangeOrigin(OriginKind.IMPORT)
SYNC = ChangeOrigin(OriginKind.SYNC)


@dataclass(frozen=True)
class ChangeEvent:
    """One committed change to one or more memories.

    Attributes:
        kind: what happened.
        memory_ids: the memories' UUIDs (never local rowids).
        namespaces: the namespaces those memories live in (for a wipe, the wiped one).
        origin: who made the change.
    """

    kind: ChangeKind
    memory_ids: tuple[str, ...]
    namespaces: tuple[str, ...]
    origin: ChangeOrigin = USER

    @property
    def changes_counts(self) -> bool:
        """Whether the change can move counts (sidebar, totals), not only a memory's fields."""
        return self.kind not in (ChangeKind.UPDATED, ChangeKind.EMBEDDED)
