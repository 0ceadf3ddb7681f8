"""Query handling: the user's own name, only when the caller says what it is (no model needed)."""

from memvault.ranking.query import name_words, plan


def test_name_words_come_from_the_names_given():
    assert name_words(["Maya Okafor"]) == ("maya", "okafor")
    assert name_words(["Maya", "Mo"]) == ("maya",)
    assert name_words([]) == ()


def test_a_given_name_is_left_out_of_both_sides():
    p = plan("What is the name of Maya's dog?", ["Maya Okafor"])
    assert p.semantic == p.keyword == "What is the name of dog?"
    assert p.user_names == ("maya",)
    both = plan("Where did Maya Okafor live before Chorlton?", ["Maya Okafor"])
    assert both.semantic == "Where did live before Chorlton?" and both.user_names == ("maya", "okafor")
    # In any language: nothing English is put in the name's place.
    assert plan("¿Dónde vive Maya?", ["Maya"]).semantic == "¿Dónde vive ?"


def test_without_given_names_the_query_is_used_as_written():
    # What an id-derived rewrite used to mangle: a scope's id is not a name.
    for query in ("Which server crashed?", "John Lennon", "the alpha release", "What is Maya's dog called?"):
        p = plan(query)
        assert p.semantic == p.keyword == query and p.user_names == ()


def test_other_names_are_left_alone():
    assert plan("Who is Mayan art by?", ["Maya"]).semantic == "Who is Mayan art by?"
    assert plan("What is Ada's dog called?", ["Maya Okafor"]).keyword == "What is Ada's dog called?"
    # A query that is only the name keeps something to match.
    assert plan("Maya", ["Maya"]).keyword == plan("Maya", ["Maya"]).semantic == "Maya"


def test_hybrids_evidence_leaves_out_the_user_as_the_served_persons_reference():
    assert plan("what pet does the user have").evidence == "what pet does have"
    assert plan("What is the user's job?").evidence == "What is job?"
    assert plan("what pet does the user have").semantic == "what pet does the user have"  # the meaning keeps it
    # Not another user, nor a question that is only the reference.
    assert plan("which user reported the crash").evidence == "which user reported the crash"
    assert plan("the users of the app").evidence == "the users of the app"
    assert plan("the user").evidence == "the user"
