"""The bundle file format, version 1: framing, keys, manifest and the encrypted body of JSON lines.

Pure: no vault, no SQL, no service. ``FORMAT.md`` beside this module is the
specification (precise enough for a reader in another language); this module
is its reference implementation::

    file    = prefix || stream
    prefix  = "MVBUNDLE" || u16 version || u32 len(header) || header (UTF-8 JSON) || SHA-256(all before)
    stream  = memvault.crypto.stream of the body, under the file key, with ``prefix`` as its bound header
    body    = JSON lines: "memory" and "history" lines, then one "end" line with line counts and a digest

The random 256-bit file key is wrapped in the header for a passphrase
(Argon2id) and/or for X25519 recipients; the manifest (namespaces, counts,
model) is sealed under a key derived from it. Everything after the prefix is
authenticated segment by segment with the prefix bound as associated data, so
any change to the header, the manifest or the body fails authentication.

Readers of the body get lines as their segments authenticate (a verified
prefix of the body before the rest is known to be whole): callers that must
be all-or-nothing read the whole body first (:func:`verify_body`, or a full
pass of :func:`body_lines`) and only then act on it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Self

from memvault.crypto import aead, recipients, stream
from memvault.crypto.hkdf import hkdf_sha256
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    InvalidInput,
    TamperedData,
    TruncatedData,
    UnsupportedVersion,
    WrongBundlePassphrase,
    WrongRecipient,
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
_WRAP_CONTEXT = b"bundle-file-key"
_MANIFEST_CONTEXT = b"bundle-manifest"
_MANIFEST_INFO = b"memvault-bundle-manifest-v1"
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
                namespaces=tuple(NamespaceCounts(_text(n["name"]), _count(n["memories"]), _count(n["deleted"]),
                                                 _count(n["history"])) for n in doc["namespaces"]),
                model_id=_text(doc["model_id"]), dimension=_count(doc["dimension"]),
                include_history=_flag(doc["include_history"]), include_deleted=_flag(doc["include_deleted"]),
                app_version=_text(doc["app_version"]))
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


# -- small strict readers for untrusted JSON --------------------------------------------------------------


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, found {value!r}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, found {value!r}")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any) -> bytes:
    return base64.b64decode(_text(value).encode("ascii"), validate=True)


# -- keys ---------------------------------------------------------------------------------------------------


def _kdf_binding(params: KdfParams) -> bytes:
    """The KDF parameters as the wrap's associated data, so they cannot be changed without breaking it."""
    return (b"argon2id" + struct.pack(">IIIB", params.memory_kib, params.iterations, params.lanes, len(params.salt))
            + params.salt)


def wrap_for_passphrase(file_key: bytes, passphrase: str, params: KdfParams, *, rng: Rng = os.urandom) -> PassphraseSlot:
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
    try:
        return aead.unwrap_key(slot.kdf.derive(passphrase), slot.wrapped_key, context=_WRAP_CONTEXT,
                               version=header.version, aad=_kdf_binding(slot.kdf))
    except DecryptionFailed:
        raise WrongBundlePassphrase("wrong passphrase for this bundle") from None


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


def seal_manifest(file_key: bytes, manifest: Manifest, *, rng: Rng = os.urandom) -> bytes:
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


# -- prefix -------------------------------------------------------------------------------------------------


def encode_prefix(*, created_at: float, source_vault: str, source_device: str, passphrase: PassphraseSlot | None,
                  stanzas: Sequence[bytes], sealed_manifest: bytes) -> bytes:
    """The bytes before the stream: magic, version, header JSON and its checksum."""
    if passphrase is None and not stanzas:
        raise InvalidInput("a bundle needs a passphrase or at least one recipient")
    slot = None if passphrase is None else {
        "kdf": "argon2id", "salt": _b64(passphrase.kdf.salt), "memory_kib": passphrase.kdf.memory_kib,
        "iterations": passphrase.kdf.iterations, "lanes": passphrase.kdf.lanes,
        "wrapped_key": _b64(passphrase.wrapped_key),
    }
    doc = {
        "created_at": created_at,
        "source": {"vault_id": source_vault, "device_id": source_device},
        "passphrase": slot,
        "recipients": [_b64(s) for s in stanzas],
        "manifest": _b64(sealed_manifest),
    }
    header = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    head = _FIXED.pack(MAGIC, VERSION, len(header)) + header
    return head + hashlib.sha256(head).digest()


