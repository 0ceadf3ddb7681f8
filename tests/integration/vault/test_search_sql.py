"""The FTS5 query builder, and the indexes filtered search reads."""

import numpy as np
import pytest

from memvault.vault.search import fts_query


def test_fts_query_quotes_words_and_drops_stopwords():
    assert fts_query("What does the user prefer about dark mode?") == '"user" OR "prefer" OR "dark" OR "mode"'
    assert fts_query('say "hi" AND xy*') == '"say" OR "hi" OR "xy"'
    assert fts_query("the of and") == '"the" OR "of" OR "and"'
    assert fts_query("?!") is None
    # The function words of the query's own language too; English words that look like them stay.
    assert fts_query("Was ist der Beruf meiner Schwester?") == '"beruf" OR "schwester"'
    assert fts_query("Which war did he die in?") == '"war" OR "die"'
    assert fts_query("der die das und ist") == '"der" OR "die" OR "das" OR "und" OR "ist"'


def test_keyword_ranks_fts_first_then_filters_and_falls_back_to_the_filtered_query(services, monkeypatch):
    """FTS5's own top matches, filtered, give the same hits as ranking every match under the filter."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import search

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


def test_keyword_keeps_a_tie_at_the_pools_end_by_text_whether_or_not_the_first_read_holds_it_all(services, monkeypatch):
    """Thirty equal BM25 scores across the pool's end: the hits are the first by text, whether the first read
    reached past the whole tie or the rest of it was read by a second statement."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import search

    # One word besides "garden" each: equal lengths, one match each, equal scores. Stored out of text order.
    words = [f"w{n:02d}" for n in range(30)]
    created = {services.memories.create(MemoryCreate(content=f"garden {w}")).memory.rowid: f"garden {w}"
               for w in reversed(words)}
    by_text = sorted(created, key=created.get)
    monkeypatch.setattr(search, "KEYWORD_OVERFETCH", 1)
    answers = {}
    for tie_read in (1, 4, 100):  # 1 and 4: the tie runs past the read (3 or 12 rows); 100: the read holds it
        monkeypatch.setattr(search, "KEYWORD_TIE_READ", tie_read)
        with services.vault.db.read() as conn:
            answers[tie_read] = [h.memory_id for h in search.keyword(conn, "garden", MemoryFilter(), 3, time.time())]
    assert answers[1] == answers[4] == answers[100] == by_text[:3]


def test_keyword_orders_a_tie_by_text_once_for_both_cuts(services, monkeypatch):
    """The tie cut at the pool's end is in text order already when the cut after the filter meets it again:
    not read a second time, and the hits are the same as ordering it again."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import fts, search

    created = {}
    for n in reversed(range(30)):  # equal scores, stored out of text order; every third by another agent
        m = services.memories.create(MemoryCreate(content=f"garden w{n:02d}", agent_id="a" if n % 3 else "b"))
        created[m.memory.rowid] = (m.memory.content, m.memory.agent_id)
    monkeypatch.setattr(search, "KEYWORD_OVERFETCH", 2)
    reads = []
    real = fts.text_order
    monkeypatch.setattr(fts, "text_order", lambda conn, ids: reads.append(len(ids)) or real(conn, ids))
    for agent in (None, "a"):
        reads.clear()
        with services.vault.db.read() as conn:
            hits = [h.memory_id for h in search.keyword(conn, "garden", MemoryFilter(agent_id=agent), 4, time.time())]
        eligible = sorted((mid for mid, (_, who) in created.items() if agent in (None, who)), key=created.get)
        assert hits == eligible[:4]
        assert reads == [30]  # the whole tie, once


def test_keyword_leaves_out_the_most_common_words_when_their_matches_exceed_the_budget(services, monkeypatch):
    """Over the budget the common word goes (FTS5 would score all its matches); the rare one ranks alone."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import search

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


