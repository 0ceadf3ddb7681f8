"""Facts among turns in search (ranking/facts.py) and the namespace's people list."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()
TURNS = ("I adopted a greyhound called Pilot last week.", "That's lovely!",
         "I work at a bakery in Ghent now.", "Sounds like a fun place to work.")


def _store_chat(services, namespace="chat", *, user_id="noor", turn_user="noor", user_name=None, session="s1"):
    """The turns stored as memories, then the same chat sent for extraction; the turn memories by text."""
    stored = services.memories.create_batch([MemoryCreate(content=t, namespace=namespace, user_id=turn_user,
                                                          session_id=session) for t in TURNS])
    job = services.conversations.ingest(ConversationSubmission(
        tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(TURNS)), namespace,
        conversation_id="c1", occurred_at=WHEN, user_id=user_id, user_name=user_name))
    services.worker.drain()
    assert job.result["memories_extracted"] == 2, job.result
    return {t: services.memories.get(i.memory_id) for t, i in zip(TURNS, stored.items, strict=True)}, job.result["facts"]


def _search(services, text, mode, **filters):
    return services.search.search(SearchQuery(text, mode=mode, limit=10,
                                              filter=MemoryFilter(namespace="chat", **filters))).hits


def test_a_fact_records_the_stored_turn_it_was_read_from(services):
    turns, facts = _store_chat(services)
    pilot = next(f for f in facts if "Pilot" in f["content"])
    fact = services.memories.get(pilot["id"]).metadata["fact"]
    assert fact["provenance"]["memory_id"] == turns[TURNS[0]].id
    lone = services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I play the cello every Sunday."),), "chat", occurred_at=WHEN))
    assert "memory_id" not in services.memories.get(lone.result["facts"][0]["id"]).metadata["fact"]["provenance"]


@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID, SearchMode.SEMANTIC])
def test_a_fact_and_its_turn_share_one_slot_shown_as_the_turn_with_the_fact(services, mode):
    turns, facts = _store_chat(services)
    pilot = next(f for f in facts if "Pilot" in f["content"])
    hits = _search(services, "greyhound Pilot", mode)
    shown = [h.memory.id for h in hits]
    assert pilot["id"] not in shown and shown.count(turns[TURNS[0]].id) == 1
    turn_hit = next(h for h in hits if h.memory.id == turns[TURNS[0]].id)
    assert turn_hit.facts == (pilot["id"],) and turn_hit.snippet == pilot["content"]
    # Semantic and hybrid rank everything in this small namespace: four turns, both facts folded into theirs.
    assert len(hits) == (1 if mode is SearchMode.KEYWORD else 4)


def test_a_fact_whose_turn_is_out_of_scope_is_a_hit_of_its_own(services):
    _turns, facts = _store_chat(services, turn_user="someone-else")
    hits = _search(services, "greyhound Pilot", SearchMode.KEYWORD, user_id="noor")
    assert [h.memory.id for h in hits][:1] == [next(f["id"] for f in facts if "Pilot" in f["content"])]
    assert all(h.facts == () for h in hits)


def test_a_fact_whose_turn_was_deleted_is_a_hit_of_its_own(services):
    turns, facts = _store_chat(services)
    services.lifecycle.delete(turns[TURNS[0]].id)
    hits = _search(services, "greyhound Pilot", SearchMode.KEYWORD)
    assert hits[0].memory.id == next(f["id"] for f in facts if "Pilot" in f["content"]) and hits[0].facts == ()


def test_the_page_stays_full_when_facts_fold_into_turns(services):
    for i in range(3):
        _store_chat(services, session=f"s{i}") if i == 0 else services.memories.create_batch(
            [MemoryCreate(content=f"{t} ({i})", namespace="chat", user_id="noor") for t in TURNS])
    hits = services.search.search(SearchQuery("greyhound bakery Pilot Ghent", mode=SearchMode.KEYWORD, limit=5,
                                              filter=MemoryFilter(namespace="chat"))).hits
    assert len(hits) == 5 and len({h.memory.id for h in hits}) == 5


def test_named_facts_fold_into_their_turns_and_the_name_lifts_neither(services):
    turns, facts = _store_chat(services, user_name="Noor Haddad")
    assert all(f["content"].startswith("Noor Haddad ") for f in facts)
    # "Noor" matches both facts, "bakery" only the one about work (the rule itself: tests/unit/ranking/test_facts.py).
    hits = _search(services, "Noor bakery", SearchMode.HYBRID)
    assert hits[0].memory.id == turns[TURNS[2]].id and "bakery" in hits[0].snippet
    pilot_turn = next(h for h in hits if h.memory.id == turns[TURNS[0]].id)
    assert pilot_turn.score < hits[0].score
    keyword = _search(services, "Noor bakery", SearchMode.KEYWORD)
    assert [h.memory.id for h in keyword][:1] == [turns[TURNS[2]].id]


def test_the_people_list_counts_each_persons_live_facts(services, clock):
    chat = (ChatMessage("user", "I live in Lisbon and I work at Siemens.", name="Anna"),
            ChatMessage("assistant", "I moved to Porto last year.", name="Ben"))
    services.conversations.ingest(ConversationSubmission(chat, "team", occurred_at=WHEN, user_id="anna-1"))
    clock.advance(60)
    later = services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I adopted a kitten."),), "team", occurred_at=WHEN))
    services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I play chess.", name="Anna"),), "elsewhere", occurred_at=WHEN, user_id="anna-1"))
    people = services.conversations.people("team")
    assert [(p.person_id, p.name, p.facts) for p in people] == [("anna-1", "Anna", 2), ("", None, 1),
                                                                 ("Ben", "Ben", 1)]
    unnamed = next(p for p in people if p.person_id == "")
    assert unnamed.last_seen == services.memories.get(later.result["facts"][0]["id"]).created_at
    services.lifecycle.delete(later.result["facts"][0]["id"])
    assert [p.person_id for p in services.conversations.people("team")] == ["anna-1", "Ben"]
    assert {(p.namespace, p.person_id) for p in services.conversations.people()} == {
        ("team", "anna-1"), ("team", "Ben"), ("elsewhere", "anna-1")}
    assert services.conversations.people("empty") == []


@pytest.mark.slow
def test_in_a_shared_namespace_a_question_naming_someone_finds_their_fact_not_anothers(services):
    # Two people's chats in one namespace (a household's agent); the question names whom it asks about.
    for user, name, text in (("noor", "Noor", "My new job at the port authority starts in March, it's a short walk."),
                             ("ines", "Ines", "I've been hired as head gardener at the botanic garden in Kew.")):
        services.conversations.ingest(ConversationSubmission(
            (ChatMessage("user", text), ChatMessage("assistant", "Congratulations!")), "home", occurred_at=WHEN,
            user_id=user, user_name=name))
    services.worker.drain()
    for mode in (SearchMode.HYBRID, SearchMode.SEMANTIC, SearchMode.KEYWORD):
        hits = services.search.search(SearchQuery("What is Ines's new job?", mode=mode, limit=5,
                                                  filter=MemoryFilter(namespace="home"))).hits
        assert hits and hits[0].memory.content.startswith("Ines "), (mode, [h.memory.content for h in hits])


def test_turns_alone_are_not_people(services):
    services.memories.create(MemoryCreate(content="I live in Lisbon.", namespace="team", user_id="anna"))
    assert services.conversations.people("team") == []


def test_a_fact_found_alone_brings_its_turn_when_the_turn_passes_the_filter(services):
    turns, facts = _store_chat(services)
    pilot = next(f for f in facts if "Pilot" in f["content"])
    assert "May 2026" in pilot["content"] and "May" not in TURNS[0]
    # Only the fact holds the resolved date: the keyword list finds it, not its turn.
    hits = _search(services, "May 2026", SearchMode.KEYWORD, user_id="noor")
    assert [(h.memory.id, h.facts) for h in hits] == [(turns[TURNS[0]].id, (pilot["id"],))]
    assert _search(services, "May 2026", SearchMode.KEYWORD, session_id="elsewhere") == ()


def test_a_named_fact_scored_down_below_min_score_is_left_out(services):
    _store_chat(services, user_name="Noor Haddad", turn_user="someone-else")
    # Only "Noor" matches, and only the facts (their turns are out of scope): outside the name, nothing.
    hits = services.search.search(SearchQuery("Noor", mode=SearchMode.KEYWORD, limit=10, min_score=0.01,
                                              filter=MemoryFilter(namespace="chat", user_id="noor"))).hits
    assert hits == ()


def test_a_search_for_one_user_reads_their_name_from_their_facts(services):
    from memvault.domain.models import MemoryFilter as F
    from memvault.ranking.facts import served_names

    _store_chat(services, user_name="Noor Haddad")
    services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I collect stamps."),), "chat", occurred_at=WHEN, user_id="kim"))
    db = services.vault.db
    assert served_names(db, F(namespace="chat", user_id="noor")) == ("Noor Haddad",)
    assert served_names(db, F(namespace="chat", user_id="kim")) == ()  # no name was given
    assert served_names(db, F(namespace="chat")) == ()
    assert served_names(db, F(namespace="elsewhere", user_id="noor")) == ()
    # The name is then the user, not a word to match: keyword search leaves it out of the query.
    hits = _search(services, "Noor Ghent", SearchMode.KEYWORD, user_id="noor")
    assert [h.memory.content for h in hits] == [TURNS[2]]
    assert _search(services, "Noor", SearchMode.KEYWORD, user_id="noor")  # the name alone is still searched


def test_semantic_search_reads_deeper_only_where_facts_can_fold_into_their_turns(services):
    for i in range(40):
        services.memories.create(MemoryCreate(namespace="notes", content=f"note number {i} about the garden"))
    services.worker.drain()
    plain = services.search.search(SearchQuery("garden", mode=SearchMode.SEMANTIC, limit=5,
                                               filter=MemoryFilter(namespace="notes")))
    # No fact in the namespace: a page of 5 ranks 5 candidates (the read a semantic search pays for).
    assert len(plain.hits) == 5 and plain.total_evaluated == 5
    _store_chat(services, namespace="notes")
    deeper = services.search.search(SearchQuery("garden", mode=SearchMode.SEMANTIC, limit=5,
                                                filter=MemoryFilter(namespace="notes")))
    assert len(deeper.hits) == 5 and deeper.total_evaluated > 5


def test_whether_a_namespace_holds_facts_is_read_once_until_something_changes(services, monkeypatch):
    """Searches in a row do not read it again (a transaction of its own each time); facts arriving are seen."""
    from memvault.ranking import facts as fact_ranking
    from memvault.service import search as search_module

    read: list[bool] = []
    real = fact_ranking.holds_facts
    monkeypatch.setattr(search_module.fact_ranking, "holds_facts", lambda db, f: read.append(real(db, f)) or read[-1])
    services.memories.create_batch([MemoryCreate(content=t, namespace="chat") for t in TURNS])
    services.worker.drain()
    for _ in range(3):
        _search(services, "greyhound Pilot", SearchMode.SEMANTIC)
    assert read == [False], "read once, and no facts"
    job = services.conversations.ingest(ConversationSubmission(
        tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(TURNS)), "chat",
        conversation_id="c1", occurred_at=WHEN))
    services.worker.drain()
    assert job.result["memories_extracted"] == 2
    hits = _search(services, "greyhound Pilot", SearchMode.SEMANTIC)
    assert read[1:] == [True], "the facts' arrival is seen by the next search"
    assert any(h.facts for h in hits)


@pytest.mark.parametrize("mode", [SearchMode.SEMANTIC, SearchMode.HYBRID])
def test_a_namespace_without_facts_is_searched_without_looking_for_any(services, monkeypatch, mode):
    """No fact stored: no lookup of facts among the candidates nor of their turns (two reads a search)."""
    from memvault.vault import fact_links

    looked: list[str] = []
    for name in ("facts_among", "sources_in_scope"):
        real = getattr(fact_links, name)
        monkeypatch.setattr(fact_links, name, lambda *a, _real=real, _name=name, **k: looked.append(_name) or _real(*a, **k))
    services.memories.create_batch([MemoryCreate(content=t, namespace="chat") for t in TURNS])
    services.worker.drain()
    assert _search(services, "greyhound Pilot", mode)
    assert looked == []
    _store_chat(services, namespace="chat", session="s2")
    services.worker.drain()
    hits = _search(services, "greyhound Pilot", mode)
    assert sorted(set(looked)) == ["facts_among", "sources_in_scope"]
    assert any(h.facts for h in hits)



SISTER = ("My sister Anna is visiting next week.", "How nice! How long is she staying?",
          "Ten days. She's a nurse in Leeds, so she rarely gets time off, did I tell you?",
          "You did not. That sounds like a demanding job.", "Anna loves hiking, we will go up Ben Nevis.",
          "Pack warm layers.", "Anna and I used to share a room.", "Siblings!")


def test_a_slots_score_does_not_depend_on_how_many_hits_are_asked_for(services):
    """A fact whose turn ranks below the page's cut is scored with that turn, as when the turn makes the cut.
    The fact's own score once stood in for its slot there, so the nurse turn (a question on its own: "... did
    I tell you?") came first on a page of one or two and fourth of four on a page of ten."""
    stored = services.memories.create_batch([MemoryCreate(content=t, namespace="chat", user_id="noor",
                                                          session_id="s1") for t in SISTER])
    services.conversations.ingest(ConversationSubmission(
        tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(SISTER)), "chat",
        conversation_id="c1", occurred_at=WHEN, user_id="noor"))
    services.worker.drain()
    nurse = stored.items[2].memory_id
    for query in ("What does Anna do for work?", "Where does Anna work?"):
        full = [(h.memory.id, h.score, h.facts) for h in _search(services, query, SearchMode.HYBRID)]
        assert full[0][0] == nurse and full[0][2], full
        for limit in (1, 2, 3, 5):
            page = services.search.search(SearchQuery(query, mode=SearchMode.HYBRID, limit=limit,
                                                      filter=MemoryFilter(namespace="chat"))).hits
            assert [(h.memory.id, h.score, h.facts) for h in page] == full[:limit], (query, limit)


