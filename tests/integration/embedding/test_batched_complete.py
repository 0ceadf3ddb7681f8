"""The job store completes a claimed batch in one batched write that leaves what one-job-at-a-time completion leaves.

Turns of one session claimed together are stored with their own text's vectors
(no context from the turn before), and a failure while storing writes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from memvault.domain.models import MemoryCreate
from memvault.vault import memories as writes
from tests.helpers.vault_state import table_rows

VECTORS = "SELECT * FROM chunk_vectors ORDER BY chunk_id"


_QUERIES = {"vectors": VECTORS, "chunks": "SELECT * FROM chunks ORDER BY id",
            "memories": "SELECT id, embedding_status, model_id, hlc FROM memories ORDER BY id",
            "jobs": "SELECT memory_id FROM embedding_jobs ORDER BY memory_id",
            "oplog": "SELECT op, memory_uuid, payload FROM oplog ORDER BY id",
            "knn_log": "SELECT seq, namespace, chunk_id, vector FROM knn_log ORDER BY seq"}


def _state(services) -> dict[str, list[tuple]]:
    return table_rows(services, _QUERIES)


def _store_session(services) -> None:
    services.memories.create_batch(
        [MemoryCreate(content=f"turn {i} of the talk about the knee", session_id="s1", namespace="n") for i in range(6)]
        + [MemoryCreate(content="unrelated note", namespace="n")])


def test_a_batch_completes_as_its_jobs_one_by_one(two_vaults, fake_embedder):
    single, batched = two_vaults
    for services in two_vaults:
        _store_session(services)
    done = []
    for services, together in ((single, False), (batched, True)):
        jobs = services.jobs.claim(100)
        assert len(jobs) == 7
        results = [(j, c.spans, c.vectors) for j, c in zip(jobs, fake_embedder.embed_documents([j.content for j in jobs]))]
        if together:
            done.append(services.jobs.complete(results))
        else:
            done.append([m for r in results for m in services.jobs.complete([r])])
    assert [m.id for m in done[0]] != [] and len(done[0]) == len(done[1]) == 7
    got, want = _state(batched), _state(single)
    # Vectors (each turn's own), chunks, the vector log and the oplog's content agree;
    # only the clock stamps differ (one per call).
    for key in ("vectors", "chunks", "jobs", "knn_log"):
        assert got[key] == want[key], key
    assert [r[:2] for r in got["memories"]] == [r[:2] for r in want["memories"]]
    def vector_ops(rows):
        return [payload for op, _, payload in rows if op == "vectors"]

    assert len(vector_ops(got["oplog"])) == 7 and vector_ops(got["oplog"]) == vector_ops(want["oplog"])
    # No context is mixed in: a later turn's vector is the plain embedding of its text.
    plain = fake_embedder.embed_documents(["turn 3 of the talk about the knee"])[0].vectors[0]
    with batched.vault.db.read() as conn:
        stored = conn.execute(text("SELECT v.vector FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id "
                                   "JOIN memories m ON m.id = c.memory_id "
                                   "WHERE m.content = 'turn 3 of the talk about the knee'")).scalar_one()
    assert np.array_equal(np.frombuffer(stored, dtype=np.float16), plain.astype(np.float16))


def test_a_failure_while_completing_writes_nothing(two_vaults, fake_embedder, monkeypatch):
    _, services = two_vaults
    _store_session(services)
    jobs = services.jobs.claim(100)
    results = [(j, c.spans, c.vectors) for j, c in zip(jobs, fake_embedder.embed_documents([j.content for j in jobs]))]
    before = _state(services)

    def broken(conn, entries):
        raise OSError("disk went away")

    monkeypatch.setattr(writes.oplog, "append_many", broken)
    with pytest.raises(OSError, match="disk went away"):
        services.jobs.complete(results)
    assert _state(services) == before
    monkeypatch.undo()
    assert len(services.jobs.complete(results)) == 7
