"""The graph list's cut: equal evidence straddling it is decided by the texts, not by arrival order."""

from memvault.ranking.graph import GraphList


def _reader(texts, calls):
    def read(ids):
        calls.append(sorted(ids))
        return {m: (texts[m], None) for m in ids}
    return read


def test_a_tie_across_the_cut_keeps_the_texts_that_come_first():
    # Ids 1-4 tie at 0.5; arrival order would keep 1 and 2, the texts say 4 and 2.
    texts = {9: "zebra", 1: "delta", 2: "bravo", 3: "charlie", 4: "alpha", 7: "echo"}
    g = GraphList(evidence={9: 0.9, 1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5, 7: 0.1})
    calls: list[list[int]] = []
    assert g.ranked(3, _reader(texts, calls)) == [9, 4, 2]
    assert calls == [[1, 2, 3, 4]]  # the tie's texts only
    assert g.ranked(3) == [9, 1, 2]  # without a reader: the ids'


def test_texts_are_read_only_where_a_tie_straddles_the_cut():
    texts = {1: "b", 2: "a", 3: "c"}
    calls: list[list[int]] = []
    g = GraphList(evidence={1: 0.9, 2: 0.9, 3: 0.2})
    assert g.ranked(2, _reader(texts, calls)) == [1, 2]  # the tie is inside the cut: order as before
    assert g.ranked(5, _reader(texts, calls)) == [1, 2, 3]
    assert calls == []
    assert GraphList().ranked(5, _reader(texts, calls)) == []
    assert g.ranked(0, _reader(texts, calls)) == [] and calls == []


def test_a_tie_longer_than_the_texts_read_keeps_the_stored_order(monkeypatch):
    from memvault.ranking import graph

    monkeypatch.setattr(graph, "TIE_TEXTS_MAX", 3)
    calls: list[list[int]] = []
    g = GraphList(evidence={1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5})
    assert g.ranked(2, _reader({m: str(9 - m) for m in range(1, 5)}, calls)) == [1, 2] and calls == []
    monkeypatch.setattr(graph, "TIE_TEXTS_MAX", 4)
    assert g.ranked(2, _reader({m: str(9 - m) for m in range(1, 5)}, calls)) == [4, 3] and calls == [[1, 2, 3, 4]]