@pytest.mark.parametrize("query", ["Where does the user work?", "greyhound Pilot"])
def test_a_debug_search_shows_the_inputs_a_joined_slots_score_came_from(services, query):
    """A turn with its facts folded in scores on the best evidence of both; its breakdown says so, instead of
    showing the inputs of whichever member ranked first (a fact, with no turn context)."""
    from memvault.ranking import fusion

    # Turns that say who spoke: each is judged with its neighbours, which a fact is not.
    services.memories.create_batch([MemoryCreate(content=t, namespace="chat", user_id="noor", session_id="s1",
                                                 metadata={"role": "user" if i % 2 == 0 else "assistant"})
                                    for i, t in enumerate(TURNS)])
    services.conversations.ingest(ConversationSubmission(
        tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(TURNS)), "chat",
        conversation_id="c1", occurred_at=WHEN, user_id="noor"))
    services.worker.drain()
    hits = services.search.search(SearchQuery(query, mode=SearchMode.HYBRID, limit=10, debug=True,
                                              filter=MemoryFilter(namespace="chat"))).hits
    joined = [h for h in hits if h.facts]
    assert joined
    for h in joined:
        b = h.breakdown
        assert h.score == pytest.approx(b.relevance, abs=1e-6)
        assert b.relevance == pytest.approx(fusion.relevance(
            b.semantic, b.coverage, b.keyword_bm25, b.graph or 0.0, previous_gain=b.previous_turn_gain or 0.0,
            next_gain=b.next_turn_gain or 0.0, background=b.background or 0.0, peers=b.peers))
        assert b.previous_turn_gain is not None or b.next_turn_gain is not None  # a turn's context, shown