def _read_exact(source: BinaryIO, n: int) -> bytes:
    parts, missing = [], n
    while missing:
        part = source.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def read_header(source: BinaryIO) -> BundleHeader:
    """Read and check the prefix; ``source`` is left at the first byte of the stream.

    Raises:
        DamagedData: not a bundle, or a damaged header.
        UnsupportedVersion: a newer format than this code reads (the message names both versions).
        TruncatedData: the file ends inside the prefix.
    """
    fixed = _read_exact(source, _FIXED.size)
    if len(fixed) < len(MAGIC) or fixed[:len(MAGIC)] != MAGIC:
        if MAGIC.startswith(fixed):
            raise TruncatedData("the bundle is truncated: it ends inside its header")
        raise DamagedData(f"not a Memvault bundle (a bundle starts with {MAGIC.decode()})")
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
    rest = _read_exact(source, length + DIGEST_BYTES)
    if len(rest) < length + DIGEST_BYTES:
        raise TruncatedData("the bundle is truncated: it ends inside its header")
    head, digest = fixed + rest[:length], rest[length:]
    if not hmac.compare_digest(hashlib.sha256(head).digest(), digest):
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
            slot = PassphraseSlot(KdfParams.from_untrusted(_unb64(p["salt"]), p["memory_kib"], p["iterations"],
                                                           p["lanes"]), _unb64(p["wrapped_key"]))
        stanzas = tuple(_unb64(s) for s in doc["recipients"])
        if slot is None and not stanzas:
            raise ValueError("it holds neither a passphrase slot nor a recipient")
        return BundleHeader(version=version, created_at=float(created_at),
                            source_vault=_text(doc["source"]["vault_id"]),
                            source_device=_text(doc["source"]["device_id"]), passphrase=slot, stanzas=stanzas,
                            sealed_manifest=_unb64(doc["manifest"]), prefix=prefix)
    except DamagedData as exc:
        raise DamagedData(f"the bundle header is unusable: {exc.message}") from None
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise DamagedData(f"the bundle header is malformed ({exc})") from None


# -- body: writing ------------------------------------------------------------------------------------------


# One encoder for every line: json.dumps with options builds a new one per call.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _line_bytes(obj: dict[str, Any]) -> bytes:
    return _LINE_ENCODER.encode(obj).encode("utf-8") + b"\n"


@dataclass
class BundleWriter:
    """Writes one bundle to ``sink``: the prefix at once, then body lines through the stream.

    Call :meth:`add` for each body line (a dict with a ``type`` of :data:`LINE_TYPES`),
    then :meth:`close`, which writes the end line and the final segment. A writer
    left without ``close`` (:meth:`abandon`, or an exception in a ``with`` block)
    leaves a file every reader rejects as truncated.

    Args:
        sink: a binary file-like object.
        manifest: the summary sealed in the header.
        created_at, source_vault, source_device: written in the clear in the header.
        passphrase: protect the file key with it (Argon2id with ``kdf``), and/or
        recipient_keys: raw X25519 public keys that can each open the bundle.
        segment_size: plaintext bytes per stream segment.
        rng: all randomness (the file key, salts, nonces, ephemeral keys): injectable for test vectors.
    """

    sink: BinaryIO
    manifest: Manifest
    created_at: float
    source_vault: str
    source_device: str
    passphrase: str | None = None
    kdf: KdfParams | None = None
    recipient_keys: Sequence[bytes] = ()
    segment_size: int = stream.DEFAULT_SEGMENT_SIZE
    rng: Rng = os.urandom
    lines: dict[str, int] = field(default_factory=dict, init=False)
    _pending: bytearray = field(default_factory=bytearray, init=False)

    def __post_init__(self) -> None:
        if self.passphrase is not None and self.kdf is None:
            raise ValueError("a passphrase needs KDF parameters")
        file_key = self.rng(FILE_KEY_BYTES)
        slot = None if self.passphrase is None else wrap_for_passphrase(file_key, self.passphrase, self.kdf,
                                                                        rng=self.rng)
        stanzas = [recipients.wrap_for_recipient(file_key, key, rng=self.rng) for key in self.recipient_keys]
        self.prefix = encode_prefix(created_at=self.created_at, source_vault=self.source_vault,
                                    source_device=self.source_device, passphrase=slot, stanzas=stanzas,
                                    sealed_manifest=seal_manifest(file_key, self.manifest, rng=self.rng))
        self.sink.write(self.prefix)
        self._stream = stream.StreamWriter(self.sink, file_key, header=self.prefix, segment_size=self.segment_size,
                                           rng=self.rng)
        self._digest = hashlib.sha256()

    @property
    def bytes_written(self) -> int:
        return len(self.prefix) + self._stream.bytes_written

    def add(self, line: dict[str, Any]) -> None:
        kind = line.get("type")
        if kind not in LINE_TYPES:
            raise ValueError(f"unknown body line type {kind!r}")
        data = _line_bytes(line)
        if len(data) > MAX_LINE_BYTES:
            raise InvalidInput(f"a {kind} line of {len(data)} bytes is larger than a bundle line may be")
        self._digest.update(data)
        self.lines[kind] = self.lines.get(kind, 0) + 1
        self._pending += data
        # Hand the stream whole segments' worth at a time: fewer, larger writes.
        if len(self._pending) >= self.segment_size:
            self._stream.write(self._pending)
            self._pending.clear()

    def close(self) -> Trailer:
        """Write the end line and the final segment; returns the trailer written."""
        trailer = Trailer(dict(self.lines), self._digest.hexdigest())
        self._pending += _line_bytes({"type": END, "lines": trailer.lines, "sha256": trailer.sha256})
        self._stream.write(self._pending)
        self._pending.clear()
        self._stream.close()
        return trailer

    def abandon(self) -> None:
        self._pending.clear()
        self._stream.abandon()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


