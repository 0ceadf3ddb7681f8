"""Snippets cut in Python (segmented languages, and rows too long for FTS5's snippet()) from the row as written."""

from memvault.vault import fts


def test_a_term_found_only_folded_is_marked_in_the_rows_own_text():
    pattern = fts.term_pattern("abc")
    assert fts.snippet_in("full-width ＡＢＣ here", pattern) == "full-width **ＡＢＣ** here"


def test_a_long_row_is_looked_through_folded_only_in_its_opening():
    """Folding walks the row a character at a time: past FOLDED_FIND_MAX_CHARS a long row shows its opening."""
    pattern = fts.term_pattern("abc")
    filler = "これは長い文書です，" * (fts.FOLDED_FIND_MAX_CHARS // 5)
    early = fts.snippet_in("ＡＢＣ " + filler, pattern)
    late = fts.snippet_in(filler + "ＡＢＣ", pattern)
    assert early.startswith("**ＡＢＣ**")
    assert "**" not in late and late.startswith("これは長い文書です") and late.endswith("…")
    # As written, a term is found anywhere, however long the row.
    assert fts.snippet_in(filler + "abc", pattern).endswith("**abc**")
