"""The HNSW search beam grows with the namespace's index (recall at a fixed beam falls as the graph grows),
and a graph built with an older recipe keeps the beams it needs."""

import numpy as np

from memvault.vault.knn import ann


def test_the_beam_is_fixed_up_to_the_threshold_then_grows_with_the_index_up_to_the_cap():
    assert ann.expansion_for(1) == ann.expansion_for(ann.EXPANSION_GROWS_FROM) == ann.EXPANSION_SEARCH
    assert ann.expansion_for(2 * ann.EXPANSION_GROWS_FROM) == int(ann.EXPANSION_SEARCH * 2 ** 0.5)
    assert ann.expansion_for(100 * ann.EXPANSION_GROWS_FROM) == ann.EXPANSION_SEARCH_MAX
    # The bench's questions at 100k need ~180 (0.988-0.991 strict recall at 128, 0.995+ at 181).
    assert 170 <= ann.expansion_for(100_000) <= 200


def test_a_graph_of_the_older_recipe_is_searched_with_the_wider_beams_it_needs():
    base, cap = ann.LEGACY_BEAMS
    assert ann.expansion_for(ann.LEGACY_GROWS_FROM, ann.LEGACY_GRAPH) == base
    assert ann.expansion_for(2 * ann.LEGACY_GROWS_FROM, ann.LEGACY_GRAPH) == 2 * base
    assert ann.expansion_for(10 * ann.LEGACY_GROWS_FROM, ann.LEGACY_GRAPH) == cap > ann.EXPANSION_SEARCH_MAX


def test_a_small_graph_takes_new_vectors_with_the_narrower_build_beam():
    assert ann.expansion_add_for(0) == ann.expansion_add_for(ann.SMALL_GRAPH - 1) == ann.EXPANSION_ADD_SMALL
    assert ann.expansion_add_for(ann.SMALL_GRAPH) == ann.EXPANSION_ADD > ann.EXPANSION_ADD_SMALL
    # A graph of the older recipe keeps taking vectors as it was built, at any size.
    assert ann.expansion_add_for(0, ann.LEGACY_GRAPH) == ann.expansion_add_for(10**6, ann.LEGACY_GRAPH) \
        == ann.LEGACY_EXPANSION_ADD


def test_each_add_uses_the_build_beam_for_the_graph_it_joins(monkeypatch):
    monkeypatch.setattr(ann, "SMALL_GRAPH", 100)
    rng = np.random.default_rng(2)
    indexes = ann.NamespaceIndexes(8)
    seen = []
    indexes.add("ns", np.arange(60), rng.standard_normal((60, 8)).astype(np.float32))
    seen.append(indexes._by_ns["ns"].expansion_add)
    indexes.add("ns", np.arange(60, 120), rng.standard_normal((60, 8)).astype(np.float32))
    seen.append(indexes._by_ns["ns"].expansion_add)  # joined a graph of 60: still small
    indexes.add("ns", np.arange(120, 130), rng.standard_normal((10, 8)).astype(np.float32))
    seen.append(indexes._by_ns["ns"].expansion_add)
    assert seen == [ann.EXPANSION_ADD_SMALL, ann.EXPANSION_ADD_SMALL, ann.EXPANSION_ADD]
    assert len(indexes.keys("ns")) == 130


def test_added_and_restored_indexes_search_with_the_beam_for_their_size_and_recipe(monkeypatch):
    monkeypatch.setattr(ann, "EXPANSION_GROWS_FROM", 100)
    monkeypatch.setattr(ann, "LEGACY_GROWS_FROM", 100)
    monkeypatch.setattr(ann, "SMALL_GRAPH", 100)
    rng = np.random.default_rng(1)
    indexes = ann.NamespaceIndexes(8)
    indexes.add("small", np.arange(50), rng.standard_normal((50, 8)).astype(np.float32))
    indexes.add("large", np.arange(50, 450), rng.standard_normal((400, 8)).astype(np.float32))
    beams = {ns: idx.expansion_search for ns, idx in indexes._by_ns.items()}
    assert beams == {"small": ann.EXPANSION_SEARCH, "large": 2 * ann.EXPANSION_SEARCH}
    restored = ann.NamespaceIndexes.restore(8, indexes.serialize())
    assert {ns: idx.expansion_search for ns, idx in restored._by_ns.items()} == beams
    # The build beam is not in the bytes: usearch would otherwise restore its own default.
    assert {ns: idx.expansion_add for ns, idx in restored._by_ns.items()} == {
        "small": ann.EXPANSION_ADD_SMALL, "large": ann.EXPANSION_ADD}
    legacy = ann.NamespaceIndexes.restore(8, indexes.serialize(), ann.LEGACY_GRAPH)
    assert legacy.graph == ann.LEGACY_GRAPH
    assert {ns: idx.expansion_search for ns, idx in legacy._by_ns.items()} == {
        "small": ann.LEGACY_BEAMS[0], "large": 4 * ann.LEGACY_BEAMS[0]}
    assert {idx.expansion_add for idx in legacy._by_ns.values()} == {ann.LEGACY_EXPANSION_ADD}
