"""Turning database rows into domain objects."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from memvault.domain import fields, limits
from memvault.domain.entities import TypeSource
from memvault.domain.enums import Visibility
from memvault.domain.models import HistoryEntry, Memory

#: Stands in for the part of stored metadata nested deeper than the limit (written by versions
#: before the limit existed): readers and serializers would otherwise fail on it.
TOO_DEEP = f"(nested more than {limits.METADATA_MAX_DEPTH} levels deep: not shown)"

def column_reader(spec: fields.FieldSpec) -> Callable[[Any], Any] | None:
    """How a stored column becomes field ``spec``'s value (``None``: the column's value is the field's)."""
    match spec.kind:
        case fields.Kind.CHOICE:
            choices, absent = spec.choices, spec.bundle_absent
            assert choices is not None
            if absent is None:
                return choices
            # A column added by a migration is NULL in rows written before it: those read as the absent value.
            return lambda value: choices(absent if value is None else value)
        case fields.Kind.TAGS:
            return lambda value: () if value == "[]" else tuple(json.loads(value))
        case fields.Kind.METADATA:
            return lambda value: {} if value == "{}" else stored_metadata(value)
    return None


def _readers(model: str) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    return tuple((name, column_reader(fields.BY_NAME[name])) for name in fields.names(model))


_MEMORY_READERS = _readers(fields.MEMORY)

#: The columns :func:`memory_from_row` reads: those of the fields a :class:`Memory` carries, in table order.
MEMORY_COLUMNS = ", ".join(f"m.{fields.BY_NAME[name].column}" for name, _ in _MEMORY_READERS)
#: A driver row of :data:`MEMORY_COLUMNS` with its columns by name: hot reads (a search's hits) go through the
#: driver, where SQLAlchemy's handling of a statement cost more than running it.
MemoryRow = namedtuple("MemoryRow", [fields.BY_NAME[name].column for name, _ in _MEMORY_READERS])


#: Where a row of :data:`MEMORY_COLUMNS` holds the memory's rowid.
ROWID_AT = [name for name, _ in _MEMORY_READERS].index("rowid")


def memory_from_row(row: Sequence[Any], entities: tuple | None = None) -> Memory:
    """A :class:`Memory` from a row that starts with the columns of :data:`MEMORY_COLUMNS` (and ``entities``,
    its entities if read: given here, as a memory copied to add them cost a search's page ~0.1 ms)."""
    values = {name: row[i] if read is None else read(row[i]) for i, (name, read) in enumerate(_MEMORY_READERS)}
    if entities:
        values["entities"] = entities
    return Memory(**values)


@dataclass(frozen=True, slots=True)
class VectorTarget:
    """What storing a memory's vectors reads of it: whether it is still the content embedded, its namespace,
    and the session its turn's context comes from (a tenth of reading the memory whole)."""

    rowid: int
    id: str
    namespace: str
    content_hash: str
    visibility: Visibility
    expires_at: float | None
    deleted_at: float | None
    archived_at: float | None
    session_id: str | None
    created_at: float
    memory_type_source: TypeSource


VECTOR_TARGET_COLUMNS = ("m.id, m.uuid, m.namespace, m.content_hash, m.visibility, m.expires_at, m.deleted_at, "
                         "m.archived_at, m.session_id, m.created_at, m.memory_type_source")


def vector_target_from_row(row: Any) -> VectorTarget:
    """A :class:`VectorTarget` from a row selected with :data:`VECTOR_TARGET_COLUMNS`."""
    return VectorTarget(row[0], row[1], row[2], row[3], Visibility(row[4]), row[5], row[6], row[7], row[8], row[9],
                        TypeSource(row[10] or TypeSource.EXPLICIT))


SNAPSHOT_FIELDS = tuple(f.name for f in fields.historic())
#: A history entry's snapshot while its version is the memory's current one: the memory row holds the fields
#: (a copy there was ~350 bytes a memory, most memories never being edited). The entry gets its copy when a
#: later version supersedes it (:func:`memvault.vault.memory_parts.add_history`); readers take the row's
#: fields meanwhile (:func:`resolved_snapshot`). A first version made at ``created_at`` has no entry at all
#: until then (:func:`with_first_version`).
CURRENT_SNAPSHOT = ""