def test_a_german_question_finds_no_memory_by_its_function_words_alone(services):
    """"der", "ist" and "meiner" matched most German memories: a question about a job found a birthday."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import search

    birthday = services.memories.create(MemoryCreate(content="Der Geburtstag meiner Tochter ist am 14. Juli.",
                                                     namespace="de")).memory
    job = services.memories.create(MemoryCreate(content="Meine Schwester arbeitet als Krankenschwester.",
                                                namespace="de")).memory
    with services.vault.db.read() as conn:
        found = search.keyword(conn, "Was ist der Beruf meiner Schwester?", MemoryFilter(namespace="de"), 10,
                               time.time())
        alone = search.keyword(conn, "der ist meiner", MemoryFilter(namespace="de"), 10, time.time())
    assert [h.memory_id for h in found] == [job.rowid]
    # A query of nothing but function words still searches with them.
    assert birthday.rowid in {h.memory_id for h in alone}


def test_a_date_in_a_query_is_answered_from_the_own_time_index(services):
    import time

    from sqlalchemy import text

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import entities, filters

    services.memories.create_batch([MemoryCreate(content=f"note {i}", metadata={"event_at": f"2026-02-1{i % 10}T10:00"})
                                    for i in range(40)])
    services.memories.create(MemoryCreate(content="stored now, no event"))
    where = filters.full(MemoryFilter(), time.time())
    with services.vault.db.read() as conn:
        found = entities.dated_memories(conn, "2026-02-13T00:00", "2026-02-14T00:00", where, 50, prefix="2026-02-13")
        params = dict(where.params, d_start="2026-02-13T00:00", d_end="2026-02-14T00:00", d_from=0.0, d_to=1.0, d_lim=50)
        plan = " ".join(str(row) for row in conn.execute(
            text("EXPLAIN QUERY PLAN " + entities.own_time_sql(where.sql())), params))
    assert len(found) == 4  # notes 3, 13, 23 and 33
    # Not every memory of the namespace: the stated times from their index, the others by creation time.
    assert "ix_memories_own_time" in plan and "ix_memories_ns_created" in plan and "SCAN" not in plan


def test_the_own_time_read_in_two_parts_finds_what_the_own_time_expression_does(services):
    """Schema 22 indexes only stated times and reads the rest by created_at: the same memories as testing
    :data:`OWN_TIME` on every row, at minute edges, for event times, session dates and times that are no text."""
    import time

    from sqlalchemy import text

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import entities, filters
    from memvault.vault.migrations import OWN_TIME

    minute = 1_771_000_020.0  # 2026-02-13T16:27 UTC, a minute's first second
    items = [MemoryCreate(content="event", metadata={"event_at": "2026-02-13T16:27"}),
             MemoryCreate(content="session", metadata={"session_date": "2026-02-13T16:28"}),
             MemoryCreate(content="number", metadata={"event_at": 5}),
             MemoryCreate(content="both",
                          metadata={"event_at": "2030-01-01T00:00", "session_date": "2026-02-13T16:27"})]
    items += [MemoryCreate(content=f"plain {i}") for i in range(6)]
    ids = [i.memory_id for i in services.memories.create_batch(items).items]
    offsets = [0.0, 0.0, -0.5, 0.0, -60.0, -0.001, 0.0, 59.9, 60.0, 120.0]
    with services.vault.db.write() as conn:
        for memory_id, offset in zip(ids, offsets, strict=True):
            conn.execute(text("UPDATE memories SET created_at = :t WHERE uuid = :u"),
                         {"t": minute + offset, "u": memory_id})
    where = filters.full(MemoryFilter(), time.time())
    ranges = [("2026-02-13T16:27", "2026-02-13T16:28"), ("2026-02-13T16:26", "2026-02-13T16:27"),
              ("2026-02-13T16:28", "2026-02-13T16:30"), ("2026-02-13T00:00", "2026-02-14T00:00"),
              ("2029-12-31T00:00", "2030-01-02T00:00"), ("2026-03-01T00:00", "2026-03-02T00:00")]
    with services.vault.db.read() as conn:
        for start, end in ranges:
            expected = set(conn.execute(text(f"SELECT m.id FROM memories m WHERE {where.sql()} AND {OWN_TIME} >= :a "
                                             f"AND {OWN_TIME} < :b"), dict(where.params, a=start, b=end)).scalars())
            found = entities.dated_memories(conn, start, end, where, 50, prefix="1999")
            assert found == expected, (start, end)
        everything = entities.dated_memories(conn, "2026-02-13T00:00", "2026-02-14T00:00", where, 50, prefix="1999")
        assert len(everything) == 9 and len(entities.dated_memories(
            conn, "2026-02-13T00:00", "2026-02-14T00:00", where, 3, prefix="1999")) == 3


@pytest.mark.parametrize("column", ["agent_id", "user_id", "session_id", "project"])
def test_an_owner_filter_reads_its_index_not_every_live_memory(services, column):
    """Agent, user, session and project each have an index holding the lifecycle state: the eligible set of
    a 5% filter is read from it (neither the lifecycle index nor the memory rows)."""
    import time

    from sqlalchemy import text

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault.knn import planner

    services.memories.create_batch([MemoryCreate(content=f"note {i}", **{column: "rare" if i % 20 == 0 else "busy"})
                                    for i in range(60)])
    services.worker.drain()
    f = MemoryFilter(**{column: "rare"})
    sql, params = planner._eligible_sql(f, time.time())
    with services.vault.db.read() as conn:
        plan = " ".join(str(row) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params))
        assert len(planner.eligible(conn, f, time.time())[0]) == 3
        assert planner.eligible_memories(conn, f, time.time(), 100) == 3
    assert f"COVERING INDEX ix_memories_{column}" in plan, plan


def test_the_candidate_check_reads_the_index_by_id_not_the_memory_rows(services):
    """Which KNN or keyword candidates pass a filter is answered from ix_memories_filter_by_id alone."""
    import time

    from sqlalchemy import text

    from memvault.domain.enums import MemoryType
    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import filters
    from memvault.vault.knn import planner

    services.memories.create_batch([MemoryCreate(content=f"note {i}", agent_id=f"a{i % 3}") for i in range(30)])
    services.worker.drain()
    f = MemoryFilter(agent_id="a1", memory_types=(MemoryType.FACT, MemoryType.TASK), include_confidential=False)
    where = filters.full(f, time.time())
    with services.vault.db.read() as conn:
        chunks = np.fromiter(conn.execute(text("SELECT id FROM chunks")).scalars(), dtype=np.int64)
        plan = " ".join(str(r) for r in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT c.id FROM chunks c CROSS JOIN memories m INDEXED BY ix_memories_filter_by_id "
            f"ON m.id = c.memory_id WHERE c.id IN (SELECT value FROM json_each(:keys)) AND {where.sql()}"),
            dict(where.params, keys="[1]")))
        passing = planner._passing(conn, chunks, MemoryFilter(agent_id="a1"), time.time())
        want = set(conn.execute(text("SELECT id FROM memories WHERE agent_id = 'a1'")).scalars())
    assert "COVERING INDEX ix_memories_filter_by_id" in plan, plan
    assert set(passing.values()) == want and len(want) == 10


def test_the_entity_loop_claims_its_jobs_in_index_order_not_by_sorting_the_queue(services):
    """A claim reads the oldest jobs from ix_entity_jobs_queue: sorting the whole queue cost 0.13 s of a core
    per claim with 100k memories waiting (an import), beside the embedder when a store came in."""
    from sqlalchemy import text

    from memvault.domain.models import MemoryCreate
    from memvault.vault import entities

    services.memories.create_batch([MemoryCreate(content=f"Alice met Bob in Paris, note {i}") for i in range(30)])
    with services.vault.db.read() as conn:
        plan = " ".join(str(row) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {entities.CLAIM_SQL}"),
                                                         {"a": 3, "n": 8}))
        queued = [r.memory_id for r in conn.execute(text(
            "SELECT memory_id FROM entity_jobs ORDER BY created_at, memory_id"))]
    assert len(queued) == 30
    assert "ix_entity_jobs_queue" in plan and "TEMP B-TREE" not in plan, plan
    with services.vault.db.write() as conn:
        claimed = entities.claim(conn, 8, 3)
    assert [job.memory_id for job in claimed] == queued[:8]


def test_a_long_rows_snippet_is_cut_around_its_matches_and_a_short_rows_is_fts5s(services, monkeypatch):
    """FTS5's snippet() costs the square of a row's matches (0.25 s for a 45 KB row of them): a row past
    SNIPPET_SCORED_MAX_CHARS gets a snippet cut around its matches instead, on both of keyword's paths."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import search

    filler = "quiet words about nothing in particular. " * 60  # ~2,500 characters before the first match
    long_text = filler + "the garden gate and the garden shed " * 40
    long_id = services.memories.create(MemoryCreate(content=long_text, agent_id="a")).memory.rowid
    short_id = services.memories.create(MemoryCreate(content="garden gate, garden shed, garden hose",
                                                     agent_id="a")).memory.rowid
    services.memories.create_batch([MemoryCreate(content=f"garden garden garden {i}", agent_id="b") for i in range(8)])
    assert len(long_text) > search.SNIPPET_SCORED_MAX_CHARS
    full, joined = search.filters.full, []
    monkeypatch.setattr(search.filters, "full", lambda *a, **k: joined.append(not k.get("probe")) or full(*a, **k))
    for overfetch in (1000, 1):  # 1: FTS5's best two are b's, so the filter is joined in the statement
        monkeypatch.setattr(search, "KEYWORD_OVERFETCH", overfetch)
        joined.clear()
        with services.vault.db.read() as conn:
            hits = {h.memory_id: h.snippet for h in
                    search.keyword(conn, "garden", MemoryFilter(agent_id="a"), 2, time.time())}
            asked = search.keyword_snippets(conn, "garden", [long_id, short_id])
        assert any(joined) == (overfetch == 1)
        for shown in (hits, asked):
            # From a little before the first window holding the query's words, each match marked.
            assert shown[long_id] == search.cut_snippet(long_text, ["garden"])
            assert shown[long_id].startswith("…particular. quiet words about nothing in particular. the **garden** "
                                             "gate and the **garden** shed") and len(shown[long_id]) < 300
            assert shown[short_id].count("**garden**") == 3  # snippet()'s own, every match marked


def test_a_possessives_s_finds_nothing_alone(services):
    """In a small vault "'s" was as rare as a name: "uncle's" found "Lena's birthday", and the notes about Priya
    came after every note with an "'s" for "what is Priya's surname"."""
    import time

    from memvault.domain.models import MemoryCreate, MemoryFilter
    from memvault.vault import search

    for text in ("Lena's birthday is on July 9th", "The user's favourite band is Radiohead",
                 "Mon chat s’appelle Félix", "Priya is moving to the Berlin office", "Priya Raman leads the team"):
        services.memories.create(MemoryCreate(content=text))
    with services.vault.db.read() as conn:
        assert search.keyword(conn, "uncle's", MemoryFilter(), 5, time.time()) == []
        hits = search.keyword(conn, "what is Priya's surname", MemoryFilter(), 5, time.time())
    assert len(hits) == 2 and all("**Priya**" in h.snippet for h in hits)
