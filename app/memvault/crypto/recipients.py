"""X25519 recipients: a file key wrapped so that only one vault's private key opens it.

Each vault holds a key pair; its public key is shared as text a person can
paste (``mvpub1`` + lowercase base32 of the 32-byte key and a 4-byte
SHA-256 checksum, so a typo is caught instead of encrypting to nobody).

A stanza wraps a file key for one public key, as age's X25519 recipient does::

    eph        = a fresh X25519 key pair
    shared     = X25519(eph.private, recipient)
    kek        = HKDF-SHA256(ikm=shared, salt=eph.public || recipient, info="memvault-x25519-v1")
    stanza     = u8 version (1) || recipient_id (8) || eph.public (32)
                 || aead.wrap_key(kek, file_key, context="x25519-recipient", aad=eph.public || recipient)

``recipient_id`` is the first 8 bytes of SHA-256("memvault-recipient-id" ||
recipient): it lets a reader skip stanzas for other keys and say "not for
you" instead of "damaged", at the cost of revealing which known key a file
is for. Several recipients are several stanzas (the caller's loop).

Bundles and sync use stanzas with distinct HKDF info and wrap contexts
(:data:`BUNDLE`, :data:`SYNC`), and sync grants go to a device's own sync
wrapping key, never to the bundle recipient key people hand out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)

from memvault.crypto import aead
from memvault.crypto.hkdf import hkdf_sha256
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    InvalidInput,
    WrongRecipient,
)

PUBLIC_PREFIX = "mvpub1"
KEY_BYTES = 32
STANZA_VERSION = 1
RECIPIENT_ID_BYTES = 8
_CHECKSUM_BYTES = 4
_TEXT_BODY_CHARS = -(-(KEY_BYTES + _CHECKSUM_BYTES) * 8 // 5)
_HKDF_INFO = b"memvault-x25519-v1"
_WRAP_CONTEXT = b"x25519-recipient"


@dataclass(frozen=True)
class Protocol:
    """The HKDF info and wrap context of one use of recipient stanzas: a stanza made for one protocol does not
    open in another, even for the same key pair."""

    hkdf_info: bytes
    wrap_context: bytes


#: Bundles (``mvpub1`` keys people hand out): unchanged since the first bundle format.
BUNDLE = Protocol(_HKDF_INFO, _WRAP_CONTEXT)
#: Sync key generations granted to a device's own sync wrapping key (never the bundle recipient key).
SYNC = Protocol(b"memvault-sync-x25519-v1", b"sync-x25519-grant")
#: Shared-namespace key generations granted to a person's share wrapping key (``mvperson1`` keys).
SHARE = Protocol(b"memvault-share-x25519-v1", b"share-x25519-grant")
_STANZA_HEAD = 1 + RECIPIENT_ID_BYTES + KEY_BYTES
STANZA_BYTES = _STANZA_HEAD + aead.OVERHEAD + 32


@dataclass(frozen=True)
class KeyPair:
    """A recipient key pair: ``private`` is stored inside the vault, ``public`` is shared."""

    private: bytes
    public: bytes

    @property
    def public_text(self) -> str:
        return public_key_to_text(self.public)


def generate_key_pair(rng: Callable[[int], bytes] = os.urandom) -> KeyPair:
    """A new X25519 key pair (raw 32-byte private and public keys)."""
    return key_pair_from_private(rng(KEY_BYTES))


def key_pair_from_private(private: bytes) -> KeyPair:
    """The key pair of a stored private key."""
    if len(private) != KEY_BYTES:
        raise DamagedData(f"a recipient private key has {KEY_BYTES} bytes, this one {len(private)}")
    public = X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
    return KeyPair(private=bytes(private), public=public)


def _checksum(public: bytes) -> bytes:
    return hashlib.sha256(PUBLIC_PREFIX.encode("ascii") + public).digest()[:_CHECKSUM_BYTES]


def public_key_to_text(public: bytes) -> str:
    """``mvpub1…``: the public key as pasteable text with a checksum."""
    if len(public) != KEY_BYTES:
        raise ValueError("an X25519 public key has 32 bytes")
    body = base64.b32encode(public + _checksum(public)).decode("ascii").rstrip("=").lower()
    return PUBLIC_PREFIX + body


def public_key_from_text(text: str) -> bytes:
    """The raw public key in ``text``; anything mistyped or foreign is :class:`InvalidInput`."""
    compact = "".join(text.split()).lower()
    if not compact.startswith(PUBLIC_PREFIX):
        raise InvalidInput(f"not a Memvault recipient key: it should start with {PUBLIC_PREFIX!r}")
    body = compact[len(PUBLIC_PREFIX):].upper()
    if len(body) != _TEXT_BODY_CHARS:
        raise InvalidInput("the recipient key has the wrong length; was it copied completely?")
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise InvalidInput("the recipient key has characters that cannot occur in one; check for a typo") from None
    public, checksum = raw[:KEY_BYTES], raw[KEY_BYTES:]
    # The last character carries 3 unused bits that decoding ignores; comparing the
    # canonical re-encoding catches a typo there too.
    if not hmac.compare_digest(checksum, _checksum(public)) or public_key_to_text(public) != compact:
        raise InvalidInput("the recipient key's checksum does not match; check it for a typo")
    return public


def recipient_id(public: bytes) -> bytes:
    """The 8-byte identifier a stanza carries for its recipient."""
    return hashlib.sha256(b"memvault-recipient-id" + public).digest()[:RECIPIENT_ID_BYTES]


def _kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, protocol: Protocol) -> bytes:
    return hkdf_sha256(shared, salt=ephemeral_public + recipient_public, info=protocol.hkdf_info)


def wrap_for_recipient(file_key: bytes, public_key: bytes, *, rng: Callable[[int], bytes] = os.urandom,
                       protocol: Protocol = BUNDLE) -> bytes:
    """A stanza that only the holder of ``public_key``'s private key can open."""
    if len(file_key) != 32:
        raise ValueError("the file key must have 32 bytes")
    try:
        recipient = X25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise InvalidInput("the recipient key is not an X25519 public key") from None
    ephemeral = X25519PrivateKey.from_private_bytes(rng(KEY_BYTES))
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    try:
        shared = ephemeral.exchange(recipient)
    except ValueError:  # a low-order point: the result would be a key anyone knows
        raise InvalidInput("the recipient key is not usable (a degenerate X25519 point)") from None
    kek = _kek(shared, ephemeral_public, public_key, protocol)
    wrapped = aead.wrap_key(kek, file_key, context=protocol.wrap_context, aad=ephemeral_public + public_key, rng=rng)
    return bytes([STANZA_VERSION]) + recipient_id(public_key) + ephemeral_public + wrapped


