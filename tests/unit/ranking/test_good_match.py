"""Whether each hit is a good match: the point per mode, and a note that must stand out from the hit after it."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.ranking import good_match
from memvault.ranking.good_match import CLEARLY_GOOD, GOOD_MATCH, STANDS_OUT, flags

NOTE, TURN = False, True
HYBRID = SearchMode.HYBRID


def test_a_note_among_equals_is_no_good_match_and_one_that_stands_out_is():
    # Notes about one person all share the name: the best of them rises above the point, not above the rest.
    assert flags([(0.11, NOTE), (0.07, NOTE)], HYBRID, 1) == [False]
    assert flags([(0.11, NOTE), (0.03, NOTE)], HYBRID, 1) == [True]
    assert flags([(CLEARLY_GOOD, NOTE), (0.19, NOTE), (0.185, NOTE)], HYBRID, 2) == [True, False]
    assert flags([(0.5, NOTE), (0.45, NOTE), (0.01, NOTE)], HYBRID, 2) == [True, True]  # both clearly good


def test_the_margin_is_in_log_odds_and_the_point_still_holds():
    import math

    def log_odds(p):
        return math.log(p / (1 - p))

    # The score whose log-odds sit exactly STANDS_OUT below 0.1's.
    just_out = 1 / (1 + math.exp(STANDS_OUT - log_odds(0.1)))
    assert log_odds(0.1) - log_odds(just_out) == pytest.approx(STANDS_OUT)
    assert flags([(0.1, NOTE), (just_out * 0.999, NOTE)], HYBRID, 1) == [True]
    assert flags([(0.1, NOTE), (just_out * 1.001, NOTE)], HYBRID, 1) == [False]
    assert flags([(GOOD_MATCH * 0.99, NOTE), (0.0001, NOTE)], HYBRID, 1) == [False]


def test_turns_keep_the_point_alone():
    # An answer's neighbouring turns share its context and score close to it.
    assert flags([(0.05, TURN), (0.049, TURN)], HYBRID, 2) == [True, True]
    assert flags([(0.02, TURN)], HYBRID, 1) == [False]


def test_a_note_below_the_first_counts_only_in_a_run_from_the_top():
    assert flags([(0.15, NOTE), (0.14, NOTE), (0.01, NOTE)], HYBRID, 3) == [False, False, False]
    assert flags([(0.15, NOTE), (0.08, NOTE), (0.01, NOTE)], HYBRID, 3) == [True, True, False]


def test_the_hit_past_the_page_or_the_floor_is_what_a_last_note_stands_out_from():
    assert flags([(0.11, NOTE), (0.07, NOTE)], HYBRID, 1) == [False]  # the second is past the page
    assert flags([(0.11, NOTE)], HYBRID, 1) == [True]  # nothing else scored at all
    assert flags([(0.11, NOTE)], HYBRID, 1, floor=0.1) == [False]  # others may sit just under min_score


def test_other_modes_keep_their_point():
    assert flags([(0.5, NOTE), (0.49, NOTE)], SearchMode.SEMANTIC, 2) == [True, True]
    assert flags([(0.3, NOTE)], SearchMode.SEMANTIC, 1) == [False]
    assert flags([(0.0, NOTE), (0.0, NOTE)], SearchMode.KEYWORD, 2) == [True, True]


def test_a_turn_is_a_memory_of_a_session_or_that_says_who_spoke():
    from types import SimpleNamespace

    def memory(session_id=None, **metadata):
        return SimpleNamespace(session_id=session_id, metadata=metadata)

    assert good_match.is_turn(memory("s1")) and good_match.is_turn(memory(speaker="Rosa"))
    assert good_match.is_turn(memory(role="assistant"))
    assert not good_match.is_turn(memory(source="note"))
