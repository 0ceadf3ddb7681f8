"""What the sync status keeps beyond one cycle: the files and changes a cycle refused, and what a cycle repaired.

The background loop runs a cycle every few minutes, and a cycle that has nothing to refuse would clear a refusal
from the status before anyone saw it; so refusals and repairs stay there for a while (the last few of the last
week). A refusal stays a problem only while it holds this device back: each cycle checks whether it has been
got past since (the device has read past the refused segment, the key file it wrote back reads, nothing of that
device waits here), and a refusal got past is shown with the repairs, saying so. One that is not says what
happens next.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

REFUSED_PREFIX = "refused "
#: How long a refusal or a repair stays in the status, and how many of each at most.
REFUSALS_SHOWN_SECONDS = 7 * 86400
REFUSALS_SHOWN = 5

_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SEGMENT = re.compile(rf"^refused {_ID}/ops/(?P<device>{_ID})/(?P<seq>\d{{10}})\b")
_KEY = re.compile(rf"^refused {_ID}/key: ")
_SNAPSHOT = re.compile(r"^refused a snapshot of device (?P<device>[0-9a-f]{8}): ")
_SHARED = re.compile(r"^refused \d+ change\(s\) from device (?P<device>[0-9a-f]{8}) to namespace")


@dataclass(frozen=True)
class Progress:
    """Where this device stands after a cycle: how far it has read each device, and the devices it cannot get
    past."""

    cursors: dict[str, int]
    stuck: frozenset[str]
    key_refused: bool = False


def _got_past(message: str, progress: Progress, later: bool) -> str | None:
    """How ``message``'s refusal has been got past since (``later``: a cycle after the refusing one), or ``None``."""
    if found := _SEGMENT.match(message):
        device, seq = found["device"], int(found["seq"])
        if progress.cursors.get(device, 0) >= seq:
            return f"this device has read device {device[:8]}'s changes past that file since"
    elif _KEY.match(message):
        if later and not progress.key_refused:
            return "the key file this device wrote back has read as it should since"
    elif found := _SNAPSHOT.match(message):
        if later and not any(device.startswith(found["device"]) for device in progress.stuck):
            return f"nothing of device {found['device']}'s waits here since (its changes were read another way)"
    return None


def _next(message: str) -> str:
    """What happens about a refusal not got past yet (and what the user can do)."""
    if found := _SEGMENT.match(message):
        return (f"device {found['device'][:8]} is told, and writes a snapshot that covers the file at its next "
                "sync; this device goes on from it")
    if _KEY.match(message):
        return ("this device writes back the key file it accepted on every sync; a key file refused again and again "
                "means something that is not one of your devices writes the target: check who else can write there")
    if found := _SNAPSHOT.match(message):
        return f"device {found['device']} writes its snapshot again when it learns that this device needs it"
    if found := _SHARED.match(message):
        return (f"what device {found['device']} wrote there stays on device {found['device']}; it reaches the "
                "namespace's members once that device joins the namespace (`memvault share join`)")
    return ""


def kept(refused: list[list], repaired: list[list], cycle: tuple[list[str], list[str]], progress: Progress | None,
         now: float) -> tuple[list[list], list[list]]:
    """The refusals and repairs to keep from now on.

    ``refused``: ``[at, message, how it was got past or None]`` (``[at, message]`` as kept before), ``repaired``:
    ``[at, message]``; ``cycle``: this cycle's problems and repairs. A refusal seen again keeps when it was first
    seen; each not got past yet is checked against ``progress`` (``None``: the cycle failed, nothing is checked).
    """
    problems, fixed = cycle
    if progress is not None:
        progress = Progress(progress.cursors, progress.stuck, any(_KEY.match(p) for p in problems))
    by_message: dict[str, list] = {}
    for entry in [*refused, *([now, p, None] for p in problems if p.startswith(REFUSED_PREFIX))]:
        at, message = entry[0], entry[1]
        how = entry[2] if len(entry) > 2 else None
        first = by_message.setdefault(message, [at, message, how])
        first[2] = how if message not in problems else None  # refused again in this cycle: not got past yet
    for entry in by_message.values():
        if entry[2] is None and progress is not None:
            entry[2] = _got_past(entry[1], progress, later=entry[0] < now)
    repairs: dict[str, list] = {message: [at, message] for at, message in repaired}
    repairs.update({message: [now, message] for message in fixed})
    return _recent(by_message.values(), now), _recent(repairs.values(), now)


def _recent(entries: Iterable[list], now: float) -> list[list]:
    recent = sorted((e for e in entries if e[0] > now - REFUSALS_SHOWN_SECONDS), key=lambda e: e[0])
    return recent[-REFUSALS_SHOWN:]


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def shown(last: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The status's problems and repairs from what the last cycle recorded (``last``): its problems, less the
    refusals got past since, then the kept refusals not got past, each with when and what happens next; its
    repairs, then the earlier ones, and the refusals got past, each saying how."""
    refused = [entry + [None] * (3 - len(entry)) for entry in last.get("refused", [])]
    past = {message: how for _, message, how in refused if how}
    problems = [p for p in last.get("problems", []) if p not in past]
    problems += [f"{message} (at {_when(at)})" + (f"; {_next(message)}" if _next(message) else "")
                 for at, message, how in refused if not how and message not in problems]
    now_repaired = last.get("repaired", [])
    repairs = [*now_repaired, *(f"{message} (at {_when(at)})" for at, message in last.get("kept_repaired", [])
                                if message not in now_repaired)]
    repairs += [f"{message} (at {_when(at)}); resolved: {how}" for at, message, how in refused if how]
    return tuple(dict.fromkeys(problems)), tuple(dict.fromkeys(repairs))
