"""Exports read vectors straight from vec0's chunk blobs: the same bytes vec0 itself answers, for every case."""

from __future__ import annotations

from sqlalchemy import text

from memvault.domain.models import MemoryCreate
from memvault.vault.vectors import VectorReader


def _vec0(raw, ids):
    found = {}
    for chunk_id in ids:
        row = raw.execute("SELECT embedding FROM memory_vectors WHERE rowid = ?", (chunk_id,)).fetchone()
        if row is not None:
            found[chunk_id] = bytes(row[0])
    return found


def test_the_reader_answers_what_vec0_answers(services):
    # Two namespaces interleaved: their vectors live in different vec0 chunks (one per partition).
    made = services.memories.create_batch([MemoryCreate(content=f"memory {i} " + "word " * (i % 7) * 60,
                                                        namespace="a" if i % 3 else "b") for i in range(60)])
    services.worker.drain()
    services.lifecycle.hard_delete(made.items[5].memory_id)
    with services.vault.db.write() as conn:  # a chunk whose vector is missing
        conn.execute(text("DELETE FROM memory_vectors WHERE rowid = (SELECT min(id) FROM chunks)"))
    with services.vault.db.read() as conn:
        raw = conn.connection.dbapi_connection
        ids = [r[0] for r in raw.execute("SELECT id FROM chunks ORDER BY id")]
        ids += [10_000, ids[-1] + 1]  # no such vectors
        expected = _vec0(raw, ids)
        assert len(expected) > 60 and ids[0] not in expected  # long memories have several chunks
        reader = VectorReader(raw, services.embedder.dimension)
        assert reader.direct
        assert reader.read(ids) == expected
        assert reader.read(ids[::-1]) == expected  # chunks out of order, from the kept blobs
        small = VectorReader(raw, services.embedder.dimension)
        small.KEPT_CHUNKS = 1
        assert small.read(ids) == expected


def test_a_layout_it_does_not_know_falls_back_to_vec0(services):
    services.memories.create_batch([MemoryCreate(content=f"memory {i}") for i in range(5)])
    services.worker.drain()
    with services.vault.db.read() as conn:
        raw = conn.connection.dbapi_connection
        ids = [r[0] for r in raw.execute("SELECT id FROM chunks ORDER BY id")]
        reader = VectorReader(raw, services.embedder.dimension, table="memory_vectors")
        reader.direct = False
        assert reader.read(ids) == _vec0(raw, ids)
        assert not VectorReader(raw, services.embedder.dimension, table="no_such_table").direct
    with services.vault.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM memory_vectors_rowids")).scalar_one() == 5
