"""AES-256-GCM for small values, with versioned associated data.

A sealed value is ``nonce (12 bytes) || ciphertext || tag (16 bytes)``. The
associated data always starts with a context label and a format version, so a
value sealed for one purpose (say, the vault's data key) cannot be replayed as
another (a bundle's file key), nor a version-1 value read as version 2:

    AD = "memvault-aead" || u16 len(context) || context || u32 version || aad

Random 96-bit nonces are safe here because each key seals few values (a key
wrap, a manifest); bulk data goes through :mod:`memvault.crypto.stream`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from memvault.domain.errors import DamagedData, DecryptionFailed

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = NONCE_BYTES + TAG_BYTES
_LABEL = b"memvault-aead"
_WRAP_CONTEXT_PREFIX = b"key-wrap:"


def associated_data(context: bytes, version: int, aad: bytes = b"") -> bytes:
    """The exact associated data that :func:`seal` authenticates (documented for other readers)."""
    if not 0 <= version < 2**32:
        raise ValueError("version must fit in 32 bits")
    if len(context) >= 2**16:
        raise ValueError("context label too long")
    return _LABEL + struct.pack(">H", len(context)) + context + struct.pack(">I", version) + aad


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError(f"AES-256-GCM needs a {KEY_BYTES}-byte key, got {len(key)}")


def seal(key: bytes, plaintext: bytes, *, context: bytes, version: int, aad: bytes = b"",
         rng: Callable[[int], bytes] = os.urandom) -> bytes:
    """Encrypt and authenticate ``plaintext``; returns nonce || ciphertext || tag."""
    _check_key(key)
    nonce = rng(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data(context, version, aad))


def open_sealed(key: bytes, sealed: bytes, *, context: bytes, version: int, aad: bytes = b"") -> bytes:
    """The plaintext of a :func:`seal` output.

    Raises:
        DecryptionFailed: wrong key, context, version or aad, or the value was damaged.
    """
    _check_key(key)
    if len(sealed) < OVERHEAD:
        raise DecryptionFailed("the encrypted value is too short to be valid (damaged or truncated)")
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, body, associated_data(context, version, aad))
    except InvalidTag:
        raise DecryptionFailed("the encrypted value does not authenticate: wrong key, or damaged data") from None


def open_with_raw_ad(key: bytes, sealed: bytes, ad: bytes) -> bytes:
    """Open nonce || ciphertext || tag authenticated with ``ad`` as is, without the versioned framing.

    Only for reading formats that predate :func:`associated_data` (the version-1
    vault header); everything new is sealed with :func:`seal`.
    """
    _check_key(key)
    if len(sealed) < OVERHEAD:
        raise DecryptionFailed("the encrypted value is too short to be valid (damaged or truncated)")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], ad)
    except InvalidTag:
        raise DecryptionFailed("the encrypted value does not authenticate: wrong key, or damaged data") from None


def wrap_key(kek: bytes, key: bytes, *, context: bytes, version: int = 1, aad: bytes = b"",
             rng: Callable[[int], bytes] = os.urandom) -> bytes:
    """``key`` sealed under the key-encryption key ``kek`` (60 bytes for a 32-byte key)."""
    return seal(kek, key, context=_WRAP_CONTEXT_PREFIX + context, version=version, aad=aad, rng=rng)


def unwrap_key(kek: bytes, wrapped: bytes, *, context: bytes, version: int = 1, aad: bytes = b"",
               key_length: int = KEY_BYTES) -> bytes:
    """The key inside a :func:`wrap_key` output.

    Raises:
        DecryptionFailed: wrong ``kek`` (e.g. a wrong passphrase), or damage.
        DamagedData: it authenticates but holds a key of the wrong size (written by something else).
    """
    key = open_sealed(kek, wrapped, context=_WRAP_CONTEXT_PREFIX + context, version=version, aad=aad)
    if len(key) != key_length:
        raise DamagedData(f"the wrapped key has {len(key)} bytes instead of {key_length}")
    return key
