"""What sync stores on a target, encrypted: op segments, snapshots, device records and the key file.

Segment and snapshot files::

    file   = MAGIC (8 bytes) || u16 len(header) || header (JSON) || STREAM(sync key, bound to header)
    header = {"v": 1, "group": <sync group id>, "device": <writer>, "kind": "ops"|"snapshot",
              "seq": <n>, "key": <key generation>}
    body   = JSON lines: {"count": n, "last": <outbox seq>, ...} then one op per line

The header names only what the file's path already shows; how many ops or
memories a file holds, their namespaces and everything else are in the body.
The stream binds the header, so a segment cannot be renamed or moved to another
device, sequence number or group without failing authentication; a reader
also checks that the header matches the path it read the file from.

The key file (``<group>/key``) holds every generation of the random sync key,
each wrapped by a key derived from the sync passphrase with Argon2id; device
records are small values sealed with the current sync key.
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from memvault.crypto import aead, recipients
from memvault.crypto.kdf import KdfParams
from memvault.crypto.stream import StreamReader, StreamWriter, encrypted_size
from memvault.domain.errors import DamagedData, DecryptionFailed, SyncKeyError, TruncatedData

MAGIC = b"MVSYNC\x00\x01"
VERSION = 1
MAX_HEADER = 4096
_KEYFILE_CONTEXT = b"sync-key"
_DEVICE_CONTEXT = b"sync-device"


@dataclass(frozen=True)
class SegmentHeader:
    group: str
    device: str
    kind: str
    seq: int
    key: int
    size: int = 0  # bytes of the encrypted stream after the header: a shorter file is still arriving

    def encode(self) -> bytes:
        doc = {"v": VERSION, "group": self.group, "device": self.device, "kind": self.kind, "seq": self.seq,
               "key": self.key, "size": self.size}
        body = json.dumps(doc, sort_keys=True).encode("utf-8")
        return MAGIC + struct.pack(">H", len(body)) + body


_SEGMENT = 256 * 1024


def write_file(header: SegmentHeader, key: bytes, head: dict[str, Any], lines: Iterable[str]) -> bytes:
    """A whole encrypted file: ``head`` (a JSON object) then ``lines`` (JSON text, one op each)."""
    plaintext = (json.dumps(head, sort_keys=True) + "\n" + "".join(line + "\n" for line in lines)).encode("utf-8")
    header = replace(header, size=encrypted_size(len(plaintext), _SEGMENT))
    prefix = header.encode()
    sink = io.BytesIO()
    sink.write(prefix)
    with StreamWriter(sink, key, header=prefix, segment_size=_SEGMENT) as stream:
        stream.write(plaintext)
    return sink.getvalue()


def read_header(data: bytes) -> tuple[SegmentHeader, int]:
    """The header of a file and where its stream starts; :class:`DamagedData` for anything not ours."""
    if len(data) < len(MAGIC) + 2 or not data.startswith(MAGIC):
        raise DamagedData("not a Memvault sync file (damaged, or written by something else)")
    (length,) = struct.unpack(">H", data[len(MAGIC):len(MAGIC) + 2])
    end = len(MAGIC) + 2 + length
    if length > MAX_HEADER:
        raise DamagedData("an impossible header (damaged, or written by something else)")
    if len(data) < end:
        raise TruncatedData("the file ends inside its header")
    try:
        doc = json.loads(data[len(MAGIC) + 2:end])
        header = SegmentHeader(str(doc["group"]), str(doc["device"]), str(doc["kind"]), int(doc["seq"]),
                               int(doc["key"]), int(doc["size"]))
        if doc["v"] != VERSION:
            raise DamagedData(f"sync format version {doc['v']}; this Memvault reads {VERSION}")
    except (ValueError, KeyError, TypeError):
        raise DamagedData("an unreadable header (damaged, or written by something else)") from None
    return header, end


def read_file(data: bytes, expected: SegmentHeader, keys: dict[int, bytes]) -> Iterator[dict[str, Any]]:
    """Authenticate a whole file against the header its path implies, then yield its head and ops.

    Everything is verified before the first line is returned, so a caller that
    applies lines never applies part of a damaged file.
    """
    header, start = read_header(data)
    if (header.group, header.device, header.kind, header.seq) != (expected.group, expected.device, expected.kind,
                                                                   expected.seq):
        raise DamagedData(f"it says it is another file ({header.kind} {header.seq} of device {header.device[:8]}, "
                          "group " + header.group[:8] + "): moved, renamed or foreign")
    if len(data) - start < header.size:
        raise TruncatedData(f"it holds {len(data) - start} of its {header.size} bytes")
    if len(data) - start > header.size:
        raise DamagedData("it is longer than its header says (damaged, or appended to)")
    key = keys.get(header.key)
    if key is None:
        raise SyncKeyError(f"it is encrypted with sync key generation {header.key}, which this device does "
                           "not have: join again with the sync passphrase")
    plaintext = b"".join(StreamReader(io.BytesIO(data[start:]), key, header=data[:start]))
    for number, raw in enumerate(plaintext.splitlines()):
        try:
            yield json.loads(raw)
        except ValueError:
            raise DamagedData(f"line {number + 1} is not JSON (written by something else)") from None


# -- the key file -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyRing:
    """Every generation of a sync group's key; ``current`` encrypts what is written now."""

    group: str
    keys: dict[int, bytes]
    removed: tuple[str, ...] = ()

    @property
    def current(self) -> int:
        return max(self.keys)

    @property
    def key(self) -> bytes:
        return self.keys[self.current]

    def encode_local(self) -> str:
        """The ring as kept inside this device's (encrypted) vault."""
        return json.dumps({"group": self.group, "keys": {str(g): k.hex() for g, k in self.keys.items()},
                           "removed": list(self.removed)})

    @classmethod
    def decode_local(cls, text: str) -> KeyRing:
        doc = json.loads(text)
        return cls(doc["group"], {int(g): bytes.fromhex(k) for g, k in doc["keys"].items()},
                   tuple(doc.get("removed", ())))

    @classmethod
    def new(cls, group: str) -> KeyRing:
        return cls(group, {1: os.urandom(32)})

    def rotated(self, removed_device: str) -> KeyRing:
        return KeyRing(self.group, {**self.keys, self.current + 1: os.urandom(32)},
                       tuple(sorted({*self.removed, removed_device})))


