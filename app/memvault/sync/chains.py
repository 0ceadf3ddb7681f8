"""A device's op segments, applied in the order its hash chain gives.

Each segment names its predecessor (``prev``: its number and digest), so a
reader applies only the file that continues the chain from its cursor. What the
storage in between plants, replays or removes is found out here: a file that
does not continue the chain is refused and reported, and once the writer's real
next segment turns up after it (within :data:`LOOK_AHEAD` files) it is skipped;
a gap waits, reported, for the missing file.
"""

from __future__ import annotations

import logging
from typing import Any

from memvault.domain.errors import DamagedData, DecryptionFailed, NotFound, SyncError, SyncTargetError, TruncatedData
from memvault.sync import op_shape
from memvault.sync.parts import CycleReport, SyncParts
from memvault.sync.segments import SegmentHeader, digest, read_file
from memvault.sync.targets.base import SEGMENT_MAX_BYTES
from memvault.vault import sync_store as store

log = logging.getLogger(__name__)

#: Files a reader looks past a refused or missing one for the writer's real next segment.
LOOK_AHEAD = 3


def pull_chain(engine: SyncParts, device: str, seqs: list[int], report: CycleReport, allow_mass_delete: bool,
               start: tuple[int, list[Any] | None]) -> tuple[int, str, bool] | None:
    """Apply ``device``'s segments that continue its hash chain, from ``start`` (its cursor and chain link);
    the segment it cannot get past, if any: ``(seq, why, refused)``. A file that is not in the chain
    (planted, forged) is skipped once the device's real next segment, which names its predecessor, is
    found after it."""
    done, link = start
    bad: list[tuple[int, str, bool]] = []
    for seq in seqs:
        if seq <= done:
            continue
        name = engine.ops_name(device, seq)
        try:
            head, ops, data = read_ops(engine, device, seq)
        except TruncatedData as exc:
            bad.append((seq, f"{name} is incomplete ({exc.message}): still arriving, or cut short on the target",
                        False))
        except NotFound:
            bad.append((seq, f"{name} disappeared while being read", False))
        except SyncTargetError:
            raise  # the target failed, not the file: the cycle stops and is retried
        except (DamagedData, DecryptionFailed, SyncError) as exc:
            log.warning("sync: refused a segment of device %s: %s", device[:8], exc.code)
            bad.append((seq, f"refused {name}: {exc.message}", True))
        else:
            prev = head.get("prev")
            if not (isinstance(prev, list) and len(prev) == 2 and isinstance(prev[0], int)):
                bad.append((seq, f"refused {name}: it does not name its predecessor", True))
            elif prev[0] == done and (link is None or link[0] != done or prev[1] == link[1]):
                for _, why, _ in bad:
                    report.problems.append(f"{why} (not in device {device[:8]}'s chain: skipped)")
                bad = []
                link = [seq, digest(data)]
                engine.apply_ops(ops, device, seq, report, allow_mass_delete, link=link)
                report.applied_segments += 1
                done = seq
                continue
            elif prev[0] > done:
                missing = engine.ops_name(device, done + 1)
                why = bad[0][1] if bad else f"{missing} is missing (deleted on the target, or not arrived yet)"
                return done + 1, why, bool(bad and bad[0][2])
            else:
                bad.append((seq, f"refused {name}: it does not follow device {device[:8]}'s chain (replayed, "
                                 "or written by another install under the same id)", True))
        if len(bad) > LOOK_AHEAD:
            break
    if bad:
        return bad[0]
    return None


def short_of_record(engine: SyncParts, device: str, listed: int) -> tuple[int, str, bool] | None:
    """A stall when ``device``'s signed record says it wrote segments this device has neither read nor can find
    (``listed``: the furthest of the cursor and its newest segment on the target): removed or rolled back there
    (its newest snapshot swapped for an older one once the segments were compacted). Reported as stuck, the
    writer writes a snapshot again."""
    record = engine.clocks.records.get(device, {}) if engine.clocks is not None else {}
    published = record.get("segment")
    if not isinstance(published, int) or published <= listed:
        return None
    with engine.db.read() as conn:
        found = store.cursors(conn).get(device)
    cursor = found.segment if found else 0
    if published <= cursor:
        return None
    return cursor + 1, (f"device {device[:8]} says it wrote up to its segment {published}, but the target holds "
                        f"nothing after {cursor} for this device (removed, or rolled back to an older snapshot, on "
                        "the target): it is asked for a snapshot"), False


def read_ops(engine: SyncParts, device: str, seq: int) -> tuple[dict[str, Any], list[dict[str, Any]], bytes]:
    name = engine.ops_name(device, seq)
    data = engine.target.get(name, SEGMENT_MAX_BYTES)
    member = engine.ring.members.get(device)
    lines = read_file(data, SegmentHeader(engine.group, device, "ops", seq, 0), engine.ring.keys,
                      member.sign if member else None)
    head, ops = lines[0], [op_shape.validate_op(op) for op in lines[1:]]
    if head.get("count") != len(ops):
        raise DamagedData(f"it holds {len(ops)} ops but says {head.get('count')}")
    return head, ops, data


def catch_up_own(engine: SyncParts, seqs: list[int], start: tuple[int, list[Any] | None],
                 report: CycleReport) -> list[Any] | None:
    """Apply this device's own segments after ``start`` (its chain as this vault knows it), as a reader
    applies another device's, and return the chain's new head ``[seq, digest]``; ``None`` (reported) when a
    segment of them cannot be applied.

    They are there when this vault is older than its own published chain: restored from a backup taken while
    it synced (or a copy of the vault folder). What it wrote after the backup comes back this way, and what it
    writes now goes out after them instead of being taken for what they hold.
    """
    head = start[1] if start[1] and start[1][0] == start[0] else None
    mine = [seq for seq in seqs if seq > start[0]]
    if not mine:
        return None  # the listing does not show the file just read yet: the next cycle tries again
    stall = pull_chain(engine, engine.device_id, mine, report, False, (start[0], head))
    if stall is not None:
        report.problems.append(f"this vault is older than its own changes on the target (restored from a backup?), "
                               f"and they cannot all be read back: {stall[1]}; its own changes wait, unsent")
        return None
    report.problems.append(f"this vault was restored from a backup taken while it synced (or a copy of it synced "
                           f"elsewhere): read back {len(mine)} segment(s) of its own changes made since; what it "
                           "writes now is sent after them")
    return [mine[-1], digest(read_ops(engine, engine.device_id, mine[-1])[2])]
