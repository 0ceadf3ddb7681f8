"""Reading the devices' records on the target (``<group>/devices/<device>``; see ``FORMAT.md``).

Every cycle reads every record (for the peers' cursors, stuck segments and clock readings); a record is
verified and decrypted only when its bytes, or what opens them, changed since this process last read it.
"""

from __future__ import annotations

from typing import Any

from memvault.domain.errors import DamagedData, DecryptionFailed, NotFound, SyncError
from memvault.sync.identity import KeyRing
from memvault.sync.segments import open_record
from memvault.sync.targets.base import ID, SMALL_FILE_MAX_BYTES, Target

#: ``{(group, device): (its record's bytes, what opened them, the record)}``: the last record read of each
#: device, so that an unchanged one is not verified and decrypted again on every cycle.
_RECORDS: dict[tuple[str, str], tuple[bytes, tuple[Any, dict[int, bytes]], dict[str, Any]]] = {}


def opened(ring: KeyRing, device: str, data: bytes) -> dict[str, Any]:
    """:func:`open_record`, remembered for the same bytes opened with the same signing key and generations."""
    opener = (ring.members.get(device), ring.keys)
    known = _RECORDS.get((ring.group, device))
    if known is not None and known[0] == data and known[1] == opener:
        return dict(known[2])
    record = open_record(ring, device, data)
    _RECORDS[(ring.group, device)] = (data, opener, record)
    return dict(record)


def read_all(target: Target, ring: KeyRing) -> dict[str, dict[str, Any]]:
    """Every device's record (unreadable ones as ``{"error": why}``)."""
    prefix = f"{ring.group}/devices/"
    found: dict[str, dict[str, Any]] = {}
    for name in target.list(prefix):
        device = name[len(prefix):]
        if not ID.match(device):
            continue
        try:
            found[device] = opened(ring, device, target.get(name, SMALL_FILE_MAX_BYTES))
        except (DamagedData, DecryptionFailed, NotFound, SyncError) as exc:
            found[device] = {"error": exc.message}
    return found
