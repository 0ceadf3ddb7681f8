"""Segments on the target of devices whose writes are never applied: a device removed from the group, and an id
that is in no key file this device accepted (files written by something else, or by a device whose joining has
not reached this device yet). Each is reported once, not on every cycle (a monitor reading the exit status would
otherwise see sync fail for good), and read again only if the device turns out to be a member."""

from __future__ import annotations

import json

from memvault.sync.parts import CycleReport, SyncParts
from memvault.vault import sync_store as store

#: ``{device: newest segment reported}`` of removed devices (the name kept from before unknown ones were added).
REMOVED_SEEN = "sync_removed_seen"
#: The same for ids that are in no key file.
UNKNOWN_SEEN = "sync_unknown_seen"


def _first_report(engine: SyncParts, setting: str, device: str, newest: int, floor: int = 0) -> bool:
    """Whether segments up to ``newest`` of ``device`` are news (above what was reported and ``floor``); they
    are remembered as reported."""
    with engine.db.read() as conn:
        seen = json.loads(store.get_setting(conn, setting) or "{}")
    if newest <= max(seen.get(device, 0), floor):
        return False
    with engine.db.write() as conn:
        store.set_setting(conn, setting, json.dumps(seen | {device: newest}, sort_keys=True))
    return True


def ignore_removed(engine: SyncParts, device: str, seqs: list[int], cursor: int, report: CycleReport) -> None:
    """A removed device's segments are never applied; new ones (past ``cursor``, what was read before its
    removal) are reported once."""
    newest = max(seqs, default=0)
    if _first_report(engine, REMOVED_SEEN, device, newest, cursor):
        report.problems.append(f"ignored segment(s) up to {newest} of device {device[:8]}, which was removed "
                               "from the group (nothing it writes is applied)")


def ignore_unknown(engine: SyncParts, device: str, seqs: list[int], report: CycleReport) -> None:
    """Segments under an id that is in no key file this device accepted are not read; reported once."""
    newest = max(seqs, default=0)
    if _first_report(engine, UNKNOWN_SEEN, device, newest):
        report.problems.append(
            f"ignored {engine.group}/ops/{device}/ (segments up to {newest}): {device[:8]} is in no sync key file "
            "this device accepted, so nothing there is read. Files written by something else, or by a device "
            "whose joining has not reached this device yet; if they stay, they can be deleted")
