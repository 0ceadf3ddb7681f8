"""A memory's fields, declared once: what each is, where it is stored, how it travels and how APIs name it.

Every other list of a memory's fields derives from :data:`FIELDS`: the columns
a vault reads and how each is decoded (``vault/rows.py``, ``vault/export_queries.py``),
the history snapshot, the native API's memory object and its create and update
bodies (``api/schemas.py``, ``api/memory_inputs.py``, with the JSON Schema each
field documents from ``api/documented.py``), each compatibility profile's memory
object (``api/compat/field_view.py``), the bundle lines (``bundle/records.py``)
and the sync merge groups (``sync/merge.py``). ``tests/unit/domain/test_fields.py``
compares this table with the dataclasses (including the service's inputs
:class:`MemoryCreate`, :class:`MemoryUpdate` and :class:`FieldChanges`), the
schema's columns, the API schemas and the codecs, so a field added in one place
only fails there.

To add a field: add its row here, add it to the dataclasses the row names
(``models``), add a column and a migration when it is stored, and run the field
test; it names every place still missing it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from memvault.domain import limits
from memvault.domain.entities import TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility


class Kind(enum.Enum):
    """The type of a field's value, which decides how codecs write and check it."""

    TEXT = "text"
    OPTIONAL_TEXT = "optional text"
    NUMBER = "number"
    TIME = "time"  # seconds since the epoch
    OPTIONAL_TIME = "optional time"  # a time that may be absent (expiry, deletion)
    INTEGER = "integer"
    CHOICE = "choice"  # one value of ``FieldSpec.choices`` (an enum)
    TAGS = "tags"  # short texts, a tuple in the dataclasses and a list in JSON
    METADATA = "metadata"  # one JSON object


class Merge(enum.StrEnum):
    """How sync merges a field (see ``sync/merge.py``): the register group it belongs to."""

    KEY = "key"  # names the memory (id, namespace): never changes
    BORN = "born"  # set once, when the memory is made
    CONTENT = "content"
    ATTRS = "attrs"
    CONTEXT = "context"
    META = "meta"  # one register per metadata key
    TAGS = "tags"  # an add-wins set
    TRASH = "trash"
    ARCHIVE = "archive"


