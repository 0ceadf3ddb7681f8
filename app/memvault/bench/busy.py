"""Search while the vault is busy: semantic and hybrid p50/p95 while an ingest and its extraction run.

A user searches while agents write. The vault has its background loops
running, as in the desktop app or ``memvault serve``. First the questions are
timed on the idle vault; then a thread stores ``items`` in batches of 100 (as
an agent's batch calls do) while this thread keeps asking, alternating
semantic and hybrid, until every stored memory is searchable and its entities
are linked. Each query is embedded (the query-vector cache is emptied first),
as in the main bench's search rows.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from memvault.bench import knn as knn_bench
from memvault.bench import workload
from memvault.config import Settings
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.container import Services, create_vault, open_vault

PASSPHRASE = "memvault-bench-temporary"
BATCH = 100
#: Idle questions per mode; the busy rounds ask as many as the ingest leaves time for.
IDLE_QUERIES = 40
MODES = (SearchMode.SEMANTIC, SearchMode.HYBRID)


@dataclass
class BusyFigures:
    """Search times (ms) on the idle vault and while ``memories`` were stored, embedded and linked."""

    memories: int
    base: int
    busy_s: float = 0.0
    idle: dict[str, dict[str, float]] = field(default_factory=dict)
    busy: dict[str, dict[str, float]] = field(default_factory=dict)
    busy_queries: dict[str, int] = field(default_factory=dict)

    def ratio(self, mode: str) -> float:
        return self.busy[mode]["p50_ms"] / self.idle[mode]["p50_ms"]

    def as_text(self) -> str:
        lines = [f"search while busy ({self.base:,} memories stored, loops running): an ingest of {self.memories:,} "
                 f"memories in batches of {BATCH} until searchable with entities linked took {self.busy_s:.1f} s; "
                 "each query embedded:"]
        for mode in self.idle:
            i, b = self.idle[mode], self.busy.get(mode)
            busy = "no query finished" if not b else (
                f"busy p50 {b['p50_ms']:.1f} ms, p95 {b['p95_ms']:.1f} ms over {self.busy_queries[mode]} queries "
                f"({self.ratio(mode):.1f}x idle)")
            lines.append(f"  {mode:9} idle p50 {i['p50_ms']:.1f} ms, p95 {i['p95_ms']:.1f} ms; {busy}")
        return "\n".join(lines)


def _timed(services: Services, question: str, mode: SearchMode, namespace: str | None) -> float:
    query = SearchQuery(question, mode=mode, limit=10, filter=MemoryFilter(namespace=namespace))
    services.query_vectors.clear()
    started = time.perf_counter()
    services.search.search(query)
    return (time.perf_counter() - started) * 1000


def _settled(services: Services) -> bool:
    return (services.jobs.depth() == 0 and services.vector_index.lag() == 0
            and services.entities.queue_depth() == 0)


def _wait_settled(services: Services, timeout: float = 3600.0) -> None:
    deadline = time.monotonic() + timeout
    while not _settled(services):
        if time.monotonic() > deadline:
            raise TimeoutError("the vault's background work did not finish")
        time.sleep(0.05)


def search_while_busy(settings: Settings, embedder, items: list[MemoryCreate], *, base: list[MemoryCreate] = (),
                      passphrase: str | None = None, namespace: str | None = None, seed: int = 11,
                      progress: Callable[[str], None] | None = None) -> BusyFigures:
    """Time searches idle and during the ingest of ``items``.

    ``passphrase``: into the existing vault at ``settings.home`` (which keeps them); otherwise a new vault in a
    temporary folder, first filled with ``base``."""
    say = progress or (lambda _msg: None)
    rng = random.Random(seed)
    with contextlib.ExitStack() as scratch:
        if passphrase is None:
            tmp = scratch.enter_context(tempfile.TemporaryDirectory(prefix="memvault-bench-busy-"))
            cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
            services = create_vault(cfg, PASSPHRASE, embedder, background=True)
        else:
            services = open_vault(settings, passphrase, embedder, background=True)
        scratch.callback(services.close)
        services.vector_index.ensure_open()
        services.entities.warm_up()
        if base:
            say(f"storing {len(base):,} memories to search…")
            for b in range(0, len(base), BATCH):
                services.memories.create_batch(list(base[b:b + BATCH]))
        _wait_settled(services)
        figures = BusyFigures(len(items), services.stats.stats().total)
        say("searching the idle vault…")
        for _ in range(knn_bench.WARM_QUERIES // 4):
            _timed(services, workload.query_text(rng), SearchMode.HYBRID, namespace)
        for mode in MODES:
            figures.idle[mode.value] = knn_bench.p50_p95(
                [_timed(services, workload.query_text(rng), mode, namespace) for _ in range(IDLE_QUERIES)])
        say(f"searching while {len(items):,} memories are stored, embedded and linked…")
        failure: list[BaseException] = []

        def ingest() -> None:
            try:
                for b in range(0, len(items), BATCH):
                    services.memories.create_batch(items[b:b + BATCH])
            except BaseException as exc:  # reported on the bench's thread
                failure.append(exc)

        writer = threading.Thread(target=ingest, name="bench-busy-ingest", daemon=True)
        times: dict[str, list[float]] = {mode.value: [] for mode in MODES}
        started = time.perf_counter()
        writer.start()
        turn = 0
        while writer.is_alive() or not _settled(services):
            if failure:
                break
            mode = MODES[turn % len(MODES)]
            times[mode.value].append(_timed(services, workload.query_text(rng), mode, namespace))
            turn += 1
        writer.join()
        if failure:
            raise failure[0]
        figures.busy_s = time.perf_counter() - started
        for mode, t in times.items():
            if t:
                figures.busy[mode] = knn_bench.p50_p95(t)
            figures.busy_queries[mode] = len(t)
    return figures
