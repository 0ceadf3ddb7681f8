"""Bundle framing, version 1: the constants, the clear header and the prefix that carries it.

    prefix  = "MVBUNDLE" || u16 version || u32 len(header) || header (UTF-8 JSON) || SHA-256(all before)

The header's checksum is unkeyed: anyone can rewrite a header and recompute it,
so everything read here is untrusted, the key derivation parameters above all
(see :data:`KDF_CAPS`). Keys are in :mod:`.keys`, the body in :mod:`.body`.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from memvault.crypto import recipients, stream
from memvault.crypto.digest import equal, sha256
from memvault.crypto.kdf import KdfBounds, KdfParams
from memvault.domain.errors import (
    BundleTooDemanding,
    DamagedData,
    InvalidInput,
    NotABundle,
    TruncatedData,
    UnsupportedVersion,
)

MAGIC = b"MVBUNDLE"
VERSION = 1
#: Versions this code reads (older ones stay readable when a new one is introduced).
READABLE_VERSIONS = (1,)
MAX_HEADER_BYTES = 1024 * 1024
#: The longest body line a reader accepts; a memory line with 50,000 characters and its vectors is far below.
MAX_LINE_BYTES = 16 * 1024 * 1024
FILE_KEY_BYTES = 32
SUFFIX = ".mvbundle"
_FIXED = struct.Struct(">8sHI")
DIGEST_BYTES = 32
#: Body line types of version 1.
LINE_TYPES = ("memory", "history")
END = "end"

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class NamespaceCounts:
    """What a bundle holds of one namespace."""

    name: str
    memories: int
    deleted: int = 0
    history: int = 0


@dataclass(frozen=True)
class Manifest:
    """The encrypted summary in the header: readable once the bundle is opened, before the body."""

    namespaces: tuple[NamespaceCounts, ...]
    model_id: str
    dimension: int
    include_history: bool
    include_deleted: bool
    app_version: str

    @property
    def memories(self) -> int:
        return sum(n.memories for n in self.namespaces)

    @property
    def history(self) -> int:
        return sum(n.history for n in self.namespaces)

    def to_json(self) -> dict[str, Any]:
        return {
            "namespaces": [{"name": n.name, "memories": n.memories, "deleted": n.deleted, "history": n.history}
                           for n in self.namespaces],
            "memories": self.memories, "history": self.history, "model_id": self.model_id,
            "dimension": self.dimension, "include_history": self.include_history,
            "include_deleted": self.include_deleted, "app_version": self.app_version,
        }

    @classmethod
    def from_json(cls, doc: Any) -> Manifest:
        try:
            return cls(
                namespaces=tuple(NamespaceCounts(json_text(n["name"]), json_count(n["memories"]),
                                                 json_count(n["deleted"]),
                                                 json_count(n["history"])) for n in doc["namespaces"]),
                model_id=json_text(doc["model_id"]), dimension=json_count(doc["dimension"]),
                include_history=json_flag(doc["include_history"]), include_deleted=json_flag(doc["include_deleted"]),
                app_version=json_text(doc["app_version"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DamagedData(f"the bundle's manifest is malformed ({exc})") from None


@dataclass(frozen=True)
class PassphraseSlot:
    """The file key wrapped under a key derived from a passphrase."""

    kdf: KdfParams
    wrapped_key: bytes


@dataclass(frozen=True)
class BundleHeader:
    """A parsed, checksum-checked bundle header; ``prefix`` is the exact bytes bound to the body."""

    version: int
    created_at: float
    source_vault: str
    source_device: str
    passphrase: PassphraseSlot | None
    stanzas: tuple[bytes, ...]
    sealed_manifest: bytes
    prefix: bytes

    @property
    def recipient_count(self) -> int:
        return len(self.stanzas)

    def is_for(self, public_key: bytes) -> bool:
        """Whether one of the recipient stanzas names ``public_key``."""
        return any(recipients.stanza_is_for(s, public_key) for s in self.stanzas)


@dataclass(frozen=True)
class Trailer:
    """The end line: how many lines of each type came before it, and the SHA-256 of those lines."""

    lines: dict[str, int]
    sha256: str
    plaintext_bytes: int = 0



#: What an exporter ever writes for a bundle's passphrase, and so all an importer runs: the header's digest is
#: unkeyed, so a hostile header could otherwise ask the importer for the largest Argon2id a vault allows
#: (4 GiB x 64 passes) before the passphrase is even checked. Exports clamp the vault's settings to these.
KDF_CAPS = KdfBounds(
    memory_kib=(1024, 256 * 1024),
    iterations=(1, 8),
    lanes=(1, 4),
    salt_bytes=(16, 64),
    max_work_kib=256 * 1024 * 8,
)
TOO_MUCH_MEMORY = "this bundle asks for more memory than Memvault allows"


def bundle_kdf(memory_kib: int, iterations: int) -> KdfParams:
    """Fresh passphrase parameters for an export: the vault's settings, clamped to :data:`KDF_CAPS`."""
    return KdfParams.fresh(min(memory_kib, KDF_CAPS.memory_kib[1]), min(iterations, KDF_CAPS.iterations[1]),
                           lanes=min(4, KDF_CAPS.lanes[1]))


