"""Reading large JSON files a record at a time, every problem named by file and line or record.

A data export's ``conversations.json`` is one JSON array that can be hundreds of
megabytes; :func:`iter_json_array` decodes one element at a time from a
bounded buffer, so memory use follows the largest element, not the file.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from memvault.domain.errors import InvalidInput
from memvault.service import validation as v
from memvault.service.files import user_file

_CHUNK = 1 << 20
#: A single record (one conversation, one memory) larger than this is refused rather than buffered.
MAX_RECORD_BYTES = 64 << 20
#: ... and so is one holding more JSON values than this (a conversation of ~25,000 messages holds ~1 million):
#: parsing costs per value, and 24 MiB of empty lists as one record cost 11 CPU-s before it was refused.
RECORD_MAX_VALUES = 1_000_000
_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


class _Buffer:
    """Text read so far and not yet decoded, and the line the first character of it is on."""

    def __init__(self, fh: Any, place: str) -> None:
        self.fh = fh
        self.place = place
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def more(self, at_least: int = _CHUNK) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(max(at_least, _CHUNK))
        if not chunk:
            self.eof = True
            return False
        self.line += self.text.count("\n", 0, self.pos)
        self.text = self.text[self.pos:] + chunk
        self.pos = 0
        return True

    def skip_space(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _SPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def where(self) -> str:
        return f"{self.place} line {self.line + self.text.count(chr(10), 0, self.pos)}"

    def decode(self, number: int) -> Any:
        """The JSON value that starts here (reading more of the file until it is whole)."""
        while True:
            try:
                value, end = v.parse_paused(lambda: _DECODER.raw_decode(self.text, self.pos))
            except RecursionError:
                raise InvalidInput(f"{self.where()} (record {number}) is nested too deeply") from None
            except json.JSONDecodeError as exc:
                if len(self.text) - self.pos > MAX_RECORD_BYTES:
                    raise InvalidInput(f"{self.where()} (record {number}) is larger than "
                                       f"{MAX_RECORD_BYTES >> 20} MB or not valid JSON") from None
                # Unless it is not JSON at all, the record runs on past what is read: all of that is this
                # record's, so it is counted before more is read and parsed again.
                v.refuse_many_values(self.text[self.pos:], f"{self.where()} (record {number})", RECORD_MAX_VALUES,
                                     advice=" or is not valid JSON")
                if not self.more(len(self.text)):
                    raise InvalidInput(f"{self.where()} (record {number}): the file ends inside this record "
                                       f"or it is not valid JSON ({exc.msg})") from None
                continue
            if end == len(self.text) and isinstance(value, (int, float)) and self.more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value


@dataclass(frozen=True)
class Upload:
    """A file sent over HTTP, held in memory: it is plaintext, so it is never spooled to a disk."""

    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix


Input = Path | Upload


def where(path: Input) -> str:
    """How a message names the input: a local file by its whole path, an upload by the name it came with."""
    return path.name if isinstance(path, Upload) else str(path)


def binary(path: Input) -> BinaryIO:
    return io.BytesIO(path.data) if isinstance(path, Upload) else open(path, "rb")  # noqa: SIM115


@contextlib.contextmanager
def open_text(path: Input, member: str | None) -> Iterator[tuple[TextIO, str]]:
    """``path`` as text, or, for a ``.zip`` and a ``member`` name, that file inside it (streamed, not extracted)."""
    with user_file(where(path), "read"):
        if member is None or path.suffix.lower() != ".zip":
            with io.TextIOWrapper(binary(path), encoding="utf-8-sig", errors="strict") as fh:
                yield fh, path.name
            return
        damaged = InvalidInput(f"{path.name}: the zip archive is damaged or cannot be read")
        try:
            archive = zipfile.ZipFile(binary(path))
        except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
            raise damaged from None
        with archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == member]
            if not names:
                raise InvalidInput(f"{path.name} holds no {member}")
            try:
                raw = archive.open(names[0])
            except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, RuntimeError):
                raise damaged from None  # RuntimeError: an encrypted member
            with raw, io.TextIOWrapper(raw, encoding="utf-8-sig") as fh:
                try:
                    yield fh, f"{path.name}:{names[0]}"
                except (zipfile.BadZipFile, zlib.error, EOFError):
                    raise damaged from None  # a bad checksum or a cut-short member, met while reading


def iter_json_array(path: Input, *, key: str | None = None, member: str | None = None) -> Iterator[tuple[str, Any]]:
    """Each element of the file's top-level array (or of the array under ``key`` when the top level is an object
    holding it first), with where it starts (``file line N``)."""
    with open_text(path, member) as (fh, place):
        buf = _Buffer(fh, place)
        try:
            first = buf.skip_space()
            if first == "{" and key is not None:
                buf.pos += 1
                if buf.skip_space() != '"':
                    raise InvalidInput(f"{place}: expected a JSON list, or an object with {key!r} first")
                name = buf.decode(0)
                if name != key or buf.skip_space() != ":":
                    raise InvalidInput(f"{place}: expected a JSON list, or an object with {key!r} first")
                buf.pos += 1
                first = buf.skip_space()
            if first != "[":
                raise InvalidInput(f"{place}: expected a JSON list of records" if first else f"{place} is empty")
            buf.pos += 1
            number = 0
            if buf.skip_space() == "]":
                return
            while True:
                number += 1
                where = f"{buf.where()} (record {number})"  # a file on one line has every record on line 1
                yield where, buf.decode(number)
                nxt = buf.skip_space()
                if nxt == ",":
                    buf.pos += 1
                    buf.skip_space()
                    continue
                if nxt == "]":
                    return
                raise InvalidInput(f"{buf.where()}: the list ends early or is not valid JSON after record {number}")
        except UnicodeDecodeError:
            raise InvalidInput(f"{place} is not UTF-8 text") from None


def iter_json_lines(path: Input) -> Iterator[tuple[str, Any]]:
    """Each line of a JSON Lines file as a value, with ``file line N`` (blank lines skipped)."""
    with user_file(where(path), "read"), binary(path) as fh:
        for number, raw in enumerate(fh, 1):
            place = f"{path.name} line {number}"
            if not raw.strip():
                continue
            v.refuse_many_values(raw, place, RECORD_MAX_VALUES, advice=" or is not valid JSON")
            try:
                yield place, v.parse_paused(lambda: json.loads(raw))
            except UnicodeDecodeError:
                raise InvalidInput(f"{place}: not UTF-8 text") from None
            except RecursionError:
                raise InvalidInput(f"{place}: nested too deeply") from None
            except json.JSONDecodeError as exc:
                cut = "" if raw.endswith(b"\n") else "; the file ends in the middle of it"
                # msg alone can end mid-sentence ("Invalid control character at"): the column completes it.
                raise InvalidInput(f"{place}: not valid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"
                                   f"{cut}") from None
