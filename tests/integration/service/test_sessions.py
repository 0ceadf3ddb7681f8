"""StateBase sessions: versioned state with rollback and fork, numbered turns, TTL, one namespace each."""

import pytest

from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.service import maintenance
from memvault.service.agents import AgentService
from memvault.service.sessions import SessionNotFound, SessionService


@pytest.fixture
def sessions(services, clock):
    return SessionService(services.vault.db, clock)


def test_state_versions_rollback_and_fork(sessions):
    s = sessions.create("ns", "bot", initial_state={"step": 1, "cart": ["a"]})
    assert (s.version, s.state) == (1, {"step": 1, "cart": ["a"]})
    v2 = sessions.update_state("ns", s.id, {"step": 2}, reasoning="next")
    assert (v2.version, v2.state) == (2, {"step": 2, "cart": ["a"]})
    back = sessions.rollback("ns", s.id, 1)
    assert (back.version, back.state) == (3, {"step": 1, "cart": ["a"]})
    fork = sessions.fork("ns", s.id, version=2)
    assert fork.id != s.id and fork.state == {"step": 2, "cart": ["a"]} and fork.metadata["forked_from"] == s.id
    with pytest.raises(NotFound, match="has no state version 9$"):
        sessions.rollback("ns", s.id, 9)
    # Counted back, the version is named as asked (-5 of a session at version 1 said "no state version -4").
    with pytest.raises(NotFound, match=r"has no state version -5 \(5 back from version 3\)$"):
        sessions.rollback("ns", s.id, -5)
    with pytest.raises(InvalidInput):
        sessions.update_state("ns", s.id, {"blob": "x" * 200_000})
    assert sessions.state("ns", s.id).version == 3  # the refused change left no version


def test_turns_are_numbered_and_paged(sessions):
    s = sessions.create("ns", "bot")
    made = [sessions.add_turn("ns", s.id, {"type": "text", "content": f"q{i}"}, {"type": "text", "content": "a"})
            for i in range(5)]
    assert [t.turn_number for t in made] == [1, 2, 3, 4, 5]
    assert [t.id for t in sessions.turns("ns", s.id, limit=2)] == [made[0].id, made[1].id]
    assert [t.id for t in sessions.turns("ns", s.id, limit=2, starting_after=made[1].id)] == [made[2].id, made[3].id]
    assert [t.id for t in sessions.turns("ns", s.id, limit=2, newest_first=True)] == [made[4].id, made[3].id]
    assert sessions.get("ns", s.id).turn_count == 5


def test_ttl_namespaces_listing_and_delete(sessions, clock):
    short = sessions.create("ns", "bot", ttl_seconds=60)
    kept = sessions.create("ns", "other")
    sessions.create("elsewhere", "bot")
    with pytest.raises(SessionNotFound):
        sessions.get("elsewhere", short.id)
    found, more = sessions.list("ns", limit=1)
    assert [s.id for s in found] == [kept.id] and more
    assert [s.id for s in sessions.list("ns", agent_id="bot")[0]] == [short.id]
    clock.advance(61)
    with pytest.raises(SessionNotFound):
        sessions.get("ns", short.id)
    assert [s.id for s in sessions.list("ns")[0]] == [kept.id]
    sessions.add_turn("ns", kept.id, {"content": "hi"}, {"content": "hello"})
    sessions.delete("ns", kept.id)
    with pytest.raises(SessionNotFound):
        sessions.turns("ns", kept.id)


def test_agents_are_per_namespace(services):
    agents = AgentService(services.vault.db)
    a = agents.create("ns", "Planner", metadata={"v": 1})
    assert agents.list("ns")[1] == 1 and agents.list("other")[1] == 0
    assert agents.update("ns", a.id, metadata={"w": 2}).metadata == {"v": 1, "w": 2}
    with pytest.raises(NotFound):
        agents.get("other", a.id)
    agents.delete("ns", a.id)
    with pytest.raises(NotFound):
        agents.delete("ns", a.id)


def test_demote_cold_moves_only_what_importance_says_is_cold(services):
    low = services.memories.create(MemoryCreate(content="a passing remark", importance=0.1, tier="warm")).memory
    high = services.memories.create(MemoryCreate(content="the launch date", importance=0.9)).memory
    services.memories.create(MemoryCreate(content="elsewhere", namespace="other", importance=0.1, tier="hot"))
    assert maintenance.demote_cold(services.memories, "default") == 1
    assert services.memories.get(low.id).tier.value == "cold" and services.memories.get(high.id).tier.value == "hot"
    assert services.memories.history(low.id)[-1].version == 2  # through the write path, versioned
    services.memories.update(low.id, MemoryUpdate(tier="hot"))
    assert maintenance.demote_cold(services.memories, "default") == 1
    assert maintenance.demote_cold(services.memories, "default") == 0


def test_free_text_fields_are_bounded(services, sessions):
    s = sessions.create("ns", "bot")
    with pytest.raises(InvalidInput):
        sessions.add_turn("ns", s.id, {"content": "q"}, {"content": "a"}, reasoning="r" * 10_001)
    with pytest.raises(InvalidInput):
        sessions.update_state("ns", s.id, {"k": 1}, reasoning="\ud800")
    with pytest.raises(InvalidInput):
        AgentService(services.vault.db).create("ns", "Planner", description="d" * 2001)
    assert sessions.get("ns", s.id).turn_count == 0 and sessions.state("ns", s.id).version == 1


def test_a_fork_of_a_session_that_expires_ends_when_it_does(sessions, clock):
    short = sessions.create("ns", "bot", ttl_seconds=600)
    clock.advance(100)
    fork = sessions.fork("ns", short.id)
    assert abs(fork.ttl_expires_at - short.ttl_expires_at) <= 1  # whole seconds left
    clock.advance(501)
    with pytest.raises(SessionNotFound):
        sessions.get("ns", fork.id)
    assert sessions.fork("ns", sessions.create("ns", "bot").id).ttl_expires_at is None
