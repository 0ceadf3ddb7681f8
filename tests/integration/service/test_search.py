"""Search by meaning, keyword and hybrid, with the real model and filters inside the KNN."""

import math
import threading

import numpy as np
import pytest

from memvault.domain.enums import MemoryType, SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

FACTS = [
    ("The user prefers dark mode in all applications", "preference"),
    ("Meeting with Dana on Thursday at 2pm about the budget", "event"),
    ("The production database runs PostgreSQL 16", "fact"),
    ("Never deploy to production on Fridays", "policy"),
    ("The cat's name is Miso and she hates the vacuum cleaner", "fact"),
]


@pytest.fixture
def corpus(services):
    ids = {}
    for content, kind in FACTS:
        ids[content] = services.memories.create(MemoryCreate(content=content, memory_type=kind)).memory.id
    services.worker.drain()
    return ids


def _search(services, query, **kw):
    return services.search.search(SearchQuery(query, **kw))


@pytest.mark.slow  # depends on meaning: the real model
def test_semantic_search_finds_by_meaning_without_shared_words(services, corpus):
    result = _search(services, "what colour scheme does the user like for the screen", mode=SearchMode.SEMANTIC)
    assert result.hits[0].memory.id == corpus[FACTS[0][0]]
    assert 0.0 <= result.hits[-1].score <= result.hits[0].score <= 1.0
    pet = _search(services, "which animal lives with the user", mode=SearchMode.SEMANTIC)
    assert pet.hits[0].memory.id == corpus[FACTS[4][0]]


def test_keyword_search_ranks_by_bm25_and_highlights(services, corpus):
    result = _search(services, "PostgreSQL", mode=SearchMode.KEYWORD)
    assert [h.memory.id for h in result.hits] == [corpus[FACTS[2][0]]]
    assert "**PostgreSQL**" in result.hits[0].snippet
    assert _search(services, "zebra", mode=SearchMode.KEYWORD).hits == ()
    assert _search(services, "?!", mode=SearchMode.KEYWORD).hits == ()


def _logistic_of_shipped_weights(similarity, coverage, bm25, background=None):
    # The shipped fit written out (similarity, coverage, BM25 over BM25 + 20, bias), not read from the module;
    # graph evidence has weight 0 (it only breaks ties) and these memories are no conversation turns. The
    # query's background comes off the similarity.
    z = 8.792 * ((similarity or 0.0) - (background or 0.0)) + 2.441 * coverage \
        + 3.131 * (abs(bm25) / (abs(bm25) + 20) if bm25 else 0.0) - 5.920
    return 1 / (1 + math.exp(-z))


def test_hybrid_scores_each_hit_by_the_documented_relevance_of_its_evidence(services, embedder, corpus):
    query = "Dana budget meeting"
    result = _search(services, query, mode=SearchMode.HYBRID, debug=True)
    top = result.hits[0]
    assert top.memory.id == corpus[FACTS[1][0]]
    b = top.breakdown
    # Every content word of the query is in the hit; its similarity is the cosine of the two embeddings.
    assert b.semantic_rank == 1 and b.keyword_rank == 1 and b.coverage == 1.0
    cosine = float(np.dot(embedder.embed_query(query), embedder.embed_texts([FACTS[1][0]])[0]))
    assert b.semantic == pytest.approx(cosine, abs=1e-5)
    for h in result.hits:
        b = h.breakdown
        expected = _logistic_of_shipped_weights(b.semantic, b.coverage, b.keyword_bm25, b.background)
        assert h.score == pytest.approx(expected, abs=1e-6) and b.relevance == pytest.approx(expected)
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)
    # A keyword-only candidate still gets its similarity (from its stored vectors), not a missing term.
    kw_only = _search(services, "PostgreSQL", mode=SearchMode.HYBRID, debug=True).hits[0]
    assert kw_only.memory.id == corpus[FACTS[2][0]] and kw_only.breakdown.semantic is not None


def test_hybrid_reads_keyword_lists_on_a_bounded_pool_of_threads(services, corpus):
    from concurrent.futures import ThreadPoolExecutor

    from memvault.service import search as search_module

    def keyword_threads() -> set[int]:
        return {t.ident for t in threading.enumerate() if t.name.startswith("keyword-search")}

    # Sixteen hybrid searches at once: their keyword lists queue for the pool instead of a thread each.
    with ThreadPoolExecutor(8) as callers:
        results = list(callers.map(lambda i: _search(services, f"budget meeting {i}", mode=SearchMode.HYBRID),
                                   range(16)))
    assert all(r.hits for r in results)
    assert 0 < len(keyword_threads()) <= search_module.KEYWORD_WORKERS


