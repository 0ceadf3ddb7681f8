"""Stored vectors read back whole, and the KNN step on its own: what benchmarks and evaluations compare
search with and time (never used to answer a search).

The one bench module that reads the vault directly (read-only, through the vault's own functions): the
exact answer is the vault's vectors themselves, which no service hands out.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from memvault.domain.models import MemoryFilter
from memvault.service.container import Services
from memvault.service.search import semantic_candidates
from memvault.vault.memory_queries import get_many
from memvault.vault.search import MAX_K, knn_many
from memvault.vault.vectors import all_vectors


class GroundTruth:
    """Exact, brute-force views of the vector index over one unlocked vault."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._db = services.vault.db

    def vectors(self, namespace: str, *, first_chunk_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Every live vector of ``namespace`` as (memory rowids, matrix).

        With ``first_chunk_only`` each memory contributes the vector of its first
        256 tokens, which is what a truncating embedder would have produced.
        """
        # A reader of its own, closed afterwards: the whole float table must not stay in a pooled page cache.
        with self._db.read(discard=True) as conn:
            return all_vectors(conn, namespace, first_chunk_only=first_chunk_only)

    def client_ids(self, rowids: list[int]) -> dict[int, str]:
        """Each memory's ``client_id`` ('' when it has none), by rowid."""
        with self._db.read() as conn:
            return {m.rowid: m.client_id or "" for m in get_many(conn, rowids).values()}

    def exact_nearest(self, queries: np.ndarray, f: MemoryFilter, k: int, now: float
                      ) -> list[list[tuple[int, float]]]:
        """For each query vector, the nearest memories passing ``f`` with their cosine distance (at least ``k``
        when that many pass), by brute force over the stored vectors: what the index is measured against."""
        with self._db.read(discard=True) as conn:
            found = knn_many(conn, queries, f, min(MAX_K, k * 4 + 8), now)
        out = []
        for rows in found:
            best: dict[int, float] = {}
            for r in rows:
                best.setdefault(r.memory_id, r.distance)
            out.append(list(best.items()))
        return out

    def nearest(self, vector, f: MemoryFilter, k: int, now: float | None = None) -> tuple[list[tuple[int, float]], str]:
        """The KNN step of a search alone, for a query vector: ``[(memory rowid, similarity)]`` nearest first,
        and the planner's path (``exact_stored``, ``exact_eligible``, ``ann``, ``ann_fallback``).

        It plans with the search service's own filter shares, as the searches it stands for would.
        """
        f = replace(f, include_deleted=False, only_deleted=False, include_expired=False)
        index = self._services.vector_index
        if index is not None:
            index.ensure_open()
        with self._db.read() as conn:
            found, _seen, plan = semantic_candidates(conn, index, vector, f, k, time.time() if now is None else now,
                                                     self._services.search.filter_shares)
        return [(mid, sim) for mid, _chunk, sim in found], plan.path
