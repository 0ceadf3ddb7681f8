"""Hybrid's graph list: memories sharing the query's entities (rare ones weigh more), one hop, and query dates."""

import time

import pytest
from sqlalchemy import text as sa_text

from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.ranking import graph as graph_search


@pytest.fixture
def loaded(services):
    services.entities.drain()
    return services


def _store(services, texts, **kw):
    return [services.memories.create(MemoryCreate(content=t, **kw)).memory for t in texts]


def _graph(services, query, **filter_kw):
    f = MemoryFilter(namespace="default", **filter_kw)
    with services.vault.db.read() as conn:
        return graph_search.build(conn, services.entities.gazetteer(conn, "default"), query, f, time.time())


def test_shared_entities_rank_and_rare_names_weigh_more(loaded):
    common = _store(loaded, [f"Juniper slept on the sofa again, day {i}" for i in range(6)])
    rare = _store(loaded, ["Juniper saw Dr Okonkwo at the Headingley vet clinic"])[0]
    _store(loaded, ["The quarterly report is due on Friday"])
    g = _graph(loaded, "what did the vet say about juniper at headingley?")
    assert "juniper" in g.entities and "headingley" in g.entities
    assert g.ranked(1) == [rare.rowid]
    assert all(0 < g.evidence[m.rowid] < g.evidence[rare.rowid] for m in common)


def test_a_common_name_reads_only_its_most_recently_stored_mentions(loaded, monkeypatch):
    # A name on thousands of memories cost ~100 ms a query when every mention was read and sorted.
    monkeypatch.setattr(graph_search, "PER_ENTITY", 3)
    mentions = _store(loaded, [f"Juniper slept on the sofa again, day {i}" for i in range(8)])
    _store(loaded, ["The quarterly report is due on Friday"])
    loaded.entities.drain()
    g = _graph(loaded, "where does juniper sleep?")
    assert set(g.parts["direct"]) == {m.rowid for m in mentions[-3:]}


def test_one_hop_reaches_memories_without_the_querys_entities(loaded):
    _store(loaded, ["Maple went to Kenora with Greg", "Maple loves Kenora in the autumn"])
    hop = _store(loaded, ["Greg caught a walleye at the lake"])[0]
    g = _graph(loaded, "where does maple go?")
    assert hop.rowid in g.parts["hop"] and hop.rowid not in g.parts["direct"]
    assert g.evidence[hop.rowid] < max(g.evidence.values())


def test_query_dates_boost_memories_of_that_time(loaded):
    may = _store(loaded, ["We planted the tomatoes"], metadata={"session_date": "2024-05-12T10:00"})[0]
    _store(loaded, ["We planted the potatoes"], metadata={"session_date": "2024-08-02T10:00"})
    mentions = _store(loaded, ["The allotment opened on 3 May 2024"], metadata={"session_date": "2024-09-01T10:00"})[0]
    g = _graph(loaded, "what did we plant in May 2024?")
    assert g.dates == ("2024-05",)
    assert set(g.parts["dates"]) == {may.rowid, mentions.rowid}


def test_hybrid_breakdown_has_a_graph_line_and_filters_apply(loaded):
    _store(loaded, ["Juniper chewed the lead"], user_id="maya")
    _store(loaded, ["Juniper chewed the lead too"], user_id="other")
    # A name's specificity is counted over the namespace: on every memory of it, it would say nothing.
    _store(loaded, ["The kettle is descaled"], user_id="other")
    loaded.worker.drain()
    result = loaded.search.search(SearchQuery("juniper", limit=5, debug=True,
                                              filter=MemoryFilter(namespace="default", user_id="maya")))
    assert [h.memory.user_id for h in result.hits] == ["maya"]
    b = result.hits[0].breakdown
    assert b.graph is not None and b.graph > 0 and b.graph_rank == 1
    semantic = loaded.search.search(SearchQuery("juniper", mode="semantic", debug=True))
    assert semantic.hits[0].breakdown.graph is None


def test_a_tag_filter_is_checked_on_each_linked_memory_not_listed_per_statement(loaded):
    tagged = _store(loaded, ["Juniper chewed the lead"], tags=["dog"])[0]
    _store(loaded, ["Juniper chewed the sofa", "The kettle is descaled"], tags=["home"])
    loaded.entities.drain()
    statements: list[str] = []
    with loaded.vault.db.read() as conn:
        # The driver's own trace: the graph's statements go through SQLAlchemy and straight to the driver alike.
        driver = conn.connection.dbapi_connection
        driver.set_trace_callback(statements.append)
        g = graph_search.build(conn, loaded.entities.gazetteer(conn, "default"), "what did juniper chew?",
                               MemoryFilter(namespace="default", tags=("dog",)), time.time())
        driver.set_trace_callback(None)
    assert set(g.evidence) == {tagged.rowid}
    # The list form (every memory with the tag, read again by each of the graph's statements) appears in none.
    assert not any("m.id IN (SELECT memory_id FROM memory_tags" in s for s in statements)
    assert any("EXISTS (SELECT 1 FROM memory_tags" in s for s in statements)


