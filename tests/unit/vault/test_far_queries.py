"""A query whose nearest found vector is far is searched again with a wider beam, and the graph's own beam
is left as it was for the next query."""

import numpy as np
import pytest

from memvault.vault.knn import ann

DIM = 48
SIZE = 3000


def _unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def narrow(monkeypatch):
    """A graph searched with a beam too narrow for random directions (every one is far: random unit vectors
    in 48 dimensions lie ~1.0 apart), and a retry beam wide enough for them."""
    monkeypatch.setattr(ann, "FAR_BEAM_FACTOR", 16)
    monkeypatch.setattr(ann, "FAR_BEAM_MIN", 100)
    rng = np.random.default_rng(5)
    vectors = _unit(rng, SIZE)
    indexes = ann.NamespaceIndexes(DIM)
    indexes.add("ns", np.arange(SIZE), vectors)
    indexes._by_ns["ns"].expansion_search = 10
    return indexes, vectors, _unit(rng, 60)


def _recall(indexes, vectors, queries, k=10):
    total = 0.0
    for q in queries:
        exact = np.argsort(-(vectors @ q))[:k]
        keys, _ = indexes.search("ns", q, k)
        total += len(set(keys.tolist()) & set(exact.tolist())) / k
    return total / len(queries)


def _counting_searches(monkeypatch, indexes):
    idx = indexes._by_ns["ns"]
    beams = []
    search = idx.search

    def spy(*args, **kwargs):
        beams.append(idx.expansion_search)
        return search(*args, **kwargs)

    monkeypatch.setattr(idx, "search", spy)
    return beams


def test_far_queries_are_searched_again_wider_and_find_what_the_narrow_beam_missed(narrow, monkeypatch):
    indexes, vectors, queries = narrow
    with_retry = _recall(indexes, vectors, queries)
    monkeypatch.setattr(ann, "FAR_QUERY", 2.0)  # nothing is that far: the first search stands
    without = _recall(indexes, vectors, queries)
    assert without < 0.9 and with_retry >= 0.98, (without, with_retry)


def test_the_wider_beam_is_used_once_and_the_graph_keeps_its_own(narrow, monkeypatch):
    indexes, _, queries = narrow
    beams = _counting_searches(monkeypatch, indexes)
    indexes.search("ns", queries[0], 10)
    assert beams == [10, 160]
    assert indexes._by_ns["ns"].expansion_search == 10


def test_a_query_near_a_stored_vector_is_searched_once(narrow, monkeypatch):
    indexes, vectors, _ = narrow
    beams = _counting_searches(monkeypatch, indexes)
    keys, dist = indexes.search("ns", vectors[7], 10)
    assert keys[0] == 7 and dist[0] < 1e-3
    assert beams == [10]


def test_the_beam_is_restored_when_the_wider_search_fails(narrow, monkeypatch):
    indexes, _, queries = narrow
    idx = indexes._by_ns["ns"]
    search = idx.search

    def fails_when_wide(*args, **kwargs):
        if idx.expansion_search > 10:
            raise MemoryError("no room for the wider beam")
        return search(*args, **kwargs)

    monkeypatch.setattr(idx, "search", fails_when_wide)
    with pytest.raises(MemoryError):
        indexes.search("ns", queries[0], 10)
    assert idx.expansion_search == 10


def test_the_second_beam_is_three_times_the_first_and_never_below_the_floor():
    # The app's beams: 128 up to 50k vectors, 181 at 100k, 384 from 450k.
    assert ann.far_beam(ann.EXPANSION_SEARCH) == ann.far_beam(ann.expansion_for(100_000)) == ann.FAR_BEAM_MIN
    assert ann.far_beam(ann.EXPANSION_SEARCH_MAX) == 3 * ann.EXPANSION_SEARCH_MAX > ann.FAR_BEAM_MIN
