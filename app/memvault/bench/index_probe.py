"""The approximate index on its own, over vectors given directly: how its cost grows to a million vectors.

``memvault bench`` cannot ingest a million memories through the embedder on
one machine in reasonable time, so it measures the index part at that scale
here (the same :class:`~memvault.vault.knn.ann.NamespaceIndexes` the vault uses)
against brute force over the same vectors.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from memvault.vault.knn import planner
from memvault.vault.knn.ann import NamespaceIndexes

#: A returned vector counts for the tie-aware recall when its exact distance is within this of the exact k-th
#: (the ann-benchmarks convention): half-precision storage and near-equal neighbours order such ties arbitrarily.
TIE = 1e-3


def planner_fetch(k: int) -> int:
    """The candidates the planner asks the index for when ``k`` memories are wanted and no filter narrows."""
    return math.ceil((k + k // 2 + 4) * planner.OVERFETCH) + planner.OVERFETCH_MIN


def index_growth(vectors: np.ndarray, sizes: list[int], queries: np.ndarray, *, k: int = 10, fetch: int | None = None,
                 threads: int = 0, warm: np.ndarray | None = None) -> dict[int, dict[str, float]]:
    """Build the index over the first ``n`` of ``vectors`` for each ``n`` in ``sizes`` (growing one index)
    and time ``queries`` against it: p50/p95 of one search in ms, recall@k against brute force (strict, and
    counting ties within :data:`TIE` of the exact k-th distance), build seconds.

    ``fetch`` candidates are asked for (by default as the planner does for ``k`` memories). ``warm``: other
    queries answered at each size before the timed ones, as a process serving searches has.
    """
    fetch = planner_fetch(k) if fetch is None else fetch
    ann = NamespaceIndexes(vectors.shape[1])
    out: dict[int, dict[str, float]] = {}
    built = 0
    build_seconds = 0.0
    for n in sorted(sizes):
        started = time.perf_counter()
        for at in range(built, n, 50_000):
            end = min(n, at + 50_000)
            ann.add("bench", np.arange(at, end, dtype=np.int64), vectors[at:end], threads=threads)
        build_seconds += time.perf_counter() - started
        built = n
        for q in warm if warm is not None else ():
            ann.search("bench", q, fetch)
        times, found = [], []
        # Timed back to back, checked afterwards: the exact check streams every vector through the CPU caches
        # (1.5 GB at 1M), and run between searches it made each one start cold (at 1M, beam 512, a busy machine:
        # p50 7.9 ms that way, 2.6 ms back to back).
        for q in queries:
            t = time.perf_counter()
            keys, _ = ann.search("bench", q, fetch)
            times.append((time.perf_counter() - t) * 1000)
            found.append(keys)
        recall, tied = 0.0, 0.0
        for q, keys in zip(queries, found):
            sims = vectors[:n] @ q
            exact = np.argpartition(-sims, k)[:k]
            recall += len(set(keys[:k].tolist()) & set(exact.tolist())) / k
            kth = 1.0 - float(sims[exact].min())
            tied += float(np.sum(1.0 - sims[keys[:k]] <= kth + TIE)) / k
        ordered = sorted(times)
        out[n] = {"p50_ms": statistics.median(times), "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
                  "recall_at_10": recall / len(queries), "recall_at_10_ties": tied / len(queries),
                  "fetch": float(fetch), "build_s": build_seconds,
                  "bytes_mb": ann.serialized_bytes() / 2**20}
    return out
