"""The approximate vector index and the per-query planner that chooses between it and exact search.

The stored float16 vectors (``chunk_vectors``, :mod:`memvault.vault.vectors`) are the source of truth and
the exact path; this package keeps one in-memory HNSW index per namespace (:mod:`.ann`) in step
with it through a change log written by the one write path (:mod:`.log`),
stores the index's bytes only inside the encrypted database, and answers each
query by the cheapest path that returns the exact answer's results (:mod:`.planner`).
"""

from memvault.vault.knn.index import IndexState, VectorIndex

__all__ = ["IndexState", "VectorIndex"]
