"""Memories as bundle body lines (format version 1), and back.

A memory is one ``memory`` line followed by one ``history`` line per version
kept (see ``FORMAT.md``). Decoding checks the shape and types of every field
and raises :class:`DamagedData` naming the line; limits that depend on the
importing vault (content length, namespace names) are the importer's to check.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Iterator
from typing import Any

from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain import fields, limits, vector_values
from memvault.domain.errors import DamagedData
from memvault.domain.fields import Kind
from memvault.domain.hlc import Hlc
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord, VectorSet

#: Largest vector dimension a reader accepts (bounds the memory a hostile line can ask for).
MAX_DIMENSION = 8192
_BUNDLED = fields.bundled()
_HISTORIC = fields.historic()


def encode(record: MemoryRecord) -> Iterator[dict[str, Any]]:
    """The body lines of ``record``: its memory line, then its history lines."""
    line: dict[str, Any] = {"type": "memory"}
    for spec in _BUNDLED:
        value = getattr(record, spec.name)
        if spec.bundle_absent is None or value != spec.bundle_absent:
            line[spec.name] = fields.plain(spec, value)
    v = record.vectors
    line["vectors"] = None if v is None else {
        "model_id": v.model_id, "dimension": v.dimension, "spans": [list(s) for s in v.spans],
        "data": base64.b64encode(v.data).decode("ascii"),
    }
    yield line
    for h in record.history:
        entry = {"type": "history", "memory_id": record.id, "version": h.version, "change": h.change,
                 "changed_at": h.changed_at}
        entry.update((spec.name, fields.plain(spec, getattr(h, spec.name))) for spec in _HISTORIC)
        yield entry


class _Fields:
    """Typed access to one untrusted line; any problem names the line and the field."""

    def __init__(self, doc: dict[str, Any], where: str) -> None:
        self.doc = doc
        self.where = where

    def fail(self, name: str, problem: str) -> DamagedData:
        return DamagedData(f"{self.where} of the bundle: {name} {problem}")

    def get(self, name: str) -> Any:
        if name not in self.doc:
            raise self.fail(name, "is missing")
        return self.doc[name]

    def text(self, name: str) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise self.fail(name, "is not text")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self.get(name) is None else self.text(name)

    def number(self, name: str) -> float:
        value = self.get(name)
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise self.fail(name, "is not a number")
            return float(value)
        except OverflowError:  # an integer too large for a float
            raise self.fail(name, "is not a number") from None

    def optional_number(self, name: str) -> float | None:
        return None if self.get(name) is None else self.number(name)

    def integer(self, name: str) -> int:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limits.INT_MAX:
            raise self.fail(name, "is not a whole number a vault holds")
        return value

    def identifier(self, name: str) -> str:
        value = self.text(name)
        if len(value) > limits.ID_FIELD_MAX_CHARS:
            raise self.fail(name, f"is longer than {limits.ID_FIELD_MAX_CHARS} characters")
        return value

    def choice(self, enum_type, name: str):
        try:
            return enum_type(self.text(name))
        except ValueError:
            raise self.fail(name, f"has an unknown value {self.doc[name]!r}") from None

    def tags(self) -> tuple[str, ...]:
        value = self.get("tags")
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise self.fail("tags", "is not a list of text")
        return tuple(value)

    def metadata(self) -> dict[str, Any]:
        value = self.get("metadata")
        if not isinstance(value, dict):
            raise self.fail("metadata", "is not an object")
        return value


def _vectors(f: _Fields) -> VectorSet | None:
    value = f.get("vectors")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise f.fail("vectors", "is not an object")
    v = _Fields(value, f.where)
    dimension = v.integer("dimension")
    if not 1 <= dimension <= MAX_DIMENSION:
        raise f.fail("vectors.dimension", f"{dimension} is out of range")
    spans_raw = v.get("spans")
    # ``type(x) is int`` leaves bools out (JSON gives exact ints); one flat test per span, no nested generators.
    if type(spans_raw) is not list or not all(
            type(s) is list and len(s) == 2 and type(s[0]) is int and type(s[1]) is int and s[0] >= 0 and s[1] >= 0
            for s in spans_raw):
        raise f.fail("vectors.spans", "is not a list of [start, end] pairs")
    try:
        data = base64.b64decode(v.text("data").encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise f.fail("vectors.data", "is not base64") from None
    if len(data) != len(spans_raw) * dimension * 4:
        raise f.fail("vectors.data", f"holds {len(data)} bytes, not {len(spans_raw)} × {dimension} float32 values")
    if not vector_values.finite(data):
        raise f.fail("vectors.data", "holds values that are not numbers (NaN or infinite)")
    return VectorSet(v.text("model_id"), dimension, tuple((a, b) for a, b in spans_raw), data)


def _type_source(f: _Fields) -> TypeSource:
    """Optional (bundles written before it was carried lack it): an explicit type then."""
    if f.doc.get("memory_type_source") is None:
        return TypeSource.EXPLICIT
    return f.choice(TypeSource, "memory_type_source")


#: A stamp is milliseconds, a counter and a device id (``Hlc``): no longer than this.
_HLC_MAX_CHARS = 40 + limits.ID_FIELD_MAX_CHARS


def _hlc(f: _Fields) -> str:
    stamp = f.text("hlc")
    try:
        if len(stamp) > _HLC_MAX_CHARS:
            raise ValueError("too long")
        Hlc.parse(stamp)
    except ValueError:
        raise f.fail("hlc", "is not a clock stamp") from None
    return stamp


_NONE = type(None)
_TEXT, _OPTIONAL_TEXT_TYPES = (str,), (str, _NONE)
_NUMBER, _OPTIONAL_NUMBER = (int, float), (int, float, _NONE)
_KIND_TYPES = {
    Kind.TEXT: _TEXT, Kind.CHOICE: _TEXT, Kind.OPTIONAL_TEXT: _OPTIONAL_TEXT_TYPES, Kind.NUMBER: _NUMBER,
    Kind.TIME: _NUMBER, Kind.OPTIONAL_TIME: _OPTIONAL_NUMBER, Kind.INTEGER: (int,), Kind.TAGS: (list,),
    Kind.METADATA: (dict,),
}
_MISSING = object()
# A field a line may leave out (it then reads as its ``bundle_absent``) passes the shape check when missing.
_SHAPE = tuple((spec.name, _KIND_TYPES[spec.kind] + ((object,) if spec.bundle_absent is not None else ()))
               for spec in _BUNDLED)


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        if not math.isfinite(value):
            raise ValueError("not finite")
    except OverflowError:  # an integer too large for a float
        raise ValueError("not finite") from None
    return float(value)


def _fast_memory(doc: dict[str, Any], history: tuple[HistoryEntry, ...],
                 vectors: VectorSet | None) -> MemoryRecord | None:
    """The common case, checked in one pass (``type() in`` leaves bools out); None sends the line to the
    field-by-field reader, which says exactly what is wrong."""
    for name, kinds in _SHAPE:
        if type(doc.get(name, _MISSING)) not in kinds:
            return None
    tags = doc["tags"]
    if not 0 <= doc["version"] <= limits.INT_MAX or any(type(t) is not str for t in tags) or \
            len(doc["hlc"]) > _HLC_MAX_CHARS or len(doc["origin_device"]) > limits.ID_FIELD_MAX_CHARS:
        return None
    try:
        Hlc.parse(doc["hlc"])
        return MemoryRecord(
            id=doc["id"], namespace=doc["namespace"], content=doc["content"],
            memory_type=MemoryType(doc["memory_type"]), tags=tuple(tags), metadata=doc["metadata"],
            importance=_float(doc["importance"]), tier=Tier(doc["tier"]), visibility=Visibility(doc["visibility"]),
            agent_id=doc["agent_id"], user_id=doc["user_id"], session_id=doc["session_id"], project=doc["project"],
            client_id=doc["client_id"], created_at=_float(doc["created_at"]), updated_at=_float(doc["updated_at"]),
            expires_at=_float(doc["expires_at"]), deleted_at=_float(doc["deleted_at"]),
            archived_at=_float(doc["archived_at"]), version=doc["version"], hlc=doc["hlc"],
            origin_device=doc["origin_device"], history=history, vectors=vectors,
            memory_type_source=TypeSource(doc.get("memory_type_source", TypeSource.EXPLICIT)))
    except ValueError:
        return None


def decode_memory(doc: dict[str, Any], number: int, history: tuple[HistoryEntry, ...] = ()) -> MemoryRecord:
    """A :class:`MemoryRecord` from memory line ``doc`` (the ``number``-th memory) and its history."""
    f = _Fields(doc, f"memory {number}")
    vectors = _vectors(f)
    fast = _fast_memory(doc, history, vectors)
    if fast is not None:
        return fast
    return MemoryRecord(
        id=f.text("id"), namespace=f.text("namespace"), content=f.text("content"),
        memory_type=f.choice(MemoryType, "memory_type"), tags=f.tags(), metadata=f.metadata(),
        importance=f.number("importance"), tier=f.choice(Tier, "tier"), visibility=f.choice(Visibility, "visibility"),
        agent_id=f.optional_text("agent_id"), user_id=f.optional_text("user_id"),
        session_id=f.optional_text("session_id"), project=f.optional_text("project"),
        client_id=f.optional_text("client_id"), created_at=f.number("created_at"), updated_at=f.number("updated_at"),
        expires_at=f.optional_number("expires_at"), deleted_at=f.optional_number("deleted_at"),
        archived_at=f.optional_number("archived_at"), version=f.integer("version"), hlc=_hlc(f),
        origin_device=f.identifier("origin_device"), history=history, vectors=vectors,
        memory_type_source=_type_source(f),
    )


_HISTORY_SHAPE = (("memory_id", _TEXT), ("version", (int,)), ("change", _TEXT), ("changed_at", _NUMBER),
                  *((spec.name, _KIND_TYPES[spec.kind]) for spec in _HISTORIC))


def _fast_history(doc: dict[str, Any], memory_id: str) -> HistoryEntry | None:
    """:func:`decode_history` for the common case, in one pass; None sends the line to the careful reader."""
    for name, kinds in _HISTORY_SHAPE:
        if type(doc.get(name, _MISSING)) not in kinds:
            return None
    tags = doc["tags"]
    if doc["memory_id"] != memory_id or not 0 <= doc["version"] <= limits.INT_MAX or \
            any(type(t) is not str for t in tags):
        return None
    try:
        return HistoryEntry(
            memory_id=memory_id, version=doc["version"], change=doc["change"], changed_at=_float(doc["changed_at"]),
            content=doc["content"], memory_type=MemoryType(doc["memory_type"]), tags=tuple(tags),
            metadata=doc["metadata"], importance=_float(doc["importance"]), tier=Tier(doc["tier"]),
            visibility=Visibility(doc["visibility"]))
    except ValueError:
        return None


def decode_history(doc: dict[str, Any], memory_id: str, number: int) -> HistoryEntry:
    fast = _fast_history(doc, memory_id)
    if fast is not None:
        return fast
    f = _Fields(doc, f"history line {number}")
    if f.text("memory_id") != memory_id:
        raise f.fail("memory_id", "does not name the memory line before it")
    return HistoryEntry(
        memory_id=memory_id, version=f.integer("version"), change=f.text("change"), changed_at=f.number("changed_at"),
        content=f.text("content"), memory_type=f.choice(MemoryType, "memory_type"), tags=f.tags(),
        metadata=f.metadata(), importance=f.number("importance"), tier=f.choice(Tier, "tier"),
        visibility=f.choice(Visibility, "visibility"),
    )


def decode(lines: Iterable[dict[str, Any]]) -> Iterator[MemoryRecord]:
    """Group body lines into records: each memory line with the history lines that follow it."""
    current: dict[str, Any] | None = None
    history: list[HistoryEntry] = []
    memories = histories = 0
    for doc in lines:
        if doc["type"] == "memory":
            if current is not None:
                yield decode_memory(current, memories, tuple(history))
            memories += 1
            current, history = doc, []
        else:
            histories += 1
            if current is None:
                raise DamagedData(f"history line {histories} of the bundle comes before any memory")
            history.append(decode_history(doc, _Fields(current, f"memory {memories}").text("id"), histories))
    if current is not None:
        yield decode_memory(current, memories, tuple(history))
