"""The stored bundle vectors opened with bare ``cryptography`` calls written from FORMAT.md, not with Memvault.

The vectors in ``tests/data/bundle`` were produced by the code under test, so
reading them back with that code shows only that it agrees with itself. Here
sections 1 (prefix), 3.1 (passphrase slot), 3.2 (recipient stanza) and 4
(manifest) are implemented again from the document alone: a mistake in either
the document or the code makes these fail.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tests.helpers import DATA

FOLDER = DATA / "bundle"
EXPECTED = json.loads((FOLDER / "expected.json").read_text("utf-8"))


def prefix_of(data: bytes) -> dict:
    """Section 1: magic || u16 version || u32 header_length || header || SHA-256(all before)."""
    assert data[:8] == b"MVBUNDLE"
    version, length = struct.unpack(">HI", data[8:14])
    assert version == 1 and length <= 1024 * 1024
    header = data[14:14 + length]
    assert data[14 + length:14 + length + 32] == hashlib.sha256(data[:14 + length]).digest()
    return json.loads(header.decode("utf-8"))


def associated_data(context: bytes, version: int, aad: bytes) -> bytes:
    """Key wrapping and the manifest: "memvault-aead" || u16 len(ctx) || ctx || u32 version || aad."""
    return b"memvault-aead" + struct.pack(">H", len(context)) + context + struct.pack(">I", version) + aad


def unwrap(kek: bytes, wrapped: bytes, context: bytes, aad: bytes) -> bytes:
    assert len(wrapped) == 60
    return AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], associated_data(b"key-wrap:" + context, 1, aad))


def hkdf(ikm: bytes, salt: bytes | None, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def test_passphrase_slot_section_3_1():
    header = prefix_of((FOLDER / "passphrase.mvbundle").read_bytes())
    slot = header["passphrase"]
    assert slot["kdf"] == "argon2id" and header["recipients"] == []
    salt = base64.b64decode(slot["salt"], validate=True)
    assert 16 <= len(salt) <= 64
    kek = Argon2id(salt=salt, length=32, iterations=slot["iterations"], lanes=slot["lanes"],
                   memory_cost=slot["memory_kib"]).derive(EXPECTED["passphrase"].encode("utf-8"))
    binding = (b"argon2id" + struct.pack(">III", slot["memory_kib"], slot["iterations"], slot["lanes"])
               + struct.pack(">B", len(salt)) + salt)
    file_key = unwrap(kek, base64.b64decode(slot["wrapped_key"], validate=True), b"bundle-file-key", binding)
    assert file_key.hex() == EXPECTED["file_keys"]["passphrase"]


def test_recipient_stanza_section_3_2():
    header = prefix_of((FOLDER / "recipient.mvbundle").read_bytes())
    assert header["passphrase"] is None and len(header["recipients"]) == 1
    private = X25519PrivateKey.from_private_bytes(bytes.fromhex(EXPECTED["recipient_private_key"]))
    public = private.public_key().public_bytes_raw()
    # The shared text form: "mvpub1" || base32 (lowercase, unpadded) of public || SHA-256("mvpub1" || public)[:4].
    text = "mvpub1" + base64.b32encode(public + hashlib.sha256(b"mvpub1" + public).digest()[:4]).decode() \
        .rstrip("=").lower()
    assert text == EXPECTED["recipient_public_key"]
    stanza = base64.b64decode(header["recipients"][0], validate=True)
    assert len(stanza) == 101 and stanza[0] == 1
    recipient_id, eph_public, wrapped = stanza[1:9], stanza[9:41], stanza[41:]
    assert recipient_id == hashlib.sha256(b"memvault-recipient-id" + public).digest()[:8]
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
    kek = hkdf(shared, eph_public + public, b"memvault-x25519-v1")
    file_key = unwrap(kek, wrapped, b"x25519-recipient", eph_public + public)
    assert file_key.hex() == EXPECTED["file_keys"]["recipient"]


def test_manifest_section_4():
    for kind in ("passphrase", "recipient"):
        header = prefix_of((FOLDER / f"{kind}.mvbundle").read_bytes())
        sealed = base64.b64decode(header["manifest"], validate=True)
        key = hkdf(bytes.fromhex(EXPECTED["file_keys"][kind]), None, b"memvault-bundle-manifest-v1")
        ad = b"memvault-aead" + struct.pack(">H", 15) + b"bundle-manifest" + struct.pack(">I", 1)
        plain = AESGCM(key).decrypt(sealed[:12], sealed[12:], ad)
        assert json.loads(plain.decode("utf-8")) == EXPECTED["manifest"]
