"""Memvault's own readable exports (JSON Lines and Markdown notes), read back field for field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from memvault.domain.errors import InvalidInput
from memvault.domain.transfer import MemoryRecord
from memvault.service.files import user_file
from memvault.service.importers.streams import Input, Upload, iter_json_lines
from memvault.service.readable_format import Where, doc_to_record
from memvault.service.readable_markdown import exported_body, split_note


class _Once:
    """Refuses a second record with an id, or a client id in a namespace, that an earlier one of the file has.

    An export holds each memory once: in a hand-edited file a repeated id (a correction added at the end) or a
    client id given to two memories would otherwise be settled against the first line's copy in the vault, and
    one of them left out under a report that reads as a version conflict.
    """

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._clients: dict[tuple[str, str], str] = {}

    def check(self, place: str, record: MemoryRecord) -> MemoryRecord:
        first = self._ids.setdefault(record.id, place)
        if first != place:
            raise InvalidInput(f"{place}: the id {record.id} is also {first}'s; an export holds each memory once "
                               "(keep the one you want)")
        if record.client_id is not None:
            first = self._clients.setdefault((record.namespace, record.client_id), place)
            if first != place:
                raise InvalidInput(f"{place}: the client_id {record.client_id!r} is also {first}'s, in the same "
                                   "namespace; a client id names one memory")
        return record


def read_jsonl(path: Input) -> Iterator[tuple[str, MemoryRecord]]:
    once = _Once()
    for place, doc in iter_json_lines(path):
        yield place, once.check(place, doc_to_record(doc, Where(place)))


def note_files(folder: Input) -> list[Path]:
    """The ``.md`` files under ``folder`` in a stable order (hidden folders such as ``.obsidian`` left out)."""
    if isinstance(folder, Upload):
        raise InvalidInput(f"{folder.name}: a folder of notes is imported with the app or the CLI, not uploaded")
    with user_file(folder, "read"):
        if not folder.is_dir():
            raise InvalidInput(f"{folder} is not a folder of Markdown files")
        found = [p for p in folder.rglob("*.md")
                 if not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    return sorted(found)


def read_note_text(path: Path, folder: Path) -> tuple[str, str]:
    """A note's text (exact: no newline translation) and its place (its path inside the folder)."""
    place = str(path.relative_to(folder))
    with user_file(path, "read"):
        data = path.read_bytes()
    try:
        return data.decode("utf-8"), place
    except UnicodeDecodeError:
        raise InvalidInput(f"{place}: not UTF-8 text") from None


def read_markdown(folder: Input) -> Iterator[tuple[str, MemoryRecord]]:
    once = _Once()
    for path in note_files(folder):
        text, place = read_note_text(path, folder)
        front, body = split_note(text, place)
        if not front:
            raise InvalidInput(f"{place}: no front matter (not a note written by a Memvault export; "
                               "import the folder as Obsidian notes instead)")
        doc = dict(front, content=exported_body(body))
        yield place, once.check(place, doc_to_record(doc, Where(place)))
