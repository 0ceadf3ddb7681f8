"""Fact-specific ranking without a vault: a fact's person's name is not keyword evidence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import ScoreBreakdown
from memvault.ranking import fusion
from memvault.ranking.facts import name_neutral
from memvault.ranking.keyword import keyword_score
from memvault.ranking.query import plan
from memvault.vault.fact_links import FactCandidate

FACT = FactCandidate(7, "f-7", "Noor Haddad adopted a greyhound called Pilot", "Noor Haddad", None)
TURN_TEXT = "I work at a bakery in Ghent now"


def test_keyword_mode_counts_only_the_words_a_fact_matches_outside_its_name():
    page = [(keyword_score(-9.0), 7, ScoreBreakdown(keyword_bm25=-9.0, keyword_rank=1)),
            (keyword_score(-4.0), 3, ScoreBreakdown(keyword_bm25=-4.0, keyword_rank=2))]
    out = name_neutral(SearchMode.KEYWORD, "Noor bakery", "Noor bakery", page, {7: FACT})
    assert [mid for _, mid, _ in out] == [3, 7] and out[1][0] == 0.0
    # Half the words it matched were not the name: half the BM25 stays.
    half = name_neutral(SearchMode.KEYWORD, "Noor greyhound", "Noor greyhound", page[:1], {7: FACT})
    assert half[0][2].keyword_bm25 == -4.5 and half[0][0] == keyword_score(-4.5)


def test_hybrid_rescores_a_named_fact_with_its_coverage_outside_the_name():
    fact = ScoreBreakdown(semantic=0.5, keyword_bm25=-9.0, coverage=0.5, relevance=0.3)
    turn_score = fusion.relevance(0.5, 0.5, -4.0)
    page = [(fusion.relevance(0.5, 0.5, -9.0), 7, fact), (turn_score, 3, ScoreBreakdown(semantic=0.5))]
    out = name_neutral(SearchMode.HYBRID, "Noor bakery", "Noor bakery", page, {7: FACT})
    assert [mid for _, mid, _ in out] == [3, 7]
    assert out[1][2].coverage == 0.0 and out[1][0] == fusion.relevance(0.5, 0.0, None)


def test_semantic_mode_and_facts_matching_beyond_the_name_are_left_alone():
    page = [(0.9, 7, ScoreBreakdown(semantic=0.9, keyword_bm25=-3.0))]
    assert name_neutral(SearchMode.SEMANTIC, "Noor bakery", "Noor bakery", page, {7: FACT}) == page
    unnamed = FactCandidate(7, "f-7", "The user adopted a greyhound", None, None)
    assert name_neutral(SearchMode.KEYWORD, "greyhound", "greyhound", page, {7: unnamed}) == page
    assert name_neutral(SearchMode.KEYWORD, "greyhound Pilot", "greyhound Pilot", page, {7: FACT}) == page


def test_an_unnamed_facts_the_user_is_its_name_not_keyword_evidence():
    # Every fact about an unnamed user says "The user": a question saying "the user" matched them all.
    unnamed = FactCandidate(7, "f-7", "The user can go under an hour if the user is fresh", None, None)
    page = [(fusion.relevance(0.4, 0.5, -6.0), 7, ScoreBreakdown(semantic=0.4, keyword_bm25=-6.0, coverage=0.5))]
    out = name_neutral(SearchMode.HYBRID, "the user new job", "the user new job", page, {7: unnamed})
    assert out[0][2].coverage == 0.0 and out[0][0] == fusion.relevance(0.4, 0.0, None)
    kw = [(keyword_score(-6.0), 7, ScoreBreakdown(keyword_bm25=-6.0, keyword_rank=1))]
    assert name_neutral(SearchMode.KEYWORD, "user job", "user job", kw, {7: unnamed})[0][0] == 0.0


def test_an_unnamed_facts_similarity_is_read_against_the_question_without_the_user():
    # "Where does the user go climbing?" was nearer "The user has a flat" (0.44) than the climbing fact (0.42):
    # "the user" was most of what the short fact said. Read without it: 0.18 against 0.32.
    flat = FactCandidate(7, "f-7", "The user has a flat", None, None)
    climbing = FactCandidate(8, "f-8", "The user started bouldering at Der Kegel", None, None)
    named = FactCandidate(9, "f-9", "Noor Haddad has a flat", "Noor Haddad", None)
    page = [(fusion.relevance(0.44, 0.0, None), 7, ScoreBreakdown(semantic=0.44, coverage=0.0)),
            (fusion.relevance(0.42, 0.0, None), 8, ScoreBreakdown(semantic=0.42, coverage=0.0)),
            (fusion.relevance(0.3, 0.0, None), 9, ScoreBreakdown(semantic=0.3, coverage=0.0))]
    asked: list[tuple[str, list[int]]] = []

    def similarity(text, mids):
        asked.append((text, sorted(mids)))
        return {7: 0.18, 8: 0.32}

    out = name_neutral(SearchMode.HYBRID, "Where does the user go climbing?", "user go climbing", page,
                       {7: flat, 8: climbing, 9: named}, similarity)
    assert asked == [("Where does go climbing?", [7, 8])]  # a named person's fact keeps the question as asked
    assert [mid for _, mid, _ in out] == [8, 9, 7] and out[0][2].semantic == 0.32
    # A question that does not say "the user" leaves them as they are.
    asked.clear()
    assert name_neutral(SearchMode.HYBRID, "Where do I go climbing?", "go climbing", page, {7: flat, 8: climbing},
                        similarity) == page and asked == []


@pytest.mark.parametrize("query,asked_of_another", [
    ("where does the user live", True), ("where do I live now", True),
    ("where does Anna live", False), ("where does my sister live", False), ("when is Anna visiting", False)])
def test_a_fact_setting_someone_elses_attribute_is_no_keyword_evidence_for_a_question_about_another(
        query, asked_of_another):
    # "where does the user live": the sister's "lives" outranked "The user moved to Zurich in March".
    sister = FactCandidate(7, "f-7", "The user's sister Anna lives in Lisbon", None, None, "residence",
                           subject="user's sister")
    page = [(fusion.relevance(0.4, 0.5, -6.0), 7, ScoreBreakdown(semantic=0.4, keyword_bm25=-6.0, coverage=0.5)),
            (keyword_score(-6.0), 8, ScoreBreakdown(keyword_bm25=-6.0, keyword_rank=1))]
    words = plan(query).evidence  # as search gives it: without "the user"
    hybrid = name_neutral(SearchMode.HYBRID, query, words, page[:1], {7: sister})
    keyword = name_neutral(SearchMode.KEYWORD, query, words, [(page[1][0], 7, page[1][2])], {7: sister})
    if asked_of_another:
        assert hybrid[0][2].coverage == 0.0 and hybrid[0][0] == fusion.relevance(0.4, 0.0, None)
        assert keyword[0][0] == 0.0
    else:
        assert hybrid[0][2].coverage > 0.0 and keyword[0][0] == page[1][0]
    # The user's own residence, and a fact about the sister that sets no attribute, keep their words.
    own = replace(sister, content="The user lives in Porto", subject="user")
    plain = replace(sister, attribute=None)
    for fact in (own, plain):
        assert name_neutral(SearchMode.KEYWORD, query, words, [(page[1][0], 7, page[1][2])], {7: fact})[0][0] > 0


def _score(joined):
    return joined[0]


def test_a_turn_joined_by_its_fact_takes_the_best_evidence_and_keeps_its_own_context():
    from memvault.ranking.facts import _joined

    turn = ScoreBreakdown(semantic=0.3, coverage=0.0, keyword_bm25=None, previous_turn_gain=0.1, next_turn_gain=None)
    fact = ScoreBreakdown(semantic=0.6, coverage=0.5, keyword_bm25=-8.0)
    facts = [FactCandidate(7, "f-7", "The user adopted a greyhound", None, 3)]
    joined, shown = _joined({3: turn, 7: fact}, 3, facts, 0.1, fact)
    # The previous turn was 0.1 closer than the turn: 0.2 further than the fact's 0.6.
    assert joined == fusion.relevance(0.6, 0.5, -8.0, previous_gain=-0.2)
    assert joined > fusion.relevance(0.3, 0.0, None, previous_gain=0.1)
    assert _joined({7: fact}, 3, facts, 0.42, fact) == (0.42, fact)


def test_the_breakdown_of_a_joined_slot_holds_the_inputs_that_gave_its_score():
    """A debug search shows how each score came about: for a turn joined by its facts, the inputs its relevance
    was computed from (the best similarity, coverage and BM25, the gains measured from that similarity), not
    the fact's own, which made another score."""
    from memvault.ranking.facts import _joined

    turn = ScoreBreakdown(semantic=0.3, semantic_rank=4, coverage=0.25, keyword_bm25=-9.0, keyword_rank=1,
                          previous_turn_gain=0.1, next_turn_gain=0.05, background=0.01, best_chunk=12)
    fact = ScoreBreakdown(semantic=0.6, semantic_rank=1, coverage=0.5, keyword_bm25=-8.0, background=0.01,
                          relevance=fusion.relevance(0.6, 0.5, -8.0, background=0.01))
    facts = [FactCandidate(7, "f-7", "The user adopted a greyhound", None, 3)]
    joined, shown = _joined({3: turn, 7: fact}, 3, facts, fact.relevance, fact)
    assert shown.relevance == joined == fusion.relevance(
        shown.semantic, shown.coverage, shown.keyword_bm25, previous_gain=shown.previous_turn_gain,
        next_gain=shown.next_turn_gain, background=shown.background)
    assert (shown.semantic, shown.coverage, shown.keyword_bm25) == (0.6, 0.5, -9.0)
    assert shown.previous_turn_gain == pytest.approx(0.1 - 0.3) and shown.next_turn_gain == pytest.approx(0.05 - 0.3)
    assert (shown.semantic_rank, shown.keyword_rank, shown.best_chunk) == (4, 1, 12)  # the turn's own lists
    # Nothing counting was joined: the turn's own score and inputs.
    weak = ScoreBreakdown(semantic=0.05, coverage=0.0, relevance=0.0001)
    own = replace(turn, relevance=0.2)
    assert _joined({3: own, 7: weak}, 3, facts, 0.0001, weak) == (0.2, own)


