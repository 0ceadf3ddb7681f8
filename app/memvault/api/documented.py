"""What the OpenAPI document says about inputs and errors: the rules the service enforces, written down.

Input constraints are documentation only (``json_schema_extra``): the service
still validates, so a bad value gets the domain's 400 with its plain message;
the document tells clients (and schemathesis) the same rules. Every route also
documents the errors it can answer, in its profile's envelope.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema

from memvault.domain import fields, limits
from memvault.domain.enums import MemoryType, Scope
from memvault.domain.errors import InvalidInput

#: A JSON number for a body field: true and false are not numbers (pydantic would read them as 1 and 0).
Number = Annotated[float, Strict()]


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 4.0 as an integer; booleans and numeric strings are not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: A JSON integer for a body field (4.0 included, 4.5, true and "4" refused).
Int = Annotated[int, Strict(), BeforeValidator(_whole_number)]


def seconds_of(value: Any, field: str) -> Any:
    """A body's time given as Unix seconds (a JSON number) or an ISO 8601 string (a time without a zone is UTC),
    as Unix seconds; :class:`InvalidInput` for a string that is no ISO 8601 time (a number in a string is one
    the strict native API refuses). Anything else is left for the field's type to refuse."""
    if not isinstance(value, str):
        return value
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 time or Unix seconds (a JSON number)", field=field) from None
    return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).timestamp()


#: A query parameter holding a time (see :func:`query_seconds`).
MOMENT = {"description": "Unix seconds or an ISO 8601 time (UTC unless it says)", "examples": ["2026-11-20"]}


def query_seconds(value: str | None, field: str) -> float | None:
    """A query parameter's time as Unix seconds: read as ISO 8601 first, as a body's string is ("20261127" is
    that day), then as a finite number of seconds (a query string has no JSON numbers)."""
    if value is None:
        return None
    try:
        return seconds_of(value, field)
    except InvalidInput:
        try:
            seconds = float(value)
        except ValueError:
            raise InvalidInput(f"{field} must be an ISO 8601 time or Unix seconds", field=field) from None
    if not math.isfinite(seconds):
        raise InvalidInput(f"{field} must be a finite number of Unix seconds or an ISO 8601 time", field=field)
    return seconds


def moment(field: str) -> Any:
    """A body field holding a time: Unix seconds, or an ISO 8601 string (see :func:`seconds_of`)."""
    return Annotated[float, Strict(), BeforeValidator(lambda value: seconds_of(value, field)),
                     WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "format": "date-time"}],
                                     "description": "Unix seconds or an ISO 8601 time"})]


class RequestBody(BaseModel):
    """A native request body: a field it does not know is refused, not ignored.

    Ignoring a misspelt or foreign filter (``"filters"``, ``"tag"``) would
    answer a search over every memory, or store a memory without what the
    caller meant to give it, with no sign that anything was dropped. The
    compatibility profiles keep their services' own leniency.
    """

    model_config = ConfigDict(extra="forbid")


def at_most(max_items: int, field: str, *, error: type[Exception] = InvalidInput) -> BeforeValidator:
    """Refuse a list or object of more than ``max_items`` before pydantic validates any item of it.

    pydantic checks a length only after building every item, so a body of a
    million small items would cost seconds of CPU before its 400. The domain's
    :class:`InvalidInput` passes through pydantic untouched and answers the
    usual 400 with a plain message; MCP tools pass ``error=ValueError``, which
    their SDK reports as the tool's error.
    """
    def check(value: Any) -> Any:
        if isinstance(value, (list, dict)) and len(value) > max_items:
            noun = "keys" if isinstance(value, dict) else "items"
            message = f"{field} has {len(value)} {noun}; the limit is {max_items}"
            raise InvalidInput(message, field=field) if error is InvalidInput else error(message)
        return value
    return BeforeValidator(check)


