"""Segmented streaming AEAD: data of any size, in constant memory, every segment authenticated.

The construction follows STREAM (Hoang, Reyhanitabar, Rogaway, Vizár) as used
by age: a per-stream key, and a nonce made of the segment index and a
last-segment flag, so reordering, dropping, duplicating or splicing segments
and cutting the stream short all fail authentication.

Layout (all integers big-endian)::

    preamble  = u8 version (1) || u32 segment_size || salt (16 random bytes)
    key       = HKDF-SHA256(ikm=file_key, salt=salt, info="memvault-stream-v1"), 32 bytes
    AD        = "memvault-stream" || preamble || SHA-256(header)
    nonce(i)  = u88 i || u8 last (1 on the final segment, else 0)
    segment i = AES-256-GCM(key, nonce(i), plaintext_i, AD)     (ciphertext || 16-byte tag)
    stream    = preamble || segment 0 || ... || segment n-1

Every segment but the last holds exactly ``segment_size`` plaintext bytes; the
last holds 1..segment_size bytes (0 only when the whole stream is empty). A
reader therefore knows a segment is the last one when the data ends after it.
``header`` is whatever the caller's format puts in front of the stream (a
bundle header, a sync segment header); binding its digest into every segment
means a stream cannot be moved under another header.

Readers yield each segment's plaintext as soon as it authenticates, so a
consumer sees a verified prefix before it learns that the stream was cut or
altered further on: consumers that must be all-or-nothing verify first
(:func:`verify_stream`) or apply inside a transaction they can roll back.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from memvault.crypto.hkdf import hkdf_sha256
from memvault.domain.errors import DamagedData, DecryptionFailed, TamperedData, TruncatedData

VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 16
TAG_BYTES = 16
PREAMBLE_BYTES = 1 + 4 + SALT_BYTES
DEFAULT_SEGMENT_SIZE = 1024 * 1024
# A reader holds one segment in memory; the cap keeps a hostile preamble from choosing that amount.
MAX_SEGMENT_SIZE = 16 * 1024 * 1024
_MAX_SEGMENTS = 2**88
_AD_LABEL = b"memvault-stream"
_HKDF_INFO = b"memvault-stream-v1"


def encrypted_size(plaintext_bytes: int, segment_size: int = DEFAULT_SEGMENT_SIZE) -> int:
    """The exact size of the stream that encrypts ``plaintext_bytes`` bytes."""
    segments = max(1, -(-plaintext_bytes // segment_size))
    return PREAMBLE_BYTES + plaintext_bytes + segments * TAG_BYTES


def _nonce(index: int, last: bool) -> bytes:
    if index >= _MAX_SEGMENTS:
        raise OverflowError("stream has too many segments")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _cipher(file_key: bytes, preamble: bytes, header: bytes) -> tuple[AESGCM, bytes]:
    if len(file_key) != KEY_BYTES:
        raise ValueError(f"the stream needs a {KEY_BYTES}-byte file key, got {len(file_key)}")
    salt = preamble[5:]
    key = hkdf_sha256(file_key, salt=salt, info=_HKDF_INFO)
    return AESGCM(key), _AD_LABEL + preamble + hashlib.sha256(header).digest()


def _check_segment_size(segment_size: int) -> None:
    if not 1 <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError(f"segment_size must be within 1..{MAX_SEGMENT_SIZE}")


class StreamWriter:
    """Encrypts what is written to it into ``sink``, one segment at a time.

    A full segment is held back until more data arrives, because only then is
    it known not to be the last. :meth:`close` writes the final segment; a
    writer abandoned without ``close`` (or left by an exception inside a
    ``with`` block) leaves a stream that every reader rejects as truncated.
    The sink is never closed here.

    Args:
        sink: a binary file-like object with ``write``.
        file_key: 32 random bytes; each stream derives its own key from it and a random salt.
        header: caller bytes bound to every segment (the reader must pass the same bytes).
        segment_size: plaintext bytes per segment.
        rng: randomness for the salt (tests inject a fixed one to reproduce vectors).
    """

    def __init__(self, sink: BinaryIO, file_key: bytes, *, header: bytes = b"",
                 segment_size: int = DEFAULT_SEGMENT_SIZE, rng: Callable[[int], bytes] = os.urandom) -> None:
        _check_segment_size(segment_size)
        self._sink = sink
        self._segment_size = segment_size
        self.preamble = struct.pack(">BI", VERSION, segment_size) + rng(SALT_BYTES)
        self._aead, self._ad = _cipher(file_key, self.preamble, header)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self.plaintext_bytes = 0
        self.bytes_written = 0
        self._emit_raw(self.preamble)

    def _emit_raw(self, data: bytes) -> None:
        self._sink.write(data)
        self.bytes_written += len(data)

    def _emit_segment(self, plaintext: bytes | bytearray | memoryview, last: bool) -> None:
        self._emit_raw(self._aead.encrypt(_nonce(self._index, last), plaintext, self._ad))
        self._index += 1

    def write(self, data: bytes) -> int:
        """Encrypt ``data`` (any length); returns ``len(data)``."""
        if self._closed:
            raise ValueError("write to a closed stream")
        view = memoryview(data).cast("B")
        seg, pos = self._segment_size, 0
        # Emit while a full segment plus at least one more byte is pending.
        while len(self._buffer) + len(view) - pos > seg:
            if not self._buffer:
                # Straight from the caller's data: no copy through the buffer.
                self._emit_segment(view[pos:pos + seg], last=False)
                pos += seg
                continue
            take = seg - len(self._buffer)
            self._buffer += view[pos:pos + take]
            pos += take
            self._emit_segment(self._buffer, last=False)
            self._buffer.clear()
        self._buffer += view[pos:]
        self.plaintext_bytes += len(view)
        return len(view)

    def close(self) -> None:
        """Write the final segment. Idempotent."""
        if self._closed:
            return
        self._emit_segment(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._closed = True

    def abandon(self) -> None:
        """Stop without a final segment, so the partial output can never pass for a whole stream."""
        self._closed = True
        self._buffer.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


def read_exact(source: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at the end of the data (``read`` may return short counts)."""
    parts, missing = [], n
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