def check_kdf_caps(params: KdfParams) -> KdfParams:
    """``params`` when an export could have written them; refused (before any derivation) otherwise."""
    if params.memory_kib > KDF_CAPS.memory_kib[1]:
        raise BundleTooDemanding(f"{TOO_MUCH_MEMORY} ({params.memory_kib // 1024} MiB for its passphrase; "
                                 f"at most {KDF_CAPS.memory_kib[1] // 1024} MiB)")
    problems = KDF_CAPS.violations(params)
    if problems:
        raise BundleTooDemanding("this bundle asks for more key-derivation work than Memvault allows ("
                                 + "; ".join(problems) + ")")
    return params


def _refuse_larger_than_caps(p: dict[str, Any]) -> None:
    """:class:`BundleTooDemanding` when a slot's whole-number parameters ask more than an export writes."""
    asked = [(name, p.get(name), KDF_CAPS_HIGH[name]) for name in KDF_CAPS_HIGH]
    if all(isinstance(v, int) and not isinstance(v, bool) for _, v, _ in asked) and any(
            v > high for _, v, high in asked):
        raise BundleTooDemanding("this bundle asks for more key-derivation work than Memvault allows ("
                                 + "; ".join(f"{name} {v} is above {high}" for name, v, high in asked if v > high)
                                 + ")")


#: The largest value of each passphrase parameter an export writes.
KDF_CAPS_HIGH = {"memory_kib": KDF_CAPS.memory_kib[1], "iterations": KDF_CAPS.iterations[1],
                 "lanes": KDF_CAPS.lanes[1]}


# -- strict readers for untrusted JSON --------------------------------------------------------------


def json_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def json_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, found {value!r}")
    return value


def json_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, found {value!r}")
    return value


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: Any) -> bytes:
    return base64.b64decode(json_text(value).encode("ascii"), validate=True)



# -- prefix -------------------------------------------------------------------------------------------------


def encode_prefix(*, created_at: float, source_vault: str, source_device: str, passphrase: PassphraseSlot | None,
                  stanzas: Sequence[bytes], sealed_manifest: bytes) -> bytes:
    """The bytes before the stream: magic, version, header JSON and its checksum."""
    if passphrase is None and not stanzas:
        raise InvalidInput("a bundle needs a passphrase or at least one recipient")
    slot = None if passphrase is None else {
        "kdf": "argon2id", "salt": b64(passphrase.kdf.salt), "memory_kib": passphrase.kdf.memory_kib,
        "iterations": passphrase.kdf.iterations, "lanes": passphrase.kdf.lanes,
        "wrapped_key": b64(passphrase.wrapped_key),
    }
    doc = {
        "created_at": created_at,
        "source": {"vault_id": source_vault, "device_id": source_device},
        "passphrase": slot,
        "recipients": [b64(s) for s in stanzas],
        "manifest": b64(sealed_manifest),
    }
    header = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    head = _FIXED.pack(MAGIC, VERSION, len(header)) + header
    return head + sha256(head).digest()


