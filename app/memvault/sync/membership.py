"""Keeping this device's view of its group current: the key file on the target, read every cycle.

What members changed (a new member, a removal, a generation granted to this
device) is adopted; a key file that is missing, altered, forged or rolled back
is refused and reported, and this device writes back the one it had accepted
(the highest serial any member holds wins, since every member does the same);
a device missing from the file (two joined at once) lists itself again.
"""

from __future__ import annotations

import logging

from memvault.domain.errors import DamagedData, NotFound, SyncError
from memvault.sync import identity
from memvault.sync.parts import CycleReport, SyncParts
from memvault.sync.targets.base import SMALL_FILE_MAX_BYTES

log = logging.getLogger(__name__)


def refresh(engine: SyncParts, report: CycleReport) -> None:
    try:
        ring = identity.accept(engine.target.get(engine.key_name(), SMALL_FILE_MAX_BYTES), engine.ring,
                               engine.device_id, engine.me)
    except NotFound:
        report.problems.append("the key file was missing on the target: this device wrote back the one it had "
                               "accepted")
        engine.target.put(engine.key_name(), engine.ring.doc)
        return
    except DamagedData as exc:
        report.problems.append(f"refused {engine.key_name()}: {exc.message}; this device wrote back the one it "
                               "had accepted")
        log.warning("sync: refused the key file: %s", exc.code)
        engine.target.put(engine.key_name(), engine.ring.doc)
        return
    engine.adopt(ring)
    if ring.floor not in ring.keys:
        report.problems.append(f"key generation {ring.floor} was not granted to this device: what other devices"
                               " write from now on cannot be read here; set the device up again")
    elif identity.held_by_another(ring, engine.device_id, engine.me):
        # Enlisting again would take the id back from the other vault, and it back from this one, on every cycle,
        # while each reads none of the other's changes: stopped and said instead.
        raise SyncError(
            f"another vault syncs as this device ({engine.device_id[:8]}): a copy of this vault (restored from "
            "the same backup, or its folder copied). Two vaults cannot be one device. Keep syncing on one; on the "
            "other run `memvault sync off` (export what it holds that the first lacks and import it there). A "
            "second device is a vault of its own (`memvault init`) that joins the sync group. If this vault is "
            "the only copy (restored in place), run `memvault sync off`, then `memvault sync setup` again")
    elif identity.needs_enlisting(ring, engine.device_id, engine.me):
        ring, data = identity.enlisted(ring, engine.device_id, engine.me)
        engine.target.put(engine.key_name(), data)
        engine.adopt(ring)
