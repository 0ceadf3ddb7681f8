"""A store of one person's facts, searched without a user scope (the desktop app's search, an agent reading the
whole namespace): every fact names her, and a question naming her shares the name with all of them. Each fact's
similarity is read without her name; its background must be too, or the right fact fell below the name-lifted
background and the app said "no good match" with the answer first (a walkthrough: "did Nora get a car" against
"Nora got a car in the end"; real model)."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryFilter, SearchQuery

pytestmark = pytest.mark.slow  # depends on meaning: the real model

WHEN = dt.datetime(2025, 4, 6, 11, 25, tzinfo=dt.UTC).timestamp()
# Written for this test (not from any evaluation set): a chat between two friends, facts kept for Nora.
CHAT = (
    ("Tobias", "did you get a car in the end?"),
    ("Nora", "yes, picked it up on Tuesday. a green Skoda Fabia"),
    ("Tobias", "nice! and the new job?"),
    ("Nora", "I started at Corvane on Monday, the office is twenty minutes from home"),
    ("Tobias", "and your sister?"),
    ("Nora", "she moved to Leeds in March. I'm visiting her in May"),
)
ANSWERED = {
    "did Nora get a car": "car in the end",
    "where does Nora work now": "Corvane",
    "where did Nora's sister move": "Leeds",
    "when is Nora visiting her sister": "visiting",
}
NOTHING_STORED = ("what is Nora's favourite film", "who is Nora's dentist", "what is Nora's phone number",
                  "which team does Nora support", "what did Nora study", "how tall is Nora")


def test_a_question_naming_the_person_every_fact_names_finds_a_good_match(services):
    job = services.conversations.ingest(ConversationSubmission(
        tuple(ChatMessage("user" if who == "Nora" else "assistant", said, name=who) for who, said in CHAT),
        "friends", conversation_id="c1", occurred_at=WHEN, user_id="nora", user_name="Nora"))
    facts = [f["content"] for f in job.result["facts"]]
    assert len(facts) >= 4 and all("Nora" in f for f in facts), facts  # every fact names her
    services.worker.drain()

    def search(question):
        return services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, limit=5,
                                                  filter=MemoryFilter(namespace="friends")))

    for question, answer in ANSWERED.items():
        result = search(question)
        assert answer in result.hits[0].memory.content, (question, [h.memory.content for h in result.hits])
        assert result.good_match, (question, [(h.score, h.memory.content) for h in result.hits])
    # The name no longer lifts anything: a question about nothing stored still finds no good match.
    assert [q for q in NOTHING_STORED if search(q).good_match] == []
