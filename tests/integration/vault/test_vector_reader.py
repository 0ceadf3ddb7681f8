"""Every read of a stored vector goes through memvault.vault.vectors: float16 as stored, float32 in payloads."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from memvault.domain.models import MemoryCreate
from memvault.vault import vectors
from memvault.vault.vectors import VectorReader


def test_the_reader_gives_each_stored_vector_widened_to_float32(services):
    made = services.memories.create_batch([MemoryCreate(content=f"memory {i} " + "word " * (i % 7) * 60,
                                                        namespace="a" if i % 3 else "b") for i in range(60)])
    services.worker.drain()
    services.lifecycle.hard_delete(made.items[5].memory_id)
    with services.vault.db.write() as conn:  # a chunk whose vector is missing
        conn.execute(text("DELETE FROM chunk_vectors WHERE chunk_id = (SELECT min(id) FROM chunks)"))
    dim = services.embedder.dimension
    with services.vault.db.read() as conn:
        raw = conn.connection.dbapi_connection
        ids = [r[0] for r in raw.execute("SELECT id FROM chunks ORDER BY id")]
        ids += [10_000, ids[-1] + 1]  # no such vectors
        stored = vectors.read_vectors(raw, ids)
        assert len(stored) > 60 and ids[0] not in stored  # long memories have several chunks
        assert {len(b) for b in stored.values()} == {2 * dim}, "float16, one copy"
        widened = VectorReader(raw, dim).read(ids[::-1])
        assert widened.keys() == stored.keys()
        for chunk_id, blob in widened.items():
            assert len(blob) == 4 * dim
            assert np.array_equal(np.frombuffer(blob, dtype=np.float32).astype(np.float16),
                                  np.frombuffer(stored[chunk_id], dtype=np.float16))


def test_a_stored_vector_is_the_embedders_rounded_to_half_precision(services):
    m = services.memories.create(MemoryCreate(content="the ferry leaves at nine")).memory
    services.worker.drain()
    expected = services.embedder.embed_documents(["the ferry leaves at nine"])[0].vectors[0]
    with services.vault.db.read() as conn:
        got = vectors.first_vector(conn, m.rowid)
    assert got is not None and got.dtype == np.float32
    assert np.array_equal(got, np.asarray(expected, dtype=np.float16).astype(np.float32))
