"""The bench's index-growth rows ask each of the workload's distinct questions once, as its recall rows do."""

import random
from types import SimpleNamespace

import numpy as np

from memvault.bench import knn, workload
from tests.helpers.fake_embedder import FakeEmbedder


def test_growth_asks_every_distinct_question_once(monkeypatch):
    embedder = FakeEmbedder()
    base = np.vstack([embedder.embed_query(f"memory {i} about topic {i % 7}") for i in range(50)])
    services = SimpleNamespace(embedder=embedder)
    monkeypatch.setattr(knn, "GroundTruth", lambda _services: SimpleNamespace(
        vectors=lambda namespace: (np.arange(50), base)))
    asked = {}

    def index_growth(vectors, sizes, queries, *, warm):
        asked.update(vectors=vectors, sizes=sizes, queries=queries, warm=warm)
        return {n: {} for n in sizes}

    monkeypatch.setattr(knn, "index_growth", index_growth)
    assert knn.growth_figures(services, "default", [100, 300], random.Random(4)) == {100: {}, 300: {}}
    expected = np.vstack([embedder.embed_query(t) for t in workload.questions()])
    np.testing.assert_array_equal(asked["queries"], expected)
    assert len(asked["warm"]) == knn.WARM_QUERIES and asked["vectors"].shape == (300, 384)
