"""What importers read from other tools' files, before it becomes memories of this vault.

A reader yields :class:`~memvault.domain.transfer.MemoryRecord` values (a
Memvault export: every field already decided), :class:`Note` values (a memory
from another tool: text, times, tags and what else it had) or
:class:`Conversation` values (a chat, for the on-device fact extraction).
Readers yield each with its place in the file (``file line N``), for messages.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from memvault.domain.enums import MemoryType
from memvault.domain import limits
from memvault.domain.errors import InvalidInput


#: What a reader yields for a memory its source had deleted: left out, and counted in the report (a tool's
#: export may keep deleted rows; an import that drops them without a word reads as losing them).
DELETED_IN_SOURCE = object()


@dataclass(frozen=True)
class Note:
    """One memory from another tool. ``source_id`` is its id there: re-importing finds the same memory."""

    source_id: str
    content: str
    created_at: float
    updated_at: float
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    memory_type: MemoryType | None = None
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    deleted_at: float | None = None


@dataclass(frozen=True)
class Turn:
    role: str  # "user", "assistant" or "system"
    content: str
    created_at: float | None


@dataclass(frozen=True)
class Conversation:
    source_id: str
    title: str
    created_at: float
    turns: tuple[Turn, ...]


def unix_time(value: Any, place: str, name: str) -> float:
    """Seconds since 1970 from a number (seconds, or milli-, micro- or nanoseconds, told apart by size) or an
    ISO 8601 text (UTC when it names no zone); :class:`InvalidInput` for a time the vault cannot hold."""
    when = _seconds(value, place, name)
    if not 0 <= when <= limits.TIME_MAX:
        raise InvalidInput(f"{place}: {name} {str(value)[:40]!r} is outside the times a vault holds (1970 to 9999): "
                           "correct it in the file")
    return when


def _seconds(value: Any, place: str, name: str) -> float:
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"{place}: {name} is missing" if value is None else f"{place}: {name} is not a time")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise InvalidInput(f"{place}: {name} is not a time")
        for above, per_second in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3)):  # nano-, micro-, milliseconds
            if value > above:
                return float(value) / per_second
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{place}: {name} {value[:40]!r} is not a date and time") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.timestamp()
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    raise InvalidInput(f"{place}: {name} is not a time")


def optional_time(value: Any, place: str, name: str) -> float | None:
    return None if value in (None, "") else unix_time(value, place, name)


def text_of(value: Any, place: str, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{place}: {name} is not text")
    return value
