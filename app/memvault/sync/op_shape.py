"""What a sync op read from a segment must look like before it joins a state: its groups, stamps and values.

A segment is signed by a member, but a member's software may be older, newer or broken: an op whose shape no
release writes is refused as damaged (:class:`DamagedData`) instead of joining a state every device then holds.
Groups this release does not know are left alone (:func:`memvault.sync.merge.join` keeps only its own).
"""

from __future__ import annotations

import json
import math
from typing import Any

from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import DamagedData
from memvault.domain.fields import BY_NAME, Kind
from memvault.sync.merge import BORN, CONTEXT, FIELDS, GROUPS, MAX_HISTORY, HISTORY_KEYS, State, check_hlc

#: The register fields that hold optional text (checked as such in an incoming op), by kind, not by position.
_CONTEXT_TEXT = tuple(name for name in CONTEXT if BY_NAME[name].kind is Kind.OPTIONAL_TEXT)


def _number(value: Any, optional: bool = False) -> bool:
    if value is None:
        return optional
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _text(value: Any, optional: bool = True) -> bool:
    return isinstance(value, str) or (optional and value is None)


# The values an enum accepts, as sets: looked up for every op of a snapshot, where calling the enum costs more.
_TYPES = frozenset(m.value for m in MemoryType)
_TIERS = frozenset(t.value for t in Tier)
_VISIBILITIES = frozenset(v.value for v in Visibility)
_SOURCES = frozenset(s.value for s in TypeSource)


def _check_values(op: dict[str, Any]) -> None:
    if "born" in op:
        born = op["born"][1]
        if not (_text(born["client_id"]) and _number(born["created_at"]) and _text(born["origin_device"], False)):
            raise ValueError
    values = {name: register[1] for name, register in op.get("f", {}).items()}
    for name, allowed in (("memory_type", _TYPES), ("tier", _TIERS), ("visibility", _VISIBILITIES),
                          ("memory_type_source", _SOURCES)):
        if name in values and values[name] not in allowed:
            raise ValueError
    if "importance" in values and (not _number(values["importance"]) or not 0 <= values["importance"] <= 1):
        raise ValueError
    if not all(_text(values[k]) for k in _CONTEXT_TEXT if k in values):
        raise ValueError
    if "expires_at" in values and not _number(values["expires_at"], True):
        raise ValueError
    for group in ("trash", "archive"):
        if group in op and (len(op[group]) != 2 or not _number(op[group][1], True)):
            raise ValueError
    if "t" in op and (len(op["t"]) != 2 or not _number(op["t"][1])):
        raise ValueError
    if "ts" in op:
        if len(op["ts"]) != 2:
            raise ValueError
        if op["ts"][1] is not None:
            check_hlc(op["ts"][1])
    for register in op.get("meta", {}).values():
        if not isinstance(register[1], bool):
            raise TypeError


def _check_history(entries: Any) -> None:
    """``[[version, change, changed_at, snapshot JSON], ...]``, each snapshot a memory's historic fields."""
    if not isinstance(entries, list) or len(entries) > MAX_HISTORY:
        raise ValueError
    for entry in entries:
        version, change, at, snapshot = entry
        if type(version) is not int or version < 1 or not isinstance(change, str) or len(change) > 40 \
                or not _number(at) or not isinstance(snapshot, str):
            raise ValueError
        try:
            fields = json.loads(snapshot)
        except RecursionError:
            raise ValueError from None
        if not isinstance(fields, dict) or not HISTORY_KEYS <= set(fields) or not isinstance(fields["content"], str) \
                or fields["memory_type"] not in _TYPES or fields["tier"] not in _TIERS \
                or fields["visibility"] not in _VISIBILITIES or not _number(fields["importance"]) \
                or not isinstance(fields["tags"], list) or not all(isinstance(t, str) for t in fields["tags"]) \
                or not isinstance(fields["metadata"], dict):
            raise ValueError


def validate_op(op: Any) -> State:
    """``op`` as read from a segment, after checking its shape (stamps, types); :class:`DamagedData` otherwise."""
    try:
        if isinstance(op, dict) and "wipe" in op:
            if set(op) != {"wipe", "h"} or not isinstance(op["wipe"], str):
                raise ValueError
            check_hlc(op["h"])
            return op
        if not isinstance(op, dict) or not isinstance(op.get("ns"), str) or not isinstance(op.get("u"), str):
            raise TypeError
        if "vectors" in op and not isinstance(op["vectors"], dict):
            raise ValueError
        for group in GROUPS:
            if group in op:
                register = op[group]
                if not isinstance(register, list) or len(register) < 2:
                    raise ValueError
                check_hlc(register[0])
        if "born" in op and (not isinstance(op["born"][1], dict) or set(op["born"][1]) != set(BORN)):
            raise ValueError
        if "f" in op:
            if not isinstance(op["f"], dict) or not set(op["f"]) <= set(FIELDS):
                raise ValueError
            for register in op["f"].values():
                if not isinstance(register, list) or len(register) != 2:
                    raise ValueError
                check_hlc(register[0])
        if "content" in op:
            if len(op["content"]) != 3 or not isinstance(op["content"][1], str) or \
                    not isinstance(op["content"][2], list):
                raise ValueError
            for stamp in op["content"][2]:
                check_hlc(stamp)
        if "gone" in op:
            check_hlc(op["gone"])
        if "hv" in op:
            _check_history(op["hv"])
        if "n" in op and not (isinstance(op["n"], dict) and all(
                isinstance(k, str) and type(v) is int and 0 <= v < 1 << 40 for k, v in op["n"].items())):
            raise ValueError
        for key, register in op.get("meta", {}).items():
            if not isinstance(key, str) or not isinstance(register, list) or len(register) != 3:
                raise ValueError
            check_hlc(register[0])
        for tag, pair in op.get("tags", {}).items():
            if not isinstance(tag, str) or not isinstance(pair, list) or len(pair) != 2:
                raise ValueError
            for side in pair:
                if not isinstance(side, dict):
                    raise TypeError
                for stamp in side.values():
                    check_hlc(stamp)
        _check_values(op)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise DamagedData("a sync op has an impossible shape; the segment is damaged or foreign") from None
    return op
