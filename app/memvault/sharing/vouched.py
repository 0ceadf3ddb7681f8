"""What a person who lost the write role (removed, or made a reader) had written before, and still counts.

The entry that takes the role (``remove``, or a ``role`` to ``read``) names, per device of that person, the chain
link ``[seq, digest]`` of the last of their segments its admin had read (:class:`memvault.sharing.rules.Vouched`).
Each segment names the digest of the one before it (``prev``) and is create-only, so a link fixes every segment
up to it: they existed before the entry was signed. A reader accepts that person's segments up to the link, under
the role they had then, and nothing after it, whenever it reads them (a member who joins later included). This is
what lets a member who joins after a removal have the removed person's earlier writes without the admin's snapshot
(which the target can damage or delete).

The removed person keeps its signing key and every older generation, so it can sign a new segment under an old
number and have the target put it in place of one it wrote before. A reader therefore checks the chain *backwards*
from the link before applying anything of it: the file at the link's number has the link's digest, its ``prev``
names the digest of the one before, and so on down to what this reader had read. A segment off that chain is
refused, and one the target deleted is reported as missing, every cycle, with the person and device it was by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memvault.domain.errors import DamagedData, DecryptionFailed, NotFound, SyncError, SyncTargetError
from memvault.sharing import roster as rosters
from memvault.sharing.rules import WRITE_ROLES
from memvault.sync.segments import SegmentHeader, digest, read_file
from memvault.sync.targets.base import SEGMENT_MAX_BYTES, seq_name

if TYPE_CHECKING:
    from memvault.sharing.engine import ShareEngine, ShareReport


@dataclass(frozen=True)
class Walk:
    """The segments of one device found on the chain a link vouches for (``seq: digest``)."""

    verified: dict[int, str]
    #: Whether the walk reached what this reader had read (else a segment is missing or altered, reported).
    complete: bool


def links_of(cursors: dict[str, Any], person: str, me: str, device: str) -> dict[str, list[Any]]:
    """The chain link of each of ``person``'s devices this member has read (its own sent ones when it is ``me``):
    what an entry that takes their write role vouches for."""
    found = {w.split("/")[1]: link for w, link in cursors["writers"].items()
             if w.split("/")[0] == person and int(link[0]) > 0}
    if person == me and int(cursors["chain"][0]) > 0:
        found[device] = cursors["chain"]
    return found


def link(roster: rosters.Roster, writer: str) -> tuple[int, str] | None:
    """The link up to which ``writer``'s segments count though its person may not write now; ``None`` when its
    person may write (its whole chain counts) or nothing of that device is vouched for."""
    person, device = writer.split("/")
    found = roster.vouched.get(person)
    if roster.role_of(person) in WRITE_ROLES or found is None or not found.writes:
        return None
    return found.writes.get(device)


def _lost(roster: rosters.Roster, person: str) -> str:
    return "their removal" if person in roster.removed else "they were made a reader"


def walk(engine: ShareEngine, roster: rosters.Roster, writer: str, report: ShareReport) -> Walk | None:
    """Check ``writer``'s chain backwards from the link vouched for, down to what this member has read."""
    vouched = link(roster, writer)
    if vouched is None:
        return None
    with engine.db.read() as conn:
        done, have = engine.cursors(conn)["writers"].get(writer, [0, ""])
    if vouched[0] <= done:
        return None
    person, device = writer.split("/")
    signer = roster.known_key(person)
    assert signer is not None  # a vouched person is a member or a removed one
    lost = _lost(roster, person)
    said = f"person {person[:8]}'s device {device[:8]}, written before {lost} (which vouches for up to {vouched[0]}),"
    unread = "the changes in it and in the ones before it cannot be read here"
    verified: dict[int, str] = {}
    seq, want = vouched
    while seq > done:
        name = f"{engine.share}/ops/{writer}/{seq_name(seq)}"
        try:
            data = engine.target.get(name, SEGMENT_MAX_BYTES)
        except NotFound:
            report.problems.append(f"segment {seq} of {said} is missing on the target: {unread} (deleted on the "
                                   "target; an admin's snapshot covering them would bring them)")
            return Walk(verified, False)
        except DamagedData as exc:
            report.problems.append(f"segment {seq} of {said} is refused unread ({exc.message}): {unread}")
            return Walk(verified, False)
        if digest(data) != want:
            report.problems.append(f"segment {seq} of {said} is not the one {lost} vouches for (replaced on the "
                                   f"target, or signed again by that person since): {unread}")
            return Walk(verified, False)
        try:
            head = read_file(data, SegmentHeader(engine.share, writer, "ops", seq, 0), roster.keys, signer.sign)[0]
        except SyncTargetError:
            raise
        except (DamagedData, DecryptionFailed, SyncError):
            return Walk(verified, False)  # under a generation not granted here yet; the forward read says more
        verified[seq] = want
        prev = head.get("prev")
        if not (isinstance(prev, list) and len(prev) == 2 and type(prev[0]) is int and isinstance(prev[1], str)
                and 0 <= prev[0] < seq):
            return Walk(verified, False)
        seq, want = prev
    if [seq, want] != [done, have]:
        report.problems.append(f"the segments of {said} are not the ones this member read of that device before: "
                               "the ones after those cannot be read here")
        return Walk(verified, False)
    return Walk(verified, True)


