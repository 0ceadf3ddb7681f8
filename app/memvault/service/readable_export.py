"""Readable copies: namespaces written as JSON Lines or as a folder of Markdown files, unencrypted.

Either is written from one read snapshot, a page of memories at a time, so
memory use does not grow with the vault. The caller must say that an
unencrypted copy is what the user wants (``unencrypted_ok``); nothing is
written otherwise. The output appears only when it is complete: a JSON Lines
file is written beside its name and renamed, a Markdown folder is filled under
a temporary name and renamed, so a cancel or an error leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.transfer import MemoryRecord
from memvault.service import validation as v
from memvault.service.bundle_import import Cancelled, Progress
from memvault.service.files import user_file
from memvault.service.readable_format import record_to_doc
from memvault.service.readable_markdown import render_note
from memvault.vault import export_queries as q
from memvault.vault.engine import Database

_PROGRESS_EVERY = 200
#: The HTTP export hands the client about this much text at a time.
STREAM_CHUNK_CHARS = 1 << 20


class ReadableFormat(enum.StrEnum):
    JSONL = "jsonl"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class ReadableExportRequest:
    """What to write: namespaces, the format, history and trash or not, and the user's consent to plaintext."""

    namespaces: tuple[str, ...]
    format: ReadableFormat = ReadableFormat.JSONL
    include_history: bool = False
    include_deleted: bool = False
    unencrypted_ok: bool = False


@dataclass(frozen=True)
class ReadableExportReport:
    format: str
    path: str
    namespaces: tuple[str, ...]
    memories: int
    history: int
    files: int
    bytes: int
    seconds: float
    cancelled: bool = False


UNENCRYPTED_REFUSAL = ("a readable export is not encrypted: anyone who can read the file reads every memory in it; "
                       "confirm that this is what you want (--unencrypted-ok on the command line, "
                       "unencrypted_ok=true over HTTP)")


def _note_name(record: MemoryRecord) -> str:
    """A file name people can read (the first words) that stays unique (the end of the id)."""
    words = re.sub(r"[^\w\- ]+", "", record.content.split("\n", 1)[0], flags=re.UNICODE).strip()[:48].strip()
    return f"{words or 'memory'} {record.id.replace('-', '')[-12:]}.md"


