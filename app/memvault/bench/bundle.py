"""``memvault bench --bundle``: export, import and verify speed of bundles, and the memory they take.

The source vault is filled by importing a generated bundle (the only way in that
takes vectors as they are): N memories whose texts come from the benchmark
workload, each with the real model's vectors of its template text (a pool of
generated texts embedded once; each memory appends its own number), so every
memory has the vectors and model id an export carries. Then, timed: the export
of the namespace, verify-only of that bundle, and its import into a new, empty
vault (searchable at the end, nothing embedded again). Peak RSS growth is
sampled during each step, and the process's CPU time (all threads) beside each
wall time: on a shared machine the wall time mostly measures the neighbours.
"""

from __future__ import annotations

import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import psutil

from memvault import __version__
from memvault.bench import workload
from memvault.bench.service import machine
from memvault.bundle import format as fmt
from memvault.bundle import records
from memvault.config import Settings
from memvault.crypto.kdf import KdfParams
from memvault.domain.enums import Tier, Visibility
from memvault.domain.hlc import HybridClock
from memvault.domain.ids import uuid7
from memvault.domain.models import MemoryFilter, SearchQuery
from memvault.domain.transfer import MemoryRecord, VectorSet
from memvault.service.bundles import ExportRequest
from memvault.service.container import Services, create_vault, load_embedder

NAMESPACE = "bench"
PASSPHRASE = "memvault-bench-temporary"
BUNDLE_PASSPHRASE = "memvault-bench-bundle"
POOL = 1000


@dataclass
class BundleBenchReport:
    """What ``memvault bench --bundle`` measured (seconds, MB, MB/s)."""

    machine: str
    n: int
    bundle_mb: float
    export_s: float
    export_rss_growth_mb: float
    verify_s: float
    verify_mb_s: float
    verify_rss_growth_mb: float
    import_s: float
    import_rss_growth_mb: float
    searchable_hits: int
    embedded_again: int
    export_cpu_s: float = 0.0
    import_cpu_s: float = 0.0

    def as_text(self) -> str:
        return "\n".join([
            f"machine: {self.machine}",
            f"bundle of {self.n:,} memories with vectors: {self.bundle_mb:.1f} MB",
            (f"export: {self.export_s:.1f} s ({self.n / self.export_s:,.0f} memories/s; CPU {self.export_cpu_s:.1f} s), "
             f"peak RSS growth {self.export_rss_growth_mb:.0f} MB"),
            (f"verify only: {self.verify_s:.2f} s = {self.verify_mb_s:.0f} MB/s of bundle, "
             f"peak RSS growth {self.verify_rss_growth_mb:.0f} MB"),
            (f"import into an empty vault (same model): {self.import_s:.1f} s ({self.n / self.import_s:,.0f} "
             f"memories/s; CPU {self.import_cpu_s:.1f} s) until searchable, peak RSS growth {self.import_rss_growth_mb:.0f} MB; "
             f"{self.embedded_again} memories embedded again; a search found {self.searchable_hits} hits"),
        ])


class PeakRss:
    """Samples this process's RSS every few milliseconds; ``growth_mb`` is the peak above the starting value."""

    def __init__(self, interval: float = 0.02) -> None:
        self._interval = interval
        self._process = psutil.Process()
        self._stop = threading.Event()
        self.start = self.peak = 0

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> Self:
        self.start = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def _seed_records(services: Services, n: int, rng: random.Random) -> Iterator[MemoryRecord]:
    texts = [workload.memory_text(rng) for _ in range(POOL)]
    chunked = services.embedder.embed_documents([t for _, t in texts])
    clock = HybridClock("bench-seed")
    model, dim = services.embedder.model_id, services.embedder.dimension
    now = time.time()
    for i in range(n):
        kind, text = texts[i % POOL]
        vectors = chunked[i % POOL]
        importance = round(rng.random(), 2)
        yield MemoryRecord(
            id=uuid7(), namespace=NAMESPACE, content=f"{text} (#{i})", memory_type=kind,
            tags=tuple(rng.sample(["work", "personal", "urgent", "later", "team"], rng.randint(0, 2))),
            metadata={"source": "bench", "n": i}, importance=importance, tier=Tier.from_importance(importance),
            visibility=Visibility.PRIVATE, agent_id="bench-agent", user_id=None, session_id=None, project=None,
            client_id=None, created_at=now - n + i, updated_at=now - n + i, expires_at=None, deleted_at=None,
            archived_at=None, version=1, hlc=clock.now(), origin_device="bench-seed",
            vectors=VectorSet(model, dim, tuple(vectors.spans), vectors.vectors.astype("<f4").tobytes()))


