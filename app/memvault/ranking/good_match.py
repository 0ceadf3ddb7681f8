"""Whether a score is a good match, and a hosted API's thresholds on this model's scale.

"Good match" tells an agent or a user "this is about the question", not "this
is certainly the answer": surfaces show the hit, or say that nothing stored is
about the question. A hybrid relevance (:mod:`memvault.ranking.fusion`) is a
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

from memvault.domain.enums import SearchMode

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