#: The dataclasses a field can belong to (``domain/models.py``, ``domain/transfer.py``).
MEMORY, NEW, RECORD, HISTORY = "Memory", "NewMemory", "MemoryRecord", "HistoryEntry"
#: What a caller gives: a new memory, a change to one (the service's inputs and the APIs' bodies), and the
#: validated change the vault writes.
CREATE, UPDATE, CHANGES = "MemoryCreate", "MemoryUpdate", "FieldChanges"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a memory."""

    name: str
    kind: Kind
    #: The ``memories`` column that stores it (``None``: not a column).
    column: str | None
    #: The dataclasses that carry it.
    models: frozenset[str]
    #: Its sync register group (``None``: sync does not carry it; each device keeps its own).
    merge: Merge | None = None
    #: Whether bundle memory lines carry it.
    bundle: bool = False
    #: A value bundle lines leave out, and readers take when the field is absent (``None``: always written).
    #: A field added to the format after version 1 has one, so that older bundles still read.
    bundle_absent: enum.Enum | None = None
    #: Whether ``memory_history`` snapshots keep it (and history lines of bundles carry it).
    history: bool = False
    #: Its name in each API that shows it: ``native`` (``/v1``) and the compatibility profiles.
    api: Mapping[str, str] = field(default_factory=dict)
    #: The enum of a :attr:`Kind.CHOICE` field.
    choices: type[enum.Enum] | None = None
    #: Longest text (characters) or most items a caller may give.
    max_length: int | None = None
    #: A regular expression the text a caller gives must match.
    pattern: str | None = None
    #: Least and greatest value a caller may give (for a field given as a duration, of the duration).
    bounds: tuple[float, float] | None = None
    #: The name callers give it by when that is not the field's own: a time given as seconds from now.
    input_name: str | None = None

    @property
    def given_as(self) -> str:
        """The name of the field in what callers give (bodies, :class:`MemoryCreate`, :class:`MemoryUpdate`)."""
        return self.input_name or self.name


def _f(name: str, kind: Kind, models: str, *, column: str | None = "", **kw: Any) -> FieldSpec:
    return FieldSpec(name, kind, name if column == "" else column, frozenset(models.split()), **kw)


_ALL = f"{MEMORY} {NEW} {RECORD}"
_OUT = f"{MEMORY} {RECORD}"  # set by the vault, not by whoever makes a new memory
_TEXT, _OPT_TEXT, _NUM, _INT, _CHOICE = Kind.TEXT, Kind.OPTIONAL_TEXT, Kind.NUMBER, Kind.INTEGER, Kind.CHOICE
_TIME, _OPT_TIME = Kind.TIME, Kind.OPTIONAL_TIME
_ID = limits.ID_FIELD_MAX_CHARS
_GIVEN = f"{CREATE} {UPDATE} {CHANGES}"  # a caller may set it when storing and change it later
_ID_TEXT = {"max_length": _ID, "pattern": limits.VISIBLE_PATTERN}

#: Every field of a memory, in the order bundles write them.
FIELDS: tuple[FieldSpec, ...] = (
    _f("id", _TEXT, _ALL, column="uuid", merge=Merge.KEY, bundle=True,
       api={"native": "id", "azen": "id", "statebase": "id", "memoryrelay": "id"}),
    _f("rowid", _INT, MEMORY, column="id", api={"sendryx": "id"}),
    _f("namespace", _TEXT, f"{_ALL} {CREATE}", merge=Merge.KEY, bundle=True, pattern=limits.NAMESPACE_PATTERN,
       api={"native": "namespace"}),
    _f("content", _TEXT, f"{_ALL} {_GIVEN}", merge=Merge.CONTENT, bundle=True, history=True,
       max_length=limits.CONTENT_MAX_CHARS, pattern=limits.CONTENT_PATTERN,
       api={"native": "content", "azen": "content", "sendryx": "content", "statebase": "content",
            "memoryrelay": "content"}),
    _f("memory_type", _CHOICE, f"{_ALL} {_GIVEN}", choices=MemoryType, merge=Merge.ATTRS, bundle=True, history=True,
       api={"native": "memory_type", "statebase": "type", "memoryrelay": "memory_type"}),
    _f("tags", Kind.TAGS, f"{_ALL} {_GIVEN}", merge=Merge.TAGS, bundle=True, history=True, max_length=limits.TAGS_MAX,
       api={"native": "tags", "statebase": "tags", "memoryrelay": "tags"}),
    _f("metadata", Kind.METADATA, f"{_ALL} {_GIVEN}", merge=Merge.META, bundle=True, history=True,
       max_length=limits.METADATA_MAX_BYTES,
       api={"native": "metadata", "azen": "metadata", "sendryx": "metadata", "statebase": "metadata",
            "memoryrelay": "metadata"}),
    _f("importance", _NUM, f"{_ALL} {_GIVEN}", merge=Merge.ATTRS, bundle=True, history=True, bounds=(0, 1),
       api={"native": "importance", "memoryrelay": "importance"}),
    _f("tier", _CHOICE, f"{_ALL} {_GIVEN}", choices=Tier, merge=Merge.ATTRS, bundle=True, history=True,
       api={"native": "tier", "memoryrelay": "tier"}),
    _f("visibility", _CHOICE, f"{_ALL} {_GIVEN}", choices=Visibility, merge=Merge.ATTRS, bundle=True, history=True,
       api={"native": "visibility", "memoryrelay": "visibility"}),
    _f("agent_id", _OPT_TEXT, f"{_ALL} {_GIVEN}", merge=Merge.CONTEXT, bundle=True, **_ID_TEXT,
       api={"native": "agent_id", "memoryrelay": "agent_id"}),
    _f("user_id", _OPT_TEXT, f"{_ALL} {_GIVEN}", merge=Merge.CONTEXT, bundle=True, **_ID_TEXT,
       api={"native": "user_id", "statebase": "user_id", "memoryrelay": "user_id"}),
    _f("session_id", _OPT_TEXT, f"{_ALL} {_GIVEN}", merge=Merge.CONTEXT, bundle=True, **_ID_TEXT,
       api={"native": "session_id", "statebase": "session_id", "memoryrelay": "session_id"}),
    _f("project", _OPT_TEXT, f"{_ALL} {_GIVEN}", merge=Merge.CONTEXT, bundle=True, **_ID_TEXT,
       api={"native": "project", "memoryrelay": "project_id"}),
    _f("client_id", _OPT_TEXT, f"{_ALL} {CREATE}", merge=Merge.BORN, bundle=True, **_ID_TEXT,
       api={"native": "client_id"}),
    _f("created_at", _TIME, _ALL, merge=Merge.BORN, bundle=True,
       api={"native": "created_at", "azen": "createdAt", "sendryx": "created_at", "statebase": "created_at",
            "memoryrelay": "created_at"}),
    _f("updated_at", _TIME, _OUT, bundle=True,
       api={"native": "updated_at", "statebase": "updated_at", "memoryrelay": "updated_at"}),
    _f("expires_at", _OPT_TIME, f"{_ALL} {_GIVEN}", merge=Merge.CONTEXT, bundle=True,
       input_name="expires_in_seconds", bounds=(1, limits.TTL_MAX_SECONDS),
       api={"native": "expires_at", "sendryx": "expires_at"}),
    _f("deleted_at", _OPT_TIME, _OUT, merge=Merge.TRASH, bundle=True, api={"native": "deleted_at"}),
    _f("archived_at", _OPT_TIME, _OUT, merge=Merge.ARCHIVE, bundle=True,
       api={"native": "archived_at", "memoryrelay": "archived_at"}),
    _f("version", _INT, _OUT, bundle=True, api={"native": "version"}),
    # The stamp of the memory's last change: sync's registers carry their own stamps instead.
    _f("hlc", _TEXT, RECORD, bundle=True),
    _f("origin_device", _TEXT, f"{NEW} {RECORD}", merge=Merge.BORN, bundle=True),
    _f("embedding_status", _CHOICE, MEMORY, choices=EmbeddingStatus,
       api={"native": "embedding_status", "memoryrelay": "embedding_status"}),
    # A bundle's vectors name their model themselves (``VectorSet.model_id``).
    _f("model_id", _OPT_TEXT, MEMORY),
    # Last in a bundle's memory line: bundles written before it travelled read as explicit.
    # Set by the service (given a type, or classified), so callers never give it; the vault records it.
    _f("memory_type_source", _CHOICE, f"{_ALL} {CHANGES}", choices=TypeSource, merge=Merge.ATTRS, bundle=True,
       bundle_absent=TypeSource.EXPLICIT,
       api={"native": "memory_type_source"}),
)

BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


def names(model: str) -> tuple[str, ...]:
    """The fields dataclass ``model`` carries, in table order."""
    return tuple(f.name for f in FIELDS if model in f.models)


def given(model: str) -> tuple[FieldSpec, ...]:
    """The fields a caller gives in ``model`` (:data:`CREATE` or :data:`UPDATE`), in table order."""
    return tuple(f for f in FIELDS if model in f.models)


def columns() -> tuple[str, ...]:
    """The ``memories`` columns that hold a field."""
    return tuple(f.column for f in FIELDS if f.column is not None)


def merge_group(group: Merge) -> tuple[str, ...]:
    """The fields of one sync register group, in table order."""
    return tuple(f.name for f in FIELDS if f.merge is group)


def bundled() -> tuple[FieldSpec, ...]:
    """The fields a bundle's memory line carries, in the order it writes them."""
    return tuple(f for f in FIELDS if f.bundle)


def historic() -> tuple[FieldSpec, ...]:
    """The fields a history snapshot keeps."""
    return tuple(f for f in FIELDS if f.history)


def api_fields(profile: str) -> dict[str, str]:
    """``{field name: API name}`` of the fields that API ``profile`` shows."""
    return {f.name: f.api[profile] for f in FIELDS if profile in f.api}


def plain(spec: FieldSpec, value: Any) -> Any:
    """``value`` of field ``spec`` as JSON holds it (enum values as text, tags as a list)."""
    if spec.kind is Kind.CHOICE:
        return value.value
    if spec.kind is Kind.TAGS:
        return list(value)
    return value
