"""``memvault bench``: embedding, ingest and search speed on a temporary vault."""

from __future__ import annotations

import os
import platform
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from memvault.bench import busy, extraction_speed, fact_search, ingest, workload
from memvault.bench.busy import BusyFigures
from memvault.bench import knn as knn_bench
from memvault.bench.ground_truth import GroundTruth
from memvault.config import Settings
from memvault.domain.enums import MemoryType, SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.container import Services, create_vault, load_embedder

NAMESPACE = "bench"
PASSPHRASE = "memvault-bench-temporary"
QUERIES = 50
#: Tags the bench memories carry (0-2 each); the filtered search row asks for "work".
TAGS = ["work", "personal", "urgent", "later", "team"]


def machine() -> str:
    model = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = psutil.virtual_memory().total / 2**30
    return f"{model}, {os.cpu_count()} cores, {ram:.0f} GiB RAM, {platform.system()} {platform.machine()}"


@dataclass
class BenchReport:
    """Everything ``memvault bench`` measured."""

    machine: str
    n: int
    embedding: dict[str, float] = field(default_factory=dict)
    ingest: dict[str, float] = field(default_factory=dict)
    searchable: dict[str, float] = field(default_factory=dict)
    search: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    recall_at_10: dict[str, float] = field(default_factory=dict)
    recall_at_10_ties: dict[str, float] = field(default_factory=dict)
    rss_mb: float = 0.0
    knn: dict[str, dict[str, dict[str, float | str]]] = field(default_factory=dict)
    growth: dict[int, dict[str, float]] = field(default_factory=dict)
    reopen: dict[str, float] = field(default_factory=dict)
    searchable_large: dict[str, float] = field(default_factory=dict)
    #: The database file's used bytes over its memories, at each size (with its index snapshot saved).
    bytes_per_memory: dict[str, float] = field(default_factory=dict)
    #: Bytes per table at the first size, and the free pages as ``"(free)"``.
    space: dict[str, int] = field(default_factory=dict)
    busy: BusyFigures | None = None
    #: Fact extraction's turns per second, with and without a caller-given name (:mod:`.extraction_speed`).
    extraction: dict[str, float] = field(default_factory=dict)
    #: Hybrid search in a namespace of chats with their facts, and the same turns alone (:mod:`.fact_search`).
    fact_search: dict[str, float] = field(default_factory=dict)

    def as_text(self) -> str:
        e, i = self.embedding, self.ingest
        lines = [
            f"machine: {self.machine}",
            (f"embedding ({int(e['texts'])} mixed-length texts): raw ONNX session {e['raw_session_tps']:.0f} texts/s; "
             f"length-sorted, token-budget batches {e['sorted_tps']:.0f} texts/s; arrival order with the budget "
             f"{e['unsorted_budget_tps']:.0f} texts/s; naive 32-text batches in arrival order "
             f"{e['unsorted_tps']:.0f} texts/s (sorted/naive {e['speedup']:.2f}x)"),
            (f"building the bench vault: the first {i['memories']:.0f} memories stored, then embedded, in "
             f"{i['seconds']:.1f} s ({i['per_second']:.0f}/s; one after the other, on one thread)"),
        ]
        for size, modes in self.search.items():
            lines.append(f"search at {size} memories ({QUERIES} queries each after {knn_bench.WARM_QUERIES} others, "
                         "median of end-to-end times, each query embedded: none from the query-vector cache):")
            for mode, t in modes.items():
                lines.append(f"  {mode:18} p50 {t['p50_ms']:7.1f} ms   p95 {t['p95_ms']:7.1f} ms")
            lines.append(f"  semantic recall@10 vs exact brute force ({len(workload.questions())} distinct questions): "
                         f"{self.recall_at_10[size]:.4f} "
                         f"({self.recall_at_10_ties[size]:.4f} counting ties within {knn_bench.TIE})")
        lines.append(f"resident memory (RSS) with {self.n} memories searched: {self.rss_mb:.0f} MB")
        lines += space_lines(self.bytes_per_memory, self.space)
        lines += _knn_lines(self)
        if self.busy is not None:
            lines.append(self.busy.as_text())
        if self.extraction:
            lines.append(extraction_speed.describe(self.extraction))
        if self.fact_search:
            lines.append(fact_search.describe(self.fact_search))
        return "\n".join(lines)