def read_header(source: BinaryIO) -> BundleHeader:
    """Read and check the prefix; ``source`` is left at the first byte of the stream.

    Raises:
        DamagedData: not a bundle, or a damaged header.
        UnsupportedVersion: a newer format than this code reads (the message names both versions).
        TruncatedData: the file ends inside the prefix.
    """
    fixed = stream.read_exact(source, _FIXED.size)
    if len(fixed) < len(MAGIC) or fixed[:len(MAGIC)] != MAGIC:
        if MAGIC.startswith(fixed):
            raise TruncatedData("the bundle is truncated: it ends inside its header")
        raise NotABundle("this file is not a Memvault bundle (choose one that `memvault export` or Export "
                         "namespaces wrote)")
    if len(fixed) < _FIXED.size:
        raise TruncatedData("the bundle is truncated: it ends inside its header")
    _magic, version, length = _FIXED.unpack(fixed)
    if version > VERSION:
        raise UnsupportedVersion(
            f"this bundle has format version {version}, newer than this Memvault reads (version {VERSION}); "
            "upgrade Memvault to open it", found=version, supported=VERSION)
    if version not in READABLE_VERSIONS:
        raise DamagedData(f"the bundle claims format version {version}, which never existed; it is damaged")
    if length > MAX_HEADER_BYTES:
        raise DamagedData(f"the bundle header claims {length} bytes; it is damaged")
    rest = stream.read_exact(source, length + DIGEST_BYTES)
    if len(rest) < length + DIGEST_BYTES:
        raise TruncatedData("the bundle is truncated: it ends inside its header")
    head, digest = fixed + rest[:length], rest[length:]
    if not equal(sha256(head).digest(), digest):
        raise DamagedData("the bundle header is damaged (its checksum does not match)")
    return _parse_header(version, rest[:length], head + digest)


def _parse_header(version: int, raw: bytes, prefix: bytes) -> BundleHeader:
    try:
        doc = json.loads(raw.decode("utf-8"))
        created_at = doc["created_at"]
        if isinstance(created_at, bool) or not isinstance(created_at, (int, float)):
            raise TypeError("created_at is not a number")
        slot = None
        if doc["passphrase"] is not None:
            p = doc["passphrase"]
            if p["kdf"] != "argon2id":
                raise ValueError(f"unknown key derivation {p['kdf']!r}")
            try:
                kdf = KdfParams.from_untrusted(unb64(p["salt"]), p["memory_kib"], p["iterations"], p["lanes"])
            except DamagedData:
                _refuse_larger_than_caps(p)  # beyond even a vault's bounds: asking too much, said as such
                raise
            slot = PassphraseSlot(check_kdf_caps(kdf), unb64(p["wrapped_key"]))
        stanzas = tuple(unb64(s) for s in doc["recipients"])
        if slot is None and not stanzas:
            raise ValueError("it holds neither a passphrase slot nor a recipient")
        return BundleHeader(version=version, created_at=float(created_at),
                            source_vault=json_text(doc["source"]["vault_id"]),
                            source_device=json_text(doc["source"]["device_id"]), passphrase=slot, stanzas=stanzas,
                            sealed_manifest=unb64(doc["manifest"]), prefix=prefix)
    except BundleTooDemanding:
        raise
    except DamagedData as exc:
        raise DamagedData(f"the bundle header is unusable: {exc.message}") from None
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise DamagedData(f"the bundle header is malformed ({exc})") from None


