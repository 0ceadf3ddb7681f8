"""A small graph's rows kept as one matrix for exact search: the same answers as gathering from the graph,
dropped when the graph changes, bounded by a budget."""

import numpy as np

from memvault.vault.knn import ann
from memvault.vault.knn.dense import DenseRows

DIM = 16


def _unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _gathered_from_graph(indexes, namespace, query, keys, count):
    """The answer with no copy kept (every exact search gathers from the graph)."""
    kept, indexes._dense = indexes._dense, DenseRows(max_rows=0)
    try:
        return indexes.exact(namespace, query, keys, count)
    finally:
        indexes._dense = kept


def test_exact_search_from_the_copy_equals_gathering_from_the_graph_for_any_subset_and_order():
    rng = np.random.default_rng(1)
    indexes = ann.NamespaceIndexes(DIM)
    vectors = _unit(rng, 500)
    indexes.add("ns", np.arange(1, 501), vectors)
    indexes.add("other", np.arange(1001, 1101), _unit(rng, 100))
    subsets = [np.arange(1, 501), rng.permutation(np.arange(1, 501)), rng.choice(np.arange(1, 501), 40),
               np.array([3, 999_999, 7, 1005])]  # a key of no graph, and one of another namespace's
    for keys in subsets:
        for q in _unit(rng, 5):
            got = indexes.exact("ns", q, keys, 10)
            want = _gathered_from_graph(indexes, "ns", q, keys, 10)
            assert got[0].tolist() == want[0].tolist()
            np.testing.assert_array_equal(got[1], want[1])
    assert indexes._dense.held_bytes == 500 * DIM * 2, "only the searched namespace is copied"


def test_the_copy_is_dropped_when_its_graph_gains_or_loses_a_vector():
    rng = np.random.default_rng(2)
    indexes = ann.NamespaceIndexes(DIM)
    vectors = _unit(rng, 60)
    indexes.add("ns", np.arange(50), vectors[:50])
    everything = np.arange(60)
    assert 55 not in indexes.exact("ns", vectors[55], everything, 3)[0].tolist()
    indexes.add("ns", np.arange(50, 60), vectors[50:])  # into the graph
    assert indexes.exact("ns", vectors[55], everything, 1)[0].tolist() == [55]
    indexes.remove([55])
    assert 55 not in indexes.exact("ns", vectors[55], everything, 60)[0].tolist()
    # Vectors beside the graph settle into it: the copy follows.
    indexes.add("ns", np.array([55]), vectors[55:56], fresh=True)
    indexes.settle()
    assert indexes.exact("ns", vectors[55], everything, 1)[0].tolist() == [55]


def test_copies_stay_within_the_budget_the_least_recently_searched_going_first():
    rng = np.random.default_rng(3)
    dense = DenseRows(budget_bytes=250 * DIM * 2)
    indexes = ann.NamespaceIndexes(DIM)
    indexes._dense = dense
    for ns in ("a", "b", "c"):
        indexes.add(ns, np.arange(100) + {"a": 0, "b": 1000, "c": 2000}[ns], _unit(rng, 100))
    q = _unit(rng, 1)[0]
    for ns, base in (("a", 0), ("b", 1000), ("a", 0), ("c", 2000)):
        indexes.exact(ns, q, np.arange(100) + base, 5)
    assert dense.held_bytes <= 250 * DIM * 2
    assert set(dense._by_ns) == {"a", "c"}, "b was searched least recently"
    # A graph over the row limit is gathered per search, never copied.
    small = DenseRows(max_rows=50)
    indexes._dense = small
    assert len(indexes.exact("a", q, np.arange(100), 5)[0]) == 5 and small.held_bytes == 0
