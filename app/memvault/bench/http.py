"""HTTP figures for ``memvault bench``: batch ingest through the port and concurrent search latency."""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from memvault.api.server import ApiServer
from memvault.config import Settings
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.bench import workload
from memvault.bench.http_load import LoadFigures, mixed_load_apart
from memvault.bench.service import machine
from memvault.service.container import Services, create_vault, load_embedder

PASSPHRASE = "memvault-bench-temporary"


@dataclass
class HttpBenchReport:
    """Ingest through the service and through HTTP, and search latency under concurrency."""

    machine: str
    memories: int
    clients: int
    service_ingest_per_second: float = 0.0
    http_ingest_per_second: float = 0.0
    search: dict[str, float] = field(default_factory=dict)
    load: LoadFigures | None = None
    #: Memories whose entities were waiting for the extraction loop when the load began and when it ended: stores
    #: in a crowd of requests queue theirs, and the row should show the work it left behind.
    entities_waiting: tuple[int, int] | None = None

    @property
    def http_vs_service(self) -> float:
        return self.http_ingest_per_second / self.service_ingest_per_second

    def as_text(self) -> str:
        s = self.search
        lines = [
            f"HTTP ({self.memories} memories per run, batches of 100, until searchable):",
            f"  batch ingest: service {self.service_ingest_per_second:.0f}/s, HTTP {self.http_ingest_per_second:.0f}/s "
            f"({self.http_vs_service:.0%} of the service rate)",
            f"  search with {self.clients} concurrent clients ({int(s['requests'])} requests, hybrid): "
            f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, {s['per_second']:.0f} requests/s",
        ]
        if self.load is not None:
            lines.append(self.load.as_text())
        if self.entities_waiting is not None:
            lines.append(f"    entity extraction waiting: {self.entities_waiting[0]} memories when the load began, "
                         f"{self.entities_waiting[1]} when it ended")
        return "\n".join(lines)


def _items(rng: random.Random, count: int, namespace: str) -> list[dict]:
    out = []
    for _ in range(count):
        kind, text = workload.memory_text(rng)
        out.append({"content": text, "memory_type": kind.value, "namespace": namespace})
    return out


def _wait_searchable(services: Services) -> None:
    while services.jobs.depth():
        time.sleep(0.01)


def _service_ingest(services: Services, items: list[dict]) -> float:
    started = time.perf_counter()
    for b in range(0, len(items), 100):
        services.memories.create_batch([MemoryCreate(**i) for i in items[b : b + 100]])
    _wait_searchable(services)
    return len(items) / (time.perf_counter() - started)


def _http_ingest(services: Services, client: httpx.Client, items: list[dict]) -> float:
    started = time.perf_counter()
    for b in range(0, len(items), 100):
        r = client.post("/v1/memories/batch", json={"memories": items[b : b + 100]})
        r.raise_for_status()
    _wait_searchable(services)
    return len(items) / (time.perf_counter() - started)


def _concurrent_search(url: str, secret: str, clients: int, per_client: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        rng = random.Random(n)
        mine = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=60) as c:
            for _ in range(per_client):
                started = time.perf_counter()
                c.post("/v1/memories/search", json={"query": workload.query_text(rng), "search_mode": "hybrid",
                                                    "namespace": "http-bench"}).raise_for_status()
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"requests": float(len(ordered)), "p50_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "per_second": len(ordered) / elapsed}


def run_http_benchmark(settings: Settings, *, memories: int = 2000, clients: int = 8, searches_per_client: int = 50,
                       load_clients: int = 16, load_seconds: float = 20.0,
                       progress: Callable[[str], None] | None = None) -> HttpBenchReport:
    """Measure the same batch ingest through the service and through HTTP, then concurrent search, then
    ``load_clients`` clients sending mixed requests for ``load_seconds`` (0: skip that row)."""
    say = progress or (lambda _msg: None)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="memvault-httpbench-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, load_embedder(cfg), background=True)
        server = ApiServer(services, port=0)
        server.start()
        try:
            _, secret = services.keys.create("http-bench", "read,write,admin", per_minute=1_000_000,
                                             per_hour=1_000_000)
            report = HttpBenchReport(machine(), memories, clients)
            say(f"ingesting {memories} memories through the service…")
            report.service_ingest_per_second = _service_ingest(services, _items(rng, memories, "service-bench"))
            say(f"ingesting {memories} memories through HTTP…")
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"}, timeout=120) as c:
                report.http_ingest_per_second = _http_ingest(services, c, _items(rng, memories, "http-bench"))
            say(f"searching with {clients} concurrent clients…")
            report.search = _concurrent_search(server.url, secret, clients, searches_per_client)
            if load_clients and load_seconds > 0:
                say(f"{load_clients} clients sending mixed requests for {load_seconds:.0f} s…")
                ids = [m.id for m in services.memories.list(MemoryFilter(namespace="http-bench"), limit=500).items]
                waiting = services.entities.queue_depth()
                report.load = mixed_load_apart(server.url, secret, "http-bench", ids, clients=load_clients,
                                               seconds=load_seconds)
                report.entities_waiting = (waiting, services.entities.queue_depth())
        finally:
            server.stop()
            services.close()
    return report