def judge(roster: rosters.Roster, writer: str, seq: int, data: bytes, count: int,
          found: Walk | None) -> tuple[str | None, bool]:
    """Whether a signed segment of a person who may not write now counts: ``(why not or "wait" or None, whether
    the chain moves past it)``. Only called when ``roster.role_of(person)`` is not a writing role."""
    person = writer.split("/")[0]
    vouched = link(roster, writer)
    if vouched is not None and seq <= vouched[0]:
        if found is not None and found.verified.get(seq) == digest(data):
            role = roster.vouched[person].role
            return (None, True) if role in WRITE_ROLES else (
                f"person {person[:8]} was a {role} member: {count} change(s) not applied", True)
        if found is None or not found.complete:
            return "wait", False  # the walk said what is missing
        return (f"it is not on the chain of segments {_lost(roster, person)} vouches for (planted under a number "
                "that device skipped)"), False
    if person not in roster.removed:
        return f"person {person[:8]} is a {roster.role_of(person)} member: {count} change(s) not applied", True
    writes = roster.vouched[person].writes if person in roster.vouched else None
    if writes is None:
        return (f"person {person[:8]} was removed from this shared namespace by an older Memvault, whose removal "
                f"does not say how far they had written: {count} change(s) cannot be read here (an admin's "
                "snapshot has them)"), True
    return (f"person {person[:8]} was removed from this shared namespace, and this segment is not among those "
            f"their removal vouches for (written after their removal, or at the same time): {count} change(s) not "
            "applied"), True


def missing(engine: ShareEngine, roster: rosters.Roster, listed: dict[str, list[int]], report: ShareReport) -> None:
    """Report the devices whose vouched segments are all gone from the target (nothing of theirs is listed)."""
    with engine.db.read() as conn:
        cursors = engine.cursors(conn)
    for person, vouched in sorted(roster.vouched.items()):
        if roster.role_of(person) in WRITE_ROLES:
            continue
        for device, (seq, _) in sorted((vouched.writes or {}).items()):
            writer = f"{person}/{device}"
            if writer not in listed and writer != engine.writer and cursors["writers"].get(writer, [0])[0] < seq:
                report.problems.append(
                    f"the segments of person {person[:8]}'s device {device[:8]}, written before "
                    f"{_lost(roster, person)} (which vouches for up to {seq}), are missing on the target: the "
                    "changes in them cannot be read here (deleted on the target; an admin's snapshot covering them "
                    "would bring them)")