class StreamReader:
    """Decrypts a stream from ``source``; iterate to get each segment's plaintext.

    The preamble is read when the reader is made (a missing or impossible one
    raises then). Iteration raises, after yielding the verified segments before
    the problem:

    - :class:`DecryptionFailed` when the first segment fails: wrong key or header, or damage there;
    - :class:`TruncatedData` when the data ends before the final segment;
    - :class:`TamperedData` for a later segment that fails (damaged, reordered, duplicated,
      spliced from another stream) or for data after the final segment.

    Args:
        source: a binary file-like object with ``read``.
        file_key: the stream's file key.
        header: the same caller bytes the writer bound.
    """

    def __init__(self, source: BinaryIO, file_key: bytes, *, header: bytes = b"") -> None:
        self._source = source
        preamble = read_exact(source, PREAMBLE_BYTES)
        if len(preamble) < PREAMBLE_BYTES:
            raise TruncatedData("the encrypted stream is truncated: it ends inside its preamble")
        version, segment_size = struct.unpack(">BI", preamble[:5])
        if version != VERSION:
            raise DamagedData(f"unknown encrypted stream version {version} (this Memvault reads {VERSION}); "
                              "the data is damaged or was written by something else")
        if not 1 <= segment_size <= MAX_SEGMENT_SIZE:
            raise DamagedData(f"impossible segment size {segment_size} in the stream preamble; "
                              "the data is damaged or was written by something else")
        self.segment_size = segment_size
        self._aead, self._ad = _cipher(file_key, preamble, header)
        self._started = False

    def __iter__(self) -> Iterator[bytes]:
        if self._started:
            raise ValueError("a stream can be read only once")
        self._started = True
        full = self.segment_size + TAG_BYTES
        index = 0
        chunk = read_exact(self._source, full)
        while True:
            peek = read_exact(self._source, 1) if len(chunk) == full else b""
            last = not peek
            plaintext = self._open(chunk, index, last)
            if last and index > 0 and not plaintext:
                raise TamperedData("the encrypted stream ends with an empty segment no writer produces")
            yield plaintext
            if last:
                return
            index += 1
            chunk = peek + read_exact(self._source, full - 1)

    def _open(self, chunk: bytes, index: int, last: bool) -> bytes:
        if len(chunk) < TAG_BYTES:
            raise TruncatedData(f"the encrypted stream is truncated inside segment {index}")
        try:
            return self._aead.decrypt(_nonce(index, last), chunk, self._ad)
        except InvalidTag:
            pass
        # Failure path only: try the other flag to tell a cut or an appendix from damage.
        try:
            self._aead.decrypt(_nonce(index, not last), chunk, self._ad)
        except InvalidTag:
            if index == 0:
                raise DecryptionFailed("cannot decrypt the stream: wrong key or header, "
                                       "or the data is damaged or truncated") from None
            raise TamperedData(f"segment {index} of the encrypted stream does not authenticate: the data "
                               "was damaged, truncated, reordered or modified") from None
        if last:
            raise TruncatedData(f"the encrypted stream is truncated: it ends after segment {index} "
                                "without its final segment")
        raise TamperedData(f"data follows the final segment ({index}) of the encrypted stream")


def verify_first_segment(prefix: bytes, file_key: bytes, *, header: bytes, total: int) -> None:
    """Authenticate the first segment of a stream of ``total`` bytes from ``prefix``, its first bytes (at least
    the preamble and that segment): a size stated beside the stream (in ``header``) can then be trusted to be
    the writer's before the rest is read, since only a holder of ``file_key`` makes a first segment that
    authenticates under that header. :class:`DecryptionFailed` when it does not; :class:`TruncatedData` when
    ``prefix`` is too short to hold it."""
    reader = StreamReader(io.BytesIO(prefix), file_key, header=header)
    full = reader.segment_size + TAG_BYTES
    length = min(full, total - PREAMBLE_BYTES)
    chunk = prefix[PREAMBLE_BYTES:PREAMBLE_BYTES + length]
    if length < TAG_BYTES or len(chunk) < length:
        raise TruncatedData("the encrypted stream is truncated inside its first segment")
    try:
        reader._aead.decrypt(_nonce(0, total - PREAMBLE_BYTES <= full), chunk, reader._ad)
    except InvalidTag:
        raise DecryptionFailed("the first segment of the stream does not authenticate: wrong key or header, "
                               "or the data is damaged") from None


def verify_stream(source: BinaryIO, file_key: bytes, *, header: bytes = b"") -> int:
    """Authenticate a whole stream without keeping its plaintext; returns the plaintext size."""
    return sum(len(part) for part in StreamReader(source, file_key, header=header))


class PlaintextFile(io.RawIOBase):
    """A read-only file over authenticated plaintext parts: a :class:`StreamReader`, or any iterable of
    bytes built on one (wrap in ``io.BufferedReader`` for ``readline``)."""

    def __init__(self, reader: Iterable[bytes]) -> None:
        super().__init__()
        self._parts = iter(reader)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._pending = memoryview(part)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
