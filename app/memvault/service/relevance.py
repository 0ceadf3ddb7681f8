"""Hybrid relevance: one calibrated 0..1 score from a hit's semantic, keyword and entity evidence.

Hybrid search ranks its candidates (the semantic, keyword and graph lists, each
``max(3 x limit, 50)`` deep) by

    relevance = 1 / (1 + exp(-(W_SIMILARITY * similarity
                               + W_COVERAGE * coverage
                               + W_BM25 * bm25 / (bm25 + BM25_HALF)
                               + W_GRAPH * graph
                               + BIAS)))

- ``similarity``: cosine similarity of the query to the hit's nearest chunk
  (computed for keyword-only candidates too, from their stored vectors);
- ``coverage``: the share of the query's content words (stopwords and the
  user's own name left out, crude 5-letter stems) that occur in the hit;
- ``bm25``: FTS5's BM25 of the hit (sign flipped: higher is better), 0 when the
  hit matched no query word;
- ``graph``: the share of the query's entity and date weight the hit carries
  (shared entities weighted by specificity, one hop, dates;
  :mod:`memvault.service.graph_search`), 0 when it shares none.

Every input is absolute, not a rank or a per-query normalisation, so the score
means the same thing from one query to the next: four memories unrelated to
the question all score low, instead of the best of them scoring like a match.

The weights are a logistic regression fitted on the candidates of two sets
with known answers, disjoint from the ones the README's figures are reported
on: the tuning half of ``tests/data/conversations`` and SciFact's train split.
Its bias is then moved by the log of the negative-to-positive ratio of those
candidates (a prior correction), so 0.5 means "as likely a relevant hit as an
irrelevant one", whatever the size of the collection: :data:`GOOD_MATCH`.

``W_GRAPH`` is 0: the graph input's weight, fitted with the other weights and
the bias held as they were, has opposite signs on the two kinds of data. On
the tuning half's candidates that a limit-10 search weighs (127 questions,
6,942 candidates) it is -1.03 (R@5 0.662 -> 0.674: names already count in
coverage and BM25, and in a chat the same few names recur); on SciFact train
(200 queries over a 642-abstract subset, 14,362 candidates) it is +3.18, and
jointly +1.10, which costs the conversations two points of R@5 (0.640). At
-1.03 SciFact-mini's hybrid nDCG@10 falls from 0.859 to 0.817. So the graph
list adds candidates (memories reached through shared entities and dates,
scored by their own similarity, coverage and BM25) and shows its evidence in
the breakdown, but does not move scores until a per-collection weight is
measured. ``python -m memvault.bench.relevance_fit`` refits all the weights.

The graph is on as a tie-breaker instead: hybrid hits whose relevance agrees
to :data:`GRAPH_TIE_DECIMALS` decimals are ordered by their graph evidence
(:func:`rank_key`), so two equally relevant memories are ordered by the
entities they share with the query, and the score stays calibrated. Plain
positive weights lowered every set measured (W_GRAPH 0.25: conversations tune
R@5 0.666 -> 0.657, SciFact-mini nDCG@10 0.8598 -> 0.8585, a 120-query
SciFact train slice 0.8745 -> 0.8707). Measured with the tie-breaker (2 shared
cores, loaded): full SciFact test (5,183 abstracts, 300 claims) hybrid nDCG@10
0.7322 with and without it (R@10 0.8573); conversations R@5 tune 0.659,
heldout 0.679 and SciFact-mini nDCG@10 0.8435 with and without it. At 2
decimals heldout R@5 rose to 0.683 (one question), SciFact-mini unchanged.

Conversation turns (memories with a ``session_id``) carry three more inputs,
all 0 for any other memory, so SciFact's scores are unchanged by them:

- ``assistant``: 1 when the memory's metadata says the assistant said it
  (``role`` or ``speaker`` is ``"assistant"``, :func:`said_by_assistant`). What
  an agent is asked about is what the user said; the assistant's replies echo
  the question's words ("Oh, congratulations to Ada!") without its answer.
- ``previous_gain`` and ``next_gain``: the similarity of the turn before and
  the turn after it in its session (same rule as the indexing context:
  :mod:`memvault.vault.jobs`) minus its own, 0 when there is none. A short answer
  ("outside, after about 12k") is found through the question that precedes it
  or the reply that follows it.

Their weights were fitted on the tuning half of ``tests/data/conversations``
alone (127 questions, 6,942 candidates of a limit-10 search) with the first
three weights and the bias held as shipped, so the earlier fit stands. Leave-
one-conversation-out on the six tuning conversations, R@5 of hybrid: 0.662
without them, 0.736 with the assistant input alone, 0.766 adding the next
turn, 0.797 adding both neighbours; the neighbours alone did nothing (0.662),
and a larger indexing context weight (0.6) on top gave no more than +1.

Rank fusion (RRF), which this replaces, ordered well on SciFact but put a
weak semantic list's noise above good keyword hits on conversations, and its
scores said nothing about whether anything matched (0.48-0.50 for noise and
match alike).
"""

from __future__ import annotations

import functools
import math
import re

from memvault.domain.enums import SearchMode
from memvault.vault.search import STOPWORDS

