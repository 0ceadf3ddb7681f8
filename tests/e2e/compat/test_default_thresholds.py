"""A client's default threshold keeps what Memvault calls a good match: natural "my ..." questions about a
small vault, asked through the official StateBase SDK (its own default threshold, 0.7) and Sendryx's search
(default 0.3), find the note that answers them, and questions about nothing stored mostly find nothing.

Before the profiles searched on the relevance scale, half of these questions came back empty through the
StateBase SDK (the right note's cosine fell below the similarity point that 0.7 mapped onto); and notes stored
in one session were ranked as a conversation's turns, their unrelated neighbours sinking the answer.
"""

from __future__ import annotations

import pytest
from statebase import StateBase

from tests.integration.service.test_good_match_fifty_notes import NOTHING_STORED

pytestmark = pytest.mark.slow  # depends on meaning: the real model

# Written for this test (not from any evaluation set): what an agent stores about its user, in the third
# person as agents write it, asked about in the first person as the user asks.
MEMORIES = {
    "boss": "Alice Chen is the user's manager at the design agency",
    "car": "The user drives an electric car, a 2022 Hyundai Ioniq 5",
    "laptop": "The user's laptop is a ThinkPad X1 Carbon",
    "coffee": "The user takes oat milk in coffee",
    "language": "The user is studying Japanese with an online tutor",
    "email": "Marco still owes the user an email about the invoice",
    "food": "The user avoids shellfish",
    "race": "The user is training for a half marathon in May",
    "theme": "The user prefers dark mode",
    "sister": "The user's sister Lena lives in Lisbon",
    "dentist": "The user has a dentist appointment on 14 March at 9:30",
    "book": "The user is currently reading The Left Hand of Darkness",
}
QUESTIONS = {
    "who is my boss": "boss",
    "what car do I have": "car",
    "what computer do I use": "laptop",
    "how do I take my coffee": "coffee",
    "what language am I studying": "language",
    "who owes me an email": "email",
    "is there any food I avoid": "food",
    "what race am I training for": "race",
    "which theme do I like": "theme",
    "where does my sister live": "sister",
    "when is my dentist appointment": "dentist",
    "what book am I reading": "book",
}


def _store_notes(api, namespace: str) -> dict[str, str]:
    """The notes, stored natively; their contents by key."""
    from memvault.domain.models import MemoryCreate

    api.services.memories.create_batch([MemoryCreate(content=text, namespace=namespace)
                                        for text in MEMORIES.values()])
    api.drain()
    return MEMORIES


def test_statebase_sdk_default_threshold_returns_the_answer_to_natural_questions(api):
    notes = MEMORIES
    _, secret = api.services.keys.create("statebase-notes", "read,write")
    with StateBase(api_key=secret, base_url=f"{api.url}/compat/statebase") as sb:
        # As a StateBase agent stores them: one after another, all in its session (the SDK requires one).
        for text in MEMORIES.values():
            sb.memory.add(text, session_id="agent-session")
        api.drain()
        answered = [q for q, key in QUESTIONS.items()
                    if (hits := sb.memory.search(q)) and hits[0].content == notes[key]]
        assert len(answered) >= 11, sorted(set(QUESTIONS) - set(answered))
        # Every hit the SDK's default keeps is on StateBase's scale at or above its threshold.
        scores = [h.score for q in QUESTIONS for h in sb.memory.search(q)]
        assert scores and min(scores) >= 0.7 and max(scores) <= 1.0
        empty = sum(not sb.memory.search(q) for q in NOTHING_STORED)
        assert empty >= len(NOTHING_STORED) // 2
        # A stricter threshold stays stricter.
        strict = sum(len(sb.memory.search(q, threshold=0.95)) for q in QUESTIONS)
        default = sum(len(sb.memory.search(q)) for q in QUESTIONS)
        assert strict < default


def test_sendryx_default_threshold_returns_the_answer_to_natural_questions(api):
    notes = _store_notes(api, "sendryx-notes")
    _, secret = api.services.keys.create("sendryx-notes", "read")
    with api.client(secret) as c:
        def search(query: str, **params) -> list[dict]:
            answer = c.get("/compat/sendryx/v1/memory/search", params={"query": query, **params})
            assert answer.status_code == 200, answer.text
            return answer.json()["results"]

        answered = [q for q, key in QUESTIONS.items() if (r := search(q)) and r[0]["content"] == notes[key]]
        assert len(answered) >= 11, sorted(set(QUESTIONS) - set(answered))
        assert min(r["similarity"] for q in QUESTIONS for r in search(q)) >= 0.3
        assert sum(not search(q) for q in NOTHING_STORED) >= len(NOTHING_STORED) // 2


def test_memoryrelay_hybrid_scores_sit_on_its_scale_where_a_good_match_is_0_7(api):
    notes = _store_notes(api, "relay-notes")
    _, secret = api.services.keys.create("relay-notes", "read")
    with api.client(secret) as c:
        def search(query: str) -> list[dict]:
            answer = c.post("/compat/memoryrelay/v1/memories/search",
                            json={"query": query, "search_mode": "hybrid", "min_score": 0.7})
            assert answer.status_code == 200, answer.text
            return answer.json()["data"]

        answered = [q for q, key in QUESTIONS.items()
                    if (hits := search(q)) and hits[0]["memory"]["content"] == notes[key]]
        assert len(answered) >= 11, sorted(set(QUESTIONS) - set(answered))
        assert all(0.7 <= hit["score"] <= 1.0 for q in QUESTIONS for hit in search(q))
