"""A memory's fields as a compatibility profile names and writes them, read from the field table.

Each profile's memory object is the fields ``domain/fields.py`` lists for it
(``FieldSpec.api[profile]``), under the names it gives, with times written the
way that service writes them. A profile adds only what is not a memory field
(``"object"``, statuses it derives) and the values it shows differently
(``overrides``: a public id, a default its SDK requires).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from memvault.domain import fields
from memvault.domain.models import Memory

_TIMES = (fields.Kind.TIME, fields.Kind.OPTIONAL_TIME)


def shown_fields(profile: str) -> tuple[tuple[fields.FieldSpec, str], ...]:
    """The fields ``profile`` shows, with its name for each, in table order."""
    return tuple((fields.BY_NAME[name], api_name) for name, api_name in fields.api_fields(profile).items())


def field_view(profile: str, memory: Memory, *, time: Callable[[float], Any],
               **overrides: Any) -> dict[str, Any]:
    """``{profile's name: value}`` for each field ``profile`` shows; ``overrides`` (by field name) win."""
    out: dict[str, Any] = {}
    for spec, api_name in shown_fields(profile):
        if spec.name in overrides:
            out[api_name] = overrides[spec.name]
            continue
        value = getattr(memory, spec.name)
        if spec.kind in _TIMES:
            out[api_name] = None if value is None else time(value)
        else:
            out[api_name] = fields.plain(spec, value)
    return out