# -- body: reading ------------------------------------------------------------------------------------------


def _segments(source: BinaryIO, header: BundleHeader, file_key: bytes) -> Iterator[bytes]:
    try:
        yield from stream.StreamReader(source, file_key, header=header.prefix)
    except TruncatedData as exc:
        raise TruncatedData(f"the bundle is truncated ({exc.message})") from None
    except TamperedData as exc:
        raise TamperedData(f"the bundle was damaged or modified ({exc.message})") from None
    except DecryptionFailed:
        # The file key unwrapped (the passphrase or key is right), so this is damage, not a wrong secret.
        raise TamperedData("the bundle's body does not authenticate: it was truncated, damaged or modified") from None
    except DamagedData as exc:
        raise DamagedData(f"the bundle's body is unreadable ({exc.message})") from None


def _parse_end(line: bytes) -> Trailer:
    try:
        doc = json.loads(line)
        if not isinstance(doc, dict) or doc.get("type") != END:
            raise ValueError("the last line is not the end line")
        lines = {_text(k): _count(v) for k, v in doc["lines"].items()}
        digest = _text(doc["sha256"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DamagedData(f"the bundle's end line is malformed ({exc})") from None
    return Trailer(lines, digest)


def verify_body(source: BinaryIO, header: BundleHeader, file_key: bytes,
                progress: Callable[[int], None] | None = None) -> Trailer:
    """Authenticate the whole body and check its digest without parsing its lines.

    ``source`` is positioned at the stream (after :func:`read_header`);
    ``progress`` gets the plaintext bytes read so far after each segment.
    """
    digest = hashlib.sha256()
    held = b""  # the last line seen so far, complete or not: the end line, once the data ends
    total = 0
    for part in _segments(source, header, file_key):
        total += len(part)
        data = held + part
        cut = data.rfind(b"\n", 0, len(data) - 1) + 1
        if cut:
            digest.update(memoryview(data)[:cut])
        held = data[cut:]
        if len(held) > MAX_LINE_BYTES:
            raise DamagedData("the bundle's body holds a line longer than any bundle line")
        if progress is not None:
            progress(total)
    if not held.endswith(b"\n"):
        raise DamagedData("the bundle's body does not end with its end line")
    trailer = _parse_end(held)
    if not hmac.compare_digest(trailer.sha256, digest.hexdigest()):
        raise DamagedData("the bundle's body does not match the digest in its end line")
    return Trailer(trailer.lines, trailer.sha256, total)


def body_lines(source: BinaryIO, header: BundleHeader, file_key: bytes) -> Iterator[dict[str, Any]]:
    """Each body line as a dict, in order; the end line is checked (counts, digest, nothing after it).

    ``source`` is positioned at the stream. Lines are yielded as their segments
    authenticate: an error at the end of the body comes after the lines before it.
    """
    raw = stream.PlaintextFile(_segments(source, header, file_key))
    reader = io.BufferedReader(raw, buffer_size=1024 * 1024)
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    number = 0
    while True:
        line = reader.readline(MAX_LINE_BYTES + 1)
        number += 1
        if not line:
            raise DamagedData("the bundle's body ends without its end line")
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise DamagedData(f"line {number} of the bundle's body is longer than any bundle line")
            raise DamagedData("the bundle's body does not end with its end line")
        try:
            doc = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise DamagedData(f"line {number} of the bundle's body is not valid JSON") from None
        kind = doc.get("type") if isinstance(doc, dict) else None
        if kind == END:
            trailer = _parse_end(line)
            if reader.read(1):
                raise DamagedData("the bundle's body goes on after its end line")
            if trailer.lines != counts:
                raise DamagedData(f"the bundle's end line counts {trailer.lines} lines but the body holds {counts}")
            if not hmac.compare_digest(trailer.sha256, digest.hexdigest()):
                raise DamagedData("the bundle's body does not match the digest in its end line")
            return
        if kind not in LINE_TYPES:
            raise DamagedData(f"line {number} of the bundle's body has an unknown type {kind!r}")
        digest.update(line)
        counts[kind] = counts.get(kind, 0) + 1
        yield doc
