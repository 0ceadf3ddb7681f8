"""The approximate index on its own, over vectors given directly: how its cost grows to a million vectors.

``memvault bench`` cannot ingest a million memories through the embedder on
one machine in reasonable time, so it measures the index part at that scale
here (the same :class:`~app.vault.knn.ann.NamespaceIndexes` the vault uses)
against brute force over the same vectors.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from app.vault.knn.ann import NamespaceIndexes


def index_growth(vectors: np.ndarray, sizes: list[int], queries: np.ndarray, *, k: int = 10, fetch: int = 28,
                 threads: int = 0) -> dict[int, dict[str, float]]:
    """Build the index over the first ``n`` of ``vectors`` for each ``n`` in ``sizes`` (growing one index)
    and time ``queries`` against it: p50/p95 of one search in ms, recall@k against brute force, build seconds.

    ``fetch`` candidates are asked for, as the planner does for ``k`` memories.
    """
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
        times, recall = [], 0.0
        for q in queries:
            t = time.perf_counter()
            keys, _ = ann.search("bench", q, fetch)
            times.append((time.perf_counter() - t) * 1000)
            exact = np.argpartition(-(vectors[:n] @ q), k)[:k]
            recall += len(set(keys[:k].tolist()) & set(exact.tolist())) / k
        ordered = sorted(times)
        out[n] = {"p50_ms": statistics.median(times), "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
                  "recall_at_10": recall / len(queries), "build_s": build_seconds,
                  "bytes_mb": ann.serialized_bytes() / 2**20}
    return out
