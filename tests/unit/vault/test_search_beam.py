"""The HNSW search beam grows with the namespace's index (recall at a fixed beam falls as the graph grows)."""

import numpy as np

from app.vault.knn import ann


def test_the_beam_is_fixed_up_to_the_threshold_then_grows_with_the_index_up_to_the_cap():
    assert ann.expansion_for(1) == ann.expansion_for(ann.EXPANSION_GROWS_FROM) == ann.EXPANSION_SEARCH
    assert ann.expansion_for(2 * ann.EXPANSION_GROWS_FROM) == 2 * ann.EXPANSION_SEARCH
    assert ann.expansion_for(100 * ann.EXPANSION_GROWS_FROM) == ann.EXPANSION_SEARCH_MAX


def test_added_and_restored_indexes_search_with_the_beam_for_their_size(monkeypatch):
    monkeypatch.setattr(ann, "EXPANSION_GROWS_FROM", 100)
    rng = np.random.default_rng(1)
    indexes = ann.NamespaceIndexes(8)
    indexes.add("small", np.arange(50), rng.standard_normal((50, 8)).astype(np.float32))
    indexes.add("large", np.arange(50, 450), rng.standard_normal((400, 8)).astype(np.float32))
    beams = {ns: idx.expansion_search for ns, idx in indexes._by_ns.items()}
    assert beams == {"small": ann.EXPANSION_SEARCH, "large": 4 * ann.EXPANSION_SEARCH}
    restored = ann.NamespaceIndexes.restore(8, indexes.serialize())
    assert {ns: idx.expansion_search for ns, idx in restored._by_ns.items()} == beams
