"""A query's symbols that the vocabulary lacks are read by their Unicode names."""

from __future__ import annotations

import pytest

from memvault.embedding.symbols import named_unknown


def _all(text: str) -> list[tuple[int, int]]:
    return [(0, len(text))]


@pytest.mark.parametrize(("text", "named"), [
    ("☕", "hot beverage"),
    ("🐶", "dog face"),
    ("👍🏽", "thumbs up sign"),  # the skin tone shapes the symbol and means nothing alone
    ("❤️", "heavy black heart"),  # so does the variation selector
    ("👩\u200d💻", "woman personal computer"),  # a sequence joined by ZWJ reads as its parts
    ("🇯🇵", "jp flag"),
])
def test_a_symbol_reads_as_its_name(text, named):
    assert named_unknown(text, _all(text)) == named


def test_only_the_unknown_spans_change_and_the_words_around_them_stay():
    text = "coffee ☕ or tea 🍵?"
    spans = [(7, 8), (16, 17)]
    assert named_unknown(text, spans) == "coffee hot beverage or tea teacup without handle ?"
    assert named_unknown(text, []) == text


def test_an_unknown_letter_that_is_no_symbol_is_kept():
    """A letter the vocabulary lacks (a rare script) is not a symbol: its name would be noise ("cjk unified …")."""
    assert named_unknown("𠜎", _all("𠜎")) == "𠜎"
