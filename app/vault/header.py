"""The key header beside the database.

A random 256-bit data key is the database's raw SQLCipher key. It is wrapped
with AES-256-GCM under a key derived from the passphrase with Argon2id; the
wrapped key, salt and KDF parameters are stored as JSON in ``vault.header``.
Changing the passphrase re-wraps the data key and never touches the database.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.domain.errors import InvalidInput, VaultCorrupt, WrongPassphrase
from app.domain.limits import MIN_PASSPHRASE_CHARS

HEADER_FORMAT = "memvault-key-header"
HEADER_VERSION = 1
_AAD = b"memvault data key v1"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, recorded in the header so they can change later."""

    salt: bytes
    memory_kib: int
    iterations: int
    lanes: int = 4

    def derive(self, passphrase: str) -> bytes:
        """The 32-byte key-encryption key for ``passphrase``."""
        kdf = Argon2id(
            salt=self.salt,
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(passphrase.encode("utf-8"))

    @classmethod
    def fresh(cls, memory_kib: int, iterations: int) -> "KdfParams":
        return cls(salt=os.urandom(16), memory_kib=memory_kib, iterations=iterations)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def check_passphrase(passphrase: str) -> None:
    """Raise :class:`InvalidInput` for a passphrase too weak to protect a vault."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InvalidInput(f"the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters")


def wrap(data_key: bytes, passphrase: str, params: KdfParams) -> dict:
    """The header document that protects ``data_key`` with ``passphrase``."""
    kek = params.derive(passphrase)
    nonce = os.urandom(12)
    wrapped = AESGCM(kek).encrypt(nonce, data_key, _AAD)
    return {
        "format": HEADER_FORMAT,
        "version": HEADER_VERSION,
        "kdf": {
            "name": "argon2id",
            "salt": _b64(params.salt),
            "memory_kib": params.memory_kib,
            "iterations": params.iterations,
            "lanes": params.lanes,
        },
        "wrapped_key": {"cipher": "aes-256-gcm", "nonce": _b64(nonce), "data": _b64(wrapped)},
        "updated_at": time.time(),
    }


def read_header(path: Path) -> dict:
    """Load and shape-check a header file; damage is :class:`VaultCorrupt`."""
    try:
        doc = json.loads(path.read_text("utf-8"))
        if doc.get("format") != HEADER_FORMAT:
            raise ValueError("not a Memvault key header")
        if doc.get("version") != HEADER_VERSION:
            raise ValueError(f"unsupported header version {doc.get('version')!r}")
        kdf = doc["kdf"]
        if kdf["name"] != "argon2id":
            raise ValueError(f"unsupported KDF {kdf['name']!r}")
        KdfParams(_unb64(kdf["salt"]), int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))
        _unb64(doc["wrapped_key"]["nonce"])
        _unb64(doc["wrapped_key"]["data"])
    except FileNotFoundError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise VaultCorrupt(f"the key header {path} is damaged: {exc}", path=str(path)) from None
    return doc


def unwrap(doc: dict, passphrase: str, path: Path) -> bytes:
    """The data key inside ``doc``; a wrong passphrase is :class:`WrongPassphrase`."""
    kdf = doc["kdf"]
    params = KdfParams(
        salt=_unb64(kdf["salt"]),
        memory_kib=int(kdf["memory_kib"]),
        iterations=int(kdf["iterations"]),
        lanes=int(kdf["lanes"]),
    )
    try:
        kek = params.derive(passphrase)
    except Exception as exc:  # cryptography raises plain errors for absurd params
        raise VaultCorrupt(f"the key header {path} has unusable KDF parameters: {exc}") from None
    wrapped = doc["wrapped_key"]
    try:
        key = AESGCM(kek).decrypt(_unb64(wrapped["nonce"]), _unb64(wrapped["data"]), _AAD)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase for this vault") from None
    if len(key) != 32:
        raise VaultCorrupt(f"the key header {path} holds a key of the wrong size")
    return key


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