# Fitted on 127 + 809 questions (74,521 candidates, 1,068 relevant); bias = -10.151 + ln(73,453 / 1,068).
W_SIMILARITY = 8.792
W_COVERAGE = 2.441
W_BM25 = 3.131
BM25_HALF = 20.0
W_GRAPH = 0.0
BIAS = -5.920
# Fitted on the conversations' tuning half with the weights above held (see the module docstring).
W_ASSISTANT = -3.36
W_NEXT_GAIN = 3.88
W_PREVIOUS_GAIN = 2.31
#: Metadata keys that name who said a conversation turn, and the value that means the assistant.
SPEAKER_KEYS = ("role", "speaker")
ASSISTANT = "assistant"
#: Decimals to which two hybrid relevances are equal for the graph evidence to order them (None: never).
GRAPH_TIE_DECIMALS: int | None = 4
#: Relevance at or above which a hit is a good match (the GUI's and MCP's "no good match" below it).
GOOD_MATCH = 0.5
#: The same point for semantic mode's cosine similarity: where a fit on similarity alone (same
#: candidates, same prior correction: 13.463 * similarity - 6.131) crosses 0.5.
GOOD_MATCH_SIMILARITY = 0.455


def is_good_match(score: float, mode: SearchMode) -> bool:
    """Whether a hit answers the query, not only comes closest.

    Hybrid scores are a calibrated relevance (good from :data:`GOOD_MATCH`), semantic scores a
    cosine similarity (good from :data:`GOOD_MATCH_SIMILARITY`); keyword hits contain the words
    asked for, so each is a match.
    """
    if mode is SearchMode.HYBRID:
        return score >= GOOD_MATCH
    if mode is SearchMode.SEMANTIC:
        return score >= GOOD_MATCH_SIMILARITY
    return True
#: Content read per hit for coverage: enough for any claim or chat turn, bounded for 50k-character memories.
COVERAGE_CHARS = 20_000

_WORD = re.compile(r"\w+", re.UNICODE)


def content_stems(text: str) -> frozenset[str]:
    """Stems of the words of ``text`` that carry meaning (no stopwords, no 1-2 letter words)."""
    return frozenset(w[:5] for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS)


@functools.lru_cache(maxsize=64)
def _stem_pattern(query_stems: frozenset[str]) -> re.Pattern[str]:
    # A word has stem s when its first five letters are s: a shorter stem is the whole word.
    alternatives = sorted((re.escape(s) + (r"\w*" if len(s) == 5 else "") for s in query_stems), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b")


def coverage(query_stems: frozenset[str], text: str) -> float:
    """The share of ``query_stems`` found in ``text`` (0 when the query has none).

    The same as intersecting with :func:`content_stems` of ``text``, by one
    regular-expression scan instead of splitting every word (hybrid computes it
    for up to a hundred candidates per query).
    """
    if not query_stems:
        return 0.0
    found = {m.group(1)[:5] for m in _stem_pattern(query_stems).finditer(text[:COVERAGE_CHARS].lower())}
    return len(found & query_stems) / len(query_stems)


def bm25_evidence(bm25: float | None) -> float:
    """FTS5's BM25 (negative, lower is better) mapped onto 0..1; 0 for no keyword match."""
    if bm25 is None:
        return 0.0
    s = abs(bm25)
    return s / (s + BM25_HALF)


def said_by_assistant(metadata: dict | None) -> bool:
    """Whether a memory's metadata marks it as a turn the assistant said (``role``/``speaker``)."""
    if not metadata:
        return False
    return any(isinstance(metadata.get(k), str) and metadata[k].strip().lower() == ASSISTANT for k in SPEAKER_KEYS)


def relevance(similarity: float | None, cover: float, bm25: float | None, graph: float = 0.0, *,
              assistant: bool = False, previous_gain: float = 0.0, next_gain: float = 0.0) -> float:
    """The calibrated 0..1 relevance of a hit (see the module docstring)."""
    z = (W_SIMILARITY * (similarity or 0.0) + W_COVERAGE * cover + W_BM25 * bm25_evidence(bm25) + W_GRAPH * graph
         + W_ASSISTANT * assistant + W_PREVIOUS_GAIN * previous_gain + W_NEXT_GAIN * next_gain + BIAS)
    return 1.0 / (1.0 + math.exp(-z))


def rank_key(score: float, graph: float | None, memory_id: int) -> tuple:
    """Hybrid's sort key: relevance first; among relevances equal to :data:`GRAPH_TIE_DECIMALS` decimals,
    more graph evidence first; then the exact relevance and the id (a stable order)."""
    if GRAPH_TIE_DECIMALS is None:
        return (-score, memory_id)
    return (-round(score, GRAPH_TIE_DECIMALS), -(graph or 0.0), -score, memory_id)


def provider_similarity(threshold: float, provider_default: float) -> float:
    """A hosted API's cosine threshold on this model's similarity scale.

    Compatibility profiles follow APIs whose default thresholds were chosen for
    other embedding models (text-embedding-3-small's cosines sit lower than this
    model's, older models' much higher). The mapping is piecewise linear through
    (0, 0), (provider's default, :data:`GOOD_MATCH_SIMILARITY`) and (1, 1): a
    client's default means "a good match" on either side, and a stricter or
    looser threshold stays stricter or looser in proportion.
    """
    if threshold <= provider_default:
        return threshold / provider_default * GOOD_MATCH_SIMILARITY
    above = (threshold - provider_default) / (1 - provider_default)
    return GOOD_MATCH_SIMILARITY + above * (1 - GOOD_MATCH_SIMILARITY)


def to_provider_similarity(similarity: float, provider_default: float) -> float:
    """The inverse of :func:`provider_similarity`: this model's similarity on the provider's scale.

    Profiles report scores this way, so a client comparing a score with its
    own threshold decides as the search did.
    """
    if similarity <= GOOD_MATCH_SIMILARITY:
        return similarity / GOOD_MATCH_SIMILARITY * provider_default
    above = (similarity - GOOD_MATCH_SIMILARITY) / (1 - GOOD_MATCH_SIMILARITY)
    return provider_default + above * (1 - provider_default)