def stored_metadata(raw: str | dict[str, Any]) -> dict[str, Any]:
    """Metadata as stored, cut at :data:`limits.METADATA_MAX_DEPTH` levels so that any row can be read."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except RecursionError:
        return {"_memvault": TOO_DEEP}
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    # Iterative copy: a recursive one would hit the same limit it guards against.
    stack: list[tuple[Any, Any, int]] = [(value, out, 1)]
    while stack:
        source, target, depth = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                if depth >= limits.METADATA_MAX_DEPTH:
                    copy: Any = TOO_DEEP
                else:
                    copy = {} if isinstance(item, dict) else []
                    stack.append((item, copy, depth + 1))
            else:
                copy = item
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    return out


def _snapshot_reader(spec: fields.FieldSpec) -> Callable[[Any], Any]:
    """How a value of a history snapshot (JSON) becomes field ``spec``'s value."""
    match spec.kind:
        case fields.Kind.CHOICE:
            assert spec.choices is not None
            return spec.choices
        case fields.Kind.TAGS:
            return tuple
        case fields.Kind.METADATA:
            return stored_metadata
    return lambda value: value


_SNAPSHOT_READERS = tuple((spec.name, _snapshot_reader(spec)) for spec in fields.historic())


_SNAPSHOT_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) builds one per call


def snapshot_of(values: dict[str, Any]) -> str:
    """The JSON snapshot stored in ``memory_history`` for a memory's fields."""
    snap = {k: values[k] for k in SNAPSHOT_FIELDS}
    for k in ("tags", "metadata"):
        if isinstance(snap[k], str):
            snap[k] = json.loads(snap[k])
    return _SNAPSHOT_ENCODER.encode(snap)


#: A memory's first version has no history entry while nothing superseded it and it was made when the memory says
#: it was created: :func:`history_entries` derives it from the row (a "create" at ``created_at``).
FIRST_CHANGE = "create"


def first_version_row(created_at: float) -> Any:
    """The history row a memory without one of its own reads as its first version."""
    return SimpleNamespace(version=1, change=FIRST_CHANGE, changed_at=created_at, snapshot=CURRENT_SNAPSHOT)


def with_first_version(rows: list[Any], created_at: float) -> list[Any]:
    """A memory's history rows (by version) with its derived first version when none of them is a version of its
    own (rows of conflicts kept beside it do not count)."""
    if any(r.change != "conflict" for r in rows):
        return rows
    return sorted([first_version_row(created_at), *rows], key=lambda r: r.version)


def resolved_snapshot(snapshot: str, current: Any) -> str:
    """A stored snapshot, or for the current version's entry (:data:`CURRENT_SNAPSHOT`) the fields of
    ``current`` (a :class:`Memory`, or anything with its snapshot fields as attributes or a callable giving it)."""
    if snapshot != CURRENT_SNAPSHOT:
        return snapshot
    if callable(current):
        current = current()
    return snapshot_of({k: getattr(current, k) for k in SNAPSHOT_FIELDS})


def history_from_row(memory_uuid: str, row: Any, current: Any) -> HistoryEntry:
    """A history entry from its row; ``current``: the memory as it is (see :func:`resolved_snapshot`)."""
    snapshot = resolved_snapshot(row.snapshot, current)
    try:
        snap = json.loads(snapshot)
    except RecursionError:
        snap = _snapshot_without_metadata(snapshot)
    return HistoryEntry(memory_id=memory_uuid, version=row.version, change=row.change, changed_at=row.changed_at,
                        **{name: read(snap[name]) for name, read in _SNAPSHOT_READERS})


def _snapshot_without_metadata(raw: str) -> dict[str, Any]:
    # A snapshot whose metadata nests past the JSON decoder's limit: decode the
    # other fields, which are flat, by cutting the metadata value out.
    head, _, _ = raw.partition('"metadata": ')
    tail = raw[raw.rfind(', "importance": '):]
    snap = json.loads(head + '"metadata": {}' + tail)
    snap["metadata"] = {"_memvault": TOO_DEEP}
    return snap