def test_a_turn_ending_in_a_question_states_what_a_fact_read_from_it_says():
    from memvault.ranking.facts import _joined

    # "She turns sixty on the 14th of May, right?": the turn ends with "?", and the fact read from it states.
    own = fusion.relevance(0.3, 0.0, None, question=True, next_gain=0.1)
    turn = ScoreBreakdown(semantic=0.3, coverage=0.0, question=True, next_turn_gain=0.1, relevance=own)
    fact = ScoreBreakdown(semantic=0.6, coverage=0.5, keyword_bm25=-8.0, relevance=fusion.relevance(0.6, 0.5, -8.0))
    facts = [FactCandidate(7, "f-7", "Mum turns sixty on 14 May 2026", None, 3)]
    joined, shown = _joined({3: turn, 7: fact}, 3, facts, own, fact)
    assert joined == fusion.relevance(0.6, 0.5, -8.0, next_gain=0.1 - 0.3) and not shown.question
    # A question nothing counting was read from stays one.
    weak = ScoreBreakdown(semantic=0.1, coverage=0.0, relevance=fusion.relevance(0.1, 0.0, None))
    assert _score(_joined({3: turn, 7: weak}, 3, facts, own, weak)) == own


def test_a_weak_fact_adds_no_evidence_to_its_turn():
    from memvault.ranking.facts import FACT_EVIDENCE_MIN, _joined

    own = fusion.relevance(0.1, 0.0, None, previous_gain=0.02)
    turn = ScoreBreakdown(semantic=0.1, coverage=0.0, previous_turn_gain=0.02, relevance=own)
    weak_score = fusion.relevance(0.2, 0.0, None)
    assert weak_score < FACT_EVIDENCE_MIN
    weak = ScoreBreakdown(semantic=0.2, coverage=0.0, relevance=weak_score)
    facts = [FactCandidate(7, "f-7", "The user likes tea", None, 3)]
    # The best of two similarities that both match nothing would have lifted the turn above its neighbours.
    assert _score(_joined({3: turn, 7: weak}, 3, facts, weak_score, weak)) == own
    strong = ScoreBreakdown(semantic=0.6, coverage=0.5, keyword_bm25=-8.0,
                            relevance=fusion.relevance(0.6, 0.5, -8.0))
    both = [*facts, FactCandidate(8, "f-8", "The user adopted a greyhound", None, 3)]
    assert _score(_joined({3: turn, 7: weak, 8: strong}, 3, both, 0.1, strong)) == fusion.relevance(
        0.6, 0.5, -8.0, previous_gain=0.02 - (0.6 - 0.1))


