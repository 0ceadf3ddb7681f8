"""While memories are being embedded, the index keeps new vectors beside its graphs (searched by brute force)
and the graphs take them in once embedding is done, or past the cap: searches find them at once either way,
and snapshots and reopening hold them all."""

import random

import pytest

from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.service.container import open_vault
from memvault.vault import search as vsearch
from memvault.vault.knn import IndexState, ann, planner
from memvault.vault.knn import index as index_module
from tests.helpers import PASSPHRASE
from tests.helpers.knn import assert_same_answer, index_keys, stored_chunks

WORDS = [f"w{i}" for i in range(300)]


def _store(services, rng, n):
    made = services.memories.create_batch([MemoryCreate(content=" ".join(rng.sample(WORDS, 6))) for _ in range(n)])
    services.worker.drain()
    return made


@pytest.fixture
def busy_index(services):
    """The vault's index, its first 10 vectors in the graph, then told (as its loop is) that memories are
    being embedded."""
    index = services.vector_index
    assert index.ensure_open() is IndexState.READY
    _store(services, random.Random(0), 10)
    index.maintain()
    assert index.pending == 0
    index._embedding_busy = lambda: True
    return index


def test_vectors_wait_beside_the_graph_while_embedding_runs_and_are_found_meanwhile(services, busy_index,
                                                                                   monkeypatch):
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 0)  # the graph path, not brute force over the eligible set
    rng = random.Random(1)
    _store(services, rng, 40)
    busy_index.maintain()
    assert busy_index.pending == 40 and busy_index.size("default") == 50
    assert index_keys(services) == stored_chunks(services)
    target = services.memories.create(MemoryCreate(content="lantern quartz zebra w1 w2 w3")).memory
    services.worker.drain()  # applied by the search's own catch-up: beside the graph too
    hits = services.search.search(SearchQuery("lantern quartz zebra w1 w2 w3", mode="semantic", limit=3)).hits
    assert hits[0].memory.id == target.id and busy_index.pending == 41
    for _ in range(10):
        q = services.embedder.embed_query(" ".join(rng.sample(WORDS, 6)))
        with services.vault.db.read() as conn:
            exact = vsearch.knn(conn, q, MemoryFilter(), 10, 0)
            got, plan = planner.nearest(conn, busy_index, q, MemoryFilter(), 10, 0)
        assert plan.path == "ann"
        assert_same_answer(got, exact)
    busy_index._embedding_busy = lambda: False
    assert busy_index.maintain() == busy_index.SETTLE_AFTER_SECONDS  # the search applied one: settled next turn
    assert busy_index.pending == 41
    assert busy_index.maintain() == busy_index.MAINTAIN_SECONDS
    assert busy_index.pending == 0 and busy_index.size("default") == 51
    assert index_keys(services) == stored_chunks(services)


def test_edits_and_deletes_of_waiting_vectors_leave_the_index_as_vec0(services, busy_index):
    rng = random.Random(2)
    made = _store(services, rng, 10).items
    busy_index.maintain()
    assert busy_index.pending == 10
    first, second = made[0].memory_id, made[1].memory_id
    services.memories.update(first, MemoryUpdate(content="entirely new words w9 w8 w7"))
    services.worker.drain()
    services.lifecycle.hard_delete(second)
    busy_index.maintain()
    assert busy_index.pending == 9
    assert index_keys(services) == stored_chunks(services)


def test_a_snapshot_settles_first_and_reopening_holds_every_vector(services, busy_index, settings, embedder):
    rng = random.Random(3)
    _store(services, rng, 25)
    busy_index.maintain()
    assert busy_index.pending == 25
    assert busy_index.snapshot() and busy_index.pending == 0
    _store(services, rng, 5)  # after the snapshot: replayed from the log on reopening
    busy_index.maintain()
    assert busy_index.pending == 5
    busy_index.CLOSE_MIN_CHANGES = 10**9
    services.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        assert again.vector_index.ensure_open() is IndexState.READY
        assert again.vector_index.size("default") == 40 and again.vector_index.pending == 0
        assert index_keys(again) == stored_chunks(again)
    finally:
        again.close()


def test_past_the_cap_the_graph_takes_them_in_even_while_embedding_runs(services, busy_index, monkeypatch):
    monkeypatch.setattr(index_module, "FRESH_MAX", 8)
    rng = random.Random(4)
    _store(services, rng, 12)
    busy_index.maintain()  # 12 waiting at the end of the catch-up: past the cap, settled by the loop
    assert busy_index.pending == 0
    # Without a loop turn, a catch-up settles them itself at twice the cap.
    _store(services, rng, 7)
    with services.vault.db.read() as conn:
        assert busy_index.catch_up(conn)
    assert busy_index.pending == 7
    _store(services, rng, 10)
    with services.vault.db.read() as conn:
        assert busy_index.catch_up(conn)
    assert busy_index.pending == 0
    assert index_keys(services) == stored_chunks(services)
    assert ann.NamespaceIndexes.restore(services.embedder.dimension, busy_index._ann.serialize()).size("default") == 39
