"""Azen's long texts are cut into parts that join back to the text exactly, at paragraph or sentence ends."""

from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.api.compat.azen_parts import split


def test_cuts_at_paragraph_ends_within_the_size():
    paragraphs = [f"Paragraph {i} " + "word " * 30 for i in range(100)]
    text = "\n\n".join(paragraphs)
    parts = split(text, size=1000)
    assert "".join(parts) == text and len(parts) > 1
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.endswith("\n\n") for p in parts[:-1])  # never inside a paragraph
    assert all(p.startswith("Paragraph") for p in parts)


def test_a_text_without_breaks_is_cut_at_the_size():
    parts = split("x" * 2500, size=1000)
    assert [len(p) for p in parts] == [1000, 1000, 500]


def test_a_short_text_is_one_part():
    assert split("short", size=1000) == ["short"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .\n!?"), min_size=0, max_size=3000), st.integers(10, 400))
def test_parts_always_join_back_and_fit(text, size):
    parts = split(text, size=size)
    assert "".join(parts) == text and all(len(p) <= size for p in parts)
    assert all(parts[:-1])  # no empty part before the last
