"""``memvault bench --sync``: a new device joining a large vault through a folder target, and an idle cycle.

A source vault of N memories with vectors (filled as ``bench --bundle`` fills
its own) sets up sync with a folder target, ships its ops and writes a
snapshot. Timed: a new, empty vault joining the same folder until it is fully
searchable (vectors shipped: nothing embedded again), with the process's CPU
time beside the wall time (on a shared machine the wall time mostly measures
the neighbours); the first search after it (the index has not replayed the
joined vectors yet: it goes exact over the stored ones); then idle sync cycles
with nothing new on the joined vault of N memories (median per cycle: CPU time of
the whole process, and of the thread that syncs: a gap between them is another
thread working meanwhile, e.g. a BLAS worker still spinning after a search).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from memvault.bench import workload
from memvault.bench.bundle import (
    BUNDLE_PASSPHRASE,
    NAMESPACE,
    PASSPHRASE,
    PeakRss,
    write_seed,
)
from memvault.bench.service import machine
from memvault.config import Settings
from memvault.domain.models import MemoryFilter, SearchQuery
from memvault.service.container import create_vault, load_embedder
from memvault.sync.targets.factory import TargetConfig

SYNC_PASSPHRASE = "memvault-bench-sync"
IDLE_CYCLES = 20


@dataclass
class SyncBenchReport:
    """What ``memvault bench --sync`` measured."""

    machine: str
    n: int
    source_push_s: float
    snapshot_s: float
    target_mb: float
    join_s: float
    join_rss_growth_mb: float
    joined_memories: int
    embedded_again: int
    searchable_hits: int
    idle_cycle_cpu_ms: float
    idle_cycle_wall_ms: float
    join_cpu_s: float = 0.0
    first_search_ms: float = 0.0
    first_search_cpu_ms: float = 0.0
    idle_cycle_thread_cpu_ms: float = 0.0

    def as_text(self) -> str:
        return "\n".join([
            f"machine: {self.machine}",
            (f"source: {self.n:,} memories with vectors shipped to a folder target in {self.source_push_s:.1f} s, "
             f"snapshot in {self.snapshot_s:.1f} s; {self.target_mb:.0f} MB on the target"),
            (f"new device joining: {self.join_s:.1f} s until searchable (CPU {self.join_cpu_s:.1f} s; "
             f"{self.joined_memories:,} memories, {self.embedded_again} embedded again, the first search found "
             f"{self.searchable_hits} hits in {self.first_search_ms:.0f} ms, CPU {self.first_search_cpu_ms:.0f} ms), "
             f"peak RSS growth {self.join_rss_growth_mb:.0f} MB"),
            (f"idle sync cycle (nothing new), median of {IDLE_CYCLES}: {self.idle_cycle_cpu_ms:.1f} ms CPU "
             f"({self.idle_cycle_thread_cpu_ms:.1f} ms on the syncing thread), {self.idle_cycle_wall_ms:.1f} ms wall"),
        ])


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def run_sync_benchmark(settings: Settings, *, n: int = 100_000,
                       progress: Callable[[str], None] | None = None) -> SyncBenchReport:
    """Measure joining a vault of ``n`` memories through a folder, and an idle cycle, on temporary vaults."""
    say = progress or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-sync-") as tmp:
        root = Path(tmp)
        embedder = load_embedder(settings)
        cfg = settings.with_overrides(kdf_memory_kib=8192, kdf_iterations=1, worker=False)
        folder = TargetConfig("folder", str(root / "target"))
        source = create_vault(cfg.with_overrides(home=str(root / "source")), PASSPHRASE, embedder, background=False)
        try:
            say(f"filling the source vault with {n:,} memories with vectors…")
            write_seed(root / "seed.mvbundle", source, n)
            source.bundles.import_bundle(root / "seed.mvbundle", passphrase=BUNDLE_PASSPHRASE)
            os.unlink(root / "seed.mvbundle")
            say("setting up sync on the source (every memory goes to the target)…")
            started = time.perf_counter()
            source.sync.setup(folder, SYNC_PASSPHRASE, device_name="bench source")
            push_s = time.perf_counter() - started
            started = time.perf_counter()
            source.sync._engine().write_snapshot()
            snapshot_s = time.perf_counter() - started
        finally:
            source.close()
        target_mb = _size_mb(root / "target")
        joined = create_vault(cfg.with_overrides(home=str(root / "joined")), PASSPHRASE, embedder, background=False)
        try:
            say("a new device joins…")
            with PeakRss() as rss:
                started, cpu0 = time.perf_counter(), time.process_time()
                joined.sync.setup(folder, SYNC_PASSPHRASE, device_name="bench new device")
                join_s, join_cpu = time.perf_counter() - started, time.process_time() - cpu0
            started, cpu0 = time.perf_counter(), time.process_time()
            hits = joined.search.search(SearchQuery(workload.query_text(random.Random(3)), limit=10,
                                                    filter=MemoryFilter(namespace=NAMESPACE))).hits
            first_search_ms = (time.perf_counter() - started) * 1000
            first_search_cpu_ms = (time.process_time() - cpu0) * 1000
            count = joined.memories.count(MemoryFilter(namespace=NAMESPACE))
            embedded_again = joined.jobs.depth()
            say("idle cycles…")
            cpu, own, wall = [], [], []
            for _ in range(IDLE_CYCLES):
                c0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
                joined.sync.sync_now()
                cpu.append((time.process_time() - c0) * 1000)
                own.append((time.thread_time() - t0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
        finally:
            joined.close()
    return SyncBenchReport(machine(), n, push_s, snapshot_s, target_mb, join_s, rss.growth_mb, count, embedded_again,
                           len(hits), statistics.median(cpu), statistics.median(wall), join_cpu, first_search_ms,
                           first_search_cpu_ms, statistics.median(own))
