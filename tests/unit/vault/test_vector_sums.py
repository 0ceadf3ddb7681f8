"""A query's summed similarity to a namespace (hybrid's background) is exact through every way a vector
arrives and leaves: in the graph or beside it, settled, replaced, removed, serialized and restored, and in
any order."""

import numpy as np

from memvault.vault.knn import ann
from memvault.vault.knn.centroid import VectorSums

DIM = 16


def _unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _brute(vectors: np.ndarray, query: np.ndarray) -> float:
    """The sum over the vectors as the index holds them (half precision)."""
    return float((vectors.astype(np.float16).astype(np.float64) @ query.astype(np.float64)).sum())


def test_sums_are_exact_whatever_the_order_vectors_arrive_and_leave_in():
    rng = np.random.default_rng(5)
    rows = _unit(rng, 500).astype(np.float16)
    one, other = VectorSums(), VectorSums()
    for chunk in np.array_split(rows, 7):
        one.add("ns", chunk)
    order = rng.permutation(len(rows))
    for i in order:
        other.add("ns", rows[i:i + 1])
    for i in order[:200]:  # leave and come back one by one
        other.subtract("ns", rows[i:i + 1])
        other.add("ns", rows[i:i + 1])
    query = _unit(rng, 1)[0]
    assert one.similarity_sum(["ns"], query) == other.similarity_sum(["ns"], query)  # bit for bit
    assert one.similarity_sum(["ns"], query)[1] == 500
    for chunk in np.array_split(rows, 3):
        one.subtract("ns", chunk)
    assert one.similarity_sum(["ns"], query) == (0.0, 0)


def test_a_namespace_sums_its_graph_and_fresh_vectors_through_settle_replace_remove_and_restore():
    rng = np.random.default_rng(8)
    vectors = _unit(rng, 400)
    keys = np.arange(1, 401)
    indexes = ann.NamespaceIndexes(DIM)
    indexes.add("a", keys[:250], vectors[:250])
    indexes.add("a", keys[250:300], vectors[250:300], fresh=True)
    indexes.add("b", keys[300:], vectors[300:])
    query = _unit(rng, 1)[0]
    held = {int(k): v for k, v in zip(keys, vectors, strict=True)}

    def check():
        for ns, members in (("a", [k for k in held if k <= 300]), ("b", [k for k in held if k > 300])):
            total, count = indexes.similarity_sum(ns, query)
            assert count == len(members)
            assert abs(total - _brute(np.array([held[k] for k in members]), query)) < 1e-9
        total, count = indexes.similarity_sum(None, query)
        assert count == len(held) and abs(total - _brute(np.array(list(held.values())), query)) < 1e-9

    check()
    indexes.settle(20)  # fresh vectors move into the graph
    check()
    replaced = _unit(rng, 10)
    indexes.add("a", keys[:10], replaced)  # the same keys, new vectors
    held.update({int(k): v for k, v in zip(keys[:10], replaced, strict=True)})
    check()
    indexes.remove(keys[280:320])  # some fresh, some in a's graph, some in b's
    for k in keys[280:320]:
        held.pop(int(k))
    check()
    indexes.settle()
    check()
    restored = ann.NamespaceIndexes.restore(DIM, indexes.serialize())
    for ns in ("a", "b", None):
        assert restored.similarity_sum(ns, query) == indexes.similarity_sum(ns, query)  # bit for bit
