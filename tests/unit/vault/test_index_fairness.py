"""A search waiting for the index's lock goes before the next slice of a settle (Python's lock is not fair)."""

from __future__ import annotations

import threading

import numpy as np

from memvault.vault.knn.ann import NamespaceIndexes
from memvault.vault.knn.index import IndexState, VectorIndex

DIM = 16


def _index_with_pending(n_graph: int, n_fresh: int) -> VectorIndex:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((n_graph + n_fresh, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(db=None, dim=DIM)  # settle and search never touch the database
    ann = NamespaceIndexes(DIM)
    ann.add("ns", np.arange(n_graph), vectors[:n_graph])
    ann.add("ns", np.arange(n_graph, n_graph + n_fresh), vectors[n_graph:], fresh=True)
    index._ann, index._state = ann, IndexState.READY
    return index


def test_a_waiting_search_goes_before_the_next_slice():
    index = _index_with_pending(200, 40)
    index.SETTLE_SLICE = 10
    index.SETTLE_GIVE_WAY_SECONDS = 10.0  # generous: the order is what is tested, not the bound
    events: list[str] = []
    in_first_slice = threading.Event()
    real_settle = index._ann.settle

    def slice_(limit=None, *, threads=1):
        events.append("slice")
        if len(events) == 1:
            in_first_slice.set()
            # Hold the first slice until the search is blocked on the lock.
            while index._queries_waiting == 0:
                threading.Event().wait(0.001)
        return real_settle(limit, threads=threads)

    real_search = index._ann.search

    def search(*args):
        events.append("search")  # under the lock, as the slices are
        return real_search(*args)

    index._ann.settle, index._ann.search = slice_, search
    settler = threading.Thread(target=index.settle)
    settler.start()
    assert in_first_slice.wait(10)
    keys, _ = index.search("ns", np.ones(DIM, dtype=np.float32) / np.sqrt(DIM), 5)
    settler.join(10)
    assert len(keys) == 5
    assert events[:3] == ["slice", "search", "slice"], events
    assert index.pending == 0


def test_settling_goes_on_when_no_search_waits():
    index = _index_with_pending(100, 35)
    index.SETTLE_SLICE = 10
    assert index.settle() == 35 and index.pending == 0


def test_while_searches_are_in_flight_a_settle_slices_on_one_thread_and_waits_for_them_between_slices():
    """A search's embedding and ranking run outside the index's lock, where the lock's giving way cannot see
    them: the settle asks the searches' own signal instead."""
    searching = threading.Event()
    searching.set()
    pauses: list[int] = []
    index = _index_with_pending(100, 35)
    index._searches_busy, index._pause = searching.is_set, lambda: pauses.append(index.pending)
    index.SETTLE_SLICE = 10
    index._threads = 0  # every core when nothing else runs
    threads_used: list[int] = []
    real_settle = index._ann.settle

    def slice_(limit=None, *, threads=1):
        threads_used.append(threads)
        if len(threads_used) == 2:
            searching.clear()  # the searches end after the second slice: the rest may take every core
        return real_settle(limit, threads=threads)

    index._ann.settle = slice_
    assert index.settle() == 35 and index.pending == 0
    assert threads_used[:2] == [1, 1] and set(threads_used[2:]) == {0}
    # Between every two slices (and after the last that moved vectors) the settle let the searches go first.
    assert pauses == [25, 15, 5, 0]
