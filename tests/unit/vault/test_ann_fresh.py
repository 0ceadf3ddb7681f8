"""Vectors added beside a namespace's graph (``fresh``) are searched by brute force until settled, and
answer exactly as they do once in the graph."""

import time

import numpy as np
import pytest

from memvault.vault.knn import ann
from tests.helpers.threads import PER_THREAD_CPU, other_threads_cpu_ticks

DIM = 16


def _unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _pair(rng, n_graph=300, n_fresh=120):
    """The same vectors twice: all in the graph, and the last ``n_fresh`` beside it."""
    vectors = _unit(rng, n_graph + n_fresh)
    keys = np.arange(1, n_graph + n_fresh + 1)
    graph_only, mixed = ann.NamespaceIndexes(DIM), ann.NamespaceIndexes(DIM)
    graph_only.add("ns", keys, vectors)
    mixed.add("ns", keys[:n_graph], vectors[:n_graph])
    mixed.add("ns", keys[n_graph:], vectors[n_graph:], fresh=True)
    return graph_only, mixed, keys, vectors


def test_fresh_vectors_are_counted_listed_and_found_as_the_graph_finds_them():
    rng = np.random.default_rng(3)
    graph_only, mixed, keys, vectors = _pair(rng)
    assert mixed.size("ns") == mixed.size() == len(keys) and mixed.pending == 120
    assert sorted(mixed.keys("ns").tolist()) == keys.tolist()
    for q in _unit(rng, 20):
        got_keys, got_dist = mixed.search("ns", q, 10)
        want_keys, want_dist = graph_only.search("ns", q, 10)
        np.testing.assert_allclose(got_dist, want_dist, atol=1e-3)
        assert np.all(np.diff(got_dist) >= -1e-6), "nearest first across graph and fresh vectors"
        # A fresh vector is found when it is the nearest (its own vector as the query).
    target = vectors[-1]
    assert mixed.search("ns", target, 1)[0].tolist() == [keys[-1]]
    assert mixed.search(None, target, 1)[0].tolist() == [keys[-1]]


def test_brute_force_over_chosen_keys_reads_fresh_and_graph_vectors_alike():
    rng = np.random.default_rng(4)
    graph_only, mixed, keys, _ = _pair(rng)
    chosen = rng.choice(keys, 80, replace=False)  # some in the graph, some beside it
    for q in _unit(rng, 10):
        got = mixed.exact("ns", q, chosen, 10)
        want = graph_only.exact("ns", q, chosen, 10)
        assert got[0].tolist() == want[0].tolist()
        np.testing.assert_allclose(got[1], want[1], atol=1e-6)


def test_removing_or_replacing_a_fresh_vector_leaves_one_copy_or_none():
    rng = np.random.default_rng(5)
    _, mixed, keys, vectors = _pair(rng)
    fresh_key, graph_key = int(keys[-1]), int(keys[0])
    mixed.remove([fresh_key])
    assert fresh_key not in mixed.keys("ns").tolist() and mixed.pending == 119
    assert fresh_key not in mixed.search("ns", vectors[-1], 5)[0].tolist()
    # A graph vector replaced while the index defers: it leaves the graph and waits beside it.
    moved = _unit(rng, 1)
    mixed.add("ns", np.array([graph_key]), moved, fresh=True)
    assert mixed.keys("ns").tolist().count(graph_key) == 1 and mixed.pending == 120
    assert mixed.search("ns", moved[0], 1)[0].tolist() == [graph_key]


def test_settling_moves_the_oldest_first_and_the_graph_then_holds_everything():
    rng = np.random.default_rng(6)
    graph_only, mixed, keys, vectors = _pair(rng)
    assert mixed.settle(50) == 50 and mixed.pending == 70
    assert set(mixed._fresh["ns"].rows) == set(keys[-70:].tolist())
    assert mixed.settle() == 70 and mixed.pending == 0 and not mixed._fresh
    restored = ann.NamespaceIndexes.restore(DIM, mixed.serialize())
    assert sorted(restored.keys("ns").tolist()) == keys.tolist()
    for q in _unit(rng, 10):
        np.testing.assert_allclose(restored.search("ns", q, 10)[1], graph_only.search("ns", q, 10)[1], atol=1e-3)


def test_a_namespace_with_only_fresh_vectors_answers_and_settles_into_a_new_graph():
    rng = np.random.default_rng(7)
    indexes = ann.NamespaceIndexes(DIM)
    vectors = _unit(rng, 30)
    indexes.add("new", np.arange(30), vectors, fresh=True)
    assert indexes.namespaces == ("new",) and "new" not in indexes._by_ns
    assert indexes.search("new", vectors[3], 1)[0].tolist() == [3]
    assert indexes.exact("new", vectors[3], np.array([3, 4, 99]), 5)[0].tolist()[0] == 3
    assert indexes.serialize() == {}, "not in a graph yet: a snapshot settles first"
    indexes.settle()
    assert len(indexes._by_ns["new"]) == 30


def test_fresh_vectors_are_ranked_in_half_precision_as_the_graph_ranks_them_on_the_calling_thread():
    """The buffer was ranked with a numpy float32 product on OpenBLAS's worker thread, which then spun for ~0.1 s
    after every search, taking the embedder's core during the bursts that fill the buffer."""
    if not PER_THREAD_CPU:
        pytest.skip("reads per-thread CPU from Linux's /proc")
    rng = np.random.default_rng(5)
    dim = 384  # the model's: OpenBLAS threads a product only past a size
    vectors = rng.standard_normal((6000, dim)).astype(np.float16).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    indexes = ann.NamespaceIndexes(dim)
    indexes.add("ns", np.arange(1, 6001), vectors, fresh=True)
    query = rng.standard_normal(dim).astype(np.float32)
    indexes.search("ns", query, 10)  # stacks the buffer once
    before = other_threads_cpu_ticks()
    for _ in range(5):
        keys, distances = indexes.search("ns", query, 10)
    # Not a wait for anything: the window in which a spinning thread would be seen (the spin lasts ~0.1 s).
    time.sleep(0.3)
    assert other_threads_cpu_ticks() - before <= 1
    q16 = query.astype(np.float16).astype(np.float32)
    sims = vectors @ q16 / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q16))
    want = np.argsort(-sims, kind="stable")[:10] + 1
    assert set(keys.tolist()) == set(want.tolist())
    np.testing.assert_allclose(distances, np.sort(1.0 - sims)[:10], atol=2e-3)