def test_debug_breakdown_only_when_asked(services, corpus):
    assert all(h.breakdown is None for h in _search(services, "deploy").hits)
    assert all(h.breakdown.semantic is not None for h in _search(services, "deploy", debug=True).hits)


@pytest.mark.slow  # depends on meaning: the real model
def test_min_score_and_limit(services, corpus):
    result = _search(services, "dark mode preference", min_score=0.5)
    assert result.hits and all(h.score >= 0.5 for h in result.hits)
    assert len(_search(services, "anything", limit=2).hits) == 2
    for bad in (dict(limit=0), dict(limit=101), dict(min_score=1.5)):
        with pytest.raises(InvalidInput):
            _search(services, "x", **bad)
    with pytest.raises(InvalidInput):
        _search(services, "")


@pytest.mark.usefixtures("queued_stores")
def test_memory_waiting_for_its_vector_is_found_by_keyword_and_hybrid(services):
    pending = services.memories.create(MemoryCreate(content="The spare key is under the blue flowerpot")).memory
    assert services.jobs.depth() == 1
    assert _search(services, "flowerpot", mode=SearchMode.KEYWORD).hits[0].memory.id == pending.id
    assert _search(services, "flowerpot", mode=SearchMode.HYBRID).hits[0].memory.id == pending.id
    assert _search(services, "flowerpot", mode=SearchMode.SEMANTIC).hits == ()


def test_filters_apply_inside_the_knn_not_after_it(services):
    """Many close neighbours that fail the filter must not crowd out the one that passes."""
    services.memories.create_batch([
        MemoryCreate(content=f"Note {i}: the user prefers dark mode in editor {i}", agent_id="noisy")
        for i in range(60)])
    target = services.memories.create(MemoryCreate(
        content="Gardening log: tomatoes need watering twice a week", agent_id="quiet")).memory
    services.worker.drain()
    f = MemoryFilter(agent_id="quiet", include_confidential=False)
    result = _search(services, "dark mode preference", limit=1, filter=f)
    assert [h.memory.id for h in result.hits] == [target.id]


def test_namespace_partition_and_type_filter(services):
    a = services.memories.create(MemoryCreate(content="Rust borrow checker tips", namespace="a",
                                              memory_type="insight")).memory
    services.memories.create(MemoryCreate(content="Rust borrow checker tips", namespace="b"))
    services.worker.drain()
    hits = _search(services, "rust ownership", filter=MemoryFilter(namespace="a", include_confidential=False)).hits
    assert [h.memory.id for h in hits] == [a.id]
    typed = MemoryFilter(namespace=None, memory_types=(MemoryType.INSIGHT,), include_confidential=False)
    assert [h.memory.id for h in _search(services, "rust", filter=typed).hits] == [a.id]


def test_confidential_memories_are_excluded_unless_asked(services):
    secret = services.memories.create(MemoryCreate(content="My bank PIN hint is my first cat",
                                                   visibility="confidential")).memory
    services.worker.drain()
    for mode in SearchMode:
        assert _search(services, "bank PIN hint", mode=mode).hits == ()
        asked = _search(services, "bank PIN hint", mode=mode, filter=MemoryFilter(include_confidential=True))
        assert asked.hits[0].memory.id == secret.id


@pytest.mark.slow  # depends on meaning: the real model
def test_long_memory_is_scored_by_its_best_chunk_with_that_chunk_as_snippet(services):
    filler = " ".join(f"Section {i} discusses quarterly logistics spreadsheets and invoices." for i in range(80))
    needle = "The emergency generator fuel is stored in the north shed."
    long = services.memories.create(MemoryCreate(content=filler + " " + needle + " " + filler)).memory
    services.memories.create(MemoryCreate(content="Invoices are due at the end of the month"))
    services.worker.drain()
    result = _search(services, "where is the generator fuel kept", debug=True)
    assert result.hits[0].memory.id == long.id
    assert "generator" in result.hits[0].snippet
    assert len(result.hits[0].snippet) < 400


def _far_keyword_only_memory(services):
    """150 memories nearer the query "zeppelin alpha" than the one memory with the rare word."""
    for i in range(150):
        services.memories.create(MemoryCreate(content=f"alpha note {i}"))
    far = services.memories.create(MemoryCreate(
        content="zeppelin " + " ".join(f"word{i}" for i in range(60)))).memory
    services.worker.drain()
    return far


