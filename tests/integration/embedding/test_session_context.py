"""A session turn's stored vector is its own text's: context is the query's business, not the index's."""

import numpy as np
from sqlalchemy import text

from memvault.domain.models import MemoryCreate
from memvault.vault import migrations, vectors


def _stored(services, memory):
    with services.vault.db.read() as conn:
        return vectors.first_vector(conn, memory.rowid)


def _own(services, text_):
    """The text's own vector, as the vault stores it (float16)."""
    return services.embedder.embed_documents([text_])[0].vectors[0].astype(np.float16).astype(np.float32)


def test_a_session_turn_is_stored_with_its_own_vector_whatever_came_before(services):
    texts = ["Where exactly does the knee hurt?", "outside, after about 12k", "Sounds like the IT band."]
    made = [services.memories.create(MemoryCreate(content=t, session_id="run-chat")).memory for t in texts]
    services.worker.drain()
    for memory, t in zip(made, texts):
        assert np.allclose(_stored(services, memory), _own(services, t), atol=1e-6)


def test_a_deleted_neighbour_leaves_no_trace_in_the_next_turns_vector(services):
    services.memories.create(MemoryCreate(content="first turn of chat A", session_id="A"))
    gone = services.memories.create(MemoryCreate(content="a turn of chat A that is deleted", session_id="A")).memory
    services.worker.drain()
    services.lifecycle.delete(gone.id, gone.namespace)
    after = services.memories.create(MemoryCreate(content="second turn of chat A", session_id="A")).memory
    services.worker.drain()
    assert np.allclose(_stored(services, after), _own(services, "second turn of chat A"), atol=1e-6)


def test_the_upgrade_marks_session_turns_mixed_vectors_stale_for_reembedding(services):
    """Vaults written before: a session turn's vector held its predecessor's. The upgrade step renames those
    vectors' model so the re-embed path (stale = another model's vectors) gives them their own text's."""
    turn = services.memories.create(MemoryCreate(content="outside, after about 12k", session_id="run-chat")).memory
    alone = services.memories.create(MemoryCreate(content="a note outside any session")).memory
    services.worker.drain()
    assert services.reembed.stale_count() == 0
    with services.vault.db.write() as conn:
        migrations._v15(conn, 0)
        models = dict(conn.execute(text("SELECT id, model_id FROM memories")).all())
    assert models[turn.rowid] != services.reembed.model_id
    assert models[alone.rowid] == services.reembed.model_id
    assert services.reembed.stale_count() == 1
    assert services.reembed.reembed().done == 1
    assert services.reembed.stale_count() == 0
