"""A person's long-term identity for shared namespaces, and its public key as pasteable text.

Each vault makes one person identity the first time it is needed: an Ed25519
signing key (it signs membership entries and the segments the person's devices
write) and an X25519 share wrapping key (namespace key generations are wrapped
to it, with the share protocol's own HKDF info and wrap context,
:data:`memvault.crypto.recipients.SHARE`). Both are separate from the vault's
bundle recipient key (``mvpub1``) and from sync's per-device keys.

The public half is ``mvperson1`` + lowercase base32 of the two 32-byte public
keys and a 4-byte SHA-256 checksum, so a mistyped key is refused instead of
trusted. A person's id (used in file names on the target and in attribution) is
the first 16 bytes of SHA-256 of both public keys, in hex.

A key file carries the private keys to another device of the same person (a
headless server): sealed under a key derived from a passphrase (Argon2id), the
KDF parameters bound as associated data.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cached_property

from memvault.crypto import aead, recipients, signing
from memvault.crypto.digest import equal, sha256
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import DamagedData, DecryptionFailed, InvalidInput, WrongPassphrase

PREFIX = "mvperson1"
_KEY = 32
_CHECKSUM = 4
_BODY_CHARS = -(-(2 * _KEY + _CHECKSUM) * 8 // 5)
_KEY_FILE_CONTEXT = b"share-person-keyfile-v1"
_KEY_FILE_VERSION = 1


@dataclass(frozen=True)
class PersonKey:
    """A person's public keys: ``sign`` (Ed25519) and ``wrap`` (X25519, share protocol)."""

    sign: bytes
    wrap: bytes

    @cached_property  # a fold asks for it many times per entry
    def person_id(self) -> str:
        return sha256(b"memvault-person-id\x00" + self.sign + self.wrap).hexdigest()[:32]

    @property
    def text(self) -> str:
        raw = self.sign + self.wrap
        return PREFIX + base64.b32encode(raw + _checksum(raw)).decode("ascii").rstrip("=").lower()

    @classmethod
    def from_text(cls, text: str) -> PersonKey:
        """The key in ``text``; anything mistyped or foreign is :class:`InvalidInput`."""
        compact = "".join(str(text).split()).lower()
        if compact.startswith(recipients.PUBLIC_PREFIX):
            raise InvalidInput("that is a bundle recipient key (mvpub1…); sharing needs the person key that "
                               "`memvault share key` prints (mvperson1…)", field="with")
        if not compact.startswith(PREFIX):
            raise InvalidInput(f"not a Memvault person key: it should start with {PREFIX!r}", field="with")
        body = compact[len(PREFIX):].upper()
        if len(body) != _BODY_CHARS:
            raise InvalidInput("the person key has the wrong length; was it copied completely?", field="with")
        try:
            raw = base64.b32decode(body + "=" * (-len(body) % 8))
        except ValueError:
            raise InvalidInput("the person key has characters that cannot occur in one; check for a typo",
                               field="with") from None
        keys, checksum = raw[:2 * _KEY], raw[2 * _KEY:]
        found = cls(keys[:_KEY], keys[_KEY:])
        if not equal(checksum, _checksum(keys)) or found.text != compact:
            raise InvalidInput("the person key's checksum does not match; check it for a typo", field="with")
        return found


def _checksum(raw: bytes) -> bytes:
    return sha256(PREFIX.encode("ascii") + raw).digest()[:_CHECKSUM]


@dataclass(frozen=True)
class PersonIdentity:
    """This person's private keys (kept inside the vault's encrypted settings, or in a sealed key file)."""

    sign_private: bytes
    wrap_private: bytes

    @classmethod
    def new(cls) -> PersonIdentity:
        return cls(signing.new_private_key(), recipients.generate_key_pair().private)

    @property
    def key(self) -> PersonKey:
        return PersonKey(signing.public_key(self.sign_private),
                         recipients.key_pair_from_private(self.wrap_private).public)

    @property
    def person_id(self) -> str:
        return self.key.person_id

    def sign(self, message: bytes) -> bytes:
        return signing.sign(self.sign_private, message)

    def unwrap(self, stanza: bytes) -> bytes:
        return recipients.unwrap_with_private(stanza, self.wrap_private, protocol=recipients.SHARE)

    def encode_local(self) -> str:
        return json.dumps({"sign": self.sign_private.hex(), "wrap": self.wrap_private.hex()})

    @classmethod
    def decode_local(cls, text: str) -> PersonIdentity:
        doc = json.loads(text)
        return cls(bytes.fromhex(doc["sign"]), bytes.fromhex(doc["wrap"]))

    def key_file(self, passphrase: str, memory_kib: int, iterations: int) -> bytes:
        """The private keys sealed under ``passphrase`` (for another device of this person)."""
        params = KdfParams.fresh(memory_kib, iterations)
        kdf = {"salt": base64.b64encode(params.salt).decode(), "memory_kib": params.memory_kib,
               "iterations": params.iterations, "lanes": params.lanes}
        sealed = aead.seal(params.derive(passphrase), self.encode_local().encode(), context=_KEY_FILE_CONTEXT,
                           version=_KEY_FILE_VERSION, aad=json.dumps(kdf, sort_keys=True).encode())
        return json.dumps({"v": _KEY_FILE_VERSION, "kind": "memvault-person-key", "kdf": kdf,
                           "sealed": base64.b64encode(sealed).decode()}, indent=1).encode()

    @classmethod
    def from_key_file(cls, data: bytes, passphrase: str) -> PersonIdentity:
        try:
            doc = json.loads(data)
            if doc.get("kind") != "memvault-person-key" or doc.get("v") != _KEY_FILE_VERSION:
                raise ValueError
            kdf = doc["kdf"]
            params = KdfParams.from_untrusted(base64.b64decode(kdf["salt"]), kdf["memory_kib"], kdf["iterations"],
                                              kdf["lanes"])
            sealed = base64.b64decode(doc["sealed"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise DamagedData("not a Memvault person key file (damaged, or something else)") from None
        for kek in params.derive_each(passphrase):
            try:
                plain = aead.open_sealed(kek, sealed, context=_KEY_FILE_CONTEXT, version=_KEY_FILE_VERSION,
                                         aad=json.dumps(kdf, sort_keys=True).encode())
            except DecryptionFailed:
                continue
            return cls.decode_local(plain.decode())
        raise WrongPassphrase("the passphrase does not open this person key file")
