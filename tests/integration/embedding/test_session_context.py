"""Conversation-aware vectors: a session turn is indexed with the turn before it as context."""

import numpy as np
import pytest

from memvault.domain.models import MemoryCreate
from memvault.vault import jobs, vectors


def _stored(services, memory):
    with services.vault.db.read() as conn:
        return vectors.first_vector(conn, memory.rowid)


def _own(services, text):
    return services.embedder.embed_documents([text])[0].vectors[0]


def test_a_session_turn_is_mixed_with_the_previous_turns_stored_vector(services):
    texts = ["Where exactly does the knee hurt?", "outside, after about 12k", "Sounds like the IT band."]
    made = [services.memories.create(MemoryCreate(content=t, session_id="run-chat")).memory for t in texts]
    other = services.memories.create(MemoryCreate(content="outside, after about 12k")).memory
    services.worker.drain()
    first, second, third = (_stored(services, m) for m in made)
    assert np.allclose(first, _own(services, texts[0]), atol=1e-6)  # nothing before it in the session
    want = _own(services, texts[1]) + jobs.CONTEXT_WEIGHT * first
    assert np.allclose(second, want / np.linalg.norm(want), atol=1e-5)
    want = _own(services, texts[2]) + jobs.CONTEXT_WEIGHT * second
    assert np.allclose(third, want / np.linalg.norm(want), atol=1e-5)
    # The same words outside a session keep their own vector; search still returns the turn itself.
    assert np.allclose(_stored(services, other), _own(services, texts[1]), atol=1e-6)
    assert not np.allclose(second, _stored(services, other), atol=1e-3)


def test_other_sessions_and_deleted_turns_are_not_context(services):
    a = services.memories.create(MemoryCreate(content="first turn of chat A", session_id="A")).memory
    services.memories.create(MemoryCreate(content="a turn of chat B", session_id="B"))
    gone = services.memories.create(MemoryCreate(content="a turn of chat A that is deleted", session_id="A")).memory
    services.worker.drain()
    services.lifecycle.delete(gone.id, gone.namespace)
    b2 = services.memories.create(MemoryCreate(content="second turn of chat A", session_id="A")).memory
    services.worker.drain()
    want = _own(services, "second turn of chat A") + jobs.CONTEXT_WEIGHT * _stored(services, a)
    assert np.allclose(_stored(services, b2), want / np.linalg.norm(want), atol=1e-5)


@pytest.fixture(autouse=True)
def _context_is_on():
    assert jobs.CONTEXT_WEIGHT > 0