def test_a_question_naming_someone_takes_no_evidence_from_other_peoples_facts():
    facts = {1: FactCandidate(1, "f-1", "Ines Moreau is head gardener at Kew", "Ines Moreau", None),
             2: FactCandidate(2, "f-2", "Noor's new job at the port authority starts in March", "Noor", None),
             3: FactCandidate(3, "f-3", "Noor is helping Ines move house", "Noor", None),
             4: FactCandidate(4, "f-4", "The user's new job is at a bank", None, None)}
    page = [(0.5, 2, ScoreBreakdown(semantic=0.6, coverage=0.5, relevance=0.5)),
            (0.3, 1, ScoreBreakdown(semantic=0.5, coverage=0.0, relevance=0.3)),
            (0.2, 3, ScoreBreakdown(semantic=0.4, coverage=0.0, relevance=0.2)),
            (0.1, 4, ScoreBreakdown(semantic=0.4, coverage=0.5, relevance=0.1))]
    out = name_neutral(SearchMode.HYBRID, "What is Ines's new job?", "What is Ines's new job?", page, facts)
    scores = {mid: (score, b.relevance) for score, mid, b in out}
    # Noor's job says nothing about Ines; Noor's fact that mentions her, and an unnamed user's, may.
    assert scores[2] == (0.0, 0.0) and out[-1][1] == 2
    assert scores[3][0] > 0 and scores[4][0] > 0 and scores[1][0] > 0
    # A question naming nobody the facts are about leaves every fact its evidence.
    same = name_neutral(SearchMode.HYBRID, "Who has a new job?", "Who has a new job?", page, facts)
    assert all(score > 0 for score, _, _ in same)
    semantic = [(0.6, 2, ScoreBreakdown(semantic=0.6)), (0.5, 1, ScoreBreakdown(semantic=0.5))]
    assert [mid for _, mid, _ in name_neutral(SearchMode.SEMANTIC, "Ines new job", "Ines new job", semantic,
                                              facts)] == [1, 2]