def space_lines(per_memory: dict[str, float], space: dict[str, int]) -> list[str]:
    """The vault's size rows: bytes per memory at each size and, at the first, where they go."""
    if not per_memory:
        return []
    lines = ["vault file, bytes per memory (used pages, index snapshot saved): "
             + ", ".join(f"{float(size):,.0f} memories {b:,.0f}" for size, b in per_memory.items())]
    if space:
        n = float(next(iter(per_memory)))
        lines.append(f"  per table at {n:,.0f} (indexes and shadow tables with their table): " + ", ".join(
            f"{name} {b / n:,.0f}" for name, b in space.items() if b / n >= 1))
    return lines


def measure_space(services: Services, size: int, *, breakdown: bool) -> tuple[float, dict[str, int]]:
    """Bytes per memory of the vault's file once its index snapshot is saved (as a close saves it), and with
    ``breakdown`` the bytes per table."""
    services.vector_index.maintain()
    services.vector_index.snapshot()
    space = services.stats.file_space()
    parts: dict[str, int] = {}
    if breakdown:
        with tempfile.TemporaryDirectory(prefix="memvault-bench-pages-") as scratch:
            parts = services.stats.page_breakdown(Path(scratch))
    return (space.pages - space.free_pages) * space.page_size / size, parts


def _knn_lines(report: BenchReport) -> list[str]:
    lines = [ingest.describe(report.searchable)] if report.searchable else []
    if report.searchable_large:
        lines.append(ingest.describe(report.searchable_large, f"the {report.n:,}-memory vault"))
    for size, cases in report.knn.items():
        lines.append(f"KNN step at {size} memories (query vector given; {len(workload.questions())} distinct "
                     "questions, p50), recall@10 against exact search over the stored vectors, end-to-end semantic p50 with "
                     "the same filter (query embedded):")
        lines += [knn_bench.case_line(label, c) for label, c in cases.items()]
    if report.growth:
        fetch = int(next(iter(report.growth.values()))["fetch"])
        lines.append(f"index cost growth (vectors generated from the vault's own, {len(workload.questions())} "
                     f"distinct questions, {fetch} candidates per query; "
                     f"recall@10 strict, and counting returned vectors within {knn_bench.TIE} of the exact 10th "
                     "distance as ann-benchmarks does):")
        for n, g in sorted(report.growth.items()):
            lines.append(f"  {n:>9,} vectors: KNN p50 {g['p50_ms']:.2f} ms, p95 {g['p95_ms']:.2f} ms, "
                         f"recall@10 {g['recall_at_10']:.4f} ({g['recall_at_10_ties']:.4f} with ties), "
                         f"built in {g['build_s']:.0f} s, {g['bytes_mb']:.0f} MB")
    if report.reopen:
        r = report.reopen
        lines.append(f"fresh process at {report.n} memories: unlock {r['unlock_s']:.2f} s, index restored "
                     f"{r['index_restore_s']:.2f} s later, first semantic search {r['first_search_ms']:.0f} ms, "
                     f"RSS after 40 searches {r['rss_after_search_mb']:.0f} MB")
    return lines


def _embedding_rates(services: Services, rng: random.Random, count: int) -> dict[str, float]:
    embedder = services.embedder
    texts = workload.mixed_lengths(rng, count)
    embedder.embed_texts(texts[:32])  # warm-up: first runs allocate
    seqs = embedder.tokenize(texts)

    def timed(work) -> float:
        started = time.perf_counter()
        work()
        return len(texts) / (time.perf_counter() - started)

    # The raw session rate: batched and padded beforehand, so only session.run is timed.
    feeds = [embedder.feeds([seqs[i] for i in idx]) for idx in embedder.batches(seqs)]
    raw = timed(lambda: [embedder.run_session(f) for f in feeds])
    bucketed = timed(lambda: embedder.embed_texts(texts, sort=True))
    budget_only = timed(lambda: embedder.embed_texts(texts, sort=False))
    # The usual approach: 32 texts per batch in arrival order, padded to the longest.
    naive = timed(lambda: [embedder.embed_batch(embedder.tokenize(texts[b : b + 32]))
                           for b in range(0, len(texts), 32)])
    return {"texts": float(len(texts)), "raw_session_tps": raw, "sorted_tps": bucketed,
            "unsorted_budget_tps": budget_only, "unsorted_tps": naive, "speedup": bucketed / naive}


