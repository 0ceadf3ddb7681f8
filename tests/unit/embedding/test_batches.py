"""How the embedder groups sequences into ONNX batches: budgets kept, every sequence once, little padding."""

import random

from hypothesis import given
from hypothesis import strategies as st

from memvault.embedding import model
from memvault.embedding.model import PAD_SLACK_TOKENS, token_batches


def _padding(lengths, batches):
    return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in batches)


@given(st.lists(st.integers(1, 256), max_size=300), st.integers(1, 64), st.integers(256, 4096), st.booleans())
def test_every_sequence_is_in_one_batch_within_the_budgets(lengths, batch_size, batch_tokens, sort):
    batches = token_batches(lengths, batch_size, batch_tokens, sort=sort)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert 1 <= len(b) <= batch_size
        assert len(b) == 1 or max(lengths[i] for i in b) * len(b) <= batch_tokens


def test_equal_lengths_fill_batches_up_to_the_budget():
    batches = token_batches([30] * 100, 64, 1024)
    assert [len(b) for b in batches] == [34, 34, 32]


def test_a_longer_sequence_that_would_pad_a_batch_by_more_than_the_slack_starts_a_new_one():
    lengths = [10] * 8 + [11] * 8
    batches = token_batches(lengths, 64, 1024)
    # One more token for eight sequences is 8 tokens of padding: a run of its own costs less.
    assert 8 > PAD_SLACK_TOKENS
    assert [sorted(lengths[i] for i in b) for b in batches] == [[10] * 8, [11] * 8]
    # Small steps within the slack stay together.
    assert len(token_batches([10, 10, 11, 11, 12], 64, 1024)) == 1


def test_short_texts_in_claims_pad_less_than_under_the_token_budget_alone(monkeypatch):
    rng = random.Random(5)
    lengths = [max(3, int(rng.lognormvariate(3.4, 0.5))) for _ in range(1024)]
    tight = _padding(lengths, token_batches(lengths, 64, 1024))
    monkeypatch.setattr(model, "PAD_SLACK_TOKENS", 10**9)
    loose = _padding(lengths, token_batches(lengths, 64, 1024))
    assert tight < loose / 5
    assert tight / sum(lengths) < 0.005


def test_unsorted_batches_keep_the_given_order():
    lengths = [5, 50, 5, 50]
    assert [i for b in token_batches(lengths, 64, 1024, sort=False) for i in b] == [0, 1, 2, 3]