def stanza_is_for(stanza: bytes, public_key: bytes) -> bool:
    """Whether ``stanza`` names ``public_key`` as its recipient (no decryption)."""
    return len(stanza) >= _STANZA_HEAD and hmac.compare_digest(stanza[1:1 + RECIPIENT_ID_BYTES],
                                                                recipient_id(public_key))


def unwrap_with_private(stanza: bytes, private_key: bytes, *, protocol: Protocol = BUNDLE) -> bytes:
    """The file key in ``stanza``.

    Raises:
        WrongRecipient: the stanza was made for another key pair.
        DecryptionFailed: the stanza is for this key pair but does not authenticate (damaged).
        DamagedData: the stanza is malformed or of an unknown version.
    """
    if len(stanza) != STANZA_BYTES:
        raise DamagedData(f"a recipient stanza has {STANZA_BYTES} bytes, this one {len(stanza)}")
    if stanza[0] != STANZA_VERSION:
        raise DamagedData(f"unknown recipient stanza version {stanza[0]} (this Memvault reads {STANZA_VERSION})")
    pair = key_pair_from_private(private_key)
    if not stanza_is_for(stanza, pair.public):
        raise WrongRecipient("this was encrypted for another recipient key, not this vault's")
    ephemeral_public = stanza[1 + RECIPIENT_ID_BYTES:_STANZA_HEAD]
    try:
        shared = X25519PrivateKey.from_private_bytes(pair.private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise DecryptionFailed("the recipient stanza is damaged (degenerate ephemeral key)") from None
    kek = _kek(shared, ephemeral_public, pair.public, protocol)
    try:
        return aead.unwrap_key(kek, stanza[_STANZA_HEAD:], context=protocol.wrap_context,
                               aad=ephemeral_public + pair.public)
    except DecryptionFailed:
        raise DecryptionFailed("the recipient stanza for this key does not authenticate: it is damaged") from None
