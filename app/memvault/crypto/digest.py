"""Digests, keyed digests and random tokens: the only place outside ``crypto/``'s ciphers that touches
``hashlib``, ``hmac`` and ``secrets`` (the layer test keeps it so)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Protocol

#: Bytes read at a time when a file is digested.
_FILE_BLOCK = 1 << 20


class Digest(Protocol):
    """A running SHA-256 (what :func:`sha256` returns)."""

    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


def sha256(data: bytes = b"") -> Digest:
    """A running SHA-256 over ``data`` (feed it more with ``update``)."""
    return hashlib.sha256(data)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def file_sha256_hex(path: Path) -> str:
    """The SHA-256 of a file's bytes in hex, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_FILE_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key``."""
    return hmac.new(key, message, hashlib.sha256).digest()


def equal(a: bytes | str, b: bytes | str) -> bool:
    """Whether two digests are equal, in time that does not depend on where they differ."""
    return hmac.compare_digest(a, b)


def token_urlsafe(nbytes: int) -> str:
    """A random URL-safe text of ``nbytes`` random bytes (a secret)."""
    return secrets.token_urlsafe(nbytes)


def random_bytes(nbytes: int) -> bytes:
    """``nbytes`` bytes from the operating system's CSPRNG: keys, nonces and salts."""
    return secrets.token_bytes(nbytes)


def token_hex(nbytes: int) -> str:
    """``nbytes`` random bytes in hex."""
    return secrets.token_hex(nbytes)
