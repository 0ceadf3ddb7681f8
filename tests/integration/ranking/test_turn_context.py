"""Hybrid's turn inputs on a real vault: a question, and its neighbours' similarity (fake embedder)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, SearchQuery
from memvault.ranking import fusion as relevance

TURNS = [
    ("user", "my knee hurts on long runs"),
    ("assistant", "where exactly does the knee hurt?"),
    ("user", "outside after about twelve kilometres"),
    ("assistant", "that sounds like the iliotibial band"),
]


def _store(services, session_id, turns, **kw):
    ids = []
    for speaker, text in turns:
        memory = services.memories.create(MemoryCreate(content=text, session_id=session_id,
                                                       metadata={"speaker": speaker}, **kw)).memory
        ids.append(memory.id)
    services.worker.drain()
    return ids


def _hits(services, query, mode=SearchMode.HYBRID):
    result = services.search.search(SearchQuery(query, mode=mode, limit=20, debug=True))
    return {h.memory.id: h for h in result.hits}


def test_each_turn_is_scored_as_a_question_or_not_and_by_its_neighbours_similarity(services):
    ids = _store(services, "run-1", TURNS)
    hybrid = _hits(services, "where does the knee hurt")
    similarity = {i: h.breakdown.semantic for i, h in _hits(services, "where does the knee hurt",
                                                             SearchMode.SEMANTIC).items()}
    assert set(ids) <= set(hybrid) and set(ids) <= set(similarity)
    for n, i in enumerate(ids):
        b = hybrid[i].breakdown
        previous = similarity[ids[n - 1]] - similarity[i] if n > 0 else None
        following = similarity[ids[n + 1]] - similarity[i] if n + 1 < len(ids) else None
        assert b.previous_turn_gain == (None if previous is None else pytest.approx(previous, abs=1e-5))
        assert b.next_turn_gain == (None if following is None else pytest.approx(following, abs=1e-5))
        assert b.question is (True if TURNS[n][1].endswith("?") else None)
        expected = relevance.relevance(b.semantic, b.coverage, b.keyword_bm25, b.graph or 0.0,
                                       question=TURNS[n][1].endswith("?"), previous_gain=previous or 0.0,
                                       next_gain=following or 0.0, background=b.background or 0.0)
        assert hybrid[i].score == pytest.approx(expected, abs=1e-6)
    # The answer without the query's words is lifted by the question before it.
    assert hybrid[ids[2]].breakdown.previous_turn_gain > 0


def test_the_speaker_does_not_move_the_score_and_a_question_ranks_below_the_statement(services):
    said, echoed = _store(services, "s1", [("user", "my sister Ada got engaged"),
                                           ("assistant", "my sister Ada got engaged")])
    hits = _hits(services, "who got engaged")
    # The same words said by either speaker, one turn apart: only the neighbour gains differ.
    assert hits[said].breakdown.question is None and hits[echoed].breakdown.question is None
    stated, asked = _store(services, "s2", [("assistant", "your sister Ada got engaged in May"),
                                            ("user", "did my sister Ada get engaged in May?")])
    ranked = list(_hits(services, "when did Ada get engaged"))
    assert ranked.index(stated) < ranked.index(asked)


def test_neighbours_are_the_same_sessions_live_turns_and_never_cross_it(services):
    first = _store(services, "a", TURNS[:2])
    other = _store(services, "b", [("user", "where does the knee hurt")])
    last = _store(services, "a", TURNS[2:3])
    hits = _hits(services, "where does the knee hurt")
    # Session b's turn lies between a's turns in time but is no one's neighbour, and has none itself.
    assert hits[other[0]].breakdown.previous_turn_gain is None and hits[other[0]].breakdown.next_turn_gain is None
    assert hits[first[1]].breakdown.next_turn_gain is not None
    assert hits[last[0]].breakdown.previous_turn_gain == pytest.approx(
        hits[first[1]].breakdown.semantic - hits[last[0]].breakdown.semantic, abs=1e-5)
    no_session = services.memories.create(MemoryCreate(content="where does the knee hurt?",
                                                       metadata={"role": "assistant"})).memory.id
    services.worker.drain()
    b = _hits(services, "where does the knee hurt")[no_session].breakdown
    assert b.previous_turn_gain is None and b.next_turn_gain is None and b.question is True


def test_a_deleted_turn_is_skipped_for_the_next_live_turn_of_its_session(services):
    ids = _store(services, "c", TURNS[:3])
    services.lifecycle.delete(ids[1])
    hits = _hits(services, "where does the knee hurt")
    assert ids[1] not in hits
    assert hits[ids[0]].breakdown.next_turn_gain == pytest.approx(
        hits[ids[2]].breakdown.semantic - hits[ids[0]].breakdown.semantic, abs=1e-5)


def test_a_users_memories_without_a_session_are_one_stream_and_other_users_are_not_in_it(services, clock):
    ids = _store(services, None, TURNS[:2], user_id="maya")
    other_user = _store(services, None, [("user", "where does the knee hurt")], user_id="ben")
    in_session = _store(services, "s", [("user", "where does the knee hurt")], user_id="maya")
    last = _store(services, None, TURNS[2:3], user_id="maya")
    clock.advance(31 * 60)
    late = _store(services, None, TURNS[3:], user_id="maya")
    nobody = _store(services, None, TURNS[:1])
    hits = _hits(services, "where does the knee hurt")
    b = {i: hits[i].breakdown for i in ids + other_user + in_session + last + late + nobody}
    # Ben's turn and the session's turn lie between Maya's turns in time but are not in her stream.
    assert b[last[0]].previous_turn_gain == pytest.approx(b[ids[1]].semantic - b[last[0]].semantic, abs=1e-5)
    assert b[ids[1]].next_turn_gain == pytest.approx(b[last[0]].semantic - b[ids[1]].semantic, abs=1e-5)
    assert b[other_user[0]].previous_turn_gain is None and b[other_user[0]].next_turn_gain is None
    assert b[in_session[0]].previous_turn_gain is None and b[in_session[0]].next_turn_gain is None
    # Half an hour later is another exchange; a memory of nobody is no one's turn.
    assert b[last[0]].next_turn_gain is None and b[late[0]].previous_turn_gain is None
    assert b[nobody[0]].previous_turn_gain is None and b[nobody[0]].next_turn_gain is None


def test_a_users_stream_neighbours_are_found_by_a_seek_in_their_own_index(services):
    from sqlalchemy import text

    from memvault.vault.memory_queries import STREAM_NEIGHBOURS_SQL
    with services.vault.db.read() as conn:
        plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + STREAM_NEIGHBOURS_SQL),
                                                           {"ids": "[1]"}).all())
    # Not a walk along the namespace's time index past every other user's memories in between.
    assert "ix_memories_user_stream (namespace=? AND user_id=? AND id<?)" in plan, plan
    assert "ix_memories_user_stream (namespace=? AND user_id=? AND id>?)" in plan, plan
    assert "ix_memories_ns_created" not in plan and "SCAN m" not in plan, plan


def test_facts_stored_between_a_users_sessionless_turns_are_stepped_over(services):
    # An agent stores a chat's turns, then sends it for extraction: its facts land between this chat's last
    # turn and the next chat's first. They were read from the turns, not said between them.
    ids = _store(services, None, TURNS[:2], user_id="maya")
    fact = services.memories.create(MemoryCreate(content="The user's knee hurts on long runs", user_id="maya",
                                                 metadata={"fact": {"subject": "user"}})).memory
    last = _store(services, None, TURNS[2:3], user_id="maya")
    hits = _hits(services, "where does the knee hurt")
    b = {i: hits[i].breakdown for i in ids + last}
    assert b[ids[1]].next_turn_gain == pytest.approx(b[last[0]].semantic - b[ids[1]].semantic, abs=1e-5)
    assert b[last[0]].previous_turn_gain == pytest.approx(b[ids[1]].semantic - b[last[0]].semantic, abs=1e-5)
    assert hits[fact.id].breakdown.previous_turn_gain is None


def test_an_agents_notes_in_one_session_are_judged_alone_and_its_turns_step_over_them(services):
    # An agent's notes, each stored on its own in the agent's session (StateBase requires one): no speaker.
    notes = [services.memories.create(MemoryCreate(content=text, session_id="agent-session")).memory.id
             for text in ("the user has a golden retriever", "the user's partner is named Jordan",
                          "the user lives in Lisbon")]
    # A chat in another session, with a note of the agent between its turns.
    chat = _store(services, "chat-1", TURNS[:2])
    note = services.memories.create(MemoryCreate(content="the knee note of the agent", session_id="chat-1")).memory.id
    chat += _store(services, "chat-1", TURNS[2:3])
    hybrid = _hits(services, "where does the knee hurt")
    for i in (*notes, note):
        b = hybrid[i].breakdown
        assert (b.previous_turn_gain, b.next_turn_gain) == (None, None)
    # The turn after the note has the question before the note as its previous turn.
    similarity = {i: h.breakdown.semantic for i, h in _hits(services, "where does the knee hurt",
                                                             SearchMode.SEMANTIC).items()}
    assert hybrid[chat[2]].breakdown.previous_turn_gain == pytest.approx(similarity[chat[1]] - similarity[chat[2]],
                                                                         abs=1e-5)