def test_query_date_phrases():
    now = time.mktime((2024, 6, 15, 12, 0, 0, 0, 0, 0))
    values = [d.value for d in graph_search.query_dates("what happened last week, in March 2024 or yesterday?", now)]
    assert values[1:] == ["2024-03", "2024-06-14"] and values[0].startswith("2024-W")
    assert graph_search.query_dates("may I ask what you think?", now) == []
    # A date without its year may ask of the last one or the next: one date of the query, read both ways.
    later = time.mktime((2026, 11, 26, 12, 0, 0, 0, 0, 0))
    [group] = graph_search.query_date_groups("what is on March 14?", later)
    assert [d.value for d in group] == ["2026-03-14", "2027-03-14"]
    assert [[d.value for d in g] for g in graph_search.query_date_groups("in March 2024", later)] == [["2024-03"]]


def test_a_date_phrase_asked_again_within_the_minute_is_not_parsed_again(monkeypatch):
    parsed: list[str] = []
    real = graph_search.resolve
    monkeypatch.setattr(graph_search, "resolve", lambda phrase, *a: parsed.append(phrase) or real(phrase, *a))
    graph_search._phrase_dates.cache_clear()
    now = time.mktime((2024, 6, 15, 12, 0, 10, 0, 0, 0))
    first = graph_search.query_dates("what did I plan last week?", now)
    assert graph_search.query_dates("anything else I noted last week", now + 30) == first
    assert parsed == ["last week", "last week"], "read once each way, then reused"
    # The next day, "last week" may be another week: read again.
    assert graph_search.query_dates("last week", now + 86_400 * 2)[0].value != first[0].value
    assert len(parsed) == 4


def test_a_large_namespaces_gazetteer_is_rebuilt_in_the_background(loaded, monkeypatch):
    from memvault.service import entities as entity_service
    from tests.helpers import wait_for

    monkeypatch.setattr(entity_service, "SYNC_REBUILD_MAX", 1)

    def knows(name):
        with loaded.vault.db.read() as conn:
            return loaded.entities.gazetteer(conn, "default").known(name) is not None

    _store(loaded, ["Greg took up fishing in Kenora", "Karen drove to Kenora"])
    wait_for(lambda: knows("kenora"), timeout=20)
    _store(loaded, ["Karen flew to Winnipeg"])
    # The stored gazetteer answers at once while the new one is built on another thread.
    assert knows("kenora")
    wait_for(lambda: knows("winnipeg"), timeout=20)


def test_the_kept_counts_are_read_again_after_their_time(loaded):
    # At 100k memories the counts cost ~9 ms a query; they are kept for a while, then counted afresh.
    clock = [0.0]
    counts = graph_search.GraphCounts(clock=lambda: clock[0])
    _store(loaded, ["Juniper chewed the lead", "The kettle is descaled"])
    loaded.entities.drain()
    f = MemoryFilter(namespace="default")
    with loaded.vault.db.read() as conn:
        juniper = loaded.entities.gazetteer(conn, "default").find("juniper")[0].entity_id
        assert counts.scope_size(conn, f, time.time()) == 2
        assert counts.frequencies(conn, [juniper]) == {juniper: 1}
    _store(loaded, ["Juniper slept all afternoon"])
    loaded.entities.drain()
    with loaded.vault.db.read() as conn:
        assert counts.scope_size(conn, f, time.time()) == 2
        assert counts.frequencies(conn, [juniper]) == {juniper: 1}
        clock[0] += graph_search.COUNTS_TTL_SECONDS
        assert counts.scope_size(conn, f, time.time()) == 3
        assert counts.frequencies(conn, [juniper]) == {juniper: 2}


def test_one_hop_orders_tied_entities_by_name_not_by_the_order_they_were_numbered(services):
    from memvault.domain.entities import EntityMention, EntityType
    from memvault.vault import entities as repo

    first, second = (services.memories.create(MemoryCreate(content=t)).memory.rowid
                     for t in ("ok then", "yes indeed"))
    with services.vault.db.write() as conn:
        # "zeta" is numbered before "alpha" here; another vault holding the same data may number them the other way.
        repo.link(conn, first, "default", [EntityMention(EntityType.PERSON, "zeta", 1.0)])
        repo.link(conn, second, "default", [EntityMention(EntityType.PERSON, "alpha", 1.0)])
        hop = repo.cooccurring(conn, [first, second], (), 1)
        ids = dict(conn.execute(sa_text("SELECT value, id FROM entities")).all())
    assert ids["zeta"] < ids["alpha"]
    assert hop == [(ids["alpha"], 1)]


DEFAULT = MemoryFilter(namespace="default")


