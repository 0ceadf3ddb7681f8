"""The hybrid relevance formula, coverage, and the compatibility threshold mapping (no model needed)."""

import math

import pytest

from memvault.service import relevance as r


def test_relevance_is_the_documented_logistic_of_the_evidence():
    z = r.W_SIMILARITY * 0.5 + r.W_COVERAGE * 0.25 + r.W_BM25 * 10 / (10 + r.BM25_HALF) + r.BIAS
    assert r.relevance(0.5, 0.25, -10.0) == pytest.approx(1 / (1 + math.exp(-z)))
    assert r.relevance(None, 0.0, None) == pytest.approx(1 / (1 + math.exp(-r.BIAS)))
    # Each kind of evidence raises the score; nothing at all is far below a good match.
    assert r.relevance(0.6, 0.0, None) > r.relevance(0.3, 0.0, None)
    assert r.relevance(0.3, 1.0, None) > r.relevance(0.3, 0.0, None)
    assert r.relevance(0.3, 0.5, -12.0) > r.relevance(0.3, 0.5, None)
    assert r.relevance(0.1, 0.0, None) < 0.05 < r.GOOD_MATCH < r.relevance(0.6, 1.0, -5.0)


def test_coverage_counts_the_query_words_found_in_the_text():
    query = r.content_stems("Which car does the user drive?")
    assert query == {"car", "user", "drive"}
    assert r.coverage(query, "The user drives an electric car") == 1.0
    assert r.coverage(query, "Lunch with Ravi on Friday") == 0.0
    assert r.coverage(query, "My car is red") == pytest.approx(1 / 3)
    assert r.coverage(frozenset(), "anything") == 0.0


@pytest.mark.parametrize("default", [0.3, 0.7])
def test_provider_thresholds_map_their_default_to_a_good_match_and_keep_their_order(default):
    assert r.provider_similarity(default, default) == pytest.approx(r.GOOD_MATCH_SIMILARITY)
    assert r.provider_similarity(0.0, default) == 0.0 and r.provider_similarity(1.0, default) == pytest.approx(1.0)
    points = [i / 20 for i in range(21)]
    mapped = [r.provider_similarity(t, default) for t in points]
    assert mapped == sorted(mapped)
    for t in points:
        assert r.to_provider_similarity(r.provider_similarity(t, default), default) == pytest.approx(t)


def test_graph_evidence_enters_with_its_weight(monkeypatch):
    import math

    base = r.relevance(0.5, 0.25, -10.0)
    assert r.relevance(0.5, 0.25, -10.0, 0.6) == pytest.approx(
        1 / (1 + math.exp(-(math.log(base / (1 - base)) + r.W_GRAPH * 0.6))))
    monkeypatch.setattr(r, "W_GRAPH", 1.5)
    with_graph = r.relevance(0.5, 0.25, -10.0, 0.6)
    assert math.log(with_graph / (1 - with_graph)) == pytest.approx(math.log(base / (1 - base)) + 0.9)


def test_graph_evidence_orders_equally_relevant_hits_only():
    from memvault.service.relevance import rank_key

    # Equal to four decimals: the memory sharing more of the query's entities comes first.
    tied = sorted([(0.71234, None, 1), (0.71231, 0.8, 2), (0.71233, 0.1, 3)], key=lambda t: rank_key(*t))
    assert [t[2] for t in tied] == [2, 3, 1]
    # A clearly more relevant hit stays first whatever the graph says.
    apart = sorted([(0.70, 1.0, 1), (0.72, None, 2)], key=lambda t: rank_key(*t))
    assert [t[2] for t in apart] == [2, 1]


def test_conversation_inputs_move_the_relevance_by_their_documented_weights():
    base = r.relevance(0.4, 0.5, -8.0)
    z = math.log(base / (1 - base))
    said = r.relevance(0.4, 0.5, -8.0, assistant=True)
    assert math.log(said / (1 - said)) == pytest.approx(z + r.W_ASSISTANT)
    both = r.relevance(0.4, 0.5, -8.0, previous_gain=0.2, next_gain=-0.1)
    assert math.log(both / (1 - both)) == pytest.approx(z + 0.2 * r.W_PREVIOUS_GAIN - 0.1 * r.W_NEXT_GAIN)
    # A turn the assistant said weighs less; a turn whose neighbours are closer to the query weighs more.
    assert said < base < r.relevance(0.4, 0.5, -8.0, next_gain=0.1) < r.relevance(0.4, 0.5, -8.0, next_gain=0.2)


def test_said_by_assistant_reads_the_role_or_speaker_in_the_metadata():
    assert r.said_by_assistant({"speaker": "assistant"}) and r.said_by_assistant({"role": " Assistant "})
    assert not r.said_by_assistant({"speaker": "user"}) and not r.said_by_assistant({"role": "system"})
    assert not r.said_by_assistant({}) and not r.said_by_assistant(None)
    assert not r.said_by_assistant({"role": ["assistant"]}) and not r.said_by_assistant({"note": "assistant"})
