"""Ranking metrics and the BEIR loader's errors (no model needed)."""

import pytest

from memvault.bench.beir import load_beir
from memvault.bench.metrics import ndcg_at, recall_at
from memvault.domain.errors import InvalidInput


def test_ndcg_and_recall_on_hand_made_rankings():
    rel = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], rel, 10) == pytest.approx(1.0)
    assert ndcg_at(["c", "a", "b"], rel, 10) == pytest.approx((1 / 1.5849625 + 1 / 2) / (1 + 1 / 1.5849625))
    assert ndcg_at(["c", "d"], rel, 10) == 0.0
    assert recall_at(["a", "x"], rel, 10) == 0.5
    assert recall_at(["x", "a"], rel, 1) == 0.0


def test_missing_files_are_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="corpus.jsonl"):
        load_beir(tmp_path, "test")
