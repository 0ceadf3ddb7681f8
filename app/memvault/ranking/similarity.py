"""Similarity: the cosine similarity of the query to a memory's nearest chunk, for every hybrid candidate.

The semantic list gives it for its own memories. A candidate found only by
keyword or graph gets it from the vector index's stored vectors when the index
can answer; otherwise from the nearest :data:`HYBRID_SIMILARITY_CHUNKS` chunks
read, beyond which it gets the farthest of them, an upper bound (what the
relevance fit assumed; both ways measured in ``docs/benchmarks.md``, "Ranking").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Nearest chunks hybrid reads for the similarity of keyword candidates outside the semantic list when the
#: approximate index cannot answer (loading, rebuilding). Exact search over the stored vectors reads
#: every eligible one (tens of milliseconds at 100k memories); from the index (the usual case) microseconds, so there every
#: similarity is exact.
HYBRID_SIMILARITY_CHUNKS = 200

#: ``(query text, memory rowids) -> {rowid: similarity}`` to another text of the query, or ``None`` when the
#: index cannot answer (:func:`memvault.ranking.facts.similarity_reader`).
Similarity = Callable[[str, list[int]], "dict[int, float] | None"]


@dataclass(frozen=True)
class SimilarityScale:
    """A model's cosine similarity put on the scale every ranking weight and threshold was fitted on:
    all-MiniLM-L6-v2's, where unrelated texts sit near 0.1 and answers near 0.35.

    Other models spread the same pairs differently: multilingual-e5-small puts unrelated texts at 0.76 ± 0.03
    and answers at 0.81, so its raw cosines made every hit a "good match" and let one shared keyword
    outrank the answer. Each model's manifest gives ``slope`` and ``intercept``, fitted on pairs of tuning
    data embedded by both models (``docs/benchmarks.md``); the English model's are the identity.
    """

    slope: float = 1.0
    intercept: float = 0.0

    def of_cosine(self, cosine: float) -> float:
        """The similarity ranking reads, between 0 and 1."""
        return min(1.0, max(0.0, self.intercept + self.slope * cosine))

    def of_distance(self, distance: float) -> float:
        """The same from a cosine distance."""
        return self.of_cosine(1.0 - distance)

    @classmethod
    def of_model(cls, manifest: Any) -> SimilarityScale:
        """The scale a model's manifest declares (identity for an embedder without one, as tests' fakes)."""
        slope, intercept = getattr(manifest, "similarity_scale", (1.0, 0.0))
        return cls(slope, intercept)


#: The English model's scale: its cosine similarity as it is.
IDENTITY = SimilarityScale()

#: Where unrelated texts sit on the scale (see :class:`SimilarityScale`): the background every relevance
#: weight was fitted against.
BACKGROUND = 0.1
#: The nearest chunks left out of a query's background: what may answer it is not its background (one
#: memory, its fact, a duplicate or two; a page is 5-10 hits).
BACKGROUND_SKIP = 5
#: In a smaller namespace its nearest third is left out instead (at least one chunk): of 6 notes, 5 left out
#: would leave a background of one. With none at all under 13 chunks, a question nothing answers in a vault of
#: 6-12 notes outside English was flagged a good match almost every time (``docs/benchmarks.md``, "Good match
#: in a small vault").
BACKGROUND_SKIP_SHARE = 3
#: Chunks the background must still count once those are left out: fewer, and the vault is taken to have
#: the fit's background (a background of one or two memories would be what they happen to say).
BACKGROUND_MIN_REST = 3


def background_gap(similarity_sum: float, count: int, nearest: tuple[float, ...],
                   scale: SimilarityScale = IDENTITY) -> float:
    """How far a query's background stands above :data:`BACKGROUND` (below it: negative), on the scale.

    The background is the query's mean cosine similarity to the ``count`` chunks searched (their sum:
    ``similarity_sum``), less the ``nearest`` ones' (cosines, nearest first; the first
    :data:`BACKGROUND_SKIP` are left out, or a small namespace's nearest third). 0 (the fit's own) when too
    few chunks remain. :func:`background_for` says how much of it hybrid takes off each hit's similarity.
    """
    skipped = nearest[:min(BACKGROUND_SKIP, max(1, count // BACKGROUND_SKIP_SHARE))]
    rest = count - len(skipped)
    if rest < BACKGROUND_MIN_REST:
        return 0.0
    # On the scale, so never below 0: the gap below the fit's background is BACKGROUND at most.
    return scale.of_cosine((similarity_sum - sum(skipped)) / rest) - BACKGROUND


def background_for(gap: float, query_language: str, nearest_language: str | None) -> float:
    """What hybrid subtracts from each hit's similarity before relevance: the query's :func:`background_gap`
    where it stands above the fit's, and where it stands below only for a query in another language than the
    memory nearest to it (``query_language``, ``nearest_language``: :func:`memvault.domain.language.guess_language`).

    A model's scale is fitted on English pairs. multilingual-e5-small puts unrelated texts of one other
    language closer together (a German question's mean similarity to a German vault: ~0.26 on the scale,
    against ~0.11 for English), and all-MiniLM-L6-v2 does so for any language it was not trained on
    (~0.4-0.6), so the best hit for a question nothing answers cleared the good-match point in almost every
    case: the vault's own memories are that background, measured where the query is asked. The other way
    round, a question asked in one language of memories in another sits below the fit's background (its
    translation is less similar than a paraphrase in one language would be), and most right first answers
    across languages fell below the good-match point; its background gap is the languages', and counts too.
    An English question in an English vault below the fit's background is left as it is: taking that gap as
    well made questions about nothing stored good matches. Measured on tuning data only:
    ``docs/benchmarks.md``, "Good match outside English" and "Good match across languages".
    """
    if gap >= 0.0:
        return gap
    known = query_language != "und" and nearest_language not in (None, "und")
    return gap if known and nearest_language != query_language else 0.0


def similarity_of_distance(distance: float, scale: SimilarityScale = IDENTITY) -> float:
    """A chunk's similarity from its cosine distance, on ranking's scale (``scale``), never below 0."""
    return scale.of_distance(distance)


@dataclass
class Seen:
    """Every memory the KNN step returned, with its best chunk and similarity."""

    best: dict[int, tuple[int, float]] = field(default_factory=dict)
    exhaustive: bool = True
    floor: float = 0.0
    #: The cosine similarities of the nearest chunks found (at most :data:`BACKGROUND_SKIP`), nearest first.
    nearest: tuple[float, ...] = ()

    def similarity(self, memory_id: int) -> tuple[int | None, float | None, bool]:
        """``(chunk, similarity, is_upper_bound)`` of a memory outside the semantic list."""
        if memory_id in self.best:
            chunk, sim = self.best[memory_id]
            return chunk, sim, False
        # All vectors in scope were read: a memory not among them has none (still being embedded).
        if self.exhaustive:
            return None, None, False
        return None, self.floor, True
