"""Whether a score is a good match, and a hosted API's thresholds on this model's scale.

"Good match" tells an agent or a user "this is about the question", not "this
is certainly the answer": surfaces show the hit, or say that nothing stored is
about the question. The search service sets it on each hit (:func:`flags`): a
note must also stand out from the hit after it. A hybrid relevance (:mod:`memvault.ranking.fusion`) is a
likelihood under the prior of the candidates it was fitted on, where one in
~70 is relevant; in a small vault the best hit answering is far likelier than
its relevance says, and a threshold of 0.5 hid most correct first answers (a
quarter of them flagged on the tuning set's small vaults). So
:data:`GOOD_MATCH` is chosen for the flag itself: on tuning data only, the
lowest relevance that still flags nearly every correct first answer while
questions about nothing stored stay below it. Its precision and recall, per
set and vault size: ``docs/benchmarks.md`` ("Good match"). Semantic mode's
cosine similarity keeps the point of a fit on similarity alone. Compatibility
profiles map a hosted API's thresholds and scores onto the point of the mode
they search in, so a client's default threshold keeps what this flag keeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from memvault.domain.enums import SearchMode
from memvault.domain.models import Memory

#: Relevance at or above which a hit is a good match (the GUI's and MCP's "no good match" below it).
GOOD_MATCH = 0.025
#: The same point for semantic mode's cosine similarity: where a fit on similarity alone (same
#: candidates, same prior correction: 13.463 * similarity - 6.131) crosses 0.5.
GOOD_MATCH_SIMILARITY = 0.455


def is_good_match(score: float, mode: SearchMode) -> bool:
    """Whether a hit answers the query, not only comes closest.

    Hybrid scores are a relevance (good from :data:`GOOD_MATCH`), semantic scores a
    cosine similarity (good from :data:`GOOD_MATCH_SIMILARITY`); keyword hits contain the words
    asked for, so each is a match.
    """
    if mode is SearchMode.HYBRID:
        return score >= GOOD_MATCH
    if mode is SearchMode.SEMANTIC:
        return score >= GOOD_MATCH_SIMILARITY
    return True


#: A note (a memory that is not a turn of a chat) below :data:`CLEARLY_GOOD` is a good match only when its
#: log-odds stand this far above the next hit's: notes kept about one person all share the name, and on a
#: question nothing stored answers the best of them rose above the point (0.03-0.09) without rising above
#: the others. Chosen on tuning data only (``docs/benchmarks.md``, "Stop 85"): on the notes' tuning half
#: the false alarms fell 0.72 -> 0.29 at recall 0.98 of right first answers, on multilingual-tune's absent
#: answers 59 -> 33 of 192 (MiniLM) and 90 -> 56 (e5) at 160 of 168 and 182 of 188 right first answers.
#: Turns are left to the point alone: an answer's neighbouring turns share its context and score close to
#: it, and the rule cost the conversations' right first answers 0.98 -> 0.85.
STANDS_OUT = 0.5
#: A note's relevance from which it is a good match whatever scores next to it.
CLEARLY_GOOD = 0.2


def is_turn(memory: Memory) -> bool:
    """Whether ``memory`` is a turn of a chat: of a session, or saying who spoke (``metadata`` speaker or role)."""
    return memory.session_id is not None or "speaker" in memory.metadata or "role" in memory.metadata


def flags(ranked: Sequence[tuple[float, bool]], mode: SearchMode, shown: int, floor: float = 0.0) -> list[bool]:
    """Whether each of the first ``shown`` hits is a good match.

    ``ranked`` is ``(score, is a turn)`` per hit, best first, one past the page where there is one; ``floor``
    the search's least score (a candidate missing past the page scored below it). In hybrid mode a note must
    also stand out (:data:`STANDS_OUT`) from the hit after it, and a note below the first only counts when
    the hits above it do: a run of answers at the top, not one note among equals further down.
    """
    out: list[bool] = []
    for i, (score, turn) in enumerate(ranked[:shown]):
        good = is_good_match(score, mode)
        if good and mode is SearchMode.HYBRID and not turn and score < CLEARLY_GOOD:
            after = ranked[i + 1][0] if i + 1 < len(ranked) else floor
            good = (i == 0 or out[i - 1]) and _log_odds(score) - _log_odds(after) >= STANDS_OUT
        out.append(good)
    return out


def _log_odds(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _good_point(mode: SearchMode) -> float:
    if mode is SearchMode.HYBRID:
        return GOOD_MATCH
    if mode is SearchMode.SEMANTIC:
        return GOOD_MATCH_SIMILARITY
    raise ValueError(f"{mode.value} scores have no good-match point")


def provider_threshold(threshold: float, provider_default: float, mode: SearchMode) -> float:
    """A hosted API's threshold on this model's scale for ``mode``.

    Compatibility profiles follow APIs whose default thresholds were chosen for
    other embedding models (text-embedding-3-small's cosines sit lower than this
    model's, older models' much higher). The mapping is piecewise linear through
    (0, 0), (provider's default, the mode's good-match point) and (1, 1): a
    client's default means "a good match" on either side, and a stricter or
    looser threshold stays stricter or looser in proportion.
    """
    good = _good_point(mode)
    if threshold <= provider_default:
        return threshold / provider_default * good
    above = (threshold - provider_default) / (1 - provider_default)
    return good + above * (1 - good)


def provider_score(score: float, provider_default: float, mode: SearchMode) -> float:
    """The inverse of :func:`provider_threshold`: a score of ``mode`` on the provider's 0..1 scale.

    Profiles report scores this way, so a client comparing a score with its
    own threshold decides as the search did.
    """
    good = _good_point(mode)
    score = min(1.0, max(0.0, score))
    if score <= good:
        return score / good * provider_default
    above = (score - good) / (1 - good)
    return provider_default + above * (1 - provider_default)