@pytest.mark.seconds
def test_a_keyword_only_hit_beyond_the_chunks_read_gets_their_last_similarity_as_a_bound(services, monkeypatch):
    from memvault.service import search as search_module
    from memvault.vault.knn import VectorIndex

    # The index cannot answer (as while it loads or catches up on a backlog): vec0 gives the nearest chunks.
    # Hybrid reads max(2 x 50 + 8, reach) of them at limit 3: 108 here, fewer than the memories,
    # all of them nearer the query than the memory with the rare word.
    monkeypatch.setattr(VectorIndex, "catch_up", lambda self, conn, limit=None: False)
    monkeypatch.setattr(search_module, "HYBRID_SIMILARITY_CHUNKS", 10)
    far = _far_keyword_only_memory(services)
    result = _search(services, "zeppelin alpha", mode=SearchMode.HYBRID, limit=3, debug=True)
    hit = next(h for h in result.hits if h.memory.id == far.id)
    b = hit.breakdown
    assert b.keyword_rank == 1 and b.semantic_rank is None and b.semantic_upper_bound is True
    nearest = [h.breakdown.semantic for h in result.hits if h.breakdown.semantic_rank is not None]
    assert 0 < b.semantic <= min(nearest)
    assert hit.score == pytest.approx(_logistic_of_shipped_weights(b.semantic, b.coverage, b.keyword_bm25,
                                                                   b.background), abs=1e-6)


@pytest.mark.seconds
def test_keyword_candidates_outside_the_semantic_list_get_exact_similarities_from_the_index(services, monkeypatch):
    import numpy as np

    from memvault.vault.knn import planner

    asked = []
    similarities = planner.similarities
    monkeypatch.setattr(planner, "similarities", lambda *a: asked.append(similarities(*a)) or asked[-1])
    far = _far_keyword_only_memory(services)
    result = _search(services, "zeppelin alpha", mode=SearchMode.HYBRID, limit=3, debug=True)
    assert len(asked) == 1 and far.rowid in asked[0]  # read from the index: not among the 108 nearest chunks
    q, v = services.embedder.embed_query("zeppelin alpha"), services.embedder.embed_texts([far.content])[0]
    exact = float(q @ v / np.linalg.norm(q) / np.linalg.norm(v))
    assert asked[0][far.rowid][1] == pytest.approx(max(0.0, exact), abs=2e-3)  # half-precision vectors
    # Far from the query, it is ranked by that similarity (not the bound of the last chunk read): below the rest.
    assert far.id not in {h.memory.id for h in result.hits}
    assert all(h.breakdown.semantic_upper_bound is None for h in result.hits)


@pytest.mark.parametrize("mode", [SearchMode.HYBRID, SearchMode.KEYWORD])
def test_whole_memories_and_snippets_are_read_for_the_page_only(services, monkeypatch, mode):
    """Ranking reads the candidates' texts; whole memories and keyword snippets are read for the hits shown,
    and the page is the same as ranking every candidate with whole memories would give."""
    from memvault.vault import memory_queries
    from memvault.vault import search as vsearch

    services.memories.create_batch([MemoryCreate(content=f"garden shed note {i} about tomatoes {'garden ' * (i % 4)}")
                                    for i in range(40)])
    services.worker.drain()
    full = _search(services, "garden tomatoes", mode=mode, limit=40, debug=True)
    read, snipped = [], []
    monkeypatch.setattr(memory_queries, "get_many", lambda conn, ids, _real=memory_queries.get_many:
                        read.append(list(ids)) or _real(conn, ids))
    monkeypatch.setattr(vsearch, "keyword_snippets", lambda conn, q, ids, expr=None, _real=vsearch.keyword_snippets:
                        snipped.append(list(ids)) or _real(conn, q, ids, expr))
    page = _search(services, "garden tomatoes", mode=mode, limit=3, debug=True)
    assert [h.memory.id for h in page.hits] == [h.memory.id for h in full.hits[:3]]
    assert [h.snippet for h in page.hits] == [h.snippet for h in full.hits[:3]]
    assert all("**garden**" in h.snippet or "**tomatoes**" in h.snippet for h in page.hits)
    # (hybrid also reads the candidates that are turns of a session, for their inputs: none here), and hybrid the
    # hit past the page, whose score judges the last hit's good match
    past = [full.hits[3].memory.rowid] if mode is SearchMode.HYBRID else []
    assert [r for r in read if r] == [[h.memory.rowid for h in page.hits] + past]
    assert len(snipped) == 1 and len(snipped[0]) <= 4


