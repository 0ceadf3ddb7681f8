"""``memvault bench --scale``: search end to end on a vault of ``--n`` memories (the 1M figures).

Embedding a million texts would take about an hour on two cores, so this vault
is filled the way the bundle bench fills its source: bundles of generated
memories with their vectors are imported, and nothing is embedded. The texts
and agents are the main bench's workload; each memory's vector is a random mix
of two real embeddings of workload texts plus noise
(:func:`memvault.bench.knn.synthetic_vectors`), the same generator as the index
growth rows, which the issue allows for the index part at 1M.

What is timed is what an agent's search costs there: the query text is
embedded (the query-vector cache is emptied before each timed search), the
planner asks the vault's own HNSW index (restored from its encrypted snapshot
in a fresh unlock, as the app does), and the hits are read from the encrypted
database. The KNN step alone and the filtered cases are the main bench's
(:func:`memvault.bench.knn.knn_figures`), checked against exact search over the stored vectors.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from memvault.bench import knn as knn_bench
from memvault.bench import workload
from memvault.bench.bundle import BUNDLE_PASSPHRASE, write_bundle
from memvault.bench.service import TAGS, machine
from memvault.config import Settings
from memvault.domain.enums import SearchMode, Tier, Visibility
from memvault.domain.hlc import HybridClock
from memvault.domain.ids import uuid7
from memvault.domain.models import MemoryFilter, SearchQuery
from memvault.domain.transfer import MemoryRecord, VectorSet
from memvault.service.container import Services, create_vault, load_embedder, open_vault

NAMESPACE = "bench"
PASSPHRASE = "memvault-bench-temporary"
#: Real workload texts embedded once; every generated vector mixes two of them. As many as the growth rows'
#: base (the main bench's 100k vectors): mixes of a few thousand crowd each query's neighbourhood with
#: near-duplicates, and recall becomes the generator's. One-pass builds at 1M, beam 576, recalled 0.974 /
#: 0.986 / 0.992 strict over 5k / 20k / 100k bases. Embedding them costs ~4.5 minutes on two cores.
BASE_TEXTS = 100_000
#: Memories per imported bundle (one import transaction each).
PER_BUNDLE = 100_000
QUERIES = 50


@dataclass
class ScaleReport:
    """What ``memvault bench --scale`` measured."""

    machine: str
    n: int
    stored: int = 0
    fill_s: float = 0.0
    index_build_s: float = 0.0
    unlock_s: float = 0.0
    index_restore_s: float = 0.0
    semantic: dict[str, float] = field(default_factory=dict)
    knn: dict[str, dict[str, float | str]] = field(default_factory=dict)
    rss_mb: float = 0.0

    def as_text(self) -> str:
        s = self.semantic
        lines = [
            f"machine: {self.machine}",
            (f"vault of {self.stored:,} memories with generated vectors: imported in {self.fill_s:.0f} s, "
             f"index built in {self.index_build_s:.0f} s; fresh unlock {self.unlock_s:.2f} s, index restored "
             f"{self.index_restore_s:.1f} s later"),
            (f"semantic search end to end at {self.n:,} ({QUERIES} queries, query embedded each time, not cached): "
             f"p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms (embedding the query alone: p50 "
             f"{s['embed_p50_ms']:.1f} ms)"),
            (f"KNN step at {self.n:,} memories (query vector given; {len(workload.questions())} distinct questions, "
             "p50), recall@10 against exact search over the stored vectors, end-to-end semantic p50 with the same filter "
             "(query embedded):"),
        ]
        lines += [knn_bench.case_line(label, c) for label, c in self.knn.items()]
        lines.append(f"resident memory (RSS) after searching: {self.rss_mb:.0f} MB")
        return "\n".join(lines)


def generated_records(services: Services, n: int, start: int, vectors: np.ndarray, rng: random.Random,
                      clock: HybridClock, *, namespace: str = NAMESPACE, origin: str = "bench-scale",
                      tags: Callable[[random.Random], tuple[str, ...]] | None = None,
                      agent: Callable[[random.Random], str] | None = None) -> Iterator[MemoryRecord]:
    """Workload memories ``start``.. of ``n`` carrying ``vectors``, for a bundle: created one second apart up to
    now. ``tags`` and ``agent`` draw each memory's tags and agent from ``rng`` (the bench's own by default)."""
    tags = tags or (lambda r: tuple(r.sample(TAGS, r.randint(0, 2))))
    agent = agent or knn_bench.agent_for
    model, dim = services.embedder.model_id, services.embedder.dimension
    now = time.time()
    for i, vector in enumerate(vectors, start):
        kind, text = workload.memory_text(rng)
        content = f"{text} (#{i})"
        importance = round(rng.random(), 2)
        yield MemoryRecord(
            id=uuid7(), namespace=namespace, content=content, memory_type=kind, tags=tags(rng),
            metadata={}, importance=importance, tier=Tier.from_importance(importance),
            visibility=Visibility.PRIVATE, agent_id=agent(rng), user_id=None, session_id=None,
            project=None, client_id=None, created_at=now - n + i, updated_at=now - n + i, expires_at=None,
            deleted_at=None, archived_at=None, version=1, hlc=clock.now(), origin_device=origin,
            vectors=VectorSet(model, dim, ((0, len(content)),), vector.astype("<f4").tobytes()))


def _fill(services: Services, n: int, rng: random.Random, folder: Path, say: Callable[[str], None], *,
          base_texts: int, per_bundle: int) -> None:
    say(f"embedding {base_texts:,} workload texts for the generated vectors to mix…")
    base = services.embedder.embed_texts([workload.memory_text(rng)[1] for _ in range(base_texts)])
    gen = np.random.default_rng(rng.randrange(2**32))
    clock = HybridClock("bench-scale")
    for start in range(0, n, per_bundle):
        count = min(per_bundle, n - start)
        say(f"importing memories {start + 1:,}–{start + count:,} of {n:,}…")
        vectors = knn_bench.synthetic_vectors(base, count, gen)
        path = folder / "part.mvbundle"
        write_bundle(path, services, NAMESPACE, count, generated_records(services, n, start, vectors, rng, clock))
        services.bundles.import_bundle(path, passphrase=BUNDLE_PASSPHRASE)
        os.unlink(path)


def _semantic_uncached(services: Services, rng: random.Random) -> dict[str, float]:
    f = MemoryFilter(namespace=NAMESPACE)
    texts = [workload.query_text(rng) for _ in range(QUERIES)]
    for t in texts[:5]:
        services.search.search(SearchQuery(t, mode=SearchMode.SEMANTIC, limit=10, filter=f))
    times, embeds = [], []
    hits = services.query_vectors.hits
    for t in texts:
        services.query_vectors.clear()
        started = time.perf_counter()
        services.search.search(SearchQuery(t, mode=SearchMode.SEMANTIC, limit=10, filter=f))
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        services.embedder.embed_query(t)
        embeds.append((time.perf_counter() - started) * 1000)
    return knn_bench.p50_p95(times) | {"embed_p50_ms": statistics.median(embeds),
                                       "cache_hits": float(services.query_vectors.hits - hits)}


def run_scale_benchmark(settings: Settings, *, n: int = 1_000_000, base_texts: int = BASE_TEXTS,
                        per_bundle: int = PER_BUNDLE, progress: Callable[[str], None] | None = None) -> ScaleReport:
    """Fill a temporary vault with ``n`` memories (generated vectors), unlock it afresh and search it."""
    say = progress or (lambda _msg: None)
    rng = random.Random(13)
    report = ScaleReport(machine(), n)
    embedder = load_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-scale-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1,
                                      worker=False)
        services = create_vault(cfg, PASSPHRASE, embedder, background=False)
        try:
            started = time.perf_counter()
            _fill(services, n, rng, Path(tmp), say, base_texts=base_texts, per_bundle=per_bundle)
            report.fill_s = time.perf_counter() - started
            say(f"building the index over {n:,} vectors…")
            started = time.perf_counter()
            services.vector_index.maintain()
            services.vector_index.snapshot()
            report.index_build_s = time.perf_counter() - started
        finally:
            services.close()
        say("unlocking afresh and restoring the index…")
        started = time.perf_counter()
        services = open_vault(cfg, PASSPHRASE, embedder, background=False)
        try:
            report.unlock_s = time.perf_counter() - started
            started = time.perf_counter()
            services.vector_index.maintain()
            report.index_restore_s = time.perf_counter() - started
            report.stored = services.memories.count(MemoryFilter(namespace=NAMESPACE))
            say(f"searching at {n:,} memories…")
            report.semantic = _semantic_uncached(services, rng)
            say(f"KNN step and filtered search at {n:,} memories…")
            report.knn = knn_bench.knn_figures(services, rng, NAMESPACE)
            report.rss_mb = psutil.Process().memory_info().rss / 2**20
        finally:
            services.close()
    return report
