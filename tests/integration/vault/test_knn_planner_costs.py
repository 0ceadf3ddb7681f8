"""What the planner reads to answer: a bounded count, covering indexes for the eligible set, and the
index's half-precision vectors for exact search over a few keys."""

import numpy as np
import pytest
from sqlalchemy import text

from memvault.domain.enums import MemoryType
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.vault import search as vsearch
from memvault.vault.knn import planner
from memvault.vault.knn.ann import NamespaceIndexes
from tests.helpers.knn import assert_same_answer


def _store(services, n: int) -> None:
    services.memories.create_batch([
        MemoryCreate(content=f"note {i} about topic {i % 7} and item {i * 13 % 31}", agent_id=f"a{i % 3}",
                     memory_type=[MemoryType.FACT, MemoryType.EVENT][i % 2]) for i in range(n)])
    services.worker.drain()


@pytest.mark.parametrize("f", [
    MemoryFilter(agent_id="a1", memory_types=(MemoryType.FACT,)),
    MemoryFilter(agent_id="a1", project="p"),
], ids=["agent and type", "two owners"])
def test_counting_and_listing_an_owner_with_a_second_column_read_no_memory_row(services, f):
    _store(services, 30)
    with services.vault.db.read() as conn:
        count, params = planner.count_sql(f, 0)
        listing, lparams = planner._eligible_sql(f, 0)
        plans = [" ".join(r[3] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), p).all())
                 for sql, p in ((count, dict(params, cap=10)), (listing, lparams))]
        assert all("COVERING INDEX ix_memories_filter_by_id" in plan for plan in plans), plans
        # and the answer is the one without the hint
        with_hint = planner.eligible(conn, f, 0)[0]
        plain = conn.execute(text("SELECT c.id FROM chunks c JOIN memories m ON m.id = c.memory_id WHERE "
                                  + planner.filters.full(f, 0).sql()), planner.filters.full(f, 0).params).all()
        assert sorted(with_hint.tolist()) == sorted(r[0] for r in plain)
        assert planner.eligible_memories(conn, f, 0, 1000) == len(plain)


def test_a_broad_filter_is_counted_only_up_to_a_share_of_the_index_and_still_answered_exactly(services,
                                                                                             monkeypatch):
    _store(services, 60)
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 0)
    monkeypatch.setattr(planner, "COUNT_SHARE", 0.1)  # 6 of 60 memories, where each agent has 20
    index = services.vector_index
    index.ensure_open()
    f = MemoryFilter(agent_id="a2")
    q = services.embedder.embed_query("note about topic 3")
    with services.vault.db.read() as conn:
        got, plan = planner.nearest(conn, index, q, f, 5, 0)
        exact = vsearch.knn(conn, q, f, 5, 0)
    assert plan.path in {"ann", "ann_fallback"} and plan.eligible == 6
    assert_same_answer(got, exact)


def test_exact_search_over_keys_skips_removed_ones_and_orders_by_cosine_distance():
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((40, 16)).astype(np.float32)
    indexes = NamespaceIndexes(16)
    indexes.add("ns", np.arange(40), vectors)
    indexes.remove([3, 7])
    q = rng.standard_normal(16).astype(np.float32)
    keys, dist = indexes.exact("ns", q, np.array([1, 3, 5, 7, 9, 11, 13]), 4)
    cos = 1 - vectors @ q / np.linalg.norm(vectors, axis=1) / np.linalg.norm(q)
    want = sorted([1, 5, 9, 11, 13], key=lambda k: cos[k])[:4]
    assert keys.tolist() == want
    np.testing.assert_allclose(dist, cos[want], atol=2e-3)
    assert indexes.exact(None, q, np.array([5, 3]), 10)[0].tolist() == [5]


def test_an_unfiltered_query_checks_only_the_candidates_it_needs_and_a_short_prefix_checks_the_rest(services,
                                                                                                    monkeypatch):
    _store(services, 90)
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 0)
    index = services.vector_index
    index.ensure_open()
    checked: list[int] = []
    passing = planner._passing
    monkeypatch.setattr(planner, "_passing", lambda conn, keys, f, now: checked.append(len(keys)) or passing(
        conn, keys, f, now))
    q = services.embedder.embed_query("note about topic 3")
    with services.vault.db.read() as conn:
        got, plan = planner.nearest(conn, index, q, MemoryFilter(), 10, 0)
        assert plan.path == "ann" and checked == [15]  # 10 * SHARE_MARGIN + 2 of the 31 fetched
        assert_same_answer(got, vsearch.knn(conn, q, MemoryFilter(), 10, 0))
        # A filter that most of the prefix fails: the rest is checked too, and the answer stays exact.
        checked.clear()
        f = MemoryFilter(agent_id="a0")
        keys, dist = index.search(None, q, 60)
        hits = planner._checked(conn, keys, dist, f, 0, 10)[0]
        assert len(checked) == 2 and sum(checked) == len(keys)
        assert_same_answer(hits, vsearch.knn(conn, q, f, 10, 0))


