"""Emoji in a query (real models): all-MiniLM-L6-v2 knows none, and each used to embed as the same unknown token,
so whichever memory also held an emoji came first for any of them, flagged a good match."""

from __future__ import annotations

import numpy as np
import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

pytestmark = pytest.mark.slow  # depends on meaning: the real model

# Written for this test (not from any evaluation set).
MEMORIES = {
    "coffee": "Takes coffee black, no sugar",
    "dog": "The dog's vet appointment is next Tuesday",
    "party": "Party on Saturday 🎉 at Sam's place",
    "flight": "Flight to Lisbon on March 3",
    "allergy": "Allergic to peanuts",
}


def test_different_emoji_no_longer_embed_alike(real_embedder):
    coffee, dog = real_embedder.embed_query("☕"), real_embedder.embed_query("🐶")
    assert float(np.dot(coffee, dog)) < 0.9
    assert np.allclose(real_embedder.embed_query("☕"), real_embedder.embed_texts(["☕"], role="query")[0], atol=1e-6)
    # A memory's vector is its text's, as stored before: only queries are read by name.
    assert np.allclose(real_embedder.embed_texts(["🎉"])[0], real_embedder.embed_texts(["\U0001fae8"])[0], atol=1e-6)


def test_multilingual_e5_reads_emoji_as_it_knows_them(multilingual_embedder):
    assert np.allclose(multilingual_embedder.embed_query("☕"),
                       multilingual_embedder.embed_texts(["☕"], role="query")[0], atol=1e-6)
    assert multilingual_embedder._symbols_named("☕", multilingual_embedder._tokenizer.encode("☕"))[0] == "☕"


@pytest.mark.parametrize(("query", "key"), [("☕", "coffee"), ("🐶", "dog"), ("🎉", "party"), ("✈️", "flight")])
def test_an_emoji_finds_what_it_shows(services, query, key):
    ids = {k: services.memories.create(MemoryCreate(content=text)).memory.id for k, text in MEMORIES.items()}
    services.worker.drain()
    result = services.search.search(SearchQuery(query, mode=SearchMode.HYBRID, limit=3, filter=MemoryFilter()))
    assert result.hits[0].memory.id == ids[key]
    assert result.good_match


def test_an_emoji_about_nothing_stored_is_no_good_match(services):
    for text in MEMORIES.values():
        services.memories.create(MemoryCreate(content=text))
    services.worker.drain()
    result = services.search.search(SearchQuery("👍👍", mode=SearchMode.HYBRID, limit=3, filter=MemoryFilter()))
    assert not result.good_match
