"""Scores a person can read (hybrid relevance, good match) and the user's name in questions, on the real model."""

from dataclasses import replace

import pytest

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.ranking import good_match as relevance

pytestmark = pytest.mark.slow  # depends on meaning: the real model

UNRELATED = [
    "The production database runs PostgreSQL 16",
    "Never deploy to production on Fridays",
    "The cat's name is Miso and she hates the vacuum cleaner",
    "Lunch with Ravi on Friday at noon",
]


def test_hybrid_scores_say_whether_anything_matched(services):
    for text in UNRELATED:
        services.memories.create(MemoryCreate(content=text))
    services.worker.drain()
    nothing = services.search.search(SearchQuery("what car does the user have", mode=SearchMode.HYBRID))
    assert len(nothing.hits) == 4 and nothing.good_match is False
    assert all(h.score < relevance.GOOD_MATCH for h in nothing.hits)
    car = services.memories.create(MemoryCreate(content="The user drives an electric car")).memory
    services.worker.drain()
    found = services.search.search(SearchQuery("what car does the user have", mode=SearchMode.HYBRID))
    assert found.good_match is True and found.hits[0].memory.id == car.id
    assert found.hits[0].score >= relevance.GOOD_MATCH
    # A clear match stands far above the noise, not 0.50 against 0.48.
    assert found.hits[0].score - found.hits[1].score > 0.3
    # min_score applies to the same relevance.
    strict = services.search.search(SearchQuery("what car does the user have", min_score=relevance.GOOD_MATCH))
    assert [h.memory.id for h in strict.hits] == [car.id]
    assert services.search.search(SearchQuery("car", mode=SearchMode.SEMANTIC)).good_match is None


def test_a_question_naming_the_user_finds_what_the_user_said(services):
    turns = [
        ("assistant", "Good night, Maya. We'll do that training plan next time."),
        ("user", "we picked her up yesterday from Dogs Trust. she's a three year old lurcher called Juniper"),
        ("assistant", "Evening, Maya! Happy new year. What's on the list for 2024?"),
        ("user", "my sister Ada got engaged on new year's eve!!"),
        ("assistant", "Enjoy! Bye, Maya."),
    ]
    for i, (speaker, text) in enumerate(turns):
        services.memories.create(MemoryCreate(content=text, user_id="maya.okafor", session_id=f"s{i}",
                                              metadata={"speaker": speaker}))
    services.worker.drain()
    for mode in (SearchMode.SEMANTIC, SearchMode.HYBRID):
        scoped = services.search.search(SearchQuery("What breed is Maya's dog?", mode=mode, limit=2,
                                                    filter=MemoryFilter(user_id="maya.okafor")))
        assert "lurcher" in scoped.hits[0].memory.content, mode
    # Without knowing who the user is, the name pulls the greetings up (what the scoping fixes).
    unscoped = services.search.search(SearchQuery("What breed is Maya's dog?", mode=SearchMode.SEMANTIC, limit=2))
    assert any("Maya" in h.memory.content for h in unscoped.hits)


def test_a_short_answer_is_found_through_the_question_before_it_and_not_the_assistants_echo(services):
    sessions = {
        "run": [("user", "bad news, my left knee has started hurting on long runs"),
                ("assistant", "Sorry to hear that. Where exactly does the knee hurt, and after how far?"),
                ("user", "outside, after about 12k"),
                ("assistant", "That sounds like the IT band. Ease off the long runs for a week.")],
        "flat": [("user", "found a flat in Chorlton with a little yard for the dog"),
                 ("assistant", "Lovely! When do you move in?"),
                 ("user", "end of May, my lease ends then anyway"),
                 ("assistant", "Good timing. Book the van early, May weekends go fast.")],
        "food": [("user", "made jollof for the first time, it was a bit mushy"),
                 ("assistant", "Too much water or stirring makes it mushy; let it steam with foil on top."),
                 ("user", "ok next time. also my sister wants the recipe")],
    }
    ids = {}
    for session, turns in sessions.items():
        for i, (speaker, text) in enumerate(turns):
            memory = services.memories.create(MemoryCreate(content=text, user_id="maya.okafor", session_id=session,
                                                           metadata={"speaker": speaker})).memory
            ids[(session, i)] = memory.id
    services.worker.drain()
    query = SearchQuery("Where on her knee does Maya feel the pain, and after what distance?", mode=SearchMode.HYBRID,
                        limit=10, debug=True, filter=MemoryFilter(user_id="maya.okafor"))
    hybrid = [h.memory.id for h in services.search.search(query).hits]
    semantic = [h.memory.id for h in services.search.search(replace(query, mode=SearchMode.SEMANTIC)).hits]
    answer, echo = ids[("run", 2)], ids[("run", 1)]
    # The model alone ranks the assistant's question, which shares the query's words, above the answer.
    assert semantic.index(echo) < semantic.index(answer)
    assert hybrid.index(answer) < hybrid.index(echo) and hybrid.index(answer) <= 1