class ReadableExporter:
    """Writes readable copies of one vault's namespaces."""

    def __init__(self, db: Database, *, dimension: int, wall: Clock = system_clock) -> None:
        self._db = db
        self._dimension = dimension
        self._wall = wall

    def _check(self, request: ReadableExportRequest) -> tuple[ReadableFormat, tuple[str, ...]]:
        if not request.unencrypted_ok:
            raise InvalidInput(UNENCRYPTED_REFUSAL, field="unencrypted_ok")
        fmt = v.choice(ReadableFormat, request.format, "format")
        if not request.namespaces:
            raise InvalidInput("name at least one namespace to export", field="namespaces")
        names = tuple(dict.fromkeys(v.namespace(n) for n in request.namespaces))
        with self._db.read() as conn:
            known = q.namespaces_present(conn, names)
        missing = [n for n in names if n not in known]
        if missing:
            raise NotFound(f"no namespace named {', '.join(missing)}")
        return fmt, names

    @contextlib.contextmanager
    def _records(self, names: tuple[str, ...], request: ReadableExportRequest) -> Iterator[tuple[int, Any]]:
        """The memories to write (one read snapshot) and how many they are."""
        with self._db.read() as conn:
            now = self._wall()
            counts = q.export_counts(conn, names, include_deleted=request.include_deleted,
                                     include_history=request.include_history, now=now)
            yield sum(c.memories for c in counts), q.iter_records(
                conn, names, include_history=request.include_history, include_deleted=request.include_deleted,
                now=now, dimension=self._dimension, with_vectors=False)

    def export(self, path: Path, request: ReadableExportRequest, *, progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None) -> ReadableExportReport:
        """Write ``request``'s namespaces to ``path`` (a ``.jsonl`` file, or a folder for Markdown)."""
        fmt, names = self._check(request)
        path = Path(path)
        if path.exists() and not (fmt is ReadableFormat.MARKDOWN and path.is_dir() and not any(path.iterdir())):
            raise InvalidInput(f"{path} already exists; choose a new name (nothing is overwritten)")
        started = time.perf_counter()
        with self._records(names, request) as (total, records):
            tick = _ticker(total, progress, cancelled)
            try:
                if fmt is ReadableFormat.JSONL:
                    done = _write_jsonl(path, records, request.include_history, tick)
                else:
                    done = _write_markdown(path, records, request.include_history, tick)
            except Cancelled:
                return ReadableExportReport(fmt.value, str(path), names, 0, 0, 0, 0, time.perf_counter() - started,
                                            cancelled=True)
        memories, history, files, size = done
        return ReadableExportReport(fmt.value, str(path), names, memories, history, files, size,
                                    round(time.perf_counter() - started, 3))

    def jsonl_chunks(self, request: ReadableExportRequest) -> Iterator[bytes]:
        """JSON Lines as successive byte chunks (for HTTP streaming); the request is checked before this returns."""
        _fmt, names = self._check(replace(request, format=ReadableFormat.JSONL))
        return self._jsonl_chunks(names, request)

    def _jsonl_chunks(self, names: tuple[str, ...], request: ReadableExportRequest) -> Iterator[bytes]:
        encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        with self._records(names, request) as (_total, records):
            chunk: list[str] = []
            size = 0
            for record in records:
                line = encoder.encode(record_to_doc(record, include_history=request.include_history)) + "\n"
                chunk.append(line)
                size += len(line)
                if size >= STREAM_CHUNK_CHARS:
                    yield "".join(chunk).encode("utf-8")
                    chunk, size = [], 0
            if chunk:
                yield "".join(chunk).encode("utf-8")


def _ticker(total: int, progress: Progress | None, cancelled: Callable[[], bool] | None) -> Callable[[int], None]:
    def tick(done: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress("exporting", done, total)
    return tick


def _counted(records: Iterator[MemoryRecord], tick: Callable[[int], None]) -> Iterator[MemoryRecord]:
    tick(0)
    n = 0
    for n, record in enumerate(records, 1):
        yield record
        if n % _PROGRESS_EVERY == 0:
            tick(n)
    tick(n)


def _write_jsonl(path: Path, records: Iterator[MemoryRecord], include_history: bool,
                 tick: Callable[[int], None]) -> tuple[int, int, int, int]:
    folder = path.parent if str(path.parent) else Path(".")
    memories = history = 0
    with user_file(path, "write"):
        fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    try:
        with user_file(path, "write"), os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            for record in _counted(records, tick):
                out.write(encoder.encode(record_to_doc(record, include_history=include_history)))
                out.write("\n")
                memories += 1
                history += len(record.history)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return memories, history, 1, path.stat().st_size


def _write_markdown(path: Path, records: Iterator[MemoryRecord], include_history: bool,
                    tick: Callable[[int], None]) -> tuple[int, int, int, int]:
    parent = path.parent if str(path.parent) else Path(".")
    with user_file(path, "write"):
        partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=parent))
    memories = history = size = 0
    try:
        with user_file(path, "write"):
            for record in _counted(records, tick):
                folder = partial / record.namespace
                folder.mkdir(exist_ok=True)
                target = folder / _note_name(record)
                if target.exists():  # two memories with the same first words and id ending: fall back to the id
                    target = folder / f"{record.id}.md"
                size += _write_note(target, record, include_history)
                memories += 1
                history += len(record.history)
            if path.is_dir():
                path.rmdir()  # an empty folder the user chose
            os.replace(partial, path)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return memories, history, memories, size


def _write_note(target: Path, record: MemoryRecord, include_history: bool) -> int:
    text = render_note(record_to_doc(record, include_history=include_history, times_as_text=True))
    data = text.encode("utf-8")
    with open(target, "wb") as out:
        out.write(data)
    return len(data)
