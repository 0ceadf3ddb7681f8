"""What sync stores on a target, encrypted and signed: op segments, snapshots and device records.

Segment and snapshot files::

    file   = MAGIC (8 bytes) || u16 len(header) || header (JSON) || STREAM(sync key, bound to header)
             || Ed25519 signature of the writer over everything before it (64 bytes)
    header = {"v": 2, "group": <sync group id>, "device": <writer>, "kind": "ops"|"snapshot",
              "seq": <n>, "key": <key generation>, "size": <stream bytes>}
    body   = JSON lines: {"count": n, "last": <outbox seq>, "prev": [seq, digest], ...} then one op per line

The header names only what the file's path already shows; how many ops or
memories a file holds, their namespaces and everything else are in the body.
The stream binds the header, so a segment cannot be renamed or moved to another
device, sequence number or group without failing authentication; a reader
also checks that the header matches the path it read the file from.

The signature is checked against the member the path names before anything
is decrypted, so a file no member wrote, or one of a removed device, is refused
however it was made. (A snapshot, which no size cap bounds, is read no further
than its header states, once the stream's first segment authenticates under it:
:func:`sized_by_header`; that segment's plaintext is not used.) A file's digest (of the signed bytes) links it to the
writer's next segment (``prev``): the hash chain that tells a reader which
files are the writer's and whether one is missing. Device records are small
values sealed with the current sync key and signed the same way. The key file
is :mod:`memvault.sync.identity`'s.
"""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from memvault.crypto import aead, signing
from memvault.crypto.stream import (PREAMBLE_BYTES, TAG_BYTES, StreamReader, StreamWriter, encrypted_size,
                                    verify_first_segment)
from memvault.domain.errors import DamagedData, DecryptionFailed, SyncKeyError, TruncatedData
from memvault.sync.identity import KeyRing
from memvault.sync.targets.base import SizedByHead

MAGIC = b"MVSYNC\x00\x02"
VERSION = 2
MAX_HEADER = 4096
_DEVICE_CONTEXT = b"sync-device-v2"
_SIGNED_RECORD = b"memvault-sync-record\x00"


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


def write_file(header: SegmentHeader, key: bytes, head: dict[str, Any], lines: Iterable[str],
               sign_private: bytes) -> bytes:
    """A whole encrypted, signed file: ``head`` (a JSON object) then ``lines`` (JSON text, one op each)."""
    plaintext = (json.dumps(head, sort_keys=True) + "\n" + "".join(line + "\n" for line in lines)).encode("utf-8")
    header = replace(header, size=encrypted_size(len(plaintext), _SEGMENT))
    prefix = header.encode()
    sink = io.BytesIO()
    sink.write(prefix)
    with StreamWriter(sink, key, header=prefix, segment_size=_SEGMENT) as stream:
        stream.write(plaintext)
    signed = sink.getvalue()
    return signed + signing.sign(sign_private, signed)


def digest(data: bytes) -> str:
    """The link of a file in its writer's hash chain."""
    return signing.digest(data[:-signing.SIGNATURE_BYTES])


def read_header(data: bytes) -> tuple[SegmentHeader, int]:
    """The header of a file and where its stream starts; :class:`DamagedData` for anything not ours."""
    if len(data) < len(MAGIC) + 2 or not data.startswith(MAGIC):
        if data.startswith(MAGIC[:-1]):
            raise DamagedData(f"a file of sync format {data[len(MAGIC) - 1]}; this Memvault reads {VERSION}")
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


def read_file(data: bytes, expected: SegmentHeader, keys: dict[int, bytes],
              signer: bytes | None) -> list[dict[str, Any]]:
    """Authenticate a whole file against the header its path implies and its writer's signing key ``signer``
    (``None``: the path names no member), then return its head and ops.

    Everything is verified before anything is returned, so a caller that
    applies lines never applies part of a damaged file.
    """
    header, start = read_header(data)
    end = len(data) - signing.SIGNATURE_BYTES
    _check_names(header, expected, signer)
    if end - start < header.size:
        raise TruncatedData(f"it holds {max(end - start, 0)} of its {header.size} bytes")
    if end - start > header.size:
        raise DamagedData("it is longer than its header says (damaged, or appended to)")
    if not signing.verify(signer, data[:end], data[end:]):
        raise DamagedData(f"its signature is not device {header.device[:8]}'s (forged or altered on the target)")
    key = _key(header, keys)
    plaintext = b"".join(StreamReader(io.BytesIO(data[start:end]), key, header=data[:start]))
    lines = []
    for number, raw in enumerate(plaintext.splitlines()):
        try:
            lines.append(json.loads(raw))
        except ValueError:
            raise DamagedData(f"line {number + 1} is not JSON (written by something else)") from None
    if not lines or not isinstance(lines[0], dict):
        raise DamagedData("it has no head (written by something else)")
    return lines


