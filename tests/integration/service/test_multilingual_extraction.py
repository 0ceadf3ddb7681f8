"""A memory the on-device pipeline cannot read is stored and found all the same, and results say why it has no
entities or facts (issue 42)."""

from __future__ import annotations

import datetime as dt

from memvault.domain.conversations import ChatMessage, ConversationSubmission, JobStatus
from memvault.domain.models import MemoryCreate, SearchMode, SearchQuery

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()
GERMAN = "Unser Hund schläft gern neben dem Kühlschrank in der Küche"


def test_a_memory_in_another_language_is_stored_searchable_and_says_extraction_was_skipped(services):
    result = services.memories.create(MemoryCreate(content=GERMAN))
    english = services.memories.create(MemoryCreate(content="My dog sleeps next to the fridge in the kitchen"))
    assert result.created and "'de'" in result.extraction_skipped
    assert english.extraction_skipped is None
    services.entities.drain()
    assert services.memories.get(result.memory.id).entities == ()
    hits = services.search.search(SearchQuery(query="Kühlschrank", mode=SearchMode.KEYWORD)).hits
    assert [h.memory.id for h in hits] == [result.memory.id]


def test_a_conversation_result_names_the_turns_it_did_not_read(services):
    messages = (ChatMessage("user", "Me mudé a Zúrich en marzo y trabajo en Siemens como ingeniera."),
                ChatMessage("assistant", "¡Qué bien!"), ChatMessage("user", "I moved to Zurich in March."))
    job = services.conversations.ingest(ConversationSubmission(messages, "default", conversation_id="c-es",
                                                               occurred_at=WHEN))
    assert job.status is JobStatus.DONE
    assert [f["message_index"] for f in job.result["facts"]] == [2]
    assert [t["message_index"] for t in job.result["not_read"]] == [0]
    assert "'es'" in job.result["not_read"][0]["reason"]
    # Nothing of that message is kept, and the result does not claim otherwise.
    assert job.result["not_read"][0]["stored"] is False
    assert "the message itself is not stored" in job.result["not_read"][0]["reason"]
    assert "is stored and searchable" not in job.result["not_read"][0]["reason"]


def test_a_conversation_turn_not_read_but_sent_as_a_memory_too_is_said_to_be_kept(services):
    spanish = "Me mudé a Zúrich en marzo y trabajo en Siemens como ingeniera."
    services.memories.create(MemoryCreate(content=spanish))
    job = services.conversations.ingest(ConversationSubmission((ChatMessage("user", spanish),), "default",
                                                               conversation_id="c-es-kept", occurred_at=WHEN))
    (unread,) = job.result["not_read"]
    assert unread["stored"] is True and "stored as a memory of its own" in unread["reason"]


def test_short_first_person_turns_in_other_languages_are_not_read_as_english(services):
    """Short sentences share "me", "a" and "in" with English: they used to be read as English, giving
    "El lunes pasado the user mudé a Sevilla", or nothing and no word of it."""
    said = ["El lunes pasado me mudé a Sevilla.", "Ich wohne in Berlin.", "J'habite à Lyon depuis 2019.",
            "Meine Tochter heißt Lena.", "I moved to Zurich in March."]
    job = services.conversations.ingest(ConversationSubmission(
        tuple(ChatMessage("user", text) for text in said), "default", conversation_id="c-short", occurred_at=WHEN))
    assert [t["message_index"] for t in job.result["not_read"]] == [0, 1, 2, 3]
    assert [f["message_index"] for f in job.result["facts"]] == [4]
    # Stored as a memory, such a sentence gets no entities from the English tagger ("meine tochter", "heißt").
    stored = services.memories.create(MemoryCreate(content="Meine Tochter heißt Lena."))
    assert "'de'" in stored.extraction_skipped
    services.entities.drain()
    assert services.memories.get(stored.memory.id).entities == ()
