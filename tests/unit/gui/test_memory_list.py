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
