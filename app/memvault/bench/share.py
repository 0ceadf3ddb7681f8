"""``memvault bench --share``: a namespace shared between people, on a folder target.

An admin's vault of N memories with vectors (filled as ``bench --bundle`` fills its own: generated texts from a
pool embedded once, so nothing is embedded N times) shares its namespace; its first cycle writes a snapshot.
Timed: a new member joining until searchable (it reads the admin's snapshot, then only the segments after it;
vectors shipped, nothing embedded again), wall and CPU time, when the roster has 5 members and again when it has
10 (each added by the admin, granted every key generation; the others are person keys with no vault). And, as
the roster grows to 1, 5, 10 and 20 members, the cost of one cycle when the admin writes one memory: the admin's
cycle (membership fold, listing, one segment sent) and the newest joined member's (membership fold, listing,
that segment read and applied; none with 1 member, the admin alone), CPU time of this process, median of a few
cycles.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from memvault.bench import workload
from memvault.bench.bundle import BUNDLE_PASSPHRASE, NAMESPACE, PASSPHRASE, PeakRss, write_seed
from memvault.bench.service import machine
from memvault.config import Settings
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.container import create_vault, load_embedder
from memvault.sharing.person import PersonIdentity
from memvault.sync.targets.factory import TargetConfig

MEMBER_COUNTS = (1, 5, 10, 20)
CYCLES = 5


@dataclass
class Join:
    members: int
    wall_s: float
    cpu_s: float
    rss_growth_mb: float
    memories: int
    embedded_again: int
    hits: int
    first_search_ms: float
    refused: int

    def as_text(self) -> str:
        return (f"a new member joining at {self.members} members: {self.wall_s:.1f} s until searchable (CPU "
                f"{self.cpu_s:.1f} s; {self.memories:,} memories, {self.embedded_again} embedded again, the first "
                f"search found {self.hits} hits in {self.first_search_ms:.0f} ms; {self.refused} refused), peak RSS "
                f"growth {self.rss_growth_mb:.0f} MB")


@dataclass
class ShareBenchReport:
    machine: str
    n: int
    share_s: float
    target_mb: float
    snapshot_mb: float
    joins: list[Join] = field(default_factory=list)
    #: members -> (admin cycle CPU ms, member cycle CPU ms or None, member cycle wall ms or None)
    cycles: dict[int, tuple[float, float | None, float | None]] = field(default_factory=dict)

    def as_text(self) -> str:
        lines = [
            f"machine: {self.machine}",
            f"admin: {self.n:,} memories with vectors shared to a folder target in {self.share_s:.1f} s (its first "
            f"cycle's snapshot included); {self.target_mb:.1f} MB on the target, of which the snapshot "
            f"{self.snapshot_mb:.1f} MB",
            *(join.as_text() for join in self.joins),
            f"one cycle after the admin writes one memory, median of {CYCLES} (CPU of this process):",
        ]
        for m, (sent, read, wall) in sorted(self.cycles.items()):
            member = f"member reads it {read:.1f} ms ({wall:.1f} ms wall)" if read is not None else "no other member"
            lines.append(f"  {m:>2} members: admin sends it {sent:.1f} ms; {member}")
        return "\n".join(lines)


def _size_mb(root: Path, pattern: str = "*") -> float:
    return sum(p.stat().st_size for p in root.rglob(pattern) if p.is_file()) / 1e6


def _cycles(admin, member, label: str) -> tuple[float, float | None, float | None]:
    sent, read, wall = [], [], []
    for i in range(CYCLES):
        admin.memories.create(MemoryCreate(namespace=NAMESPACE, content=f"cycle {label}/{i}: a new note"))
        while admin.worker.run_once():  # embedded before it is sent, as the background worker would have
            pass
        c0 = time.process_time()
        admin.sharing.sync_now()
        sent.append((time.process_time() - c0) * 1000)
        if member is not None:
            c0, w0 = time.process_time(), time.perf_counter()
            member.sharing.sync_now()
            read.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
    return (statistics.median(sent), statistics.median(read) if read else None,
            statistics.median(wall) if wall else None)


def _grow(admin, members: int, count: int) -> int:
    """Add person keys with no vault until the roster has ``count`` members (the next joiner not counted)."""
    while members < count:
        admin.sharing.share(NAMESPACE, with_key=PersonIdentity.new().key.text, role="write")
        members += 1
    return members


def _join(admin, newcomer, invite: str, folder: TargetConfig, members: int) -> Join:
    admin.sharing.share(NAMESPACE, with_key=newcomer.sharing.my_key(), role="write")
    with PeakRss() as rss:
        started, cpu0 = time.perf_counter(), time.process_time()
        newcomer.sharing.join(invite, folder)
        wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu0
    started = time.perf_counter()
    hits = newcomer.search.search(SearchQuery(workload.query_text(random.Random(3)), limit=10,
                                              filter=MemoryFilter(namespace=NAMESPACE))).hits
    first_search_ms = (time.perf_counter() - started) * 1000
    return Join(members, wall_s, cpu_s, rss.growth_mb, newcomer.memories.count(MemoryFilter(namespace=NAMESPACE)),
                newcomer.jobs.depth(), len(hits), first_search_ms, len(newcomer.sharing.info(NAMESPACE).refused))


def run_share_benchmark(settings: Settings, *, n: int = 1000,
                        progress: Callable[[str], None] | None = None) -> ShareBenchReport:
    say = progress or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-share-") as tmp:
        root = Path(tmp)
        embedder = load_embedder(settings)
        cfg = settings.with_overrides(kdf_memory_kib=8192, kdf_iterations=1, worker=False)
        folder = TargetConfig("folder", str(root / "target"))
        people = [create_vault(cfg.with_overrides(home=str(root / name)), PASSPHRASE, embedder, background=False)
                  for name in ("admin", "fifth", "tenth")]
        admin, fifth, tenth = people
        try:
            say(f"filling the admin's vault with {n:,} memories with vectors…")
            write_seed(root / "seed.mvbundle", admin, n)
            admin.bundles.import_bundle(root / "seed.mvbundle", passphrase=BUNDLE_PASSPHRASE)
            os.unlink(root / "seed.mvbundle")
            say("sharing the namespace (every memory goes to the target, then a snapshot)…")
            started = time.perf_counter()
            info = admin.sharing.share(NAMESPACE, target=folder)
            share_s = time.perf_counter() - started
            report = ShareBenchReport(machine(), n, share_s, _size_mb(root / "target"),
                                      _size_mb(root / "target", "snapshots/*/*/*"))
            report.cycles[1] = _cycles(admin, None, "alone")
            members = _grow(admin, 1, 4)
            say("a new member joins as the fifth…")
            report.joins.append(_join(admin, fifth, info.invite, folder, members + 1))
            report.cycles[5] = _cycles(admin, fifth, "5")
            members = _grow(admin, members + 1, 9)
            say("a new member joins as the tenth…")
            report.joins.append(_join(admin, tenth, info.invite, folder, members + 1))
            report.cycles[10] = _cycles(admin, tenth, "10")
            _grow(admin, members + 1, 20)
            say("cycles with 20 members…")
            tenth.sharing.sync_now()
            report.cycles[20] = _cycles(admin, tenth, "20")
        finally:
            for services in people:
                services.close()
    return report
