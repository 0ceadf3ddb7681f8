"""Stored vectors read back whole: the exact answers that benchmarks and evaluations compare search with."""

from __future__ import annotations

import numpy as np

from memvault.domain.models import MemoryFilter
from memvault.vault import memory_queries as repo
from memvault.vault import search as vsearch
from memvault.vault import vectors
from memvault.vault.engine import Database


class GroundTruthService:
    """Exact, brute-force views of the vector index (never used to answer a search)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def vectors(self, namespace: str, *, first_chunk_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Every live vector of ``namespace`` as (memory rowids, matrix).

        With ``first_chunk_only`` each memory contributes the vector of its first
        256 tokens, which is what a truncating embedder would have produced.
        """
        # A reader of its own, closed afterwards: the whole float table must not stay in a pooled page cache.
        with self._db.read(discard=True) as conn:
            return vectors.all_vectors(conn, namespace, first_chunk_only=first_chunk_only)

    def client_ids(self, rowids: list[int]) -> dict[int, str]:
        """Each memory's ``client_id`` ('' when it has none), by rowid."""
        with self._db.read() as conn:
            return {m.rowid: m.client_id or "" for m in repo.get_many(conn, rowids).values()}

    def exact_nearest(self, queries: np.ndarray, f: MemoryFilter, k: int, now: float
                      ) -> list[list[tuple[int, float]]]:
        """For each query vector, the nearest memories passing ``f`` with their cosine distance (at least ``k``
        when that many pass), by brute force over vec0: what the index is measured against."""
        with self._db.read(discard=True) as conn:
            found = vsearch.knn_many(conn, queries, f, min(vsearch.MAX_K, k * 4 + 8), now)
        out = []
        for rows in found:
            best: dict[int, float] = {}
            for r in rows:
                best.setdefault(r.memory_id, r.distance)
            out.append(list(best.items()))
        return out