def _counting(monkeypatch, index) -> dict[str, int]:
    """Calls of the planner's statements and graph searches, by name."""
    calls = {"count": 0, "list": 0, "check": 0, "graph": 0}
    for name, attr, owner in (("count", "eligible_memories", planner), ("list", "eligible", planner),
                              ("check", "_passing", planner), ("graph", "search", index)):
        original = getattr(owner, attr)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)
        monkeypatch.setattr(owner, attr, counted)
    return calls


def test_a_filter_asked_again_is_planned_from_the_share_its_last_query_saw(services, monkeypatch):
    services.memories.create_batch([
        MemoryCreate(content=f"note {i} about topic {i % 7} and item {i * 13 % 31}",
                     agent_id="big" if i % 3 else "small" if i % 15 == 0 else "other") for i in range(90)])
    services.worker.drain()  # 60 memories of agent "big", 6 of agent "small"
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 20)  # between 6 x KNOWN_MARGIN and 60 / KNOWN_MARGIN
    monkeypatch.setattr(planner, "COUNT_SHARE", 0.25)  # counted up to 23 of 90
    index = services.vector_index
    index.ensure_open()
    calls = _counting(monkeypatch, index)
    shares = planner.FilterShares()
    broad, selective = MemoryFilter(agent_id="big"), MemoryFilter(agent_id="small")
    with services.vault.db.read() as conn:
        for query in ("note about topic 3", "item 12 and topic 5", "note 40"):
            q = services.embedder.embed_query(query)
            for f in (broad, selective):
                before = dict(calls)
                got, plan = planner.nearest(conn, index, q, f, 10, 0, shares)
                assert_same_answer(got, vsearch.knn(conn, q, f, 10, 0))
                done = {name: calls[name] - before[name] for name in calls}
                first = query == "note about topic 3"
                if f is selective:
                    # Listed (counted first only the first time), ranked over the listed chunks: none checked again.
                    assert plan.path == "exact_eligible"
                    assert done == {"count": int(first), "list": 1, "check": 0, "graph": 0}
                elif not first:
                    # A third of the index: neither counted nor listed, one graph search sized by that share.
                    assert plan.path == "ann" and done["count"] == done["list"] == 0 and done["graph"] == 1


@pytest.mark.parametrize("remembered", [0.0, 1.0], ids=["remembered as selective", "remembered as broad"])
def test_a_stale_share_costs_time_never_a_result(services, monkeypatch, remembered):
    _store(services, 90)
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 20)
    index = services.vector_index
    index.ensure_open()
    shares = planner.FilterShares()
    q = services.embedder.embed_query("note about topic 3")
    for f in (MemoryFilter(agent_id="a1"), MemoryFilter(agent_id="a1", memory_types=(MemoryType.FACT,))):
        key = planner.FilterShares.key(f, 0)
        shares.seen(key, remembered)
        with services.vault.db.read() as conn:
            got, _plan = planner.nearest(conn, index, q, f, 10, 0, shares)
            assert_same_answer(got, vsearch.knn(conn, q, f, 10, 0))
        assert shares.get(key) != remembered  # and the query corrected it


def test_the_exact_cap_grows_with_the_index_past_the_size_it_was_measured_at():
    assert planner.selective_cap(1000) == planner.selective_cap(planner.CAP_MEASURED_AT) == planner.SELECTIVE_CAP
    at_1m = planner.selective_cap(1_000_000)
    # A 1% filter at 1M (10,000 chunks) is exact: through the graph it fetched ~2,900 candidates (50 ms).
    assert 10_000 < at_1m < 20_000
    assert planner.selective_cap(100_001) >= planner.SELECTIVE_CAP
    assert planner.selective_cap(10_000_000) > at_1m


def test_a_filter_past_the_fixed_cap_but_under_the_grown_one_is_answered_exactly(services, monkeypatch):
    _store(services, 90)
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 20)
    index = services.vector_index
    index.ensure_open()
    f = MemoryFilter(agent_id="a1")  # 30 of 90
    q = services.embedder.embed_query("note about topic 3")
    with services.vault.db.read() as conn:
        exact = vsearch.knn(conn, q, f, 5, 0)
        monkeypatch.setattr(planner, "CAP_MEASURED_AT", 100_000)
        _, fixed = planner.nearest(conn, index, q, f, 5, 0)
        monkeypatch.setattr(planner, "CAP_MEASURED_AT", 10)  # the cap at 90 chunks is then 20 x 3.9
        got, grown = planner.nearest(conn, index, q, f, 5, 0)
    assert fixed.path == "ann" and grown.path == "exact_eligible" and grown.eligible == 30
    assert_same_answer(got, exact)


