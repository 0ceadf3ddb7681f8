"""A memory about someone's relative is no keyword evidence for a question about an attribute it names no one
for (ranking/relatives.py)."""

from __future__ import annotations

import pytest

from memvault.ranking.keyword import content_stems, matched_stems
from memvault.ranking.query import plan
from memvault.ranking.relatives import asked_of_relative


def _asked(query: str, text: str) -> bool:
    # As a search scoped to Maya, the user, reads it: her name left out of the question.
    return asked_of_relative(matched_stems(content_stems(plan(query, ["Maya"]).evidence), text), text)


@pytest.mark.parametrize("query,text", [
    ("where does the user live", "The user's sister Anna lives in Lisbon"),
    ("Where do I live?", "My older brother lives in Leeds"),
    ("where does Maya work", "Maya's husband works at Siemens"),  # Maya, the user, named in the question
    ("how old am I", "Our son is five years old"),
    ("what does the user drive", "My wife drives a Tesla"),
])
def test_a_relatives_attribute_does_not_answer_the_same_question_about_someone_else(query, text):
    assert _asked(query, text)


@pytest.mark.parametrize("query,text", [
    ("where does my sister live", "My sister lives in Lisbon"),  # the question names the relative
    ("where does Anna live", "The user's sister Anna lives in Lisbon"),
    ("who lives in Lisbon", "My sister lives in Lisbon"),  # not an attribute question alone: "Lisbon"
    ("where do I live", "My sister lives in Lisbon and I live in Porto"),  # about the speaker too
    ("where does the user live", "The user lives in Porto"),  # about the user
    ("where does the user live", "Today's plan: live music in the park"),  # no relative
    ("when is Anna visiting", "My sister Anna is visiting on Tuesday"),  # no attribute asked
])
def test_a_memory_about_the_question_or_the_speaker_keeps_its_words(query, text):
    assert not _asked(query, text)
