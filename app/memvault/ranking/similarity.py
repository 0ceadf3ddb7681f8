"""Similarity: the cosine similarity of the query to a memory's nearest chunk, for every hybrid candidate.

The semantic list gives it for its own memories. A candidate found only by
keyword or graph gets it from the vector index's stored vectors when the index
can answer; otherwise from the nearest :data:`HYBRID_SIMILARITY_CHUNKS` chunks
read, beyond which it gets the farthest of them, an upper bound (what the
relevance fit assumed; both ways measured in ``docs/benchmarks.md``, "Ranking").
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Nearest chunks hybrid reads for the similarity of keyword candidates outside the semantic list when the
#: approximate index cannot answer (loading, rebuilding). Exact search over the stored vectors reads
#: every eligible one (tens of milliseconds at 100k memories); from the index (the usual case) microseconds, so there every
#: similarity is exact.
HYBRID_SIMILARITY_CHUNKS = 200


def similarity_of_distance(distance: float) -> float:
    """A chunk's similarity from its cosine distance, never below 0."""
    return max(0.0, 1.0 - distance)


@dataclass
class Seen:
    """Every memory the KNN step returned, with its best chunk and similarity."""

    best: dict[int, tuple[int, float]] = field(default_factory=dict)
    exhaustive: bool = True
    floor: float = 0.0

    def similarity(self, memory_id: int) -> tuple[int | None, float | None, bool]:
        """``(chunk, similarity, is_upper_bound)`` of a memory outside the semantic list."""
        if memory_id in self.best:
            chunk, sim = self.best[memory_id]
            return chunk, sim, False
        # All vectors in scope were read: a memory not among them has none (still being embedded).
        if self.exhaustive:
            return None, None, False
        return None, self.floor, True
