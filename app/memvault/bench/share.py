"""``memvault bench --share``: a namespace shared between people, on a folder target.

An admin's vault of N memories with vectors (filled as ``bench --bundle``
fills its own) shares its namespace. Timed: a new member's vault joining until
it is searchable (vectors shipped: nothing embedded again), wall and CPU time;
and, as the roster grows to 1, 5, 10 and 20 members (each added by the admin,
granted every key generation), the cost of one cycle when the admin writes one
memory: the admin's cycle (membership fold, listing, one segment sent) and the
joined member's (membership fold, listing, that segment read and applied; none
with 1 member, the admin alone), CPU time of this process, median of a few cycles.
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
class ShareBenchReport:
    machine: str
    n: int
    share_s: float
    target_mb: float
    join_s: float
    join_cpu_s: float
    join_rss_growth_mb: float
    joined_memories: int
    embedded_again: int
    searchable_hits: int
    first_search_ms: float
    #: members -> (admin cycle CPU ms, member cycle CPU ms or None, member cycle wall ms or None)
    cycles: dict[int, tuple[float, float | None, float | None]] = field(default_factory=dict)

    def as_text(self) -> str:
        lines = [
            f"machine: {self.machine}",
            f"admin: {self.n:,} memories with vectors shared to a folder target in {self.share_s:.1f} s; "
            f"{self.target_mb:.1f} MB on the target",
            f"new member joining: {self.join_s:.1f} s until searchable (CPU {self.join_cpu_s:.1f} s; "
            f"{self.joined_memories:,} memories, {self.embedded_again} embedded again, the first search found "
            f"{self.searchable_hits} hits in {self.first_search_ms:.0f} ms), peak RSS growth "
            f"{self.join_rss_growth_mb:.0f} MB",
            f"one cycle after the admin writes one memory, median of {CYCLES} (CPU of this process):",
        ]
        for m, (sent, read, wall) in sorted(self.cycles.items()):
            member = f"member reads it {read:.1f} ms ({wall:.1f} ms wall)" if read is not None else "no other member"
            lines.append(f"  {m:>2} members: admin sends it {sent:.1f} ms; {member}")
        return "\n".join(lines)


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


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


def run_share_benchmark(settings: Settings, *, n: int = 1000,
                        progress: Callable[[str], None] | None = None) -> ShareBenchReport:
    say = progress or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-share-") as tmp:
        root = Path(tmp)
        embedder = load_embedder(settings)
        cfg = settings.with_overrides(kdf_memory_kib=8192, kdf_iterations=1, worker=False)
        folder = TargetConfig("folder", str(root / "target"))
        admin = create_vault(cfg.with_overrides(home=str(root / "admin")), PASSPHRASE, embedder, background=False)
        member = create_vault(cfg.with_overrides(home=str(root / "member")), PASSPHRASE, embedder, background=False)
        try:
            say(f"filling the admin's vault with {n:,} memories with vectors…")
            write_seed(root / "seed.mvbundle", admin, n)
            admin.bundles.import_bundle(root / "seed.mvbundle", passphrase=BUNDLE_PASSPHRASE)
            os.unlink(root / "seed.mvbundle")
            say("sharing the namespace (every memory goes to the target)…")
            started = time.perf_counter()
            info = admin.sharing.share(NAMESPACE, target=folder)
            share_s = time.perf_counter() - started
            target_mb = _size_mb(root / "target")
            alone = _cycles(admin, None, "alone")
            admin.sharing.share(NAMESPACE, with_key=member.sharing.my_key(), role="write")
            say("a new member joins…")
            with PeakRss() as rss:
                started, cpu0 = time.perf_counter(), time.process_time()
                member.sharing.join(info.invite, folder)
                join_s, join_cpu = time.perf_counter() - started, time.process_time() - cpu0
            started = time.perf_counter()
            hits = member.search.search(SearchQuery(workload.query_text(random.Random(3)), limit=10,
                                                    filter=MemoryFilter(namespace=NAMESPACE))).hits
            first_search_ms = (time.perf_counter() - started) * 1000
            report = ShareBenchReport(machine(), n, share_s, target_mb, join_s, join_cpu, rss.growth_mb,
                                      member.memories.count(MemoryFilter(namespace=NAMESPACE)), member.jobs.depth(),
                                      len(hits), first_search_ms)
            report.cycles[1] = alone
            members = 2
            for count in MEMBER_COUNTS[1:]:
                while members < count:
                    admin.sharing.share(NAMESPACE, with_key=PersonIdentity.new().key.text, role="write")
                    members += 1
                say(f"cycles with {count} members…")
                member.sharing.sync_now()
                report.cycles[count] = _cycles(admin, member, str(count))
        finally:
            member.close()
            admin.close()
    return report
