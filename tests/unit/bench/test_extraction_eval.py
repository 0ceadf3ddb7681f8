"""The extraction set loads and the matching rule needs both similarity and key terms (fake vectors here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memvault.bench.extraction import key_terms, load_set, match, terms_overlap
from memvault.domain.errors import InvalidInput
from memvault.extraction.categories import CATEGORIES

SET = Path(__file__).parents[2] / "data" / "extraction" / "conversations.json"


def test_the_labelled_set_is_large_enough_and_uses_the_fixed_categories():
    items = load_set(SET)
    assert len(items) >= 40
    assert {c.split for c in items} == {"tune", "heldout"}
    assert abs(sum(c.split == "tune" for c in items) - len(items) / 2) <= 1
    for c in items:
        assert any(m.role == "user" for m in c.messages) and any(m.role == "assistant" for m in c.messages)
        for e in c.expected:
            assert e["kind"] in ("semantic", "episodic") and set(e["categories"]) <= set(CATEGORIES), c.id


def test_key_terms_drop_stop_words_and_cut_to_five_letters():
    assert key_terms("The user moved to Zurich in March 2026") == {"moved", "zuric", "march", "2026"}
    assert terms_overlap("The user moved to Zurich in March 2026", "The user moved to Zurich")
    assert key_terms("engineer engineers") == {"engin"}
    assert not terms_overlap("The user moved to Zurich in March 2026", "The user likes Zurich")


def _same_vector(texts):
    return np.ones((len(texts), 4), dtype=np.float32)


def _orthogonal(texts):
    return np.eye(len(texts), 8, dtype=np.float32)


def test_a_match_needs_similarity_and_key_terms_one_to_one():
    expected = ["The user lives in Porto", "The user is a nurse"]
    extracted = ["The user lives in Porto", "The user lives in Porto now", "The user likes tea"]
    pairs = match(expected, extracted, _same_vector)
    assert [(i, j) for i, j, _ in pairs] == [(0, 0)]  # one-to-one; "nurse" shares no key term with anything
    assert match(expected, extracted, _orthogonal) == []  # words alone are not enough


def test_a_file_that_is_not_a_set_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"conversations": [{"id": 1}]}', "utf-8")
    with pytest.raises(InvalidInput, match="is not an extraction set"):
        load_set(bad)
