"""One-letter fragments of possessives and contractions are no keyword."""

from memvault.domain.language import is_fragment
from memvault.vault import fts
from memvault.vault.search import fts_query


def test_a_possessives_s_and_a_contractions_t_are_not_asked_for():
    # "what is Priya's surname" asked for "s" too, and in a small vault ranked "Mon chat s’appelle Félix" and
    # every other note with an "'s" above the notes about Priya.
    assert fts_query("what is Priya's surname") == '"priya" OR "surname"'
    assert fts_query("Mon chat s’appelle Félix") == '"mon" OR "chat" OR "appelle" OR "félix"'
    assert fts_query("don't forget") == '"don" OR "forget"'


def test_a_query_of_fragments_alone_still_asks_for_them_and_digits_are_words():
    assert fts_query("x") == '"x"'
    assert fts_query("flat 5") == '"flat" OR "5"'
    assert not is_fragment("5") and not is_fragment("東") and is_fragment("s") and is_fragment("é")


def test_the_segmented_index_leaves_them_out_too():
    assert [t.text for t in fts._searched_terms("Priya's 東京")] == ["priya", "東京"]
