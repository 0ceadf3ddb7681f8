"""Ties break the same way everywhere: equal scores are ordered by memory id, in every mode."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, SearchQuery

SAME = "the blue kettle on the stove boils over every morning"


@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID])
def test_equal_scores_come_in_id_order_even_beyond_the_candidate_pool(services, mode):
    # More equal matches than any list holds (limit 5: pools of 50, and FTS5's 4 x 50): which ones make
    # the page must not depend on how FTS5 or a sort happened to meet them.
    for start in range(0, 240, 60):
        made = services.memories.create_batch([MemoryCreate(content=SAME, client_id=f"m{i:03d}")
                                               for i in range(start, start + 60)])
        assert {item.status for item in made.items} == {"success"}
    services.worker.drain()
    result = services.search.search(SearchQuery("blue kettle boils", mode=mode, limit=5))
    assert len({h.score for h in result.hits}) == 1
    # Stored in this order, so the first five ids are the first five stored.
    assert [h.memory.client_id for h in result.hits] == ["m000", "m001", "m002", "m003", "m004"]


WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID])
def test_two_vaults_holding_the_same_data_in_another_order_rank_it_alike(two_vaults, mode):
    # Same length, same one query word: equal BM25. Stored in opposite orders, so their ids are reversed.
    texts = [f"the kettle note {w}" for w in WORDS]
    for services, order in zip(two_vaults, (texts, texts[::-1]), strict=True):
        services.memories.create_batch([MemoryCreate(content=t) for t in order])
        services.worker.drain()
    pages = [[h.memory.content for h in services.search.search(SearchQuery("kettle", mode=mode, limit=5)).hits]
             for services in two_vaults]
    assert len(pages[0]) == 5 and pages[0] == pages[1]


@pytest.mark.parametrize("template,query", [("the kettle note w{:03d}", "kettle"), ("水壶的说明 w{:03d}", "水壶")],
                         ids=["stemmed-index", "segmented-index"])
@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID])
def test_equal_matches_beyond_every_pool_rank_alike_in_two_vaults_stored_in_opposite_orders(two_vaults, mode,
                                                                                          template, query):
    # 260 distinct texts of equal BM25 (same words but one, same length): more than FTS5's pool and the
    # keyword list hold, so which of them are kept must not follow arrival order either.
    texts = [template.format(i) for i in range(260)]
    for services, order in zip(two_vaults, (texts, texts[::-1]), strict=True):
        for start in range(0, len(order), 100):
            services.memories.create_batch([MemoryCreate(content=t) for t in order[start:start + 100]])
        services.worker.drain()
    pages = [[h.memory.content for h in services.search.search(SearchQuery(query, mode=mode, limit=5)).hits]
             for services in two_vaults]
    assert len(pages[0]) == 5 and pages[0] == pages[1]


@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID])
def test_two_vaults_holding_the_same_turns_and_facts_in_another_order_rank_them_alike(two_vaults, mode):
    """Where facts fold into their turns, the slots' equal scores keep the text order too, not the ids'."""
    import datetime as dt

    from memvault.domain.conversations import ChatMessage, ConversationSubmission
    from memvault.domain.models import MemoryFilter

    turns = [f"I bought a kettle called {w.title()}." for w in WORDS]
    when = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()
    for services, order in zip(two_vaults, (turns, turns[::-1]), strict=True):
        services.memories.create_batch([MemoryCreate(content=t, namespace="chat", user_id="noor", session_id="s1")
                                        for t in order])
        job = services.conversations.ingest(ConversationSubmission(
            tuple(ChatMessage("user", t) for t in order), "chat", conversation_id="c1", occurred_at=when,
            user_id="noor"))
        assert len(job.result["facts"]) == len(WORDS), job.result
        services.worker.drain()
    pages = [[(h.memory.content, h.snippet) for h in services.search.search(SearchQuery(
        "kettle", mode=mode, limit=5, filter=MemoryFilter(namespace="chat"))).hits] for services in two_vaults]
    assert len(pages[0]) == 5 and pages[0] == pages[1]


@pytest.mark.parametrize("mode", [SearchMode.KEYWORD, SearchMode.HYBRID])
@pytest.mark.parametrize("tagged", [None, "kept"], ids=["unfiltered", "filtered"])
def test_a_tie_at_the_keyword_pools_end_ranks_alike_in_two_vaults_whether_the_matches_above_it_suffice(
        two_vaults, tagged, mode):
    """80 equal matches above a tie of 300 at the end of FTS5's pool (limit 10: a list of 50, a pool of 200).
    Unfiltered, the 80 fill the list: its cut at 50 falls inside them, past the first 66 whose filter is checked
    first, and must fall by text among all 80 (it fell among the 66 that arrived first). Filtered so that 5 of
    them pass, the list goes on into the tie of 300, which must be taken in text order too."""
    from memvault.domain.models import MemoryFilter

    above = [(f"kettle kettle a{i:03d}", ("kept",) if i % 16 == 0 else ()) for i in range(80)]
    tie = [(f"kettle note b{i:03d}", ("kept",)) for i in range(300)]
    items = above + tie
    for services, order in zip(two_vaults, (items, items[::-1]), strict=True):
        for start in range(0, len(order), 100):
            services.memories.create_batch([MemoryCreate(content=t, tags=tags) for t, tags in order[start:start + 100]])
        services.worker.drain()
    f = MemoryFilter(tags=(tagged,)) if tagged else MemoryFilter()
    pages = [[h.memory.content for h in services.search.search(SearchQuery(
        "kettle", mode=mode, limit=10, filter=f)).hits] for services in two_vaults]
    assert len(pages[0]) == 10 and pages[0] == pages[1]
    if mode is SearchMode.HYBRID:
        return  # ranked by relevance: the keyword list's members are what both vaults must agree on
    if tagged:
        assert pages[0] == [f"kettle kettle a{i:03d}" for i in range(0, 80, 16)] + [f"kettle note b{i:03d}"
                                                                                   for i in range(5)]
    else:
        assert pages[0] == [f"kettle kettle a{i:03d}" for i in range(10)]