def test_a_filter_near_the_cap_is_counted_once_until_a_memory_changes(services, monkeypatch):
    services.memories.create_batch([MemoryCreate(content=f"note {i} about topic {i % 7}",
                                                 agent_id="mid" if i % 3 == 0 else "other") for i in range(90)])
    services.worker.drain()  # 30 memories of agent "mid": between SELECTIVE_CAP / KNOWN_MARGIN and the cap's margin
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 20)
    monkeypatch.setattr(planner, "COUNT_SHARE", 0.5)
    index = services.vector_index
    index.ensure_open()
    calls = _counting(monkeypatch, index)
    shares = planner.FilterShares()
    f = MemoryFilter(agent_id="mid")
    q = services.embedder.embed_query("note about topic 3")

    def ask() -> None:
        with services.vault.db.read() as conn:
            got, _plan = planner.nearest(conn, index, q, f, 10, 0, shares)
            assert_same_answer(got, vsearch.knn(conn, q, f, 10, 0))

    for _ in range(3):
        ask()
    assert calls["count"] == 1, "a share near the cap is neither broad nor selective enough to skip the count"
    shares.changed()
    ask()
    assert calls["count"] == 2


def test_a_stored_memory_makes_the_search_service_count_again(services, monkeypatch):
    shares = services.search.filter_shares
    key = ("a filter", 1)
    assert shares.count(key, lambda: 7) == 7 and shares.count(key, lambda: 8) == 7
    services.memories.create(MemoryCreate(content="a new note"))
    assert shares.count(key, lambda: 9) == 9


#: The far filter's memories: twelve pass it and share no word with the query; the 78 that fail are all nearer it.
FAR = MemoryFilter(agent_id="garden")


def _far_filter_search(services, monkeypatch, *, count_share: float | None = None, seen: float | None = None):
    """Search for the far filter's 5 nearest with the planner's exact cap at 5 and the first round sized with no
    margin (it fetches under half the vault: none of them pass): ``(hits, plan, exact hits, calls)``.

    ``count_share``: the planner's count bound as a share of the vault; ``seen``: the share the filter's last
    queries saw (``None``: no queries)."""
    services.memories.create_batch(
        [MemoryCreate(content=f"database index tuning note {i}", agent_id="db") for i in range(78)]
        + [MemoryCreate(content=f"garden tomato seedling {i}", agent_id="garden") for i in range(12)])
    services.worker.drain()
    monkeypatch.setattr(planner, "SELECTIVE_CAP", 5)  # 12 is past the exact cap: counted or listed, then fetched
    if count_share is not None:
        monkeypatch.setattr(planner, "COUNT_SHARE", count_share)
    monkeypatch.setattr(planner, "OVERFETCH", 1.0)
    monkeypatch.setattr(planner, "OVERFETCH_MIN", 0)
    index = services.vector_index
    index.ensure_open()
    shares = planner.FilterShares()
    if seen is not None:
        shares.seen(planner.FilterShares.key(FAR, 0), seen)
    calls = _counting(monkeypatch, index)
    q = services.embedder.embed_query("database index tuning")
    with services.vault.db.read() as conn:
        got, plan = planner.nearest(conn, index, q, FAR, 5, 0, shares)
        return got, plan, vsearch.knn(conn, q, FAR, 5, 0), calls


def test_a_widening_round_that_would_fetch_half_the_eligible_chunks_lists_them_instead(services, monkeypatch):
    # Counted up to 23, so 12 is an exact count; the first round fetches 38 of 90.
    got, plan, exact, calls = _far_filter_search(services, monkeypatch, count_share=0.25)
    # The second round would have fetched every vector; the twelve are listed and searched exactly instead.
    assert plan.path == "ann_fallback" and plan.eligible == 12
    assert calls["graph"] == 1 and calls["list"] == 1
    assert_same_answer(got, exact)


def test_a_listing_cut_at_the_cap_is_no_estimate_for_going_exact(services, monkeypatch):
    # Its last queries saw it pass ~1 memory: listed at once.
    got, plan, exact, calls = _far_filter_search(services, monkeypatch, seen=0.01)
    # The listing stopped at 6 (past the cap of 5): "at least 6" and a stale share say nothing of how many pass,
    # so the graph search widens as before instead of going exact on either.
    assert calls["list"] == 1 and calls["graph"] == 2
    assert plan.path == "ann" and plan.eligible == 6
    assert_same_answer(got, exact)


@pytest.mark.parametrize("seen, path, graph_searches", [(None, "ann", 2), (3.5 / 90, "ann", 2),
                                                         (8 / 90, "ann_fallback", 1)],
                         ids=["no share: no estimate", "a share under the count: stale, no estimate",
                              "a share past the bound: the estimate"])
def test_a_count_at_its_bound_is_an_estimate_only_with_a_share_that_agrees(services, monkeypatch, seen, path,
                                                                           graph_searches):
    # Counted up to 6: "at least 6" of the 12; a share under twice the cap is counted all the same.
    got, plan, exact, calls = _far_filter_search(services, monkeypatch, count_share=0.05, seen=seen)
    assert calls["count"] == 1 and plan.eligible == (6 if path == "ann" else 12)  # the fallback lists all 12
    assert plan.path == path and calls["graph"] == graph_searches
    assert_same_answer(got, exact)