def write_bundle(path: Path, services: Services, namespace: str, n: int, memories: Iterable[MemoryRecord]) -> None:
    """A bundle of ``n`` generated memories of ``namespace`` (with their vectors), sealed with
    :data:`BUNDLE_PASSPHRASE`: the way bench vaults are filled without embedding anything."""
    manifest = fmt.Manifest((fmt.NamespaceCounts(namespace, n),), services.embedder.model_id,
                            services.embedder.dimension, False, False, __version__)
    with open(path, "wb") as fh, fmt.BundleWriter(fh, manifest, time.time(), "bench", "bench-seed",
                                                  passphrase=BUNDLE_PASSPHRASE, kdf=KdfParams.fresh(8192, 1)) as w:
        for record in memories:
            for line in records.encode(record):
                w.add(line)


def write_seed(path: Path, services: Services, n: int) -> None:
    """The bundle and sync benches' source: ``n`` workload memories with the model's real vectors."""
    write_bundle(path, services, NAMESPACE, n, _seed_records(services, n, random.Random(11)))


def run_bundle_benchmark(settings: Settings, *, n: int = 100_000,
                         progress: Callable[[str], None] | None = None) -> BundleBenchReport:
    """Measure bundles of ``n`` memories with vectors on temporary vaults."""
    say = progress or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-bundle-") as tmp:
        root = Path(tmp)
        embedder = load_embedder(settings)
        cfg = settings.with_overrides(kdf_memory_kib=8192, kdf_iterations=1, worker=False)
        source = create_vault(cfg.with_overrides(home=str(root / "source")), PASSPHRASE, embedder, background=False)
        try:
            say(f"writing a seed bundle of {n:,} memories and importing it into the source vault…")
            write_seed(root / "seed.mvbundle", source, n)
            source.bundles.import_bundle(root / "seed.mvbundle", passphrase=BUNDLE_PASSPHRASE)
            os.unlink(root / "seed.mvbundle")
            say("exporting…")
            bundle = root / "bench.mvbundle"
            with PeakRss() as export_rss:
                started, cpu = time.perf_counter(), time.process_time()
                source.bundles.export_to_file(bundle, ExportRequest((NAMESPACE,), passphrase=BUNDLE_PASSPHRASE))
                export_s, export_cpu = time.perf_counter() - started, time.process_time() - cpu
            say("verifying…")
            with PeakRss() as verify_rss:
                started = time.perf_counter()
                source.bundles.inspect(bundle, passphrase=BUNDLE_PASSPHRASE, verify=True)
                verify_s = time.perf_counter() - started
        finally:
            source.close()
        size_mb = bundle.stat().st_size / 1e6
        target = create_vault(cfg.with_overrides(home=str(root / "target")), PASSPHRASE, embedder, background=False)
        try:
            say("importing into an empty vault…")
            with PeakRss() as import_rss:
                started, cpu = time.perf_counter(), time.process_time()
                report = target.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
                import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
            hits = target.search.search(SearchQuery(workload.query_text(random.Random(3)), limit=10,
                                                    filter=MemoryFilter(namespace=NAMESPACE))).hits
        finally:
            target.close()
    return BundleBenchReport(machine(), n, size_mb, export_s, export_rss.growth_mb, verify_s, size_mb / verify_s,
                             verify_rss.growth_mb, import_s, import_rss.growth_mb, len(hits), report.to_embed,
                             export_cpu, import_cpu)
