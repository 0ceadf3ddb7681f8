"""Exact search over the stored float16 vectors (the path a search takes until the index can answer, e.g. the
first searches after a device joined sync): read in batches, ranked in compiled code on the calling thread."""

import random
import time

import numpy as np
import pytest
from sqlalchemy import text

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.vault import search as vsearch
from memvault.vault import vectors
from tests.helpers.threads import PER_THREAD_CPU, other_threads_cpu_ticks

WORDS = [f"w{i}" for i in range(300)]


def _fill(services, n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` embedded memories as ``(id, namespace)``, two in three in "a"."""
    rng = random.Random(seed)
    made = []
    for at in range(0, n, 100):
        spaces = ["b" if i % 3 == 0 else "a" for i in range(at, min(n, at + 100))]
        items = services.memories.create_batch([MemoryCreate(content=" ".join(rng.sample(WORDS, 5)), namespace=ns)
                                                for ns in spaces]).items
        made += [(item.memory_id, ns) for item, ns in zip(items, spaces, strict=True)]
    services.worker.drain()
    return made


def _brute_force(services, query: np.ndarray, namespace: str) -> list[tuple[int, float]]:
    """``(chunk id, cosine distance)`` of every live vector of ``namespace``, nearest first, in float32."""
    with services.vault.db.read() as conn:
        rows = conn.execute(text("SELECT c.id, v.vector FROM memories m JOIN chunks c ON c.memory_id = m.id "
                                 "JOIN chunk_vectors v ON v.chunk_id = c.id WHERE m.namespace = :ns "
                                 "AND m.deleted_at IS NULL AND m.archived_at IS NULL"), {"ns": namespace}).all()
    matrix = np.vstack([vectors.decoded(blob) for _, blob in rows])
    sims = matrix @ query / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(query))
    return sorted(((cid, 1.0 - float(s)) for (cid, _), s in zip(rows, sims, strict=True)), key=lambda r: r[1])


def test_exact_search_in_batches_finds_the_brute_force_neighbours_of_the_filter_and_skips_chunks_without_one(
        services, monkeypatch):
    made = _fill(services, 260)
    services.lifecycle.delete(made[1][0], namespace=made[1][1])
    services.lifecycle.archive(made[2][0], namespace=made[2][1])
    # Batches of 7: the nearest of each are kept and merged, with batches left empty in between.
    monkeypatch.setattr(vectors, "MATRIX_BATCH", 7)
    with services.vault.db.write() as conn:
        # A chunk whose vector is missing (none is written so; the search must not misalign the rest).
        missing = conn.execute(text("SELECT min(chunk_id) FROM chunk_vectors")).scalar_one()
        conn.execute(text("DELETE FROM chunk_vectors WHERE chunk_id BETWEEN :a AND :b"),
                     {"a": missing, "b": missing + 9})
    rng = np.random.default_rng(3)
    for _ in range(5):
        query = services.embedder.embed_query(" ".join(random.Random(int(rng.integers(1000))).sample(WORDS, 4)))
        expected = _brute_force(services, query, "a")
        with services.vault.db.read() as conn:
            got = vsearch.knn(conn, query, MemoryFilter(namespace="a"), 12, time.time())
            every = vsearch.knn(conn, query, MemoryFilter(namespace="a"), 10_000, time.time())
            many = vsearch.knn_many(conn, np.vstack([query]), MemoryFilter(namespace="a"), 12, time.time())[0]
        assert len(every) == len(expected), "every live vector of the namespace, and nothing else"
        assert {h.chunk_id for h in every} == {cid for cid, _ in expected}
        np.testing.assert_allclose([h.distance for h in got], [d for _, d in expected[:12]], atol=2e-3)
        assert [h.distance for h in got] == sorted(h.distance for h in got)
        assert {h.chunk_id for h in many} ^ {h.chunk_id for h in got} <= {
            h.chunk_id for h in every if h.distance >= got[-1].distance - 2e-3}, "only ties at the boundary differ"
        with services.vault.db.read() as conn:
            owners = dict(conn.execute(text("SELECT id, memory_id FROM chunks")).all())
        assert all(owners[h.chunk_id] == h.memory_id for h in every)


@pytest.mark.seconds
@pytest.mark.skipif(not PER_THREAD_CPU, reason="reads per-thread CPU from Linux's /proc")
def test_an_exact_search_leaves_no_other_thread_of_the_process_working(services):
    """The exact path ranked the 2,000 vectors of "a" with a float32 numpy product, which ran on OpenBLAS's worker
    thread; that thread then spun waiting for more work for ~0.1 s after every such search (5-16 ticks of 10 ms
    in the window below), and ``bench --sync`` counted it in the idle sync cycles that followed (6.6 ms of
    process CPU a cycle at 100k for 2.8 ms of wall time)."""
    _fill(services, 3000)
    query = services.embedder.embed_query("w1 w2 w3 w4")
    with services.vault.db.read() as conn:
        vsearch.knn(conn, query, MemoryFilter(namespace="a"), 10, time.time())  # loads what a first call loads
        before = other_threads_cpu_ticks()
        hits = vsearch.knn(conn, query, MemoryFilter(namespace="a"), 10, time.time())
    # Not a wait for anything: the window in which a spinning thread would be seen (the spin lasts ~0.1 s).
    time.sleep(0.3)
    assert len(hits) == 10
    assert other_threads_cpu_ticks() - before <= 1
