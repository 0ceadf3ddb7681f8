"""Memories as plain JSON values (JSON Lines, Markdown front matter), and back, field for field.

The fields are read from :class:`~memvault.domain.transfer.MemoryRecord` itself
(``dataclasses.fields`` and its type hints), so a field added there is written
and read back without a change here. Vectors are left out (a readable copy is
for people and other tools; the importing vault embeds again). Every check of
an untrusted value names the file and the line or record it came from.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import types
import typing
from dataclasses import MISSING, fields
from decimal import Decimal
from typing import Any

from memvault.domain.errors import InvalidInput
from memvault.domain.fields import FIELDS, Kind
from memvault.domain.hlc import Hlc
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord

#: Carried separately (history) or not at all (vectors: the importing vault embeds the text again).
_NOT_FIELDS = ("history", "vectors")
#: The memory fields of one exported memory, in the dataclass's order.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(MemoryRecord) if f.name not in _NOT_FIELDS)
#: A history entry's fields (its memory id is the memory it is written with).
HISTORY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(HistoryEntry) if f.name != "memory_id")
_RECORD_HINTS = typing.get_type_hints(MemoryRecord)
_HISTORY_HINTS = typing.get_type_hints(HistoryEntry)
#: Fields whose absence a reader forgives (they have a default in the dataclass).
_DEFAULTS = {f.name: f.default for f in fields(MemoryRecord) if f.name in RECORD_FIELDS and f.default is not MISSING}
#: Times (seconds since the epoch): a memory's own, and when each history entry was made.
TIME_FIELDS = frozenset({f.name for f in FIELDS if f.kind in (Kind.TIME, Kind.OPTIONAL_TIME)} | {"changed_at"})
_TIME_TEXT = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,20}))?(Z|[+-]\d\d:\d\d)?")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def time_text(seconds: float) -> str:
    """``seconds`` as an ISO 8601 UTC time a person reads, with every digit the float has: read back exactly."""
    exact = Decimal(repr(seconds))  # the shortest decimal that is this float
    whole = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
    fraction = format(exact - whole, "f")[2:].rstrip("0")  # "0.0308757" -> "0308757"
    stamp = (_EPOCH + dt.timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"


def _time_from_text(text: str) -> float | None:
    """Seconds since the epoch from :func:`time_text`'s form (any zone, or none: UTC); ``None`` if not that form."""
    match = _TIME_TEXT.fullmatch(text.strip())
    if match is None:
        return None
    stamp, fraction, zone = match.groups()
    try:
        when = dt.datetime.fromisoformat(stamp + ("+00:00" if zone in (None, "Z") else zone))
    except ValueError:
        return None
    whole = (when - _EPOCH) // dt.timedelta(seconds=1)
    return float(Decimal(whole) + Decimal(f"0.{fraction or 0}"))


def _time_value(value: Any) -> float | None:
    """A time written as text or as YAML reads an unquoted one (a date, a date and time), else ``None``."""
    if isinstance(value, str):
        return _time_from_text(value)
    if isinstance(value, dt.datetime):
        when = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return when.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _written(name: str, value: Any, times_as_text: bool) -> Any:
    if times_as_text and name in TIME_FIELDS and value is not None:
        return time_text(value)
    return _plain(value)


def record_to_doc(record: MemoryRecord, *, include_history: bool, times_as_text: bool = False) -> dict[str, Any]:
    """One memory as a JSON object: every field, and its history when asked.

    ``times_as_text`` writes times as ISO 8601 UTC text (Markdown notes are read by people and by editors that
    show dates), else as seconds since the epoch (JSON Lines, for programs).
    """
    doc = {name: _written(name, getattr(record, name), times_as_text) for name in RECORD_FIELDS}
    if include_history:
        doc["history"] = [{name: _written(name, getattr(h, name), times_as_text) for name in HISTORY_FIELDS}
                          for h in record.history]
    return doc


class Where:
    """Names the place a value came from in every message: ``notes.jsonl line 12``."""

    def __init__(self, place: str) -> None:
        self.place = place

    def fail(self, problem: str) -> InvalidInput:
        return InvalidInput(f"{self.place}: {problem}")


def _check(value: Any, hint: Any, name: str, where: Where) -> Any:
    """``value`` as the field's type says, or an error naming the field and where it was."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        hint = next(o for o in options if o is not type(None))
        origin = typing.get_origin(hint)
    if hint is str:
        if not isinstance(value, str):
            raise where.fail(f"{name} is not text")
        return value
    if hint is float and name.removeprefix("history ") in TIME_FIELDS:
        when = _time_value(value)
        if when is not None:
            return when
        if isinstance(value, str):
            raise where.fail(f"{name} {value[:40]!r} is not a date and time (as 2026-11-28T17:57:42Z) nor seconds "
                             "since 1970")
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise where.fail(f"{name} is not a number")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise where.fail(f"{name} is not a whole number")
        return value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            raise where.fail(f"{name} has an unknown value {value!r}") from None
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise where.fail(f"{name} is not a list of text")
        return tuple(value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise where.fail(f"{name} is not an object")
        return value
    raise where.fail(f"{name} has a type this reader does not know")  # a new kind of field: say so, never guess


def _history(doc: Any, memory_id: str, where: Where) -> HistoryEntry:
    if not isinstance(doc, dict):
        raise where.fail("a history entry is not an object")
    values = {}
    for name in HISTORY_FIELDS:
        if name not in doc:
            raise where.fail(f"history entry lacks {name}")
        values[name] = _check(doc[name], _HISTORY_HINTS[name], f"history {name}", where)
    return HistoryEntry(memory_id=memory_id, **values)


def doc_to_record(doc: Any, where: Where) -> MemoryRecord:
    """A :class:`MemoryRecord` from one exported memory (shape and types checked; limits are the importer's)."""
    if not isinstance(doc, dict):
        raise where.fail("is not a JSON object")
    # Every missing field at once: a hand-written line otherwise took one attempt per field.
    missing = [name for name in RECORD_FIELDS if name not in doc and name not in _DEFAULTS]
    if missing:
        raise where.fail(f"lacks the field {missing[0]}" if len(missing) == 1
                         else f"lacks the fields {', '.join(missing)}")
    values: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name not in doc:
            continue  # one with a default (checked above)
        values[name] = _check(doc[name], _RECORD_HINTS[name], name, where)
    try:
        Hlc.parse(values["hlc"])
    except ValueError:
        raise where.fail("hlc is not a clock stamp") from None
    history_doc = doc.get("history", [])
    if not isinstance(history_doc, list):
        raise where.fail("history is not a list")
    history = tuple(_history(h, values["id"], where) for h in history_doc)
    return MemoryRecord(**values, history=history)