def _check_names(header: SegmentHeader, expected: SegmentHeader, signer: bytes | None) -> None:
    if (header.group, header.device, header.kind, header.seq) != (expected.group, expected.device, expected.kind,
                                                                   expected.seq):
        raise DamagedData(f"it says it is another file ({header.kind} {header.seq} of device {header.device[:8]}, "
                          "group " + header.group[:8] + "): moved, renamed or foreign")
    if signer is None:
        raise DamagedData(f"it names device {header.device[:8]}, which is not a member of the group (forged, or "
                          "written by a removed device): it is ignored; delete it from the target")


def _key(header: SegmentHeader, keys: dict[int, bytes]) -> bytes:
    key = keys.get(header.key)
    if key is None:
        raise SyncKeyError(f"it is encrypted with sync key generation {header.key}, which this device does "
                           "not have: join again with the sync passphrase")
    return key


#: What a reader takes of a file before it trusts the size the header states: the longest header and the
#: stream's first segment (its whole first segment at the size sync writes).
HEAD_BYTES = len(MAGIC) + 2 + MAX_HEADER + PREAMBLE_BYTES + _SEGMENT + TAG_BYTES


def sized_by_header(expected: SegmentHeader, keys: dict[int, bytes], signer: bytes | None) -> SizedByHead:
    """The ``limit`` to read a file of unbounded size (a snapshot) with: no more than its header states, trusted
    once the stream's first segment authenticates under that header with a key of ``keys``. Whoever lacks the
    key (the storage) cannot state a size, so a planted or padded file is refused after :data:`HEAD_BYTES`. Only
    that segment is opened (its plaintext unused) before :func:`read_file` checks the signature."""
    def size(first: bytes) -> int:
        header, start = read_header(first)
        _check_names(header, expected, signer)
        try:
            verify_first_segment(first[start:], _key(header, keys), header=first[:start], total=header.size)
        except DecryptionFailed:
            raise DamagedData("its first bytes do not authenticate under the sync key, so the size its header "
                              "states is not the writer's (forged or altered on the target): not read "
                              "further") from None
        return start + header.size + signing.SIGNATURE_BYTES
    return SizedByHead(HEAD_BYTES, size)


# -- device records -----------------------------------------------------------------------------------------------

def seal_record(ring: KeyRing, device: str, record: dict[str, Any], sign_private: bytes) -> bytes:
    sealed = aead.seal(ring.key, json.dumps(record, sort_keys=True).encode("utf-8"), context=_DEVICE_CONTEXT,
                       version=VERSION, aad=f"{ring.group}/{device}".encode())
    body = f"{ring.current}:{base64.b64encode(sealed).decode()}"
    signature = signing.sign(sign_private, _SIGNED_RECORD + body.encode())
    return json.dumps({"body": body, "sig": signature.hex()}).encode("utf-8")


def open_record(ring: KeyRing, device: str, data: bytes) -> dict[str, Any]:
    """A device's record, checked against its signing key; :class:`DamagedData` when it is not its own."""
    member = ring.members.get(device)
    try:
        doc = json.loads(data)
        body = str(doc["body"])
        signature = bytes.fromhex(doc["sig"])
        generation, sealed = body.split(":", 1)
    except (ValueError, KeyError, TypeError):
        raise DamagedData(f"the record of device {device[:8]} on the target is damaged or foreign") from None
    if member is None or not signing.verify(member.sign, _SIGNED_RECORD + body.encode(), signature):
        raise DamagedData(f"the record of device {device[:8]} is not signed by a member (forged or altered)")
    key = ring.keys.get(int(generation)) if generation.isdigit() else None
    if key is None:
        raise SyncKeyError(f"the record of device {device[:8]} uses a key generation this device does not have")
    plain = aead.open_sealed(key, base64.b64decode(sealed), context=_DEVICE_CONTEXT, version=VERSION,
                             aad=f"{ring.group}/{device}".encode())
    return json.loads(plain)
