"""Query handling: the user's own name in a question scoped to that user (no model needed)."""

from memvault.ranking.query import name_parts, plan


def test_name_parts_are_the_name_like_words_of_a_user_id():
    assert name_parts("maya.okafor") == ("maya", "okafor")
    assert name_parts("Maya Okafor") == ("maya", "okafor")
    assert name_parts("user-1234") == ()
    assert name_parts("al") == ()
    assert name_parts(None) == ()


def test_the_users_name_becomes_the_user_for_meaning_and_is_dropped_for_keywords():
    p = plan("What is the name of Maya's dog?", "maya.okafor")
    assert p.semantic == "What is the name of the user's dog?"
    assert p.keyword == "What is the name of dog?"
    assert p.user_names == ("maya",)
    both = plan("Where did Maya Okafor live before Chorlton?", "maya.okafor")
    assert both.semantic == "Where did the user live before Chorlton?" and both.user_names == ("maya", "okafor")


def test_other_names_and_unscoped_searches_are_left_alone():
    assert plan("Who is Mayan art by?", "maya").semantic == "Who is Mayan art by?"
    assert plan("What is Ada's dog called?", "maya.okafor").keyword == "What is Ada's dog called?"
    unscoped = plan("What is Maya's dog called?", None)
    assert unscoped.semantic == unscoped.keyword == "What is Maya's dog called?" and unscoped.user_names == ()
    # A query that is only the name keeps something to match by keyword.
    assert plan("Maya", "maya").keyword == "Maya"
