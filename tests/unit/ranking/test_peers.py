"""Peers: for a candidate sharing only a person's name with the query, the mean similarity of the other keyword
hits naming that person."""

import pytest

from memvault.ranking import fusion, peers
from memvault.ranking.keyword import content_stems, matched_stems
from memvault.ranking.similarity import BACKGROUND

# Peer similarities chosen so every mean is exact in binary floating point.
MAJA, BIRTH, SWIM = (frozenset(w) for w in (("maja",), ("birth",), ("swimm",)))


def test_a_candidate_s_peers_are_the_keyword_hits_sharing_every_word_it_shares():
    matched = {1: MAJA, 2: MAJA, 3: MAJA | SWIM, 4: BIRTH, 5: frozenset()}
    similarity = {1: 0.5, 2: 0.25, 3: 0.75, 4: 0.5, 5: 0.125}
    got = peers.peer_similarities(matched, matched, similarity, [1, 2, 3, 4, 5])
    # 1's peers are 2 and 3 (both name Maja), never itself; 3 is the only one naming Maja and swimming, so
    # it has none, and 4 is alone in naming a birthday.
    assert got == {1: 0.5, 2: 0.625}


def test_fewer_than_two_peers_or_unknown_similarities_give_none():
    matched = {1: MAJA, 2: MAJA, 3: MAJA}
    # 3's similarity is unknown: no peer of 1 or 2, which are left with one each; its own peers count.
    assert peers.peer_similarities(matched, matched, {1: 0.5, 2: 0.25, 3: None}, [1, 2, 3]) == {3: 0.375}
    # A candidate of the semantic list only is judged against the keyword hits, not a peer itself.
    assert peers.peer_similarities(matched, matched, {1: 0.5, 2: 0.25, 3: 0.75}, [1, 2]) == {3: 0.375}


def test_only_the_judged_candidates_get_peers_and_every_keyword_hit_may_be_one():
    matched = {1: MAJA, 2: MAJA, 3: MAJA | SWIM}
    got = peers.peer_similarities(matched, {1: MAJA}, {1: 0.5, 2: 0.25, 3: 0.75}, [1, 2, 3])
    assert got == {1: 0.5}


def test_only_the_first_keyword_hits_are_peers_whatever_the_depth_read():
    n = peers.POOL + 20
    matched = {i: MAJA for i in range(n)}
    similarity = {i: (0.5 if i < peers.POOL else 0.0) for i in range(n)}
    got = peers.peer_similarities(matched, matched, similarity, list(range(n)))
    # The hits beyond the pool (similarity 0) would pull the mean down: they are not counted.
    assert got[0] == pytest.approx(0.5) and got[n - 1] == pytest.approx(0.5)


def test_matched_stems_are_the_query_words_a_text_contains():
    stems = content_stems("When is Maja's birthday?")
    assert matched_stems(stems, "Maja's teacher this year is Mr. Osei") == frozenset({"maja"})
    assert matched_stems(stems, "Leo wants a telescope for his birthday") == frozenset({"birth"})
    assert matched_stems(frozenset(), "anything") == frozenset()


def test_the_peers_excess_over_the_background_lowers_relevance_by_its_weight():
    assert fusion.peer_excess(None, 0.0) == 0.0
    assert fusion.peer_excess(BACKGROUND + 0.25, 0.0) == pytest.approx(0.25)
    # The background already took off part of it, or all of it.
    assert fusion.peer_excess(BACKGROUND + 0.25, 0.125) == pytest.approx(0.125)
    assert fusion.peer_excess(BACKGROUND + 0.25, 0.5) == 0.0
    alone = fusion.relevance(0.5, 0.5, -5.0)
    shared = fusion.relevance(0.5, 0.5, -5.0, peers=BACKGROUND + 0.25)
    assert shared < alone
    logit = lambda p: __import__("math").log(p / (1 - p))  # noqa: E731
    assert logit(alone) - logit(shared) == pytest.approx(4.75 * 0.25)