@pytest.mark.parametrize("mode", [SearchMode.HYBRID, SearchMode.SEMANTIC])
def test_the_fact_that_replaced_others_ranks_above_them(services, clock, mode):
    """"I live in Berlin" (an older chat, stored already superseded), then Lisbon, then Porto: "where does Maya live"
    ranked the Berlin fact first, Porto last. Porto answers what the facts it replaced answered."""
    def said(text, when):
        job = services.conversations.ingest(ConversationSubmission(
            (ChatMessage("user", text),), "chat", occurred_at=dt.datetime.fromisoformat(when).timestamp(),
            user_id="maya", user_name="Maya"))
        return job.result

    said("I moved to Lisbon last week.", "2026-03-10T12:00:00+00:00")
    porto = said("I moved to Porto yesterday.", "2026-05-02T12:00:00+00:00")
    said("I live in Berlin now.", "2025-01-01T12:00:00+00:00")
    services.worker.drain()
    porto_id = porto["facts"][0]["id"]
    hits = _search(services, "where does Maya live", mode)
    replaced = [h.memory.id for h in hits if h.memory.metadata.get("superseded_by") == porto_id]
    shown = [h.memory.id for h in hits]
    assert len(replaced) == 2 and shown.index(porto_id) < min(shown.index(i) for i in replaced), \
        [(h.score, h.memory.content) for h in hits]
    assert hits[0].score >= max(h.score for h in hits if h.memory.id in replaced)


