"""Compression to a token budget, counted with the model's own tokenizer."""

import pytest

from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.errors import InvalidInput
from memvault.domain.models import Memory, SearchHit
from memvault.service.compress import ContextCompressor, TokenCounter, split_sentences


def make_hit(memory_id: str, content: str) -> SearchHit:
    memory = Memory(id=memory_id, rowid=1, namespace="default", content=content, memory_type=MemoryType.GENERAL,
                    tags=(), metadata={}, importance=0.5, tier=Tier.WARM, visibility=Visibility.PRIVATE,
                    agent_id=None, user_id=None, session_id=None, project=None, client_id=None, created_at=0.0,
                    updated_at=0.0, expires_at=None, deleted_at=None, archived_at=None, version=1,
                    embedding_status=EmbeddingStatus.READY, model_id=None)
    return SearchHit(memory, 0.9, content[:40])


COUNTER = TokenCounter()


@pytest.fixture(scope="module")
def compressor():
    return ContextCompressor(COUNTER)


def test_best_hits_first_within_budget_and_counted_by_the_tokenizer(compressor):
    hits = [make_hit("a", "Juniper is a grey lurcher. She came from Dogs Trust Leeds. She hates the rain."),
            make_hit("b", "The vet said Juniper is healthy. Her next check-up is in May."),
            make_hit("c", "Maya's sister Ada got engaged on New Year's Eve in Peckham.")]
    out = compressor.compress(hits, "what breed is juniper?", 30)
    assert out.tokens_used <= 30 and out.hits[0].memory_id == "a"
    assert out.tokens_used == sum(COUNTER.count(h.context) for h in out.hits)
    assert "lurcher" in out.hits[0].context
    assert [h.memory_id for h in out.hits] + out.dropped_hits == ["a", "b", "c"]


def test_each_hit_keeps_its_most_relevant_sentences(compressor):
    text = ("We talked about the weather for a while. The user moved to Porto in March. "
            "Then we discussed lunch options near the office. Porto rents are high.")
    out = compressor.compress([make_hit("a", text)], "where did the user move, porto?", 25)
    context = out.hits[0].context
    assert "moved to Porto" in context and "weather" not in context
    assert out.sentences_over_budget >= 1 and out.tokens_used <= 25


def test_redundant_sentences_across_hits_are_removed(compressor):
    hits = [make_hit("a", "The user prefers dark mode in every application."),
            make_hit("b", "The user prefers dark mode in every application! They also like large fonts.")]
    out = compressor.compress(hits, "ui preferences", 200)
    assert out.redundant_sentences == 1
    assert out.hits[1].context.startswith("They also like large fonts")


def test_a_long_sentence_is_cut_at_a_word_boundary_never_mid_word(compressor):
    words = "supercalifragilistic extraordinarily " * 30
    out = compressor.compress([make_hit("a", words.strip() + ".")], "extraordinarily", 20)
    context = out.hits[0].context
    assert out.hits[0].cut and context.endswith("…") and out.tokens_used <= 20
    assert all(w in ("supercalifragilistic", "extraordinarily") for w in context[:-1].split())


def test_a_budget_smaller_than_a_piece_goes_to_the_best_hit_cut_short(compressor):
    hits = [make_hit("a", "One two three four five six seven eight nine ten eleven."), make_hit("b", "Tiny.")]
    out = compressor.compress(hits, "x", 3)
    assert [h.memory_id for h in out.hits] == ["a"] and out.hits[0].cut and out.tokens_used <= 3
    assert out.dropped_hits == ["b"]


def test_a_weaker_hits_short_sentence_never_takes_a_better_hits_place(compressor):
    hits = [make_hit("a", "The user's dentist is Dr. Okafor on Oak Street"), make_hit("b", "Dr. Okafor is kind"),
            make_hit("c", "Another")]
    out = compressor.compress(hits, "dentist", 5)
    assert [h.memory_id for h in out.hits] == ["a"] and out.hits[0].context.startswith("The user's")
    assert out.dropped_hits == ["b", "c"] and out.tokens_used <= 5
    # Where the better hit fits, the weaker ones follow with what is left.
    roomy = compressor.compress(hits, "dentist", 40)
    assert [h.memory_id for h in roomy.hits] == ["a", "b", "c"]


def test_what_the_caller_adds_to_each_hit_is_counted_in(compressor):
    hits = [make_hit(k, "x") for k in "abc"]
    out = compressor.compress(hits, "x", 5, per_hit_tokens=1)
    assert out.tokens_used <= 5 and len(out.hits) == 2 and out.dropped_hits == ["c"]
    lines = "\n".join(f"- {h.context}" for h in out.hits)
    assert COUNTER.count(lines) <= 5


@pytest.mark.parametrize("bad", [0, -5, 100_001, True, 2.5])
def test_budget_is_validated(compressor, bad):
    with pytest.raises(InvalidInput):
        compressor.compress([], "q", bad)


def test_sentence_split():
    assert split_sentences("One. Two!  Three?\nFour") == ["One.", "Two!", "Three?", "Four"]
    # An abbreviation's or an initial's full stop ends no sentence.
    assert split_sentences("My dentist is Dr. Okafor. J. Smith saw her, e.g. on Mon.") == [
        "My dentist is Dr. Okafor.", "J. Smith saw her, e.g. on Mon."]
