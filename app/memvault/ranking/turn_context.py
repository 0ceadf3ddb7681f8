"""Hybrid's turn inputs: whether a memory asks rather than states, and how close its neighbouring turns
of a conversation are to the query.

A memory that is a question ("where exactly does the knee hurt?") shares the
words of a question about it without holding its answer, whoever asked it: the
user, the assistant, or either of two people talking. It is read from the text
alone, for every memory (:func:`asks`).

A turn is a memory that says who spoke (``metadata.speaker`` or ``role``). A
turn of a session (``session_id``) is judged with its
neighbours: its previous and next turn in that session, read at query time
(stored vectors are each memory's own text's, :mod:`memvault.vault.jobs`). Their similarity to the query minus
the turn's own is its gain from each side, so an answer ("outside, after about
12k") rises with the question before it or the reply after it. A user's memory
stored without a session that says who spoke (``metadata.speaker`` or ``role``)
is a turn of that user's one stream (a chat kept without session ids): its
neighbours are the user's sessionless turns stored just before and after it,
minutes apart at most. A note that names no speaker is judged alone, in a session or not (an agent's
notes stored in its session one after another are no conversation). Memories of no session and no
user, and neighbours without a vector yet, give no gain. How these inputs
weigh in the relevance, and what they were measured to buy, is in
:mod:`memvault.ranking.fusion` and ``docs/benchmarks.md`` ("Ranking").
"""

from __future__ import annotations

from dataclasses import dataclass

from memvault.ranking.similarity import IDENTITY, SimilarityScale
from memvault.vault import memory_queries
from memvault.vault.knn import VectorIndex, planner

#: How far apart (seconds of ``created_at``) two turns of a session may lie to be neighbours.
CONTEXT_WINDOW_SECONDS = 24 * 3600
#: The same for a user's memories stored without a session: the turns of one exchange arrive minutes apart,
#: so memories further apart than this are not read as each other's context.
SESSIONLESS_WINDOW_SECONDS = 30 * 60


def asks(text: str) -> bool:
    """Whether a memory is a question: its text ends with a question mark."""
    return text.rstrip().rstrip("\"')”’»)]").endswith("?")


@dataclass(frozen=True)
class TurnContext:
    """A candidate's conversation inputs (gains are ``None`` where there is no neighbour to compare)."""

    previous_gain: float | None = None
    next_gain: float | None = None


def contexts(conn, index: VectorIndex | None, qvec, candidates: list[int],
             similarity: dict[int, float], namespace: str | None,
             scale: SimilarityScale = IDENTITY) -> dict[int, TurnContext]:
    """The inputs of each of ``candidates`` that is a turn: of a session, or a user's memory stored without
    one (its neighbours are that user's memories stored just before and after it, at most
    :data:`SESSIONLESS_WINDOW_SECONDS` away: a chat kept without session ids reads as one stream).

    ``similarity`` holds the similarities already known (the candidates'); the neighbours' missing ones
    are read from the index when it can answer, else those neighbours count as absent.
    """
    out: dict[int, TurnContext] = {}
    if not candidates:
        return out
    neighbours = memory_queries.session_neighbours(conn, candidates, CONTEXT_WINDOW_SECONDS,
                                                   SESSIONLESS_WINDOW_SECONDS)
    wanted = {n for pair in neighbours.values() for n in pair if n is not None and n not in similarity}
    known = dict(similarity)
    if wanted and qvec is not None:
        read = planner.similarities(conn, index, qvec, sorted(wanted), namespace)
        known.update({m: scale.of_cosine(sim) for m, (_chunk, sim) in (read or {}).items()})
    for m, (previous, following) in neighbours.items():
        own = known.get(m)
        out[m] = TurnContext(
            None if own is None or known.get(previous) is None else known[previous] - own,
            None if own is None or known.get(following) is None else known[following] - own)
    return out
