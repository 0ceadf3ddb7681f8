"""The FTS5 query builder."""

from app.vault.search import fts_query


def test_fts_query_quotes_words_and_drops_stopwords():
    assert fts_query("What does the user prefer about dark mode?") == '"user" OR "prefer" OR "dark" OR "mode"'
    assert fts_query('say "hi" AND x*') == '"say" OR "hi" OR "x"'
    assert fts_query("the of and") == '"the" OR "of" OR "and"'
    assert fts_query("?!") is None
