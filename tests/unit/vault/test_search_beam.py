"""The HNSW search beam grows with the namespace's index (recall at a fixed beam falls as the graph grows),
and a graph built with an older recipe keeps the beams it needs."""

import numpy as np

from app.vault.knn import ann


def test_the_beam_is_fixed_up_to_the_threshold_then_grows_with_the_index_up_to_the_cap():
    assert ann.expansion_for(1) == ann.expansion_for(ann.EXPANSION_GROWS_FROM) == ann.EXPANSION_SEARCH
    assert ann.expansion_for(2 * ann.EXPANSION_GROWS_FROM) == int(ann.EXPANSION_SEARCH * 2 ** 0.5)
    assert ann.expansion_for(100 * ann.EXPANSION_GROWS_FROM) == ann.EXPANSION_SEARCH_MAX


def test_a_graph_of_the_older_recipe_is_searched_with_the_wider_beams_it_needs():
    base, cap = ann.LEGACY_BEAMS
    assert ann.expansion_for(ann.EXPANSION_GROWS_FROM, ann.LEGACY_GRAPH) == base
    assert ann.expansion_for(2 * ann.EXPANSION_GROWS_FROM, ann.LEGACY_GRAPH) == 2 * base
    assert ann.expansion_for(10 * ann.EXPANSION_GROWS_FROM, ann.LEGACY_GRAPH) == cap > ann.EXPANSION_SEARCH_MAX


def test_added_and_restored_indexes_search_with_the_beam_for_their_size_and_recipe(monkeypatch):
    monkeypatch.setattr(ann, "EXPANSION_GROWS_FROM", 100)
    rng = np.random.default_rng(1)
    indexes = ann.NamespaceIndexes(8)
    indexes.add("small", np.arange(50), rng.standard_normal((50, 8)).astype(np.float32))
    indexes.add("large", np.arange(50, 450), rng.standard_normal((400, 8)).astype(np.float32))
    beams = {ns: idx.expansion_search for ns, idx in indexes._by_ns.items()}
    assert beams == {"small": ann.EXPANSION_SEARCH, "large": 2 * ann.EXPANSION_SEARCH}
    restored = ann.NamespaceIndexes.restore(8, indexes.serialize())
    assert {ns: idx.expansion_search for ns, idx in restored._by_ns.items()} == beams
    # The build beam is not in the bytes: usearch would otherwise restore its own default.
    assert {idx.expansion_add for idx in restored._by_ns.values()} == {ann.EXPANSION_ADD}
    legacy = ann.NamespaceIndexes.restore(8, indexes.serialize(), ann.LEGACY_GRAPH)
    assert legacy.graph == ann.LEGACY_GRAPH
    assert {ns: idx.expansion_search for ns, idx in legacy._by_ns.items()} == {
        "small": ann.LEGACY_BEAMS[0], "large": 4 * ann.LEGACY_BEAMS[0]}
    assert {idx.expansion_add for idx in legacy._by_ns.values()} == {ann.LEGACY_EXPANSION_ADD}
