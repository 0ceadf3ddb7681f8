"""Ed25519 signatures, SHA-256 digests and HMAC tags: what sync needs to tell who wrote a file.

A device's signing key never leaves its vault; its public half is listed in the
sync group's key file. Verification answers yes or no and never raises for a
bad signature or a malformed key, so a caller reports instead of crashing.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from memvault.domain.errors import DamagedData

KEY_BYTES = 32
SIGNATURE_BYTES = 64


def new_private_key() -> bytes:
    """A fresh Ed25519 private key (raw 32 bytes)."""
    return os.urandom(KEY_BYTES)


def public_key(private: bytes) -> bytes:
    """The raw public key of ``private``."""
    if len(private) != KEY_BYTES:
        raise DamagedData(f"a signing key has {KEY_BYTES} bytes, this one {len(private)}")
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def sign(private: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public``'s over ``message`` (False for anything malformed)."""
    if len(public) != KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def digest(data: bytes) -> str:
    """SHA-256 of ``data`` as hex (links of a hash chain)."""
    return hashlib.sha256(data).hexdigest()


def tag(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, as hex."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def tag_matches(key: bytes, message: bytes, expected: str) -> bool:
    return isinstance(expected, str) and hmac.compare_digest(tag(key, message), expected)
