"""Input validation: every rule from :mod:`memvault.domain.limits`, with plain messages."""

from __future__ import annotations

import base64
import enum
import gc
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar

from memvault.domain import limits
from memvault.domain.errors import InvalidInput

E = TypeVar("E", bound=enum.Enum)
_NAMESPACE = re.compile(limits.NAMESPACE_PATTERN)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CURSOR = re.compile(r"^[A-Za-z0-9_\-]+$")


def plain_text(value: str, field: str) -> str:
    """``value`` unless it holds a lone UTF-16 surrogate, which no UTF-8 file or database can store."""
    if _SURROGATE.search(value):
        raise InvalidInput(f"{field} contains an unpaired surrogate code point (not valid Unicode text)", field=field)
    return value


def _too_many(where: str, node: dict | list, max_items: int) -> InvalidInput:
    kind = "an object of" if isinstance(node, dict) else "a list of"
    return InvalidInput(f"{where} is {kind} {len(node):,} items; at most {max_items:,} are accepted", field=where)


def _inner(where: str, key: Any, root: str) -> str:
    """The name of an item inside ``where`` for a message: ``tags``, ``memories[3].tags``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return str(key)[:64] if where == root else f"{where}.{str(key)[:64]}"


def check_json(value: Any, field: str, *, max_depth: int, text: bool = True, max_items: int | None = None) -> None:
    """Refuse JSON-like data nested deeper than ``max_depth``, with bad text or numbers SQLite cannot hold.

    The walk is iterative, so hostile nesting cannot exhaust the stack here.
    Without ``text`` only the nesting is checked: for data just parsed from
    JSON whose text holds no surrogate escape (see :func:`loads_strict`), where
    every string is valid and every number finite already. With ``max_items``,
    no list or object may hold more items than that.
    """
    if not text:
        _check_depth(value, field, max_depth, max_items)
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > max_depth:
                raise InvalidInput(f"{field} is nested more than {max_depth} levels deep", field=field)
            if max_items is not None and len(node) > max_items:
                raise _too_many(field, node, max_items)
            if isinstance(node, dict):
                for key, item in node.items():
                    if not isinstance(key, str):
                        raise InvalidInput(f"{field} keys must be strings", field=field)
                    plain_text(key, field)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            plain_text(node, field)
        elif node is None or isinstance(node, int):  # bool is an int
            continue
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise InvalidInput(f"{field} holds a number that is not finite (NaN or Infinity)", field=field)
        else:
            raise InvalidInput(f"{field} must contain only JSON values", field=field)


def _check_depth(value: Any, field: str, max_depth: int, max_items: int | None = None) -> None:
    # Level by level, touching only containers: a body of a million small objects costs ~0.2 CPU-s here.
    level = [(value, field)] if type(value) in _CONTAINERS else []
    depth = 1
    while level:
        if depth > max_depth:
            raise InvalidInput(f"{field} is nested more than {max_depth} levels deep", field=field)
        deeper: list[tuple[Any, str]] = []
        for node, where in level:
            if max_items is not None and len(node) > max_items:
                raise _too_many(where, node, max_items)
            for key, item in node.items() if type(node) is dict else enumerate(node):
                if type(item) in _CONTAINERS:
                    deeper.append((item, _inner(where, key, field)))
        level = deeper
        depth += 1


_CONTAINERS = (dict, list)
#: A JSON escape for a UTF-16 surrogate: the only way a lone surrogate reaches a string parsed from UTF-8.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class _Tokens(NamedTuple):
    comma: Any
    square: Any
    square_end: Any
    curly: Any
    curly_end: Any
    quote: Any
    backslash: Any
    nothing: Any


_TOKENS = {str: _Tokens(*',[]{}"\\', ""), bytes: _Tokens(*(bytes([c]) for c in b',[]{}"\\'), b"")}


def refuse_many_values(raw: bytes | str, field: str, max_values: int, *,
                       advice: str = "; send it in smaller parts") -> None:
    """Refuse ``raw`` if it holds more than ``max_values`` JSON values, counting at C speed without parsing.

    Parsing costs per value, not per byte: 24 MiB of ``[[],[],...]`` took 5 CPU-s
    in ``json.loads`` and 24 MiB of zeros 1 s, where the same bytes as one string
    take 0.05 s. Each value is a container's first item or follows a comma, so
    commas and opening brackets outside strings bound the count. Only when the
    bytes as a whole hold too many are strings set aside: escaped backslashes
    and quotes removed, every remaining quote delimits a string.
    """
    if isinstance(raw, bytes) and json.detect_encoding(raw) != "utf-8":
        try:
            raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
        except UnicodeDecodeError:
            return  # json.loads refuses it, at the cost of decoding it
    t = _TOKENS[type(raw)]
    if raw.count(t.comma) + raw.count(t.square) + raw.count(t.curly) < max_values:
        return
    outside = raw
    if t.quote in raw:
        unescaped = raw.replace(t.backslash * 2, t.nothing).replace(t.backslash + t.quote, t.nothing)
        # each string is a value or a key, and each key has its value: at least half as many values as strings
        if unescaped.count(t.quote) // 2 / 2 > max_values:
            _refuse_values(field, max_values, advice)
        outside = t.quote.join(unescaped.split(t.quote)[0::2])  # a quote for each string: ["] is not empty
    values = 1 + outside.count(t.comma)  # at least: every comma starts a value
    if values <= max_values:
        empty = outside.count(t.square + t.square_end) + outside.count(t.curly + t.curly_end)
        values += outside.count(t.square) + outside.count(t.curly) - empty
    if values > max_values:
        _refuse_values(field, max_values, advice)


def _refuse_values(field: str, max_values: int, advice: str) -> None:
    raise InvalidInput(f"{field} holds more than {max_values:,} JSON values{advice}", field=field)


def parse_paused(parse: Callable[[], Any]) -> Any:
    """``parse()`` with the cyclic garbage collector paused: parsed JSON holds no cycles, and the collections
    that a million new containers set off made parsing them six times slower (5.3 against 0.8 CPU-s)."""
    if not gc.isenabled():
        return parse()
    gc.disable()
    try:
        return parse()
    finally:
        gc.enable()


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput(f"the number {text[:30]} is too large")
    return value


def _json_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not a JSON number; send a finite number")


def loads_strict(raw: bytes | str, *, field: str = "the request body",
                 max_depth: int = limits.JSON_BODY_MAX_DEPTH, max_items: int | None = None,
                 max_values: int | None = None) -> Any:
    """Parse JSON that a client sent; :class:`json.JSONDecodeError` for bad syntax, :class:`InvalidInput` else.

    Refused: NaN and Infinity, numbers too large for a double, integers of
    thousands of digits, nesting deeper than ``max_depth`` and lone surrogates
    in any string or key, and (with ``max_items``) lists or objects longer than
    that. With ``max_values``, text holding more JSON values than that is
    refused before it is parsed. Integers beyond 64 bits are JSON and pass:
    each use that binds them to SQL checks its own range.
    """
    if max_values is not None:
        refuse_many_values(raw, field, max_values)
    try:
        value = parse_paused(lambda: json.loads(raw, parse_float=_json_float, parse_constant=_json_constant))
    except RecursionError:
        raise InvalidInput(f"{field} is nested more than {max_depth} levels deep", field=field) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{field} is not UTF-8 text", field=field) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer literal past Python's digit limit
        raise InvalidInput(f"{field} holds a number with too many digits", field=field) from None
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")  # a lone surrogate in the text itself shows up as its bytes
        maybe_surrogate = b"\xed" in raw or _SURROGATE_ESCAPE.search(raw) is not None
    else:  # json.loads reads UTF-16 and UTF-32 bytes too, where a surrogate needs no escape
        maybe_surrogate = json.detect_encoding(raw) != "utf-8" or _SURROGATE_ESCAPE.search(raw) is not None
    check_json(value, field, max_depth=max_depth, text=maybe_surrogate, max_items=max_items)
    return value


def parse_json(raw: bytes | str, *, field: str = "the request body",
               max_depth: int = limits.JSON_BODY_MAX_DEPTH) -> Any:
    """Like :func:`loads_strict`, with bad syntax as :class:`InvalidInput` too."""
    try:
        return loads_strict(raw, field=field, max_depth=max_depth)
    except json.JSONDecodeError:
        raise InvalidInput(f"{field} is not valid JSON", field=field) from None


def cursor(value: Any) -> str | None:
    """A list cursor as this server issues them, or ``None``.

    Cursors are URL-safe base64 of ``[created_at, rowid]``; anything else
    (hostile nesting, ids SQLite cannot bind, NaN) is refused here, before
    the vault decodes it.
    """
    if value is None:
        return None
    refused = InvalidInput("the cursor is not one this vault gave out: pass the next_cursor of the page before",
                           field="cursor")
    if not isinstance(value, str) or len(value) > limits.CURSOR_MAX_CHARS or not _CURSOR.match(value):
        raise refused
    try:
        decoded = loads_strict(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), max_depth=1)
    except (ValueError, InvalidInput):  # bad base64 or JSON, NaN, nesting
        raise refused from None
    if not (isinstance(decoded, list) and len(decoded) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in decoded)
            and isinstance(decoded[1], int) and 0 <= decoded[1] <= limits.INT_MAX
            and abs(decoded[0]) < 1e15):
        raise refused
    return value


def content(value: Any, *, field: str = "content", max_chars: int = limits.CONTENT_MAX_CHARS) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    if not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > max_chars:
        raise InvalidInput(f"{field} has {len(value)} characters; the limit is {max_chars}", field=field)
    if "\x00" in value:
        raise InvalidInput(f"{field} must not contain NUL characters", field=field)
    return plain_text(value, field)


def namespace(value: Any) -> str:
    if not isinstance(value, str) or not _NAMESPACE.match(value):
        raise InvalidInput(
            "namespace must be 1-64 letters a-z or A-Z, digits, '_', '-' or '.', starting with a letter or digit "
            "(no accented letters or other scripts)",
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
    return plain_text(value, field)


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
        # 1e300 arrives as a whole number of 301 digits: not echoed whole.
        got = value if abs(value) < 10**15 else f"a number of {len(str(abs(value)))} digits"
        raise InvalidInput(f"{field} must be between {low} and {high} (got {got})", field=field)
    return value


def tags(value: Any) -> tuple[str, ...]:
    """Distinct, stripped tags in the order given.

    The limit is checked as tags arrive, so a request holding a million tags
    is refused after the 51st distinct one, not after de-duplicating them all.
    """
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput("tags must be a list of strings", field="tags")
    seen: dict[str, None] = {}
    for tag in value:
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidInput("each tag must be a non-empty string", field="tags")
        tag = plain_text(tag.strip(), "tags")
        if "\x00" in tag:  # refused in content and queries too; a tag travels into exports' front matter
            raise InvalidInput("tags must not contain NUL characters", field="tags")
        if len(tag) > limits.TAG_MAX_CHARS:
            raise InvalidInput(f"tag {tag[:20]!r}… is longer than {limits.TAG_MAX_CHARS} characters", field="tags")
        seen[tag] = None
        if len(seen) > limits.TAGS_MAX:
            raise InvalidInput(f"at most {limits.TAGS_MAX} tags are allowed", field="tags")
    return tuple(seen)


def metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("metadata must be a JSON object", field="metadata")
    if len(value) > limits.METADATA_MAX_KEYS:
        raise InvalidInput(f"metadata has {len(value)} keys; the limit is {limits.METADATA_MAX_KEYS}", field="metadata")
    if not all(isinstance(k, str) for k in value):
        raise InvalidInput("metadata keys must be strings", field="metadata")
    if any("\x00" in k for k in value):  # a key is a JSON path to a filter, which SQLite cuts at a NUL
        raise InvalidInput("metadata keys must not contain NUL characters", field="metadata")
    check_json(value, "metadata", max_depth=limits.METADATA_MAX_DEPTH)
    try:
        encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput("metadata must contain only JSON values", field="metadata") from None
    size = len(encoded.encode("utf-8"))
    if size > limits.METADATA_MAX_BYTES:
        raise InvalidInput(f"metadata is {size} bytes; the limit is {limits.METADATA_MAX_BYTES}", field="metadata")
    return json.loads(encoded)


def metadata_filter(value: Any, field: str = "metadata_filter") -> dict[str, Any]:
    """Exact-match conditions on metadata keys: a small, shallow JSON object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field=field)
    if len(value) > limits.METADATA_FILTER_MAX_KEYS:
        raise InvalidInput(f"{field} names {len(value)} keys; the limit is {limits.METADATA_FILTER_MAX_KEYS}",
                           field=field)
    for key in value:
        if not isinstance(key, str) or not key or len(key) > limits.METADATA_KEY_MAX_CHARS:
            raise InvalidInput(f"{field} keys must be 1-{limits.METADATA_KEY_MAX_CHARS} characters", field=field)
        if "\x00" in key:
            # A key becomes a JSON path, which SQLite cuts at a NUL.
            raise InvalidInput(f"{field} keys must not contain NUL characters", field=field)
        item = value[key]
        if isinstance(item, dict) and any(isinstance(k, str) and k.startswith("$") for k in item):
            # {"$ne": …} reads as an operator, but would be compared as a literal object and match nothing.
            raise InvalidInput(f"{field} compares values exactly; operators such as {next(iter(item))!r} are not "
                               "supported", field=field)
    check_json(value, field, max_depth=limits.METADATA_MAX_DEPTH)
    return {key: _sql_number(item, field) for key, item in value.items()}


