"""Input validation: every rule from :mod:`app.domain.limits`, with plain messages."""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from app.domain import limits
from app.domain.errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)
_NAMESPACE = re.compile(limits.NAMESPACE_PATTERN)


def content(value: Any, *, field: str = "content", max_chars: int = limits.CONTENT_MAX_CHARS) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    if not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > max_chars:
        raise InvalidInput(f"{field} has {len(value)} characters; the limit is {max_chars}", field=field)
    if "\x00" in value:
        raise InvalidInput(f"{field} must not contain NUL characters", field=field)
    return value


def namespace(value: Any) -> str:
    if not isinstance(value, str) or not _NAMESPACE.match(value):
        raise InvalidInput(
            "namespace must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit",
            field="namespace",
        )
    return value


def optional_id(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    if len(value) > limits.ID_FIELD_MAX_CHARS:
        raise InvalidInput(f"{field} is longer than {limits.ID_FIELD_MAX_CHARS} characters", field=field)
    return value


def choice(enum_type: type[E], value: Any, field: str) -> E:
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_type)
        raise InvalidInput(f"{field} must be one of: {allowed} (got {value!r})", field=field) from None


def unit_float(value: Any, field: str, *, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"{field} must be a number between {low} and {high}", field=field)
    if not low <= float(value) <= high:
        raise InvalidInput(f"{field} must be between {low} and {high} (got {value})", field=field)
    return float(value)


def int_range(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number", field=field)
    if not low <= value <= high:
        raise InvalidInput(f"{field} must be between {low} and {high} (got {value})", field=field)
    return value


def tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput("tags must be a list of strings", field="tags")
    out: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidInput("each tag must be a non-empty string", field="tags")
        tag = tag.strip()
        if len(tag) > limits.TAG_MAX_CHARS:
            raise InvalidInput(f"tag {tag[:20]!r}… is longer than {limits.TAG_MAX_CHARS} characters", field="tags")
        if tag not in out:
            out.append(tag)
    if len(out) > limits.TAGS_MAX:
        raise InvalidInput(f"at most {limits.TAGS_MAX} tags are allowed", field="tags")
    return tuple(out)


def metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("metadata must be a JSON object", field="metadata")
    if len(value) > limits.METADATA_MAX_KEYS:
        raise InvalidInput(f"metadata has {len(value)} keys; the limit is {limits.METADATA_MAX_KEYS}", field="metadata")
    if not all(isinstance(k, str) for k in value):
        raise InvalidInput("metadata keys must be strings", field="metadata")
    try:
        encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput("metadata must contain only JSON values", field="metadata") from None
    size = len(encoded.encode("utf-8"))
    if size > limits.METADATA_MAX_BYTES:
        raise InvalidInput(f"metadata is {size} bytes; the limit is {limits.METADATA_MAX_BYTES}", field="metadata")
    return json.loads(encoded)


def ttl(value: Any) -> int | None:
    if value is None:
        return None
    return int_range(value, "expires_in_seconds", 1, limits.TTL_MAX_SECONDS)