def no_nul(field: str) -> BeforeValidator:
    """Refuse text holding a NUL character (as a 400): for the ids a conversation's facts are filed under."""
    def check(value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput(f"{field} must not contain NUL characters", field=field)
        return value
    return BeforeValidator(check)


def _early_tags(value: Any) -> Any:
    # Only the count, before pydantic reads the list: stop at the 51st distinct tag. Each tag's own rules
    # stay with the service, so a bad tag in a batch is that item's error, not the whole batch's.
    if isinstance(value, list) and len(value) > limits.TAGS_MAX:
        seen: set[object] = set()
        for tag in value:
            seen.add(tag.strip() if isinstance(tag, str) else repr(tag)[:100])
            if len(seen) > limits.TAGS_MAX:
                raise InvalidInput(f"at most {limits.TAGS_MAX} tags are allowed", field="tags")
    return value


#: A memory's tags: refused at the first tag past the limit, whatever the list holds after it.
EARLY_TAGS = BeforeValidator(_early_tags)

VISIBLE = limits.VISIBLE_PATTERN
CONTENT_PATTERN = limits.CONTENT_PATTERN
_TYPES = "|".join(t.value for t in MemoryType)
#: One memory type, or several joined by commas.
TYPES_PATTERN = rf"^({_TYPES})(,({_TYPES}))*$"


def doc(**schema: Any) -> Any:
    """A body field whose schema says ``schema`` (JSON Schema keywords) without pydantic enforcing it."""
    return Field(json_schema_extra=schema)


def doc_query(**schema: Any) -> Any:
    """A query parameter documented the same way (its default goes after ``=``)."""
    return Query(json_schema_extra=schema)


def field_schema(spec: fields.FieldSpec) -> dict[str, Any]:
    """The JSON Schema keywords that say what a caller may give for a memory field (its row in the table)."""
    kind = spec.kind
    schema: dict[str, Any] = {}
    if kind is fields.Kind.CHOICE:
        assert spec.choices is not None
        schema["enum"] = [c.value for c in spec.choices]
    elif kind is fields.Kind.TAGS:
        schema = {"maxItems": spec.max_length, "items": {"type": "string", "maxLength": limits.TAG_MAX_CHARS,
                                                         "pattern": r"^\S(.*\S)?$"}}
    elif kind is fields.Kind.METADATA:
        schema["maxProperties"] = limits.METADATA_MAX_KEYS
    elif kind in (fields.Kind.TEXT, fields.Kind.OPTIONAL_TEXT):
        if kind is fields.Kind.TEXT and spec.max_length is not None:
            schema["minLength"] = limits.CONTENT_MIN_CHARS
        if spec.max_length is not None:
            schema["maxLength"] = spec.max_length
        if spec.pattern is not None:
            schema["pattern"] = spec.pattern
    if spec.bounds is not None:
        schema["minimum"], schema["maximum"] = spec.bounds
    return schema


_FIELD = fields.BY_NAME
CONTENT = field_schema(_FIELD["content"])
QUERY = {"minLength": 1, "maxLength": limits.QUERY_MAX_CHARS, "pattern": CONTENT_PATTERN}
ID_FIELD = field_schema(_FIELD["agent_id"])
NAMESPACE = field_schema(_FIELD["namespace"])
TAGS = field_schema(_FIELD["tags"])
METADATA = field_schema(_FIELD["metadata"])
METADATA_FILTER = {"maxProperties": limits.METADATA_FILTER_MAX_KEYS,
                   "propertyNames": {"minLength": 1, "maxLength": limits.METADATA_KEY_MAX_CHARS}}
UNIT = field_schema(_FIELD["importance"])
MEMORY_TYPE = field_schema(_FIELD["memory_type"])
TIER = field_schema(_FIELD["tier"])
VISIBILITY = field_schema(_FIELD["visibility"])
SCOPES = {"minItems": 1, "items": {"enum": [s.value for s in Scope]}}
CURSOR = {"maxLength": limits.CURSOR_MAX_CHARS, "pattern": r"^[A-Za-z0-9_\-]+$"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    status: int


class NativeError(BaseModel):
    """``{"error": {"code", "message", "status"}}`` (429 and 503 add ``retry_after_seconds``)."""

    error: ErrorDetail


class AzenError(BaseModel):
    status: str
    message: str
    code: int


class SendryxError(BaseModel):
    success: bool
    message: str


class MemsyncErrorDetail(BaseModel):
    code: str
    message: str


class MemsyncError(BaseModel):
    success: bool
    error: MemsyncErrorDetail


class StatebaseErrorDetail(BaseModel):
    code: str
    message: str


class StatebaseError(BaseModel):
    error: StatebaseErrorDetail


_WHY = {
    400: "Invalid input", 401: "Missing or unknown API key", 403: "Scope or namespace not allowed for this key",
    404: "Not found (or not in this key's namespace)", 409: "Conflicts with the current state",
    413: "Body or field too large", 422: "Body or parameters do not match the schema",
    429: "Rate limit exceeded (Retry-After)", 500: "The vault file is damaged, or a bug (logged without details)",
    503: "The vault is busy (Retry-After), read-only, locked or failing", 507: "The disk holding the vault is full",
}


def error_responses(envelope: type[BaseModel], *extra: int) -> dict[int | str, dict[str, Any]]:
    """The errors every route of a router can answer, in ``envelope``."""
    codes = {400, 401, 403, 404, 409, 413, 422, 429, 500, 503, 507, *extra}
    return {code: {"model": envelope, "description": _WHY.get(code, "Error")} for code in sorted(codes)}