def write_key_file(ring: KeyRing, passphrase: str, memory_kib: int, iterations: int,
                   grants: dict[str, bytes] | None = None) -> bytes:
    """The key file: every generation wrapped by the passphrase, and the current one also wrapped for each
    remaining device's X25519 public key (``grants``: device id -> public key), so that they learn it without
    the passphrase and a removed device does not."""
    params = KdfParams.fresh(memory_kib, iterations)
    kek = params.derive(passphrase)
    wrapped = {str(g): base64.b64encode(aead.wrap_key(kek, key, context=_KEYFILE_CONTEXT,
                                                      aad=f"{ring.group}/{g}".encode())).decode()
               for g, key in ring.keys.items()}
    granted = {device: base64.b64encode(recipients.wrap_for_recipient(ring.key, public)).decode()
               for device, public in (grants or {}).items()}
    doc = {"v": VERSION, "group": ring.group, "removed": list(ring.removed),
           "grants": {str(ring.current): granted} if granted else {},
           "kdf": {"salt": base64.b64encode(params.salt).decode(), "memory_kib": params.memory_kib,
                   "iterations": params.iterations, "lanes": params.lanes}, "keys": wrapped}
    return json.dumps(doc, sort_keys=True, indent=1).encode("utf-8")


def read_key_file(data: bytes, passphrase: str) -> KeyRing:
    """The key ring in a key file; :class:`SyncKeyError` for a wrong passphrase, :class:`DamagedData` for junk."""
    try:
        doc = json.loads(data)
        kdf = doc["kdf"]
        params = KdfParams.from_untrusted(base64.b64decode(kdf["salt"]), kdf["memory_kib"], kdf["iterations"],
                                          kdf["lanes"])
        group = str(doc["group"])
        wrapped = {int(g): base64.b64decode(w) for g, w in doc["keys"].items()}
        removed = tuple(str(d) for d in doc.get("removed", ()))
        if doc["v"] != VERSION or not wrapped:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise DamagedData("the sync key file on the target is damaged or was written by something else") from None
    kek = params.derive(passphrase)
    try:
        keys = {g: aead.unwrap_key(kek, w, context=_KEYFILE_CONTEXT, aad=f"{group}/{g}".encode())
                for g, w in wrapped.items()}
    except DecryptionFailed:
        raise SyncKeyError("the sync passphrase does not open this target's sync key") from None
    return KeyRing(group, keys, removed)


def rewrap_key_file(data: bytes, old: str, new: str, memory_kib: int, iterations: int) -> bytes:
    """The same key file under another passphrase: every generation re-wrapped (with a fresh salt), the grants
    to devices kept as they are. Nothing encrypted with the sync key changes."""
    ring = read_key_file(data, old)
    doc = json.loads(write_key_file(ring, new, memory_kib, iterations))
    doc["grants"] = json.loads(data).get("grants", {})
    return json.dumps(doc, sort_keys=True, indent=1).encode("utf-8")


def granted_keys(data: bytes, ring: KeyRing, device: str, private_key: bytes) -> KeyRing:
    """``ring`` with the key generations the key file grants to ``device`` (opened with its private key)."""
    try:
        doc = json.loads(data)
        grants = {int(g): base64.b64decode(by_device[device]) for g, by_device in doc.get("grants", {}).items()
                  if device in by_device}
        removed = tuple(str(d) for d in doc.get("removed", ()))
        if str(doc["group"]) != ring.group:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise DamagedData("the sync key file on the target is damaged or was written by something else") from None
    keys = dict(ring.keys)
    for generation, stanza in grants.items():
        if generation not in keys:
            keys[generation] = recipients.unwrap_with_private(stanza, private_key)
    return KeyRing(ring.group, keys, tuple(sorted({*ring.removed, *removed})))


def key_file_group(data: bytes) -> str:
    """The group id a key file names (readable without the passphrase)."""
    try:
        return str(json.loads(data)["group"])
    except (ValueError, KeyError, TypeError):
        raise DamagedData("the sync key file on the target is damaged or was written by something else") from None


# -- device records -----------------------------------------------------------------------------------------------

def seal_record(ring: KeyRing, device: str, record: dict[str, Any]) -> bytes:
    sealed = aead.seal(ring.key, json.dumps(record, sort_keys=True).encode("utf-8"), context=_DEVICE_CONTEXT,
                       version=VERSION, aad=f"{ring.group}/{device}".encode())
    return json.dumps({"key": ring.current, "sealed": base64.b64encode(sealed).decode()}).encode("utf-8")


def open_record(ring: KeyRing, device: str, data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data)
        key = ring.keys[int(doc["key"])]
        sealed = base64.b64decode(doc["sealed"])
    except (ValueError, KeyError, TypeError):
        raise DamagedData(f"the record of device {device[:8]} on the target is damaged or foreign") from None
    plain = aead.open_sealed(key, sealed, context=_DEVICE_CONTEXT, version=VERSION,
                             aad=f"{ring.group}/{device}".encode())
    return json.loads(plain)