def test_after_draining_entities_a_search_finds_every_name_stored_a_moment_ago(loaded):
    # Search reuses a namespace's gazetteer for a while without asking whether it changed, and storing builds
    # it before the new memory's own names are written. Once the entity queue is drained (the evaluation and
    # the CLI do this) the next search must see every name, or which names a query finds would depend on how
    # many seconds the ingest took.
    stored = _store(loaded, ["Ottoline baked rye bread at the market",
                             "Bartholomew repaired the boiler in the cellar"])
    loaded.worker.drain()
    loaded.entities.drain()
    for memory, query in zip(stored, ["ottoline", "bartholomew"], strict=True):
        hit = loaded.search.search(SearchQuery(query, limit=5, debug=True, filter=DEFAULT)).hits[0]
        assert hit.memory.id == memory.id and hit.breakdown.graph is not None and hit.breakdown.graph > 0


def test_a_quarter_is_its_three_months_in_memories_and_in_questions(loaded):
    """dateparser read "Q1 2027" as 28 February 2027 and "H1 2027" as January."""
    dates = {"session_date": "2026-11-28T10:00"}
    launch = _store(loaded, ["The launch is planned for Q1 2027"], metadata=dates)[0]
    beta = _store(loaded, ["The beta ships on 10 February 2027"], metadata=dates)[0]
    _store(loaded, ["Hiring starts in May 2027", "The offsite was in Q1 2026"], metadata=dates)
    loaded.entities.drain()
    assert "2027-Q1" in [e.value for e in loaded.memories.get(launch.id).entities]
    g = _graph(loaded, "what happens in the first quarter of 2027?")
    assert g.dates == ("2027-Q1",)
    assert set(g.parts["dates"]) == {launch.rowid, beta.rowid}
    now = time.mktime((2026, 11, 28, 12, 0, 0, 0, 0, 0))
    assert [d.value for d in graph_search.query_dates("anything for H2 2027 or Q4 2026?", now)] == [
        "2027-H2", "2026-Q4"]


def test_a_birthday_said_without_its_year_meets_questions_about_its_day_or_month_in_any_year(loaded):
    dates = {"session_date": "2026-11-28T10:00"}
    birthday = _store(loaded, ["Noor's birthday is on 9 October"], metadata=dates)[0]
    boiler = _store(loaded, ["The boiler is serviced every March"], metadata=dates)[0]
    moved = _store(loaded, ["We moved to Leeds on 9 October 2024"], metadata=dates)[0]
    _store(loaded, ["The dentist is on 3 December"], metadata=dates)
    loaded.entities.drain()
    assert [e.value for e in loaded.memories.get(birthday.id).entities if e.type.value == "date"] == ["--10-09"]
    october = _graph(loaded, "whose birthday is in October 2026?")
    assert october.dates == ("2026-10",)
    assert birthday.rowid in october.parts["dates"] and moved.rowid not in october.parts["dates"]
    assert birthday.rowid in _graph(loaded, "what happened on 9 October 2024?").parts["dates"]
    assert {birthday.rowid, moved.rowid} == set(_graph(loaded, "what happened in October 2024?").parts["dates"])
    assert set(_graph(loaded, "anything in March 2027?").parts["dates"]) == {boiler.rowid}
    assert set(_graph(loaded, "anything in the first quarter of 2027?").parts["dates"]) == {boiler.rowid}
    assert birthday.rowid not in _graph(loaded, "what did we do in 2024?").parts.get("dates", {})


def test_two_vaults_holding_the_same_mentions_in_another_order_keep_the_same_ones(two_vaults):
    """More equal mentions of one name than the graph list keeps: which are kept must not follow arrival order
    (their ids), which differs between two vaults holding the same memories."""
    from memvault.vault import memory_queries

    texts = [f"Juniper napped again, time {i}" for i in range(60)]
    kept = []
    for services, order in zip(two_vaults, (texts, texts[::-1]), strict=True):
        # A name on every memory says nothing: others that do not mention it.
        services.memories.create_batch([MemoryCreate(content=t) for t in order]
                                       + [MemoryCreate(content=f"The quarterly report {i} is due") for i in range(5)])
        services.worker.drain()
        services.entities.drain()
        with services.vault.db.read() as conn:
            g = graph_search.build(conn, services.entities.gazetteer(conn, "default"), "where does juniper sleep?",
                                   MemoryFilter(namespace="default"), time.time())
            assert len(set(g.evidence.values())) == 1 and len(g.evidence) == 60  # one tie, over the cut
            ids = g.ranked(50, lambda ids, conn=conn: memory_queries.contents(conn, ids))
            kept.append([text for text, _ in memory_queries.contents(conn, ids).values()])
    assert len(kept[0]) == 50 and sorted(kept[0]) == sorted(kept[1])
    assert sorted(kept[0]) == sorted(texts)[:50]