def _ingest(services: Services, rng: random.Random, count: int, seen: set[str]) -> None:
    """``count`` generated memories whose texts are not in ``seen`` nor repeated (see :func:`workload.memory_text`)."""
    for b in range(0, count, 100):
        services.memories.create_batch(_ingest_items(rng, min(100, count - b), seen))
    services.worker.drain()


def _search_times(services: Services, rng: random.Random) -> dict[str, dict[str, float]]:
    plain = MemoryFilter(namespace=NAMESPACE)
    filtered = MemoryFilter(namespace=NAMESPACE, memory_types=(MemoryType.FACT, MemoryType.TASK), tags=("work",))
    cases = {"semantic": (SearchMode.SEMANTIC, plain), "keyword": (SearchMode.KEYWORD, plain),
             "hybrid": (SearchMode.HYBRID, plain), "filtered semantic": (SearchMode.SEMANTIC, filtered)}
    out = {}
    for label, (mode, f) in cases.items():
        # Other queries first, as a process serving an agent has answered (the KNN rows do the same): right
        # after bulk extraction the readers' page caches hold the entity tables, not what search reads.
        for _ in range(knn_bench.WARM_QUERIES):
            services.search.search(SearchQuery(workload.query_text(rng), mode=mode, filter=f))
        times = []
        for _ in range(QUERIES):
            query = SearchQuery(workload.query_text(rng), mode=mode, limit=10, filter=f)
            # The workload has ~80 distinct queries: without this most would be answered from the cache.
            services.query_vectors.clear()
            started = time.perf_counter()
            services.search.search(query)
            times.append((time.perf_counter() - started) * 1000)
        out[label] = knn_bench.p50_p95(times)
    return out


def _recall(services: Services) -> tuple[float, float]:
    """Semantic search's recall@10 against brute force over every stored vector, over each of the workload's
    questions once: strict, and counting a returned memory within :data:`knn_bench.TIE` of the exact 10th's
    similarity as found (see the KNN lines)."""
    ids, matrix = GroundTruth(services).vectors(NAMESPACE)
    strict = tied = 0.0
    texts = workload.questions()
    for text in texts:
        sims = matrix @ services.embedder.embed_query(text)
        best: dict[int, float] = {}
        for mid, s in zip(ids.tolist(), sims.tolist()):
            best[mid] = max(best.get(mid, -2.0), s)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:10]
        exact, tenth = {mid for mid, _ in ranked}, ranked[-1][1] if ranked else 0.0
        got = services.search.search(SearchQuery(text, mode=SearchMode.SEMANTIC, limit=10,
                                                 filter=MemoryFilter(namespace=NAMESPACE)))
        found, want = {h.memory.rowid for h in got.hits}, max(1, min(10, len(exact)))
        strict += len(exact & found) / want
        tied += sum(1 for m in found if m in exact or best.get(m, -2.0) >= tenth - knn_bench.TIE) / want
    return strict / len(texts), tied / len(texts)


def _ingest_items(rng: random.Random, count: int, seen: set[str] | None = None) -> list[MemoryCreate]:
    seen = set() if seen is None else seen
    out = []
    for _ in range(count):
        kind, text = workload.memory_text(rng, seen)
        out.append(MemoryCreate(content=text, namespace=NAMESPACE, memory_type=kind, agent_id=knn_bench.agent_for(rng),
                                tags=rng.sample(TAGS, rng.randint(0, 2)), importance=round(rng.random(), 2)))
    return out


