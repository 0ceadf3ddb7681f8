"""The FTS5 query builder."""

from app.vault.search import fts_query


def test_fts_query_quotes_words_and_drops_stopwords():
    assert fts_query("What does the user prefer about dark mode?") == '"user" OR "prefer" OR "dark" OR "mode"'
    assert fts_query('say "hi" AND x*') == '"say" OR "hi" OR "x"'
    assert fts_query("the of and") == '"the" OR "of" OR "and"'
    assert fts_query("?!") is None


def test_keyword_ranks_fts_first_then_filters_and_falls_back_to_the_filtered_query(services, monkeypatch):
    """FTS5's own top matches, filtered, give the same hits as ranking every match under the filter."""
    import time

    from app.domain.models import MemoryCreate, MemoryFilter
    from app.vault import search

    services.memories.create_batch([MemoryCreate(content=f"garden hose {'garden ' * (i % 5)} note {i}",
                                                 agent_id="noisy") for i in range(40)])
    quiet = {services.memories.create(MemoryCreate(content=f"garden shed plan {i}", agent_id="quiet")).memory.rowid
             for i in range(3)}
    answers = {}
    for overfetch in (1, 4, 1000):  # 1: the quiet ones fall outside the pool, 1000: the pool holds every match
        monkeypatch.setattr(search, "KEYWORD_OVERFETCH", overfetch)
        with services.vault.db.read() as conn:
            hits = search.keyword(conn, "garden", MemoryFilter(agent_id="quiet"), 3, time.time())
            everyone = search.keyword(conn, "garden", MemoryFilter(), 5, time.time())
        assert {h.memory_id for h in hits} == quiet and all("**garden**" in h.snippet for h in hits)
        assert [h.bm25 for h in everyone] == sorted(h.bm25 for h in everyone)
        answers[overfetch] = ([(h.memory_id, h.bm25, h.snippet) for h in hits],
                              [(h.memory_id, h.bm25, h.snippet) for h in everyone])
    assert answers[1] == answers[4] == answers[1000]


def test_keyword_leaves_out_the_most_common_words_when_their_matches_exceed_the_budget(services, monkeypatch):
    """Over the budget the common word goes (FTS5 would score all its matches); the rare one ranks alone."""
    import time

    from app.domain.models import MemoryCreate, MemoryFilter
    from app.vault import search

    common = [services.memories.create(MemoryCreate(content=f"garden note {i}")).memory.rowid for i in range(30)]
    rare = {services.memories.create(MemoryCreate(content=f"shed plan {i}")).memory.rowid for i in range(3)}
    with services.vault.db.read() as conn:
        assert search.fts_query_within_budget(conn, "garden shed zebra") == '"garden" OR "shed"'
        assert search.fts_query_within_budget(conn, "garden shed zebra", budget=10) == '"shed"'
        assert search.fts_query_within_budget(conn, "garden", budget=10) == '"garden"'
        assert search.fts_query_within_budget(conn, "zebra okapi", budget=10) == '"zebra" OR "okapi"'
        assert search.fts_query_within_budget(conn, "?!") is None
        within = search.keyword(conn, "garden shed", MemoryFilter(), 50, time.time())
        monkeypatch.setattr(search, "KEYWORD_SCORED_MAX", 10)
        over = search.keyword(conn, "garden shed", MemoryFilter(), 50, time.time())
    assert {h.memory_id for h in within} == rare | set(common)
    assert {h.memory_id for h in over} == rare


def test_a_date_in_a_query_is_answered_from_the_own_time_index(services):
    import time

    from sqlalchemy import text

    from app.domain.models import MemoryCreate, MemoryFilter
    from app.vault import entities, filters
    from app.vault.migrations import OWN_TIME

    services.memories.create_batch([MemoryCreate(content=f"note {i}", metadata={"event_at": f"2026-02-1{i % 10}T10:00"})
                                    for i in range(40)])
    services.memories.create(MemoryCreate(content="stored now, no event"))
    where = filters.full(MemoryFilter(), time.time())
    with services.vault.db.read() as conn:
        found = entities.dated_memories(conn, "2026-02-13T00:00", "2026-02-14T00:00", where, 50, prefix="2026-02-13")
        plan = " ".join(str(row) for row in conn.execute(text(
            f"EXPLAIN QUERY PLAN SELECT m.id FROM memories m WHERE {where.sql()} AND {OWN_TIME} >= :a "
            f"AND {OWN_TIME} < :b"), dict(where.params, a="2026-02-13T00:00", b="2026-02-14T00:00")))
    assert len(found) == 4  # notes 3, 13, 23 and 33
    assert "ix_memories_own_time" in plan and "SCAN" not in plan  # not every memory of the namespace


def test_an_agent_filter_reads_the_agent_index_not_every_live_memory(services):
    import time

    from sqlalchemy import text

    from app.domain.models import MemoryCreate, MemoryFilter
    from app.vault.knn import planner

    services.memories.create_batch([MemoryCreate(content=f"note {i}", agent_id="rare" if i % 20 == 0 else "busy")
                                    for i in range(60)])
    services.worker.drain()
    sql, params = planner._eligible_sql(MemoryFilter(agent_id="rare"), time.time())
    with services.vault.db.read() as conn:
        plan = " ".join(str(row) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params))
        assert len(planner.eligible_chunks(conn, MemoryFilter(agent_id="rare"), time.time())) == 3
    assert "ix_memories_agent" in plan, plan
