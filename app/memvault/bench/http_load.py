"""Many HTTP clients at once: each sends a mix of an agent's requests for a bounded time.

Every client is a thread with its own keep-alive connection (as each agent process holds one) that sends,
back to back, the requests of :data:`MIX` in proportion: searches in the three modes, reads by id, a page of
the list, and stores of one memory (whose embedding and extraction then run in the background, as they do
for an agent that writes while others search). The run stops at a deadline, not after a count, so a slower
server answers fewer requests rather than taking longer; latencies are taken per request kind and overall.

The bench runs the clients in a process of their own (:func:`mixed_load_apart`), as agents are: client threads
in the server's process would take turns with it at Python's interpreter lock, and their own JSON and HTTP work
would be counted in the server's latencies.
"""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

from memvault.bench import workload

#: Request kinds and their weights: an agent mostly searches and reads, and writes now and then.
MIX = {"hybrid": 3, "semantic": 2, "keyword": 1, "get": 2, "list": 1, "create": 1}


@dataclass
class LoadFigures:
    """Latencies (ms) of ``clients`` clients sending :data:`MIX` for ``seconds``: overall and per kind."""

    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    overall: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_text(self) -> str:
        o = self.overall
        lines = [f"  {self.clients} concurrent clients, mixed requests for {self.seconds:.0f} s ({self.requests} "
                 f"requests, {self.errors} errors, {self.requests / self.seconds:.0f}/s): p50 {o['p50_ms']:.1f} ms, "
                 f"p95 {o['p95_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms"]
        lines.append("    " + ", ".join(f"{kind} p50 {f['p50_ms']:.1f} / p99 {f['p99_ms']:.1f} ms ({int(f['n'])})"
                                          for kind, f in self.by_kind.items()))
        return "\n".join(lines)


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"n": float(len(ordered)), "p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def _send(c: httpx.Client, kind: str, rng: random.Random, namespace: str, ids: list[str]) -> httpx.Response:
    if kind in ("hybrid", "semantic", "keyword"):
        return c.post("/v1/memories/search", json={"query": workload.query_text(rng), "search_mode": kind,
                                                   "namespace": namespace, "limit": 10})
    if kind == "get":
        return c.get(f"/v1/memories/{rng.choice(ids)}")
    if kind == "list":
        return c.get("/v1/memories", params={"namespace": namespace, "limit": 20})
    kind_of, text = workload.memory_text(rng)
    return c.post("/v1/memories", json={"content": text, "memory_type": kind_of.value, "namespace": namespace})


def mixed_load(url: str, secret: str, namespace: str, ids: list[str], *, clients: int = 16,
               seconds: float = 20.0, seed: int = 5) -> LoadFigures:
    """Run ``clients`` threads sending :data:`MIX` against ``url`` until ``seconds`` have passed.

    ``ids``: memories of ``namespace`` to read by id."""
    kinds = [k for k, weight in MIX.items() for _ in range(weight)]
    times: dict[str, list[float]] = {k: [] for k in MIX}
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        mine: dict[str, list[float]] = {k: [] for k in MIX}
        failed = 0
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=60) as c:
            while time.perf_counter() < deadline:
                kind = rng.choice(kinds)
                started = time.perf_counter()
                response = _send(c, kind, rng, namespace, ids)
                mine[kind].append((time.perf_counter() - started) * 1000)
                failed += response.status_code >= 400
        with lock:
            for k, t in mine.items():
                times[k].extend(t)
            errors[0] += failed

    threads = [threading.Thread(target=run, args=(n,), name=f"bench-client-{n}") for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    figures = LoadFigures(clients, time.perf_counter() - started, errors=errors[0])
    every = [x for t in times.values() for x in t]
    figures.requests = len(every)
    if every:
        figures.overall = percentiles(every)
        figures.by_kind = {k: percentiles(t) for k, t in times.items() if t}
    return figures


def mixed_load_apart(url: str, secret: str, namespace: str, ids: list[str], *, clients: int = 16,
                     seconds: float = 20.0, seed: int = 5) -> LoadFigures:
    """:func:`mixed_load` run by a child process (see the module docstring); the key travels on its stdin."""
    job = {"url": url, "secret": secret, "namespace": namespace, "ids": ids, "clients": clients, "seconds": seconds,
           "seed": seed}
    done = subprocess.run([sys.executable, "-m", "memvault.bench.http_load"], input=json.dumps(job), text=True,
                          capture_output=True, timeout=seconds + 120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the load clients' process failed: {done.stderr.strip()[-500:]}")
    return LoadFigures(**json.loads(done.stdout))


def _child() -> None:
    job = json.loads(sys.stdin.read())
    figures = mixed_load(job["url"], job["secret"], job["namespace"], job["ids"], clients=job["clients"],
                         seconds=job["seconds"], seed=job["seed"])
    print(json.dumps(dataclasses.asdict(figures)))


if __name__ == "__main__":
    _child()
