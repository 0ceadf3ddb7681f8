"""The key header beside the database (``vault.header``).

A random 256-bit data key is the database's raw SQLCipher key. It is wrapped
(:func:`memvault.crypto.aead.wrap_key`, AES-256-GCM) under a key derived from the
passphrase with Argon2id; the wrapped key, salt and KDF parameters are stored
as JSON. Changing the passphrase re-wraps the data key and never touches the
database.

Version 2 (written since the crypto package) tells three failures apart:

- damage: a SHA-256 checksum over the version, KDF parameters, salt and
  wrapped key (:func:`_fields`) catches a flipped byte -> :class:`VaultCorrupt`
  (other fields are checked for their exact values, ``updated_at`` is informational);
- impossible parameters: KDF parameters outside :data:`memvault.crypto.kdf.BOUNDS`
  are refused before any work -> :class:`VaultCorrupt`, never a hung unlock;
- a wrong passphrase: the checksum holds but the key does not unwrap ->
  :class:`WrongPassphrase`.

The same field bytes are the associated data of the wrap, so parameters that
were changed on purpose (with a recomputed checksum) still do not unwrap.

Version 1 (the first release: no checksum, fixed associated data) is still
read. :func:`unlock` rewrites it as version 2 right away, with the key it has
just derived (no second Argon2id run): waiting for a passphrase change would
leave most vaults without damage detection for good. A vault folder that
cannot be written keeps working on its version-1 header.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from memvault.crypto import aead
from memvault.crypto.digest import equal, sha256_hex
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    InvalidInput,
    VaultCorrupt,
    WrongPassphrase,
)
from memvault.domain.limits import MIN_PASSPHRASE_CHARS

log = logging.getLogger(__name__)

HEADER_FORMAT = "memvault-key-header"
HEADER_VERSION = 2
_READABLE_VERSIONS = (1, 2)
_WRAP_CONTEXT = b"vault-data-key"
_V1_AAD = b"memvault data key v1"
_WRAPPED_BYTES = aead.OVERHEAD + 32
#: The most a header file may hold; a real one is about 500 bytes.
_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class KeyHeader:
    """A parsed, shape-checked header. ``wrapped`` is nonce || ciphertext || tag."""

    version: int
    params: KdfParams
    wrapped: bytes


def check_passphrase(passphrase: str) -> None:
    """Raise :class:`InvalidInput` for a passphrase too weak to protect a vault."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InvalidInput(f"the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _fields(version: int, params: KdfParams, wrapped: bytes = b"") -> bytes:
    """The bytes that the checksum covers (with ``wrapped``) and the wrap authenticates (without)."""
    return (HEADER_FORMAT.encode("ascii") + struct.pack(">HIIIB", version, params.memory_kib,
                                                        params.iterations, params.lanes, len(params.salt))
            + params.salt + wrapped)


def _checksum(version: int, params: KdfParams, wrapped: bytes) -> str:
    return "sha256:" + sha256_hex(_fields(version, params, wrapped))


def _to_document(params: KdfParams, wrapped: bytes) -> dict:
    return {
        "format": HEADER_FORMAT,
        "version": HEADER_VERSION,
        "kdf": {"name": "argon2id", "salt": _b64(params.salt), "memory_kib": params.memory_kib,
                "iterations": params.iterations, "lanes": params.lanes},
        "wrapped_key": {"cipher": "aes-256-gcm", "data": _b64(wrapped)},
        "checksum": _checksum(HEADER_VERSION, params, wrapped),
        "updated_at": time.time(),
    }


def _wrap_with_kek(data_key: bytes, kek: bytes, params: KdfParams) -> dict:
    return _to_document(params, aead.wrap_key(kek, data_key, context=_WRAP_CONTEXT, version=HEADER_VERSION,
                                              aad=_fields(HEADER_VERSION, params)))


def wrap(data_key: bytes, passphrase: str, params: KdfParams) -> dict:
    """The header document that protects ``data_key`` with ``passphrase``."""
    return _wrap_with_kek(data_key, params.derive(passphrase), params)