def _sql_number(value: Any, field: str) -> Any:
    """An integer beyond 64 bits as the double SQLite reads from stored JSON (it binds no larger integer)."""
    if isinstance(value, int) and not isinstance(value, bool) and not limits.INT_MIN <= value <= limits.INT_MAX:
        try:
            return float(value)
        except OverflowError:
            raise InvalidInput(f"{field} holds a number too large to compare", field=field) from None
    return value


def filter_lists(f: Any) -> None:
    """Refuse a memory filter naming more tags or memory types than any filter needs (each becomes a bound
    SQL parameter), before anything reads the vault."""
    if len(f.tags) > limits.FILTER_LIST_MAX:
        raise InvalidInput(f"a filter names {len(f.tags)} tags; the limit is {limits.FILTER_LIST_MAX}", field="tags")
    if len(f.memory_types) > limits.FILTER_LIST_MAX:
        raise InvalidInput(f"a filter names {len(f.memory_types)} memory types; the limit is "
                           f"{limits.FILTER_LIST_MAX}", field="memory_types")
    if f.min_importance is not None:
        unit_float(f.min_importance, "min_importance")  # a search refuses what a list refuses


def ttl(value: Any) -> int | None:
    if value is None:
        return None
    return int_range(value, "expires_in_seconds", 1, limits.TTL_MAX_SECONDS)
