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


def test_a_long_rows_cut_finds_the_keyword_searchs_words_at_word_starts_and_their_densest_window():
    from memvault.vault.search import cut_snippet

    row = "Section 1 discusses fuel. " * 100 + "The generators' fuel is kept in the shed. " + "Nothing else. " * 100
    cut = cut_snippet(row, ["is", "generator", "fuel"])
    assert "d**is**cusses" not in cut  # a word's inside is not a match ("is" in "discusses")
    assert "The **generators**' **fuel** **is** kept" in cut  # the window with the most of the words
    assert cut_snippet("no match here " * 300, ["zebra"]).startswith("no match here")  # the opening, cut


def test_a_snippet_marks_every_word_searched_for_and_no_function_word():
    """"Wann kommt der Klempner?" marked "**Der** Klempner kommt …": the first term found, a word the search
    itself leaves out."""
    pattern = fts.term_pattern("Wann kommt der Klempner?")
    assert fts.snippet_in("Der Klempner kommt am Dienstag um neun.", pattern) == (
        "Der **Klempner** **kommt** am Dienstag um neun.")
    assert fts.snippet_in("Der Termin ist am Dienstag.", fts.term_pattern("der")) == "**Der** Termin ist am Dienstag."


def test_a_snippet_reaches_for_the_other_terms_within_reach():
    """It showed the first term's 60 characters and stopped short of the next term asked about."""
    row = ("Daniels Mutter wohnt in Graz und arbeitet als Lehrerin, sie hat am 2. Juli Geburtstag und feiert gern "
           "mit der ganzen Familie im Garten, meistens mit Kuchen und Musik bis spät in die Nacht.")
    cut = fts.snippet_in(row, fts.term_pattern("Wann hat Daniels Mutter Geburtstag?"))
    assert cut.startswith("**Daniels** **Mutter** wohnt") and "am 2. Juli **Geburtstag** und" in cut
    far = "Daniels Mutter " + "lebt ruhig. " * 30 + "Geburtstag im Juli."
    assert "Geburtstag" not in fts.snippet_in(far, fts.term_pattern("Daniels Mutter Geburtstag"))  # out of reach