def test_the_readmes_example_is_a_good_match(services):
    services.memories.create(MemoryCreate(content="The user prefers dark mode"))
    services.worker.drain()
    found = services.search.search(SearchQuery("which theme does the user like", mode=SearchMode.HYBRID))
    assert found.hits[0].memory.content == "The user prefers dark mode" and found.good_match is True


KNEE = [("user", "bad news, my left knee has started hurting on long runs"),
        ("assistant", "Sorry to hear that. Where exactly does the knee hurt, and after how far?"),
        ("user", "outside, after about 12k"),
        ("assistant", "That sounds like the IT band. Ease off the long runs for a week.")]
KNEE_QUESTION = "Where on her knee does Maya feel the pain, and after what distance?"


def test_a_chat_stored_without_session_ids_is_read_as_one_stream_of_its_users_turns(services, clock):
    ids = [services.memories.create(MemoryCreate(content=text, user_id="maya", metadata={"speaker": speaker}))
           .memory.id for speaker, text in KNEE]
    clock.advance(31 * 60)  # beyond the sessionless window: not a neighbour of the last turn
    later = services.memories.create(MemoryCreate(content="where exactly is the outside of the knee", user_id="maya"))
    nobody = services.memories.create(MemoryCreate(content="outside of the knee, about 12k in")).memory.id
    services.worker.drain()
    query = SearchQuery(KNEE_QUESTION, mode=SearchMode.HYBRID, limit=10, debug=True)
    hits = {h.memory.id: h for h in services.search.search(query).hits}
    answer, echo = ids[2], ids[1]
    # The short answer gains from the question before it, as it would in a session.
    assert hits[answer].breakdown.previous_turn_gain > 0 and hits[answer].breakdown.next_turn_gain is not None
    order = list(hits)
    assert order.index(answer) < order.index(echo)
    # Stored half an hour after the chat's last turn: that turn has no next neighbour, and it none before.
    assert hits[ids[3]].breakdown.next_turn_gain is None
    assert hits[later.memory.id].breakdown.previous_turn_gain is None
    # A memory of no user and no session is nobody's turn.
    assert hits[nobody].breakdown.previous_turn_gain is None and hits[nobody].breakdown.next_turn_gain is None


def test_sessionless_turn_context_is_computed_at_query_time_so_a_deleted_neighbour_leaves_no_trace(services):
    ids = [services.memories.create(MemoryCreate(content=text, user_id="maya", metadata={"role": speaker}))
           .memory.id for speaker, text in KNEE]
    services.worker.drain()
    query = SearchQuery(KNEE_QUESTION, mode=SearchMode.HYBRID, limit=10, debug=True)
    before = {h.memory.id: h.breakdown for h in services.search.search(query).hits}
    assert before[ids[2]].previous_turn_gain > 0
    services.lifecycle.delete(ids[1])
    after = {h.memory.id: h.breakdown for h in services.search.search(query).hits}
    # Its neighbour is now the first turn, not the deleted question.
    assert after[ids[2]].previous_turn_gain != before[ids[2]].previous_turn_gain
    assert ids[1] not in after


def test_a_users_notes_that_name_no_speaker_are_judged_alone(services):
    # Notes an agent stores one after another are not a chat: a neighbour's text must not move their score.
    ids = [services.memories.create(MemoryCreate(content=text, user_id="maya")).memory.id for _s, text in KNEE]
    services.worker.drain()
    hits = {h.memory.id: h.breakdown for h in services.search.search(
        SearchQuery(KNEE_QUESTION, mode=SearchMode.HYBRID, limit=10, debug=True)).hits}
    assert all(hits[i].previous_turn_gain is None and hits[i].next_turn_gain is None for i in ids)


def test_the_user_in_a_question_is_no_evidence_for_notes_that_say_it(services):
    """An agent's notes say "the user", and so do an unnamed user's facts, whose "the user" is their person's name and
    counts for nothing: "the user" in the question made every note outrank the facts that answered."""
    for text in ("The user prefers dark mode", "Bob is the user's manager at Acme, based in Denver.",
                 "The user's flight to Oslo leaves on 3 December"):
        services.memories.create(MemoryCreate(content=text, namespace="agent"))
    services.conversations.ingest(ConversationSubmission((
        ChatMessage("user", "Big news: we adopted a cat last week, her name is Miso"),
        ChatMessage("assistant", "Congratulations! How is she settling in?"),
        ChatMessage("user", "she hides under the sofa all day")), "agent", source="test"))
    services.worker.drain()
    result = services.search.search(SearchQuery("what pet does the user have", mode=SearchMode.HYBRID, limit=3,
                                                filter=MemoryFilter(namespace="agent")))
    assert "cat" in result.hits[0].snippet and all("cat" in h.snippet for h in result.hits)
    # The notes' own words still count: "Oslo" finds the flight, and the theme question its note.
    for question, words in (("when does the user fly to Oslo", "flight to Oslo"), ("which theme does the user like",
                                                                                   "dark mode")):
        found = services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, filter=MemoryFilter(
            namespace="agent")))
        assert words in found.hits[0].memory.content and found.good_match is True
