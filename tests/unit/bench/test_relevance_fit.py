"""The relevance refit: logistic regression with the prior correction, over limit-10 candidates only."""

import math

import numpy as np
import pytest

from memvault.bench.relevance_fit import Candidate, fit, fit_stratified, inputs_of
from memvault.domain.models import ScoreBreakdown


def test_fit_recovers_weights_and_moves_the_bias_by_the_prior():
    rng = np.random.default_rng(1)
    truth = np.array([6.0, 2.0, 0.0, 3.0])
    candidates = []
    for i in range(4000):
        x = rng.random(4)
        p = 1 / (1 + math.exp(-(x @ truth - 6.0)))
        candidates.append(Candidate(f"q{i % 50}", bool(rng.random() < p), tuple(x)))
    weights, bias, counts = fit(candidates)
    assert np.allclose(weights, truth, atol=0.8)
    assert math.isclose(bias, counts["fitted_bias"] + math.log((4000 - counts["relevant"]) / counts["relevant"]))
    assert counts["questions"] == 50 and counts["candidates"] == 4000


def test_only_candidates_a_limit_10_search_would_weigh():
    assert inputs_of(ScoreBreakdown(semantic=0.5, semantic_rank=51, keyword_rank=None, coverage=0.2)) is None
    got = inputs_of(ScoreBreakdown(semantic=0.5, semantic_rank=80, graph=0.4, graph_rank=3, coverage=0.2,
                                   keyword_bm25=-20.0, keyword_rank=70))
    assert got == (0.5, 0.2, 0.5, 0.4, 0.0, 0.0, 0.0, 0.0)
    turn = inputs_of(ScoreBreakdown(semantic=0.3, semantic_rank=4, coverage=0.0, question=True,
                                    previous_turn_gain=0.1, next_turn_gain=-0.05))
    assert turn == (0.3, 0.0, 0.0, 0.0, 1.0, 0.1, -0.05, 0.0)


def test_the_similarity_is_read_less_the_background_and_the_peers_by_their_excess():
    got = inputs_of(ScoreBreakdown(semantic=0.5, semantic_rank=1, coverage=0.5, background=0.125, peers=0.5))
    # similarity 0.5 - 0.125; peers' excess 0.5 - 0.1 (unrelated texts) - 0.125 (already taken off).
    assert got == pytest.approx((0.375, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.275))


def test_held_weights_stay_and_only_the_others_are_fitted():
    rng = np.random.default_rng(2)
    truth = np.array([6.0, -3.0, 4.0])
    candidates = []
    for i in range(4000):
        x = rng.random(3)
        p = 1 / (1 + math.exp(-(x @ truth - 4.0)))
        candidates.append(Candidate(f"q{i % 50}", bool(rng.random() < p), tuple(x)))
    weights, _bias, _counts = fit(candidates, held={0: 6.0})
    assert weights[0] == 6.0 and np.allclose(weights[1:], truth[1:], atol=0.8)
    # Held at a wrong value, the free weights do not recover it: the hold is real.
    wrong, _b, _c = fit(candidates, held={0: 0.0})
    assert wrong[0] == 0.0 and not np.allclose(wrong[1:], truth[1:], atol=0.8)


def test_the_peers_weight_is_fitted_with_one_bias_per_set():
    # Two sets with different base rates; in the second, the last input is common among its candidates. The
    # true weight (subtracted) is 4 in both: one bias for all lets the input stand for the set instead.
    rng = np.random.default_rng(3)
    sets = []
    for bias, share_with_input in ((-2.0, 0.1), (-6.0, 0.6)):
        rows = []
        for i in range(6000):
            x = rng.random()
            excess = rng.random() * 0.5 if rng.random() < share_with_input else 0.0
            p = 1 / (1 + math.exp(-(3.0 * x - 4.0 * excess + bias)))
            rows.append(Candidate(f"q{i % 60}", bool(rng.random() < p), (x, excess)))
        sets.append(rows)
    assert fit_stratified(sets, (3.0,), np.arange(0.0, 8.01, 0.25)) == pytest.approx(4.0, abs=1.0)