@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID])
def test_a_keyword_search_counts_its_words_matches_once_for_its_list_and_its_snippets(services, monkeypatch, mode):
    """Counting each word's matches (to leave the commonest out of a large vault's query) is ~1 ms at 100k: the
    snippets are cut by the expression the list searched with, not counted again."""
    from memvault.vault import search as vsearch

    services.memories.create_batch([MemoryCreate(content=f"garden shed note {i} about tomatoes") for i in range(20)])
    services.worker.drain()
    counted = []
    monkeypatch.setattr(vsearch, "_matches_per_term", lambda conn, terms, _real=vsearch._matches_per_term:
                        counted.append(list(terms)) or _real(conn, terms))
    page = _search(services, "garden tomatoes", mode=mode, limit=3)
    assert page.hits and all("**garden**" in h.snippet for h in page.hits)
    assert counted == [["garden", "tomatoes"]]


def test_concurrent_hybrid_searches_share_the_two_readers_without_waiting_on_each_other(services):
    """Hybrid reads its keyword list on a thread of its own while the query is embedded: eight searches at
    once on two readers all finish (none holds a reader while waiting for a keyword list) with the answers
    they give one at a time."""
    import threading

    services.memories.create_batch([MemoryCreate(content=f"garden shed note {i} about tomatoes and rain {i % 7}")
                                    for i in range(50)])
    services.worker.drain()
    queries = [f"garden rain {i % 7}" for i in range(8)]
    alone = {q: [h.memory.id for h in _search(services, q, mode=SearchMode.HYBRID).hits] for q in queries}
    together, errors = {}, []

    def run(q):
        try:
            together[q] = [h.memory.id for h in _search(services, q, mode=SearchMode.HYBRID).hits]
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(q,)) for q in queries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads)
    assert together == alone


def test_concurrent_hybrid_searches_never_wait_on_each_other_for_a_reader(services):
    """Each hybrid search reads its keyword list on a second reader while it reads the semantic and graph
    lists on one; with more searches than readers, none may hold a reader while it waits for its keyword list."""
    from concurrent.futures import ThreadPoolExecutor

    services.memories.create_batch([MemoryCreate(content=f"note {i} about Lisbon and the billing service")
                                    for i in range(60)])
    services.worker.drain()
    services.vector_index.maintain()

    def run(i: int) -> int:
        return len(services.search.search(SearchQuery(f"billing in Lisbon {i % 3}", mode=SearchMode.HYBRID)).hits)

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(run, i) for i in range(48)]
        results = [f.result(timeout=60) for f in futures]  # a wait-for cycle would time out here
    assert len(results) == 48 and all(n > 0 for n in results)


@pytest.mark.parametrize(("mode", "reads"), [(SearchMode.SEMANTIC, 1), (SearchMode.KEYWORD, 1), (SearchMode.HYBRID, 3)])
def test_semantic_and_keyword_search_read_their_lists_and_page_in_one_transaction(services, monkeypatch, mode, reads):
    """Only hybrid waits for a list read elsewhere (its keyword list, on a reader of its own) and so reads its
    page in a second transaction; a semantic or keyword search reads everything in one (each transaction costs
    a pool checkout, BEGIN and COMMIT: ~0.1 ms of a ~1 ms semantic search's reads), with the same hits."""
    services.memories.create_batch([MemoryCreate(content=f"garden shed note {i} about tomatoes and rain")
                                    for i in range(30)])
    services.worker.drain()
    services.vector_index.maintain()
    before = _search(services, "tomatoes in the garden", mode=mode, limit=5, debug=True)
    db, opened = services.search._db, []
    monkeypatch.setattr(db, "read", lambda *a, _real=db.read, **kw: opened.append(1) or _real(*a, **kw))
    after = _search(services, "tomatoes in the garden", mode=mode, limit=5, debug=True)
    assert len(opened) == reads  # hybrid: its lists, its keyword list (on the pool's thread), its page
    assert [(h.memory.id, h.score, h.snippet) for h in after.hits] == [(h.memory.id, h.score, h.snippet)
                                                                      for h in before.hits]
    assert len(after.hits) == 5
