"""What the target no longer holds of what a device joining now would need: found on every cycle, written again.

The storage may delete anything, all of it or one device's files (FORMAT.md, threat model), and a device that
joins afterwards must not settle for what is left. Every device knows what it wrote (its segments up to the
last) and what it read of every member (its cursors); its vault's merge states hold all of it. A device that
joins gets a member's changes from one snapshot (the one it joins from, or that member's own) and then that
member's segments after it, so each cycle a device works out, from the listing and the snapshot coverage the
records state, how far a device joining now would get with each member. Where that falls short of what this
device holds, it writes a snapshot (which covers all of it) and says so. Every device that holds a change does
this, so a change a device wrote reaches devices that join later while that device is offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from memvault.sync.parts import SyncParts


def reach(seqs: Iterable[int], covered: int) -> int:
    """How far a reader gets through a device's segments ``seqs`` from a snapshot covering it up to ``covered``:
    on through every next number that is there."""
    upto, there = covered, set(seqs)
    while upto + 1 in there:
        upto += 1
    return upto


def coverage(records: Mapping[str, dict[str, Any]], members: Iterable[str]) -> dict[str, dict[str, int]]:
    """What each member's newest snapshot covers, as its signed record says (``{writer: {device: segment}}``)."""
    out: dict[str, dict[str, int]] = {}
    for writer in members:
        snapshot = records.get(writer, {}).get("snapshot")
        if isinstance(snapshot, dict):
            out[writer] = {str(d): s for d, s in snapshot.items() if isinstance(s, int) and not isinstance(s, bool)}
    return out


def short(held: Mapping[str, int], segments: Mapping[str, list[int]], snapshots: Mapping[str, list[int]],
          covers: Mapping[str, dict[str, int]]) -> dict[str, tuple[int, int]]:
    """``{device: (how far this device holds it, how far a device joining now gets it)}`` for every device of
    ``held`` the target falls short of.

    ``segments`` and ``snapshots``: the listing (``{device: numbers}``); ``covers``: what each writer's newest
    snapshot covers (see :func:`coverage`), counted only when that writer has a snapshot there.
    """
    there = {writer: c for writer, c in covers.items() if snapshots.get(writer)}
    # A joining device starts from the snapshot that covers the most (the first of equals, in the listing's order).
    start = there[max(sorted(there), key=lambda w: sum(there[w].values()))] if there else {}
    out = {}
    for device, upto in held.items():
        got = reach(segments.get(device, []), max(start.get(device, 0), there.get(device, {}).get(device, 0)))
        if got < upto:
            out[device] = (upto, got)
    return out


def said(me: str, lost: Mapping[str, tuple[int, int]]) -> str:
    """The line that says what the target had lost, and that it is written again."""
    parts = [f"this device's, up to its segment {upto}" if device == me else
             f"device {device[:8]}'s, up to its segment {upto}, which this device had read"
             for device, (upto, _) in sorted(lost.items(), key=lambda item: item[0] != me)]
    return (f"the target had lost files holding changes ({'; '.join(parts)}): written again, in a snapshot of this "
            "device's, so that a device that joins gets them")


Listing = tuple[dict[str, list[int]], dict[str, list[int]]]


def lost(engine: SyncParts, records: dict[str, dict[str, Any]], held: dict[str, int], own: tuple[int, dict[str, int]],
         list_snapshots: Callable[[], dict[str, list[int]]]) -> tuple[Listing | None, dict[str, tuple[int, int]]]:
    """The listing as this read it (``(segments, snapshots)``, ``None`` when it needed no snapshot listing), and
    what of ``held`` (``{member: segment}``: how far this device wrote or read it) a device joining now would not
    get from the target (see :func:`short`). ``own``: this device's newest snapshot's number and coverage."""
    members = [d for d in engine.ring.members if d not in engine.ring.removed]
    held = {d: upto for d, upto in held.items() if upto > 0 and (d in members or d == engine.device_id)}
    segments = engine.listed if engine.listed is not None else engine.segments()
    if not short(held, segments, {}, {}):
        return None, {}  # every segment is there from the first: no snapshot is needed, and none is listed
    for fresh in (False, True):
        if fresh:  # records read at the start of the cycle may be older than the listing: both are read again
            records, segments = engine.records(), engine.segments()
        snapshots = list_snapshots()
        covers = coverage(records, members)
        written, mine = own
        if written and max(snapshots.get(engine.device_id, [0])) >= written:
            covers[engine.device_id] = mine  # its own record may not say so yet
        else:
            covers.pop(engine.device_id, None)
        found = short(held, segments, snapshots, covers)
        if not found:
            break
    return (segments, snapshots), found
