"""The bundle body: JSON lines written through the encrypted stream, and read back as they authenticate.

    stream  = memvault.crypto.stream of the body, under the file key, with the prefix as its bound header
    body    = JSON lines: "memory" and "history" lines, then one "end" line with line counts and a digest

Readers get lines as their segments authenticate (a verified prefix of the
body before the rest is known to be whole): callers that must be
all-or-nothing read the whole body first (:func:`verify_body`, or a full pass
of :func:`body_lines`) and only then act on it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Self

from memvault.bundle.header import (
    END,
    FILE_KEY_BYTES,
    LINE_TYPES,
    MAX_LINE_BYTES,
    BundleHeader,
    Manifest,
    Rng,
    Trailer,
    encode_prefix,
    json_count,
    json_text,
)
from memvault.bundle.keys import seal_manifest, wrap_for_passphrase
from memvault.crypto import recipients, stream
from memvault.crypto.digest import equal, random_bytes, sha256
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import DamagedData, DecryptionFailed, InvalidInput, TamperedData, TruncatedData


# -- body: writing ------------------------------------------------------------------------------------------


# One encoder for every line: json.dumps with options builds a new one per call.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _line_bytes(obj: dict[str, Any]) -> bytes:
    return _LINE_ENCODER.encode(obj).encode("utf-8") + b"\n"


@dataclass
class BundleWriter:
    """Writes one bundle to ``sink``: the prefix at once, then body lines through the stream.

    Call :meth:`add` for each body line (a dict with a ``type`` of :data:`LINE_TYPES`),
    then :meth:`close`, which writes the end line and the final segment. A writer
    left without ``close`` (:meth:`abandon`, or an exception in a ``with`` block)
    leaves a file every reader rejects as truncated.

    Args:
        sink: a binary file-like object.
        manifest: the summary sealed in the header.
        created_at, source_vault, source_device: written in the clear in the header.
        passphrase: protect the file key with it (Argon2id with ``kdf``), and/or
        recipient_keys: raw X25519 public keys that can each open the bundle.
        segment_size: plaintext bytes per stream segment.
        rng: all randomness (the file key, salts, nonces, ephemeral keys): injectable for test vectors.
    """

    sink: BinaryIO
    manifest: Manifest
    created_at: float
    source_vault: str
    source_device: str
    passphrase: str | None = None
    kdf: KdfParams | None = None
    recipient_keys: Sequence[bytes] = ()
    segment_size: int = stream.DEFAULT_SEGMENT_SIZE
    rng: Rng = random_bytes
    lines: dict[str, int] = field(default_factory=dict, init=False)
    _pending: bytearray = field(default_factory=bytearray, init=False)

    def __post_init__(self) -> None:
        if self.passphrase is not None and self.kdf is None:
            raise ValueError("a passphrase needs KDF parameters")
        file_key = self.rng(FILE_KEY_BYTES)
        slot = None if self.passphrase is None else wrap_for_passphrase(file_key, self.passphrase, self.kdf,
                                                                        rng=self.rng)
        stanzas = [recipients.wrap_for_recipient(file_key, key, rng=self.rng) for key in self.recipient_keys]
        self.prefix = encode_prefix(created_at=self.created_at, source_vault=self.source_vault,
                                    source_device=self.source_device, passphrase=slot, stanzas=stanzas,
                                    sealed_manifest=seal_manifest(file_key, self.manifest, rng=self.rng))
        self.sink.write(self.prefix)
        self._stream = stream.StreamWriter(self.sink, file_key, header=self.prefix, segment_size=self.segment_size,
                                           rng=self.rng)
        self._digest = sha256()

    @property
    def bytes_written(self) -> int:
        return len(self.prefix) + self._stream.bytes_written

    def add(self, line: dict[str, Any]) -> None:
        kind = line.get("type")
        if kind not in LINE_TYPES:
            raise ValueError(f"unknown body line type {kind!r}")
        data = _line_bytes(line)
        if len(data) > MAX_LINE_BYTES:
            raise InvalidInput(f"a {kind} line of {len(data)} bytes is larger than a bundle line may be")
        self._digest.update(data)
        self.lines[kind] = self.lines.get(kind, 0) + 1
        self._pending += data
        # Hand the stream whole segments' worth at a time: fewer, larger writes.
        if len(self._pending) >= self.segment_size:
            self._stream.write(self._pending)
            self._pending.clear()

    def close(self) -> Trailer:
        """Write the end line and the final segment; returns the trailer written."""
        trailer = Trailer(dict(self.lines), self._digest.hexdigest())
        self._pending += _line_bytes({"type": END, "lines": trailer.lines, "sha256": trailer.sha256})
        self._stream.write(self._pending)
        self._pending.clear()
        self._stream.close()
        return trailer

    def abandon(self) -> None:
        self._pending.clear()
        self._stream.abandon()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


# -- body: reading ------------------------------------------------------------------------------------------


def _segments(source: BinaryIO, header: BundleHeader, file_key: bytes) -> Iterator[bytes]:
    try:
        yield from stream.StreamReader(source, file_key, header=header.prefix)
    except TruncatedData as exc:
        raise TruncatedData(f"the bundle is truncated ({exc.message})") from None
    except TamperedData as exc:
        raise TamperedData(f"the bundle was damaged or modified ({exc.message})") from None
    except DecryptionFailed:
        # The file key unwrapped (the passphrase or key is right), so this is damage, not a wrong secret.
        raise TamperedData("the bundle's body does not authenticate: it was truncated, damaged or modified") from None
    except DamagedData as exc:
        raise DamagedData(f"the bundle's body is unreadable ({exc.message})") from None


def _parse_end(line: bytes) -> Trailer:
    try:
        doc = json.loads(line)
        if not isinstance(doc, dict) or doc.get("type") != END:
            raise ValueError("the last line is not the end line")
        lines = {json_text(k): json_count(v) for k, v in doc["lines"].items()}
        digest = json_text(doc["sha256"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DamagedData(f"the bundle's end line is malformed ({exc})") from None
    return Trailer(lines, digest)


def verify_body(source: BinaryIO, header: BundleHeader, file_key: bytes,
                progress: Callable[[int], None] | None = None) -> Trailer:
    """Authenticate the whole body and check its digest without parsing its lines.

    ``source`` is positioned at the stream (after :func:`read_header`);
    ``progress`` gets the plaintext bytes read so far after each segment.
    """
    digest = sha256()
    held = b""  # the last line seen so far, complete or not: the end line, once the data ends
    total = 0
    for part in _segments(source, header, file_key):
        total += len(part)
        data = held + part
        cut = data.rfind(b"\n", 0, len(data) - 1) + 1
        if cut:
            digest.update(memoryview(data)[:cut])
        held = data[cut:]
        if len(held) > MAX_LINE_BYTES:
            raise DamagedData("the bundle's body holds a line longer than any bundle line")
        if progress is not None:
            progress(total)
    if not held.endswith(b"\n"):
        raise DamagedData("the bundle's body does not end with its end line")
    trailer = _parse_end(held)
    if not equal(trailer.sha256, digest.hexdigest()):
        raise DamagedData("the bundle's body does not match the digest in its end line")
    return Trailer(trailer.lines, trailer.sha256, total)


def body_lines(source: BinaryIO, header: BundleHeader, file_key: bytes) -> Iterator[dict[str, Any]]:
    """Each body line as a dict, in order; the end line is checked (counts, digest, nothing after it).

    ``source`` is positioned at the stream. Lines are yielded as their segments
    authenticate: an error at the end of the body comes after the lines before it.
    """
    raw = stream.PlaintextFile(_segments(source, header, file_key))
    reader = io.BufferedReader(raw, buffer_size=1024 * 1024)
    digest = sha256()
    counts: dict[str, int] = {}
    number = 0
    while True:
        line = reader.readline(MAX_LINE_BYTES + 1)
        number += 1
        if not line:
            raise DamagedData("the bundle's body ends without its end line")
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise DamagedData(f"line {number} of the bundle's body is longer than any bundle line")
            raise DamagedData("the bundle's body does not end with its end line")
        try:
            doc = json.loads(line)
        except RecursionError:
            raise DamagedData(f"line {number} of the bundle's body is nested deeper than any bundle line") from None
        except ValueError:  # not JSON, not UTF-8, or an integer of more digits than Python reads
            raise DamagedData(f"line {number} of the bundle's body is not valid JSON") from None
        kind = doc.get("type") if isinstance(doc, dict) else None
        if kind == END:
            trailer = _parse_end(line)
            if reader.read(1):
                raise DamagedData("the bundle's body goes on after its end line")
            if trailer.lines != counts:
                raise DamagedData(f"the bundle's end line counts {trailer.lines} lines but the body holds {counts}")
            if not equal(trailer.sha256, digest.hexdigest()):
                raise DamagedData("the bundle's body does not match the digest in its end line")
            return
        if kind not in LINE_TYPES:
            raise DamagedData(f"line {number} of the bundle's body has an unknown type {kind!r}")
        digest.update(line)
        counts[kind] = counts.get(kind, 0) + 1
        yield doc
