"""Fusion: one calibrated 0..1 relevance from a hybrid candidate's features, and the order of a page.

Hybrid search ranks its candidates (the semantic, keyword and graph lists, each
``max(3 x limit, 50)`` deep) by

    relevance = 1 / (1 + exp(-(W_SIMILARITY * (similarity - background)
                               + W_COVERAGE * coverage
                               + W_BM25 * bm25 / (bm25 + BM25_HALF)
                               + W_GRAPH * graph
                               + W_QUESTION * question
                               + W_PREVIOUS_GAIN * previous_gain
                               + W_NEXT_GAIN * next_gain
                               - W_PEERS * peer_excess
                               + BIAS)))

with the features, each computed at query time by its own module:

- ``similarity`` (:mod:`memvault.ranking.similarity`): cosine similarity of the
  query to the hit's nearest chunk, keyword-only candidates included;
  ``background`` how far the query's mean similarity to everything searched
  stands above where unrelated texts sit on the scale, or below it for a
  query in another language than its nearest memory
  (:func:`memvault.ranking.similarity.background_for`; 0 for most English
  queries, which the fit saw);
- ``coverage`` and ``bm25`` (:mod:`memvault.ranking.keyword`): the share of the
  query's content words in the hit, and FTS5's BM25 (0 without a keyword match);
  for a turn said by a person the query names, its similarity is read without
  that name and the name counts among its words (:mod:`memvault.ranking.speakers`);
- ``graph`` (:mod:`memvault.ranking.graph`): the share of the query's entity and
  date weight the hit carries;
- ``question`` (:func:`memvault.ranking.turn_context.asks`): the memory is a
  question, so it shares the query's words without answering it;
- ``previous_gain``, ``next_gain`` (:mod:`memvault.ranking.turn_context`): for
  turns of a conversation, how much closer its neighbouring turns are to the
  query; 0 for any other memory. Who said a turn is no input: a rule that the
  user's words matter more than the assistant's holds for one way of writing a
  set, not for two people talking or an assistant that states the facts;
- a memory about someone's relative ("my sister lives in Lisbon") that shares with the query only the words
  an attribute is asked with ("where does the user live") has no keyword evidence
  (:mod:`memvault.ranking.relatives`);
- ``peer_excess`` (:mod:`memvault.ranking.peers`, :func:`peer_excess`): for a
  candidate that shares with the query only the name of a person it asks
  about, how close the other memories naming that person come to the query,
  above its background: what the name alone brings.

Every feature is absolute, not a rank or a per-query normalisation, so the
score means the same thing from one query to the next: four memories unrelated
to the question all score low, instead of the best of them scoring like a match.

The weights are a logistic regression on the candidates of sets with known
answers, disjoint from those the README's figures are reported on (the tuning
half of ``tests/data/conversations`` and SciFact's train split), with the bias
moved by the log of the negative-to-positive ratio (a prior correction), so 0.5
means "as likely relevant as not" among candidates like the fit's (where the
good-match point is: :data:`memvault.ranking.good_match.GOOD_MATCH`). ``python -m
memvault.bench.relevance_fit`` refits them.

``W_GRAPH`` is 0: fitted on the training data, its sign differs between
conversations and SciFact, so the graph list adds candidates and shows its
evidence in the breakdown but does not order them. (A tie-breaker on graph
evidence, chosen on SciFact's test split, is gone.) Every measurement behind
these choices, including the rank fusion (RRF) this replaced, is in
``docs/benchmarks.md`` ("Ranking").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from memvault.domain.enums import SearchMode
from memvault.domain.models import ScoreBreakdown
from memvault.ranking.graph import GraphList
from memvault.ranking.keyword import bm25_evidence, content_stems, keyword_score, matched_stems
from memvault.ranking import speakers
from memvault.ranking.peers import peer_similarities
from memvault.ranking.relatives import asked_of_relative
from memvault.ranking.similarity import BACKGROUND, Seen
from memvault.ranking.turn_context import TurnContext, asks

# Fitted on 127 + 809 questions (74,521 candidates, 1,068 relevant); bias = -10.151 + ln(73,453 / 1,068).
W_SIMILARITY = 8.792
W_COVERAGE = 2.441
W_BM25 = 3.131
W_GRAPH = 0.0
BIAS = -5.920
# Fitted on the conversations' tuning half with the weights above held.
W_QUESTION = -4.303
W_NEXT_GAIN = 2.540
W_PREVIOUS_GAIN = 2.406
# Fitted on the tuning candidates of the conversations, the notes and SciFact's train split, the weights above
# held and one bias per set (``python -m memvault.bench.relevance_fit``).
W_PEERS = 4.75


def relevance(similarity: float | None, cover: float, bm25: float | None, graph: float = 0.0, *,
              question: bool = False, previous_gain: float = 0.0, next_gain: float = 0.0,
              background: float = 0.0, peers: float | None = None) -> float:
    """The calibrated 0..1 relevance of a hit (see the module docstring)."""
    z = (W_SIMILARITY * ((similarity or 0.0) - background) + W_COVERAGE * cover + W_BM25 * bm25_evidence(bm25)
         + W_GRAPH * graph + W_QUESTION * question + W_PREVIOUS_GAIN * previous_gain + W_NEXT_GAIN * next_gain
         - W_PEERS * peer_excess(peers, background) + BIAS)
    return 1.0 / (1.0 + math.exp(-z))


def peer_excess(peers: float | None, background: float) -> float:
    """How far a candidate's peers' mean similarity (:mod:`memvault.ranking.peers`) stands above the query's
    background: what sharing those words with the query brings any memory, beyond what the background
    already took off."""
    return 0.0 if peers is None else max(0.0, peers - BACKGROUND - background)


def rank_key(score: float, memory_id: int, text: str = "") -> tuple:
    """The sort key of every mode: score, then the memory's text, then its id.

    Equal scores are common (short turns with the same matched words have the same BM25), and ids follow
    the order memories arrived in, which differs between two vaults holding the same data (a concurrent
    ingest, an import). The text orders such ties the same way in both; the id only identical texts.
    """
    return (-score, text, memory_id)


Page = list[tuple[float, int, ScoreBreakdown]]


def rank(mode: SearchMode, keyword_query: str, semantic: list[tuple[int, int, float]], seen: Seen | None,
         keyword: list, texts: dict[int, tuple[str, str | None]], graph: GraphList, graph_ids: list[int],
         turns: dict[int, TurnContext], limit: int, min_score: float, background: float = 0.0,
         spoken: Mapping[int, speakers.SpokenBy] | None = None) -> Page:
    """The page: the best ``limit`` candidates scoring ``min_score`` or more, as ``(score, memory id,
    breakdown)``, best first.

    ``semantic`` is ``(memory id, chunk id, similarity)`` nearest first, ``keyword`` FTS5's hits best first
    (``memory_id``, ``bm25``), ``texts`` the candidates' contents and sessions (every mode: ties). Semantic
    mode scores by similarity, keyword mode by :func:`memvault.ranking.keyword.keyword_score`, hybrid by
    :func:`relevance` (``background``: the query's, for every candidate; ``spoken``: the candidate turns said
    by a person the query names, :mod:`memvault.ranking.speakers`).
    """
    sem_rank = {mid: (i + 1, cid, sim) for i, (mid, cid, sim) in enumerate(semantic)}
    kw_rank = {k.memory_id: (i + 1, k) for i, k in enumerate(keyword)}
    if mode is not SearchMode.HYBRID:
        if mode is SearchMode.SEMANTIC:
            scored = [(sim, mid, ScoreBreakdown(semantic=sim, semantic_rank=position, best_chunk=cid))
                      for mid, (position, cid, sim) in sem_rank.items()]
        else:
            scored = [(keyword_score(k.bm25), mid, ScoreBreakdown(keyword_bm25=k.bm25, keyword_rank=position))
                      for mid, (position, k) in kw_rank.items()]
        scored.sort(key=lambda t: rank_key(t[0], t[1], texts.get(t[1], ("",))[0]))
        return [t for t in scored if t[0] >= min_score][:limit]
    graph_rank = {mid: i + 1 for i, mid in enumerate(graph_ids)}
    stems = content_stems(keyword_query)
    empty_turn = TurnContext()
    # Every candidate is scored; the breakdown (a dataclass of fifteen fields) is made for the page only.
    inputs: list[tuple[float, int, tuple]] = []
    found: dict[int, tuple] = {}
    for mid in dict.fromkeys(list(sem_rank) + list(kw_rank) + graph_ids):
        if mid in texts:
            s = sem_rank.get(mid)
            # A keyword-only candidate has no semantic rank, but a similarity: seen, or bounded.
            found[mid] = ((s[1], s[2], False) if s else seen.similarity(mid) if seen else (None, None, False),
                          matched_stems(stems, texts[mid][0]))
    matched = {mid: words for mid, (_, words) in found.items()}
    # Judged against peers: the candidates that share with the query only the names of the people it is about.
    named = content_stems(" ".join(graph.people)) & stems
    judged = {mid: words for mid, words in matched.items() if words and words <= named} if named else {}
    peers = peer_similarities(matched, judged, {mid: None if bound else sim for mid, ((_, sim, bound), _)
                                                in found.items()}, list(kw_rank)) if judged else {}
    spoken = spoken or {}
    for mid, ((chunk, sim, bound), words) in found.items():
        s, kw = sem_rank.get(mid), kw_rank.get(mid)
        said = spoken.get(mid)
        if said is not None and said.similarity is not None:
            sim, bound = said.similarity, False
        cover = speakers.coverage(words, stems, said)
        bm25 = kw[1].bm25 if kw else None
        if asked_of_relative(words, texts[mid][0]):
            cover, bm25 = 0.0, None
        question = asks(texts[mid][0])
        linked = graph.evidence.get(mid, 0.0)
        turn = turns.get(mid, empty_turn)
        score = relevance(sim, cover, bm25, linked, question=question,
                          previous_gain=turn.previous_gain or 0.0, next_gain=turn.next_gain or 0.0,
                          background=background, peers=peers.get(mid))
        if score >= min_score:
            inputs.append((score, mid, (s, kw, bm25, chunk, sim, bound, cover, question, turn, said)))
    inputs.sort(key=lambda t: rank_key(t[0], t[1], texts[t[1]][0]))
    page = []
    for score, mid, (s, kw, bm25, chunk, sim, bound, cover, question, turn, said) in inputs[:limit]:
        page.append((score, mid, ScoreBreakdown(
            semantic=sim, semantic_rank=s[0] if s else None, semantic_upper_bound=bound or None,
            keyword_bm25=bm25, keyword_rank=kw[0] if kw else None,
            coverage=cover, graph=graph.evidence.get(mid), graph_rank=graph_rank.get(mid),
            question=question or None, previous_turn_gain=turn.previous_gain,
            next_turn_gain=turn.next_gain, relevance=score, best_chunk=chunk, background=background,
            peers=peers.get(mid), speaker=said.speaker if said is not None else None)))
    return page
