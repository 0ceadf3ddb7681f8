"""Other memory tools' files as notes: mem0, mcp-memory-service, Basic Memory and Obsidian folders.

- mem0: the JSON its ``get_all`` / export returns (a list, or ``{"results": [...]}``)
  with ``id``, ``memory``, ``user_id``, ``agent_id``, ``run_id``, ``metadata``,
  ``categories``, ``created_at``, ``updated_at``; or its history database
  (SQLite table ``history``: ``memory_id``, ``old_memory``, ``new_memory``,
  ``event`` ADD/UPDATE/DELETE, ``created_at``, ``updated_at``, ``is_deleted``),
  replayed to each memory's last state (deleted ones left out).
- mcp-memory-service: its SQLite file's ``memories`` table (``content``,
  ``content_hash``, ``tags`` comma-separated, ``memory_type``, ``metadata``
  JSON, ``created_at``/``updated_at`` Unix seconds, ``deleted_at``).
- Basic Memory: Markdown notes with ``title``, ``type``, ``permalink``, ``tags``
  front matter, ``- [category] text`` observations and ``- relation [[Target]]`` relations.
- Obsidian: any folder of ``.md`` notes; front matter ``tags`` and inline ``#tags``,
  ``created``/``date`` and ``updated``/``modified`` when present, else the file's time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from memvault.domain import limits
from memvault.domain.enums import MemoryType
from memvault.domain.errors import InvalidInput
from memvault.service.importers.items import DELETED_IN_SOURCE, Note, optional_time, text_of, unix_time
from memvault.service.importers.own import note_files, read_note_text
from memvault.service.files import user_file
from memvault.service.importers.streams import Input, Upload, binary, iter_json_array, where
from memvault.service.readable_markdown import split_note
from memvault.vault.foreign_sqlite import read_rows

_TYPES = {t.value for t in MemoryType}
_INLINE_TAG = re.compile(r"(?<![\w&/#])#([^\s#.,;:!?()\[\]{}'\"`]+)")
_OBSERVATION = re.compile(r"^\s*-\s*\[([^\]]+)\]\s*(.+)$", re.MULTILINE)
_RELATION = re.compile(r"^\s*-\s*([\w ]+?)\s*\[\[([^\]]+)\]\]", re.MULTILINE)


def _tag_list(value: Any) -> list[str]:
    """Tags from a list or a comma (else space) separated text, as people and tools write them."""
    if value is None:
        return []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # "tags: 2024" is a year tag: YAML read it as a number
    if isinstance(value, str):
        # "a, b" or "a b": a text with commas keeps the spaces inside a tag (mcp-memory-service's "spaced tag").
        parts = value.split(",") if "," in value else value.split()
    elif isinstance(value, list):
        parts = [str(v) for v in value if isinstance(v, (str, int, float))]
    else:
        return []
    return [p.strip().lstrip("#")[:limits.TAG_MAX_CHARS] for p in parts if p.strip().lstrip("#")]


def _json_safe(value: Any) -> Any:
    """Front matter values as JSON (YAML dates become ISO text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


# -- mem0 ----------------------------------------------------------------------


def mem0_note(doc: Any, place: str) -> Note:
    if not isinstance(doc, dict):
        raise InvalidInput(f"{place}: a memory is not an object")
    source_id = doc.get("id")
    if source_id is None or source_id == "":
        raise InvalidInput(f"{place}: the memory has no id")
    if not isinstance(source_id, str):
        raise InvalidInput(f"{place}: the memory's id is not text (mem0 ids are)")
    content = text_of(doc.get("memory"), place, "memory")
    created = unix_time(doc.get("created_at"), place, "created_at")
    updated = optional_time(doc.get("updated_at"), place, "updated_at") or created
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    return Note(source_id, content, created, max(created, updated), tags=tuple(_tag_list(doc.get("categories"))),
                metadata=dict(metadata), agent_id=_id(doc.get("agent_id")), user_id=_id(doc.get("user_id")),
                session_id=_id(doc.get("run_id")))


def _sqlite_source(path: Input) -> Path | bytes:
    return path.data if isinstance(path, Upload) else path


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def read_mem0(path: Input) -> Iterator[tuple[str, Note]]:
    with user_file(where(path), "read"), binary(path) as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3"):
        yield from read_mem0_history(path)
        return
    for place, doc in iter_json_array(path, key="results"):
        yield place, mem0_note(doc, place)


_HISTORY_COLUMNS = ("id", "memory_id", "old_memory", "new_memory", "event", "created_at", "updated_at", "is_deleted",
                    "actor_id", "role")


def read_mem0_history(path: Input) -> Iterator[tuple[str, Any]]:
    """Each memory's last state, replaying its history rows in order (one memory's rows at a time)."""
    current: dict[str, Any] | None = None
    for number, row in enumerate(read_rows(_sqlite_source(path), path.name, "history", _HISTORY_COLUMNS,
                                           order_by=("memory_id", "created_at", "updated_at")), 1):
        place = f"{path.name} history row {number}"
        memory_id = row.get("memory_id")
        if not isinstance(memory_id, str) or not memory_id:
            raise InvalidInput(f"{place}: memory_id is missing")
        if current is not None and current["id"] != memory_id:
            yield current["place"], DELETED_IN_SOURCE if current["deleted"] else _history_note(current)
            current = None
        event = str(row.get("event") or "").upper()
        when = unix_time(row.get("created_at"), place, "created_at") if row.get("created_at") else None
        if current is None:
            current = {"id": memory_id, "place": place, "created": when, "updated": when, "text": None,
                       "deleted": False, "actor": row.get("actor_id")}
        if event in ("ADD", "UPDATE") and isinstance(row.get("new_memory"), str):
            current["text"] = row["new_memory"]
            current["deleted"] = False
        elif event == "DELETE" or row.get("is_deleted"):
            current["deleted"] = True
        elif event not in ("ADD", "UPDATE", "NONE", ""):
            raise InvalidInput(f"{place}: unknown event {event[:20]!r}")
        stamped = unix_time(row["updated_at"], place, "updated_at") if row.get("updated_at") else when
        current["updated"] = stamped or current["updated"]
        current["created"] = current["created"] or stamped
    if current is not None:
        yield current["place"], DELETED_IN_SOURCE if current["deleted"] else _history_note(current)


def _history_note(state: dict[str, Any]) -> Note:
    if state["text"] is None or state["created"] is None:
        raise InvalidInput(f"{state['place']}: memory {state['id'][:40]} has no added text or no time")
    return Note(state["id"], state["text"], state["created"], max(state["created"], state["updated"]),
                user_id=_id(state["actor"]))


# -- mcp-memory-service --------------------------------------------------------

_MCP_COLUMNS = ("id", "content", "content_hash", "tags", "memory_type", "metadata", "created_at", "updated_at",
                "created_at_iso", "updated_at_iso", "deleted_at")


def read_mcp_memory_service(path: Input) -> Iterator[tuple[str, Any]]:
    for number, row in enumerate(read_rows(_sqlite_source(path), path.name, "memories", _MCP_COLUMNS), 1):
        place = f"{path.name} memories row {number}"
        if row.get("deleted_at"):
            yield place, DELETED_IN_SOURCE
            continue
        source_id = row.get("content_hash") or str(row.get("id") or "")
        if not source_id:
            raise InvalidInput(f"{place}: the memory has no content_hash or id")
        content = text_of(row.get("content"), place, "content")
        created = unix_time(row.get("created_at") if row.get("created_at") is not None else row.get("created_at_iso"),
                            place, "created_at")
        updated = optional_time(row.get("updated_at") if row.get("updated_at") is not None
                                else row.get("updated_at_iso"), place, "updated_at") or created
        tags = row.get("tags")
        if isinstance(tags, str) and tags.strip().startswith("["):
            try:
                tags = json.loads(tags)
            except ValueError:
                raise InvalidInput(f"{place}: tags are not valid JSON") from None
        metadata: dict[str, Any] = {}
        if row.get("metadata"):
            try:
                metadata = json.loads(row["metadata"])
            except (TypeError, ValueError):
                raise InvalidInput(f"{place}: metadata is not valid JSON") from None
            if not isinstance(metadata, dict):
                raise InvalidInput(f"{place}: metadata is not a JSON object")
        kind = row.get("memory_type")
        memory_type = MemoryType(kind) if kind in _TYPES else None
        if kind and memory_type is None:
            metadata = {**metadata, "memory_type": kind}
        yield place, Note(str(source_id), content, created, max(created, updated), tags=tuple(_tag_list(tags)),
                          metadata=metadata, memory_type=memory_type)


# -- Markdown folders ------------------------------------------------------------


def _file_times(path: Path) -> float:
    return path.stat().st_mtime


def _front_time(front: dict[str, Any], names: tuple[str, ...], place: str) -> float | None:
    for name in names:
        if front.get(name) not in (None, ""):
            return unix_time(front[name], place, name)
    return None


def _folder_note(path: Path, folder: Path, *, basic_memory: bool) -> tuple[str, Note | None]:
    text, place = read_note_text(path, folder)
    front, body = split_note(text, place)
    content = body.strip("\n")
    if not content.strip():
        return place, None  # an empty note holds nothing to remember
    mtime = _file_times(path)
    created = _front_time(front, ("created", "created_at", "date"), place) or mtime
    updated = _front_time(front, ("updated", "updated_at", "modified"), place) or max(created, mtime)
    tags = _tag_list(front.get("tags")) + _INLINE_TAG.findall(content)
    title = front.get("title") if isinstance(front.get("title"), str) else path.stem
    metadata: dict[str, Any] = {"title": title, "path": place}
    own_fields = ("tags", "title")
    source_id = place
    if basic_memory:
        tags += [category.strip() for category, _ in _OBSERVATION.findall(content)]
        metadata.update(permalink=front.get("permalink"), type=front.get("type"),
                        relations=[{"type": r.strip(), "target": t} for r, t in _RELATION.findall(content)][:20])
        source_id = str(front.get("permalink") or place)
        own_fields = ("tags", "title", "permalink", "type")
    extra = {str(k): _json_safe(val) for k, val in front.items() if k not in own_fields}
    if extra:
        metadata["properties"] = extra
    unique = list(dict.fromkeys(t for t in tags if t))[:limits.TAGS_MAX]
    return place, Note(source_id, content, created, max(created, updated), tags=tuple(unique), metadata=metadata)


def read_obsidian(folder: Input) -> Iterator[tuple[str, Note | None]]:
    for path in note_files(folder):
        yield _folder_note(path, folder, basic_memory=False)


def read_basic_memory(folder: Input) -> Iterator[tuple[str, Note | None]]:
    for path in note_files(folder):
        yield _folder_note(path, folder, basic_memory=True)
