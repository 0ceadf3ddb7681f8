"""The query-vector cache: repeated queries skip inference, bounded, keyed by model and text, cleared on lock."""

import numpy as np

from memvault.domain.models import MemoryCreate, SearchQuery
from memvault.embedding.query_cache import QueryVectorCache
from memvault.service.container import open_vault
from tests.helpers import PASSPHRASE
from tests.helpers.fake_embedder import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the queries it really embeds."""

    def __init__(self, model_id="fake-hashed-words-v1"):
        self.model_id = model_id
        self.embedded: list[str] = []

    def embed_query(self, text):
        self.embedded.append(text)
        return super().embed_query(text)


def test_a_repeated_query_is_embedded_once_and_gets_the_same_vector():
    inner = CountingEmbedder()
    cache = QueryVectorCache(inner)
    first = cache.embed_query("where is the staging database")
    first[:] = 0  # a caller scribbling on its copy must not change what the cache holds
    again = cache.embed_query("where is the staging database")
    assert inner.embedded == ["where is the staging database"]
    assert np.array_equal(again, inner.embed_query("where is the staging database"))
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_exact_text_is_the_key():
    inner = CountingEmbedder()
    cache = QueryVectorCache(inner)
    for text in ("dentist", "Dentist", "dentist ", "dentist"):
        cache.embed_query(text)
    assert inner.embedded == ["dentist", "Dentist", "dentist "]


def test_the_least_recently_used_query_is_dropped_at_capacity():
    inner = CountingEmbedder()
    cache = QueryVectorCache(inner, capacity=2)
    cache.embed_query("a")
    cache.embed_query("b")
    cache.embed_query("a")  # "a" is now the most recent
    cache.embed_query("c")  # drops "b"
    assert len(cache) == 2
    cache.embed_query("a")
    cache.embed_query("b")
    assert inner.embedded == ["a", "b", "c", "b"]


def test_another_model_never_gets_vectors_cached_for_the_first():
    inner = CountingEmbedder("model-one")
    cache = QueryVectorCache(inner)
    cache.embed_query("same words")
    inner.model_id = "model-two"
    cache.embed_query("same words")
    assert inner.embedded == ["same words", "same words"]


def test_search_uses_the_cache_and_locking_clears_it(settings, tmp_path):
    from memvault.service.container import create_vault

    inner = CountingEmbedder()
    services = create_vault(settings, PASSPHRASE, inner, background=False)
    try:
        services.memories.create_batch([MemoryCreate(content="the staging database runs PostgreSQL 16")])
        services.worker.drain()
        for _ in range(3):
            hits = services.search.search(SearchQuery("staging database", mode="semantic")).hits
            assert hits and "PostgreSQL" in hits[0].memory.content
        assert inner.embedded == ["staging database"]
        cache = services.query_vectors
        assert len(cache) == 1
    finally:
        services.close()
    assert len(cache) == 0
    reopened = open_vault(settings, PASSPHRASE, inner, background=False)
    try:
        reopened.search.search(SearchQuery("staging database", mode="semantic"))
        assert inner.embedded == ["staging database", "staging database"]
    finally:
        reopened.close()
