"""Bundle keys: the file key wrapped for a passphrase, unwrapped by a passphrase or a recipient key, and the
manifest sealed under a key derived from it."""

from __future__ import annotations

import json
import struct

from memvault.bundle.header import VERSION, BundleHeader, Manifest, PassphraseSlot, Rng
from memvault.crypto import aead, recipients
from memvault.crypto.digest import random_bytes
from memvault.crypto.hkdf import hkdf_sha256
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    InvalidInput,
    TamperedData,
    WrongBundlePassphrase,
    WrongRecipient,
)

_WRAP_CONTEXT = b"bundle-file-key"
_MANIFEST_CONTEXT = b"bundle-manifest"
_MANIFEST_INFO = b"memvault-bundle-manifest-v1"


def _kdf_binding(params: KdfParams) -> bytes:
    """The KDF parameters as the wrap's associated data, so they cannot be changed without breaking it."""
    return (b"argon2id" + struct.pack(">IIIB", params.memory_kib, params.iterations, params.lanes, len(params.salt))
            + params.salt)


def wrap_for_passphrase(file_key: bytes, passphrase: str, params: KdfParams, *,
                        rng: Rng = random_bytes) -> PassphraseSlot:
    kek = params.derive(passphrase)
    return PassphraseSlot(params, aead.wrap_key(kek, file_key, context=_WRAP_CONTEXT, version=VERSION,
                                                aad=_kdf_binding(params), rng=rng))


def file_key_from_passphrase(header: BundleHeader, passphrase: str) -> bytes:
    """The file key, unwrapped with ``passphrase``.

    Raises:
        InvalidInput: the bundle has no passphrase slot (it is for recipients only).
        WrongBundlePassphrase: the passphrase is wrong.
    """
    slot = header.passphrase
    if slot is None:
        raise InvalidInput("this bundle was encrypted for recipient keys only; it has no passphrase")
    for kek in slot.kdf.derive_each(passphrase):
        try:
            return aead.unwrap_key(kek, slot.wrapped_key, context=_WRAP_CONTEXT, version=header.version,
                                   aad=_kdf_binding(slot.kdf))
        except DecryptionFailed:
            continue
    raise WrongBundlePassphrase("wrong passphrase for this bundle")


def file_key_from_private_key(header: BundleHeader, private_key: bytes) -> bytes:
    """The file key, unwrapped with a vault's recipient private key.

    Raises:
        WrongRecipient: no stanza is for this key.
        DecryptionFailed: the stanza for this key is damaged.
    """
    public = recipients.key_pair_from_private(private_key).public
    for stanza in header.stanzas:
        if recipients.stanza_is_for(stanza, public):
            return recipients.unwrap_with_private(stanza, private_key)
    raise WrongRecipient("this bundle was encrypted for other recipient keys, not this vault's")


def _manifest_key(file_key: bytes) -> bytes:
    return hkdf_sha256(file_key, salt=None, info=_MANIFEST_INFO)


def seal_manifest(file_key: bytes, manifest: Manifest, *, rng: Rng = random_bytes) -> bytes:
    plain = json.dumps(manifest.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return aead.seal(_manifest_key(file_key), plain.encode("utf-8"), context=_MANIFEST_CONTEXT, version=VERSION,
                     rng=rng)


def open_manifest(header: BundleHeader, file_key: bytes) -> Manifest:
    """The manifest of an opened bundle (raises :class:`TamperedData` if it does not authenticate)."""
    try:
        plain = aead.open_sealed(_manifest_key(file_key), header.sealed_manifest, context=_MANIFEST_CONTEXT,
                                 version=header.version)
    except DecryptionFailed:
        raise TamperedData("the bundle's manifest does not authenticate: the bundle was damaged or modified") from None
    try:
        doc = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DamagedData("the bundle's manifest is not valid JSON") from None
    return Manifest.from_json(doc)

