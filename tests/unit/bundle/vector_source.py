"""The inputs of the fixed bundle test vectors in ``tests/data/bundle/`` and the function that writes them.

Changing anything here changes the bytes: the vectors are regenerated only for
a new format version (see ``tests/data/bundle/README.md``).
"""

from __future__ import annotations

import hashlib
import io
import struct

from memvault.bundle import format as fmt
from memvault.bundle import records
from memvault.crypto.kdf import KdfParams
from memvault.crypto.recipients import key_pair_from_private
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord, VectorSet
from tests.unit.crypto.deterministic import fixed_rng

PASSPHRASE = "vector passphrase ünïcode"
KDF = KdfParams(salt=bytes(range(16)), memory_kib=1024, iterations=1, lanes=1)
RECIPIENT_PRIVATE = bytes(range(100, 132))
SEGMENT_SIZE = 256
CREATED_AT = 1731000000.25
SOURCE_VAULT = "5f0d1c2e-0000-4000-8000-00000000cafe"
SOURCE_DEVICE = "device-A"
MEMORY_ID = "01932a4e-7c00-7000-8000-000000000001"
TRASHED_ID = "01932a4e-7c00-7000-8000-000000000002"


def _vector(values: list[float]) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def memory_records() -> list[MemoryRecord]:
    first = MemoryRecord(
        id=MEMORY_ID, namespace="work", content="Rendez-vous avec Zoë à 14 h — 会議\nsecond line",
        memory_type=MemoryType.EVENT, tags=("réunion", "q4"), metadata={"source": "chat", "n": [1, 2.5, None]},
        importance=0.75, tier=Tier.WARM, visibility=Visibility.PRIVATE, agent_id="agent-1", user_id=None,
        session_id="s-9", project=None, client_id="client-key-1", created_at=1730000000.5,
        updated_at=1730000100.125, expires_at=None, deleted_at=None, archived_at=None, version=2,
        hlc="1730000100125-00000-device-A", origin_device="device-A",
        history=(
            HistoryEntry(MEMORY_ID, 1, "create", 1730000000.5, "Rendez-vous avec Zoë", MemoryType.EVENT,
                         ("réunion",), {"source": "chat"}, 0.5, Tier.WARM, Visibility.PRIVATE),
            HistoryEntry(MEMORY_ID, 2, "update", 1730000100.125,
                         "Rendez-vous avec Zoë à 14 h — 会議\nsecond line", MemoryType.EVENT, ("réunion", "q4"),
                         {"source": "chat", "n": [1, 2.5, None]}, 0.75, Tier.WARM, Visibility.PRIVATE),
        ),
        vectors=VectorSet("vector-model-v1", 4, ((0, 20), (15, 45)),
                          _vector([0.5, -0.5, 0.25, 0.0]) + _vector([1.0, 0.0, -1.0, 0.125])),
    )
    trashed = MemoryRecord(
        id=TRASHED_ID, namespace="work", content="an old note 🗒️", memory_type=MemoryType.GENERAL, tags=(),
        metadata={}, importance=0.1, tier=Tier.COLD, visibility=Visibility.CONFIDENTIAL, agent_id=None,
        user_id="u", session_id=None, project="p", client_id=None, created_at=1729000000.0,
        updated_at=1729500000.0, expires_at=1790000000.0, deleted_at=1729500000.0, archived_at=None, version=2,
        hlc="1729500000000-00003-device-B", origin_device="device-B", history=(), vectors=None,
    )
    return [first, trashed]


def manifest() -> fmt.Manifest:
    return fmt.Manifest((fmt.NamespaceCounts("work", 2, 1, 2),), "vector-model-v1", 4, True, True, "0.1.0")


def write_vector(kind: str) -> bytes:
    """The bytes of vector ``kind`` ("passphrase" or "recipient"), from fixed randomness."""
    sink = io.BytesIO()
    options: dict = ({"passphrase": PASSPHRASE, "kdf": KDF} if kind == "passphrase"
                     else {"recipient_keys": [key_pair_from_private(RECIPIENT_PRIVATE).public]})
    writer = fmt.BundleWriter(sink, manifest(), CREATED_AT, SOURCE_VAULT, SOURCE_DEVICE, segment_size=SEGMENT_SIZE,
                              rng=fixed_rng(f"memvault bundle vector {kind}".encode()), **options)
    for record in memory_records():
        for line in records.encode(record):
            writer.add(line)
    writer.close()
    return sink.getvalue()


def future_version(data: bytes) -> bytes:
    """``data`` relabelled as format version 2 (with a valid header digest): a reader of version 1 refuses it."""
    length = struct.unpack(">I", data[10:14])[0]
    head = data[:8] + struct.pack(">H", 2) + data[10:14 + length]
    return head + hashlib.sha256(head).digest() + data[14 + length + 32:]
