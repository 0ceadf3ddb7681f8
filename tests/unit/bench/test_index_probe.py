"""The index cost probe's recall: strict against brute force, and tie-aware as ann-benchmarks counts it."""

import numpy as np

from memvault.bench import index_probe
from memvault.vault.knn import planner


def test_copies_at_the_kth_distance_count_as_found_only_in_the_tie_aware_recall():
    rng = np.random.default_rng(3)
    distinct = rng.standard_normal((60, 16)).astype(np.float32)
    distinct /= np.linalg.norm(distinct, axis=1, keepdims=True)
    vectors = np.repeat(distinct, 4, axis=0)  # every vector four times: "the" exact top 10 is arbitrary
    queries = distinct[:20] + 0.05 * rng.standard_normal((20, 16)).astype(np.float32)
    out = index_probe.index_growth(vectors, [len(vectors)], queries, fetch=60, threads=1)[len(vectors)]
    assert out["recall_at_10_ties"] == 1.0
    assert out["recall_at_10"] < 1.0  # copies of the 10th ordered differently by the index and by argpartition
    assert out["fetch"] == 60


def test_the_probe_asks_for_as_many_candidates_as_the_planner():
    assert index_probe.planner_fetch(10) == int(np.ceil(19 * planner.OVERFETCH)) + planner.OVERFETCH_MIN


def test_warm_up_queries_are_answered_at_each_size_but_neither_timed_nor_scored(monkeypatch):
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((80, 16)).astype(np.float32)
    queries, warm = vectors[:5] + 0.01, vectors[5:12] + 0.01
    asked: list[int] = []
    search = index_probe.NamespaceIndexes.search
    monkeypatch.setattr(index_probe.NamespaceIndexes, "search",
                        lambda self, ns, q, n, **kw: asked.append(1) or search(self, ns, q, n, **kw))
    cold = index_probe.index_growth(vectors, [40, 80], queries, threads=1)
    asked.clear()
    warmed = index_probe.index_growth(vectors, [40, 80], queries, threads=1, warm=warm)
    assert len(asked) == 2 * (len(warm) + len(queries))
    assert [warmed[n]["recall_at_10"] for n in (40, 80)] == [cold[n]["recall_at_10"] for n in (40, 80)]