def test_a_fact_that_sets_an_attribute_matches_the_words_a_question_asks_it_with():
    """"What is Hannah's new job?" asks for an occupation; "Hannah is joining a climate charity as finance lead"
    sets one without saying "job": in hybrid it covers that word, in keyword mode (FTS5's own matches) it does not."""
    joining = FactCandidate(7, "f-7", "Hannah is joining a climate charity as finance lead", "Hannah", None,
                            "occupation")
    page = [(fusion.relevance(0.3, 0.0, None), 7, ScoreBreakdown(semantic=0.3, coverage=0.0))]
    out = name_neutral(SearchMode.HYBRID, "What is Hannah's new job?", "Hannah new job", page, {7: joining})
    # One of the three words asked (the name counts as asked and is not matched outside it).
    assert out[0][2].coverage == 1 / 3 and out[0][0] == fusion.relevance(0.3, 1 / 3, None)
    plain = FactCandidate(7, "f-7", "Hannah is joining a climate charity", "Hannah", None)
    assert name_neutral(SearchMode.HYBRID, "What is Hannah's new job?", "Hannah new job", page, {7: plain}) == page
    where = FactCandidate(7, "f-7", "Tom moved to Leeds", "Tom", None, "residence")
    out = name_neutral(SearchMode.HYBRID, "Where does Tom live?", "Tom live", page, {7: where})
    assert out[0][2].coverage == 0.5


def _fact(rowid: int, successor: int | None = None) -> FactCandidate:
    return FactCandidate(rowid, f"f-{rowid}", f"fact {rowid}", None, None, "residence",
                         None if successor is None else f"f-{successor}")


def test_a_fact_that_superseded_another_takes_its_evidence_and_ranks_above_it():
    from memvault.ranking.facts import successors_first

    berlin = ScoreBreakdown(semantic=0.23, coverage=0.5, keyword_bm25=-1.0)
    porto = ScoreBreakdown(semantic=0.05, coverage=0.5)
    other = ScoreBreakdown(semantic=0.1, coverage=0.0)
    page = [(fusion.relevance(0.23, 0.5, -1.0), 1, berlin), (fusion.relevance(0.1, 0.0, None), 3, other),
            (fusion.relevance(0.05, 0.5, None), 2, porto)]
    out = successors_first(SearchMode.HYBRID, page, {1: _fact(1, successor=2), 2: _fact(2), 3: _fact(3)})
    assert [mid for _, mid, _ in out] == [2, 1, 3]
    score, _, shown = out[0]
    assert score == shown.relevance == fusion.relevance(0.23, 0.5, -1.0)
    assert (shown.semantic, shown.coverage, shown.keyword_bm25) == (0.23, 0.5, -1.0)
    # The older fact keeps its own score and place among the rest; a page without such a pair is left alone.
    assert out[1] == page[0] and successors_first(SearchMode.HYBRID, page, {1: _fact(1), 2: _fact(2)}) == page


def test_a_successor_that_scores_better_alone_keeps_its_own_score_and_a_chain_passes_evidence_down():
    from memvault.ranking.facts import successors_first

    page = [(0.9, 1, ScoreBreakdown(semantic=0.9)), (0.5, 2, ScoreBreakdown(semantic=0.5)),
            (0.2, 3, ScoreBreakdown(semantic=0.2)), (0.95, 4, ScoreBreakdown(semantic=0.95))]
    page.sort(key=lambda t: -t[0])
    # 1 was replaced by 2, and 2 by 3: 3 is the newest and takes 1's similarity; 4 replaced nothing.
    facts = {1: _fact(1, successor=2), 2: _fact(2, successor=3), 3: _fact(3), 4: _fact(4)}
    out = successors_first(SearchMode.SEMANTIC, page, facts)
    assert [(mid, score) for score, mid, _ in out] == [(4, 0.95), (3, 0.9), (2, 0.9), (1, 0.9)]
    assert out[1][2].semantic == 0.9
    # Better alone: the newer fact keeps its score; nothing moves.
    better = [(0.9, 2, ScoreBreakdown(semantic=0.9)), (0.3, 1, ScoreBreakdown(semantic=0.3))]
    assert successors_first(SearchMode.SEMANTIC, better, {1: _fact(1, successor=2), 2: _fact(2)}) == better
