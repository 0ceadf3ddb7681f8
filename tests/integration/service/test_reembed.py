"""Re-embedding memories whose vectors another model made (real model, real vault)."""

import time

import numpy as np
from sqlalchemy import text

from memvault.domain.models import MemoryCreate, MemoryUpdate, SearchQuery
from memvault.service import reembed
from memvault.vault import memory_parts, memory_vectors
from memvault.vault.oplog import Stamp
from memvault.vault.vectors import Embedded

TOPICS = [
    "the dentist appointment moved to Thursday at nine",
    "our staging database runs PostgreSQL 16 on a single node",
    "Maria prefers window seats on long flights",
    "the quarterly report is due on the last Friday of March",
]


def _as_if_another_model(services, rowids, seed=0):
    """Give memories vectors from a different space, stored (through the write path) as another model's."""
    rng = np.random.default_rng(seed)
    stamp = Stamp("0000000000001-00000-old-device", "old-device", time.time())
    with services.vault.db.write() as conn:
        for rowid in rowids:
            vec = rng.normal(size=(1, services.embedder.dimension)).astype(np.float32)
            vec /= np.linalg.norm(vec)
            content = services.memories.get_by_rowid(rowid).content
            stored = memory_vectors.store_vectors(conn, rowid, memory_parts.content_hash(content),
                                          Embedded([(0, len(content))], vec, "old-model-v0"), stamp)
            assert stored is not None and stored.model_id == "old-model-v0"


def _top(services, query):
    hits = services.search.search(SearchQuery(query, mode="semantic", limit=1)).hits
    return hits[0].memory.content if hits else None


def test_stale_vectors_are_found_and_embedded_again(services):
    made = services.memories.create_batch([MemoryCreate(content=t) for t in TOPICS]).items
    services.worker.drain()
    rowids = [services.memories.get(i.memory_id).rowid for i in made]
    assert services.reembed.stale_count() == 0
    _as_if_another_model(services, rowids[:2])
    assert services.reembed.stale_count() == 2
    # With foreign vectors, the dentist note is not what a question about the dentist finds.
    assert _top(services, "when is my dentist visit") != TOPICS[0]

    seen = []
    report = services.reembed.reembed(progress=lambda done, total: seen.append((done, total)))

    assert (report.done, report.total, report.cancelled) == (2, 2, False)
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    assert services.reembed.stale_count() == 0
    assert _top(services, "when is my dentist visit") == TOPICS[0]
    assert _top(services, "which database engine does staging use") == TOPICS[1]
    with services.vault.db.read() as conn:
        models = set(conn.execute(text("SELECT model_id FROM memories")).scalars())
    assert models == {services.embedder.model_id}


def test_failed_embeddings_count_as_stale_and_everything_rebuilds_all(services):
    made = services.memories.create_batch([MemoryCreate(content=t) for t in TOPICS]).items
    services.worker.drain()
    rowid = services.memories.get(made[3].memory_id).rowid
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE memories SET embedding_status = 'failed' WHERE id = :r"), {"r": rowid})
    assert services.reembed.stale_count() == 1
    assert services.reembed.stale_count("other") == 0
    assert services.reembed.reembed(everything=True).done == len(TOPICS)
    assert services.reembed.stale_count() == 0
    assert services.memories.get(made[3].memory_id).embedding_status.value == "ready"


def test_cancel_stops_between_batches_and_a_rerun_continues(services, monkeypatch):
    monkeypatch.setattr(reembed, "BATCH", 2)
    made = services.memories.create_batch([MemoryCreate(content=f"{t} (note {i})") for i, t in
                                           enumerate(TOPICS * 2)]).items
    services.worker.drain()
    _as_if_another_model(services, [services.memories.get(i.memory_id).rowid for i in made])
    batches = []

    report = services.reembed.reembed(progress=lambda done, total: batches.append(done),
                                      cancelled=lambda: len(batches) > 2)

    assert report.cancelled and (report.done, report.total) == (4, 8)
    assert services.reembed.stale_count() == 4
    assert services.reembed.reembed().done == 4
    assert services.reembed.stale_count() == 0


def test_a_memory_edited_meanwhile_keeps_its_newer_vectors(services):
    m = services.memories.create(MemoryCreate(content=TOPICS[2])).memory
    services.worker.drain()
    _as_if_another_model(services, [m.rowid])
    jobs = services.jobs.load([m.rowid])
    # The memory changes after its text was read for re-embedding: those vectors are dropped.
    services.memories.update(m.id, MemoryUpdate(content=TOPICS[3]))
    chunked = services.embedder.embed_documents([j.content for j in jobs])
    assert services.jobs.complete([(j, c.spans, c.vectors) for j, c in zip(jobs, chunked)]) == []
    services.worker.drain()
    assert _top(services, "when is the quarterly report due") == TOPICS[3]


def test_memories_waiting_for_their_first_vectors_are_not_stale(services):
    services.memories.create_batch([MemoryCreate(content=t) for t in TOPICS])
    assert services.jobs.depth() == len(TOPICS)
    assert services.reembed.stale_count() == 0, "queued memories are not offered for re-embedding"
    services.worker.drain()
    assert services.reembed.stale_count() == 0