def parse_header(raw: bytes, path: Path) -> KeyHeader:
    """Shape-, bounds- and checksum-check a header's bytes; any problem is :class:`VaultCorrupt`."""
    damaged = f"the vault header {path} is damaged"
    if len(raw) > _MAX_HEADER_BYTES:
        raise VaultCorrupt(f"{damaged}: {len(raw)} bytes is far more than any header", path=str(path))
    try:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != HEADER_FORMAT:
            raise ValueError("not a Memvault key header")
        version = doc.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > HEADER_VERSION:
            raise VaultCorrupt(f"the vault header {path} has version {version}, newer than this Memvault reads "
                               f"({HEADER_VERSION}); upgrade Memvault to open it", path=str(path))
        if version not in _READABLE_VERSIONS or isinstance(version, bool):
            raise ValueError(f"unknown header version {version!r}")
        kdf = doc["kdf"]
        if kdf["name"] != "argon2id":
            raise ValueError(f"unsupported KDF {kdf['name']!r}")
        params = KdfParams.from_untrusted(_unb64(kdf["salt"]), kdf["memory_kib"], kdf["iterations"], kdf["lanes"])
        box = doc["wrapped_key"]
        if box.get("cipher") != "aes-256-gcm":
            raise ValueError(f"unsupported cipher {box.get('cipher')!r}")
        # Version 1 stored the nonce apart; join it so both versions hold nonce || ciphertext || tag.
        wrapped = _unb64(box["nonce"]) + _unb64(box["data"]) if version == 1 else _unb64(box["data"])
        if len(wrapped) != _WRAPPED_BYTES:
            raise ValueError(f"the wrapped key has {len(wrapped)} bytes instead of {_WRAPPED_BYTES}")
        if version >= 2 and not equal(str(doc.get("checksum")), _checksum(version, params, wrapped)):
            raise ValueError("its checksum does not match its contents")
    except VaultCorrupt:
        raise
    except DamagedData as exc:
        raise VaultCorrupt(f"{damaged}: {exc.message}", path=str(path)) from None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, binascii.Error) as exc:
        raise VaultCorrupt(f"{damaged} ({exc}); restore it from a backup", path=str(path)) from None
    return KeyHeader(version=version, params=params, wrapped=wrapped)


def read_header(path: Path) -> KeyHeader:
    """Load and check the header file (a missing file raises ``FileNotFoundError``)."""
    return parse_header(path.read_bytes(), path)


def _unwrap(header: KeyHeader, kek: bytes, path: Path) -> bytes:
    try:
        if header.version == 1:
            key = aead.open_with_raw_ad(kek, header.wrapped, _V1_AAD)
            if len(key) != 32:
                raise DamagedData(f"it holds a key of {len(key)} bytes instead of 32")
            return key
        return aead.unwrap_key(kek, header.wrapped, context=_WRAP_CONTEXT, version=header.version,
                               aad=_fields(header.version, header.params))
    except DecryptionFailed:
        raise WrongPassphrase("wrong passphrase for this vault") from None
    except DamagedData as exc:
        raise VaultCorrupt(f"the vault header {path} is damaged: {exc.message}", path=str(path)) from None


def _unwrap_any(header: KeyHeader, passphrase: str, path: Path) -> tuple[bytes, bytes]:
    """``(data key, the key that unwrapped it)`` for ``passphrase`` in any of its Unicode forms
    (:meth:`KdfParams.derive_each`)."""
    for kek in header.params.derive_each(passphrase):
        try:
            return _unwrap(header, kek, path), kek
        except WrongPassphrase:
            continue
    raise WrongPassphrase("wrong passphrase for this vault")


def unwrap(header: KeyHeader, passphrase: str, path: Path) -> bytes:
    """The data key in ``header``; a wrong passphrase is :class:`WrongPassphrase`."""
    return _unwrap_any(header, passphrase, path)[0]


def unlock(path: Path, passphrase: str) -> bytes:
    """Read the header at ``path``, unwrap the data key, and bring a version-1 header up to date."""
    header = read_header(path)
    data_key, kek = _unwrap_any(header, passphrase, path)
    if header.version < HEADER_VERSION:
        try:
            write_header(path, _wrap_with_kek(data_key, kek, header.params))
        except OSError as exc:
            log.warning("could not upgrade the vault header to version %d: %s", HEADER_VERSION, exc.strerror)
    return data_key


def write_header(path: Path, doc: dict) -> None:
    """Write the header atomically so that a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".header-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
