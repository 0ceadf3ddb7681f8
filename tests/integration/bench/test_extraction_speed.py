"""The bench's extraction row: both passes measured over the same generated chats (speed is not asserted)."""

from __future__ import annotations

import pytest

from memvault.bench import extraction_speed
from memvault.extraction.facts import FactExtractor, Message
from memvault.extraction.nlp import NlpPipeline


@pytest.fixture(scope="module")
def extractor() -> FactExtractor:
    return FactExtractor(NlpPipeline())


@pytest.mark.seconds  # spaCy over every generated chat: ~1.8 s
def test_the_generated_chats_address_the_user_in_two_of_three(extractor: FactExtractor):
    chats = extraction_speed.conversations(9)
    read = [extractor.read_user_name(chat) for chat, _, _ in chats]
    # Only the user's own name is ever read, never from a chat that does not address them; the small
    # tagger types some names as places ("Congratulations, Kenji!"), which are never taken.
    assert all(r in (None, name) for r, (_, name, _) in zip(read, chats))
    assert all(r is None for n, r in enumerate(read) if n % 3 == 0) and sum(r is not None for r in read) >= 4
    # The same seed gives the same chats: rounds and runs time the same work.
    assert extraction_speed.conversations(9) == chats


@pytest.mark.seconds  # three alternating rounds of both passes: ~3 s
def test_the_extraction_row_times_both_passes_and_is_reported(extractor: FactExtractor):
    figures = extraction_speed.run_extraction_speed(6, rounds=2, extractor=extractor)
    chats = extraction_speed.conversations(6)
    assert figures["conversations"] == 6 and figures["turns"] == sum(len(c) for c, _, _ in chats)
    assert figures["names_read"] == sum(extractor.read_user_name(c) is not None for c, _, _ in chats) > 0
    assert figures["facts"] > 0
    assert all(figures[f"{p}_turns_per_s"] > 0 and figures[f"{p}_cpu_ms_per_turn"] > 0 for p in ("named", "unnamed"))
    line = extraction_speed.describe(figures)
    assert "the caller names the user" in line and "the name read from the chat" in line and "names read" in line


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_a_chat_the_caller_names_gives_the_facts_the_read_name_gives(extractor: FactExtractor):
    chat, name, when = extraction_speed.conversations(2)[1]
    named = extractor.extract([Message(m.role, m.content, name if m.role == "user" else None) for m in chat], when)
    read = extractor.read_user_name(chat)
    assert read == name and [f.text for f in named] == [f.text for f in extractor.extract(
        [Message(m.role, m.content, read if m.role == "user" else None) for m in chat], when)]