def run_benchmark(settings: Settings, *, n: int = 100_000, embed_sample: int = 512,
                  growth_sizes: tuple[int, ...] | None = None, searchable_n: int = 5000, busy_n: int = 10_000,
                  extraction_n: int = extraction_speed.CONVERSATIONS, fact_chats: int = fact_search.CHATS,
                  progress: Callable[[str], None] | None = None) -> BenchReport:
    """Build a vault of ``n`` generated memories and measure it at 10k and at ``n``; last, fact extraction's
    speed on ``extraction_n`` generated chats, and hybrid search among ``fact_chats`` chats with their facts
    (0: skip that row)."""
    say = progress or (lambda _msg: None)
    rng = random.Random(7)
    checkpoints = sorted({min(10_000, n), n})
    report = BenchReport(machine(), n)
    embedder = load_embedder(settings)
    say(f"ingest until searchable: {searchable_n} memories with the background loops running…")
    report.searchable = ingest.until_searchable(settings, embedder, _ingest_items(random.Random(17), searchable_n))
    with tempfile.TemporaryDirectory(prefix="memvault-bench-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, embedder, background=False)
        try:
            stored, seen = 0, set()
            for size in checkpoints:
                say(f"ingesting up to {size} memories…")
                started = time.perf_counter()
                _ingest(services, rng, size - stored, seen)
                seconds = time.perf_counter() - started
                # What the background loop does as vectors arrive (this vault runs without loops).
                services.vector_index.maintain()
                if stored == 0:
                    report.ingest = {"memories": float(size), "seconds": seconds, "per_second": size / seconds}
                stored = size
                # Entity links, as the app's background loop makes them: hybrid's graph list reads them, and
                # a bench vault without them measured hybrid without its graph work.
                say(f"extracting entities up to {size} memories…")
                services.entities.drain()
                say(f"measuring the vault's bytes at {size} memories…")
                report.bytes_per_memory[str(size)], space = measure_space(services, size, breakdown=not report.space)
                report.space = report.space or space
                say(f"searching at {size} memories…")
                report.search[str(size)] = _search_times(services, rng)
                # Before the recall check, which loads every vector into numpy for ground truth.
                report.rss_mb = psutil.Process().memory_info().rss / 2**20
                report.recall_at_10[str(size)], report.recall_at_10_ties[str(size)] = _recall(services)
                say(f"KNN step and filtered search at {size} memories…")
                report.knn[str(size)] = knn_bench.knn_figures(services, rng, NAMESPACE)
            sizes = growth_sizes or ((10_000, 100_000, 1_000_000) if n >= 100_000 else (max(1000, n // 10), n, n * 10))
            say(f"index cost growth at {', '.join(f'{s:,}' for s in sizes)} generated vectors…")
            report.growth = knn_bench.growth_figures(services, NAMESPACE, list(sizes), rng)
            # Last: the naive batches grow ONNX Runtime's arena, which would inflate the RSS figure.
            say("measuring embedding throughput…")
            report.embedding = _embedding_rates(services, rng, embed_sample)
        finally:
            services.close()
        say("unlocking again in a fresh process…")
        report.reopen = knn_bench.reopen_figures(cfg.home_path, PASSPHRASE, NAMESPACE, rng)
        say(f"ingest until searchable: {searchable_n} more memories into the {n:,}-memory vault…")
        # The new-vault row's texts (the same seed), so that the two rows differ only in the vault they go into.
        report.searchable_large = ingest.until_searchable(cfg, embedder, _ingest_items(random.Random(17), searchable_n),
                                                          passphrase=PASSPHRASE)
        if busy_n:
            say(f"searching while {busy_n:,} more memories are stored, embedded and linked…")
            report.busy = busy.search_while_busy(cfg, embedder, _ingest_items(random.Random(23), busy_n),
                                                 passphrase=PASSPHRASE, namespace=NAMESPACE)
    if extraction_n:
        # Last: a pipeline of its own adds to this process's memory, which the RSS row above reads.
        say(f"fact extraction on {extraction_n} generated chats, with and without a caller-given name…")
        report.extraction = extraction_speed.run_extraction_speed(extraction_n)
    if fact_chats:
        say(f"hybrid search among {fact_chats} generated chats with their facts, and without…")
        report.fact_search = fact_search.run_fact_search(settings, embedder, fact_chats)
    return report