@pytest.mark.slow  # which fact answers: the real model
@pytest.mark.parametrize("user_name", [None, "Maya"])
def test_a_relatives_residence_does_not_answer_where_the_user_lives(services, user_name):
    """The walkthrough's MemSync store (facts only): "where does the user live" put "The user's sister Anna lives
    in Lisbon" above "The user moved to Zurich in March", on the sister's "lives". A question naming the sister
    still finds hers first."""
    job = services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I moved to Zurich in March for the new job."),
         ChatMessage("user", "My sister Anna lives in Lisbon and she is visiting me on Tuesday.")), "chat",
        occurred_at=WHEN, user_id="maya", user_name=user_name))
    services.worker.drain()
    by_text = {f["content"]: f["id"] for f in job.result["facts"]}
    moved = next(i for t, i in by_text.items() if "Zurich" in t)
    sister = next(i for t, i in by_text.items() if "Lisbon" in t)
    me = user_name or "the user"
    for query, first in ((f"where does {me} live", moved), ("where do I live", moved),
                         ("where does Anna live", sister), (f"where does {me}'s sister live", sister)):
        hits = _search(services, query, SearchMode.HYBRID, user_id="maya")
        assert hits[0].memory.id == first, (query, [(h.score, h.memory.content) for h in hits])


@pytest.mark.slow  # which note answers: the real model
def test_a_note_about_a_relative_does_not_answer_where_the_user_lives(services):
    """The same for notes an agent keeps (no fact metadata to say whose they are): the walkthrough's "where does
    the user live" ranked "The user's sister Anna lives in Lisbon" above "The user moved to Porto in March"."""
    notes = ["The user's sister Anna lives in Lisbon", "The user moved to Porto in March",
             "The user prefers dark mode", "Dentist appointment on 14 March at 9:30"]
    ids = [services.memories.create(MemoryCreate(content=n, namespace="chat")).memory.id for n in notes]
    services.worker.drain()
    assert _search(services, "where does the user live", SearchMode.HYBRID)[0].memory.id == ids[1]
    assert _search(services, "where does the user's sister live", SearchMode.HYBRID)[0].memory.id == ids[0]
