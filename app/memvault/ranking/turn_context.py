"""Hybrid's conversation inputs: who said a turn, and how close its neighbouring turns are to the query.

A memory that is a turn of a session (``session_id``) is judged with its
neighbours: its previous and next turn in that session (the rule of the
indexing context, :mod:`memvault.vault.jobs`). Their similarity to the query minus
the turn's own is its gain from each side, so an answer ("outside, after about
12k") rises with the question before it or the reply after it. Memories without
a session, and neighbours without a vector yet, give no gain. How these inputs
weigh in the relevance, and what they were measured to buy, is in
:mod:`memvault.ranking.fusion` and ``docs/benchmarks.md`` ("Ranking").
"""

from __future__ import annotations

from dataclasses import dataclass

from memvault.domain.models import Memory
from memvault.vault import memory_queries
from memvault.vault.jobs import CONTEXT_WINDOW_SECONDS
from memvault.vault.knn import VectorIndex, planner


#: Metadata keys that name who said a conversation turn, and the value that means the assistant.
SPEAKER_KEYS = ("role", "speaker")
ASSISTANT = "assistant"


def said_by_assistant(metadata: dict | None) -> bool:
    """Whether a memory's metadata marks it as a turn the assistant said (``role``/``speaker``).

    What an agent is asked about is what the user said; the assistant's replies echo the question's
    words ("Oh, congratulations to Ada!") without its answer.
    """
    if not metadata:
        return False
    return any(isinstance(metadata.get(k), str) and metadata[k].strip().lower() == ASSISTANT for k in SPEAKER_KEYS)


@dataclass(frozen=True)
class TurnContext:
    """A candidate's conversation inputs (gains are ``None`` where there is no neighbour to compare)."""

    assistant: bool = False
    previous_gain: float | None = None
    next_gain: float | None = None


def contexts(conn, index: VectorIndex | None, qvec, found: dict[int, Memory],
             similarity: dict[int, float], namespace: str | None) -> dict[int, TurnContext]:
    """The inputs of each candidate in ``found`` that belongs to a session.

    ``similarity`` holds the similarities already known (the candidates'); the neighbours' missing ones
    are read from the index when it can answer, else those neighbours count as absent.
    """
    in_session = [m for m, memory in found.items() if memory.session_id is not None]
    out: dict[int, TurnContext] = {}
    if not in_session:
        # The assistant input is about turns of a conversation: an agent's own notes marked
        # role=assistant outside any session are not echoes of a user and keep their score.
        return out
    neighbours = memory_queries.session_neighbours(conn, in_session, CONTEXT_WINDOW_SECONDS)
    wanted = {n for pair in neighbours.values() for n in pair if n is not None and n not in similarity}
    known = dict(similarity)
    if wanted and qvec is not None:
        read = planner.similarities(conn, index, qvec, sorted(wanted), namespace)
        known.update({m: sim for m, (_chunk, sim) in (read or {}).items()})
    for m in in_session:
        previous, following = neighbours.get(m, (None, None))
        own = known.get(m)
        out[m] = TurnContext(
            said_by_assistant(found[m].metadata),
            None if own is None or known.get(previous) is None else known[previous] - own,
            None if own is None or known.get(following) is None else known[following] - own)
    return out
