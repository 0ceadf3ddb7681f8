"""The list's secondary line: what a memory is, and its tags told apart."""

from __future__ import annotations

import dataclasses

from memvault.gui.memory_list import secondary_line
from tests.unit.gui.test_detail_facts import _memory


def _plain(text: str) -> str:
    return text.replace("\u2068", "").replace("\u2069", "")


def test_tags_of_several_words_are_told_apart():
    line = _plain(secondary_line(dataclasses.replace(_memory(), tags=("hobbies and interests", "food")), False))
    assert "#hobbies and interests, #food" in line


def test_a_single_tag_reads_as_before():
    line = _plain(secondary_line(dataclasses.replace(_memory(), tags=("team",)), False))
    assert "  ·  #team  ·  " in line


def test_tags_past_the_third_are_counted():
    """An outside walkthrough: a memory with 20 tags showed three, as if they were all."""
    many = _plain(secondary_line(dataclasses.replace(_memory(), tags=tuple(f"t{i}" for i in range(20))), False))
    assert "#t0, #t1, #t2 +17  ·  " in many
    three = _plain(secondary_line(dataclasses.replace(_memory(), tags=("a", "b", "c")), False))
    assert "#a, #b, #c  ·  " in three and "+" not in three
