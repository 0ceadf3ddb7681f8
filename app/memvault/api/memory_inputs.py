"""The native bodies that store and change a memory, built from the field table.

Which fields a body takes, their names, their types and the rules the OpenAPI
document states for them all come from ``domain/fields.py`` (the fields whose
``models`` hold ``MemoryCreate`` or ``MemoryUpdate``). What is written here is
only what a body carries besides a memory's fields: options of the request
(deduplication, entity extraction) and the ``project_id`` alias MemoryRelay's
clients send.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, create_model

from memvault.api import documented as d
from memvault.api.documented import Int, Number, RequestBody, doc
from memvault.domain import fields, limits
from memvault.domain.fields import FieldSpec, Kind
from memvault.domain.models import MemoryCreate, MemoryUpdate


def _annotation(spec: FieldSpec, *, creating: bool) -> Any:
    """The type a body declares for ``spec``: JSON's type for the field's kind, with its documented rules."""
    schema = doc(**d.field_schema(spec))
    match spec.kind:
        case Kind.TAGS:
            return Annotated[list[str] if creating else list[str] | None, d.EARLY_TAGS, schema]
        case Kind.METADATA:
            return Annotated[dict[str, Any] | None, d.at_most(limits.METADATA_MAX_KEYS, spec.given_as), schema]
        case Kind.NUMBER:
            return Annotated[Number | None, schema]
        case Kind.OPTIONAL_TIME:  # given as seconds from now
            return Annotated[Int | None, schema]
        case Kind.TEXT if creating and spec.name == "content":
            return Annotated[str, schema]
        case Kind.TEXT | Kind.OPTIONAL_TEXT | Kind.CHOICE:
            return Annotated[str | None, schema]
    raise TypeError(f"{spec.name}: no body type for a {spec.kind.value} field")


def _default(spec: FieldSpec, *, creating: bool) -> Any:
    if creating and spec.name == "content":
        return ...
    return [] if creating and spec.kind is Kind.TAGS else None


def _body_fields(model: str) -> dict[str, Any]:
    creating = model == fields.CREATE
    return {spec.given_as: (_annotation(spec, creating=creating), _default(spec, creating=creating))
            for spec in fields.given(model)}


def _given(body: Any, model: str) -> dict[str, Any]:
    return {spec.given_as: getattr(body, spec.given_as) for spec in fields.given(model)}


#: The memory fields of each body, as pydantic models the bodies extend with their options.
_CreateFields = create_model("MemoryCreateFields", __base__=RequestBody, __module__=__name__,
                             **_body_fields(fields.CREATE))
_UpdateFields = create_model("MemoryUpdateFields", __base__=RequestBody, __module__=__name__,
                             **_body_fields(fields.UPDATE))


class MemoryCreateIn(_CreateFields):  # type: ignore[misc,valid-type]
    project_id: Annotated[str | None, Field(None, description="Alias of project (takes precedence)",
                                             json_schema_extra=d.ID_FIELD)] = None
    deduplicate: StrictBool = False
    dedup_threshold: Annotated[Number, doc(minimum=limits.DEDUP_THRESHOLD_MIN, maximum=1)] = \
        limits.DEDUP_THRESHOLD_DEFAULT
    auto_extract_entities: StrictBool | None = Field(
        None, description="Extract entities: true always, false never, null when the content is short enough")

    def to_domain(self, namespace: str) -> MemoryCreate:
        given = _given(self, fields.CREATE)
        given.update(namespace=namespace, project=self.project_id or given["project"],
                     memory_type=given["memory_type"] or None, visibility=given["visibility"] or "private")
        return MemoryCreate(**given, deduplicate=self.deduplicate, dedup_threshold=self.dedup_threshold,
                            auto_extract_entities=self.auto_extract_entities)


class MemoryUpdateIn(_UpdateFields):  # type: ignore[misc,valid-type]
    def to_domain(self) -> MemoryUpdate:
        return MemoryUpdate(**_given(self, fields.UPDATE))
