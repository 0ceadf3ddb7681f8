"""The SQL a :class:`MemoryFilter` becomes, checked against a plain-Python reading of the same filter.

Runs on an in-memory SQLite table with the columns the filter touches: no
vault, no model, no encryption; just whether the conditions mean what the
filter says.
"""

from __future__ import annotations

import base64
import json
import sqlite3

import hypothesis.strategies as st
from hypothesis import given, settings

from memvault.domain.enums import MemoryType, TagMatch, Tier, Visibility
from memvault.domain.models import MemoryFilter
from memvault.vault import filters
from memvault.vault.memory_queries import decode_cursor, encode_cursor
from tests.helpers.budget import examples

NOW = 1_000_000.0
DDL = """
CREATE TABLE memories (id INTEGER PRIMARY KEY, namespace TEXT, agent_id TEXT, user_id TEXT, session_id TEXT,
  project TEXT, memory_type TEXT, tier TEXT, importance REAL, created_at REAL, metadata TEXT, visibility TEXT,
  deleted_at REAL, archived_at REAL, expires_at REAL);
CREATE TABLE memory_tags (memory_id INTEGER, tag TEXT, PRIMARY KEY (memory_id, tag));
"""

maybe = lambda values: st.none() | st.sampled_from(values)  # noqa: E731
ROW = st.fixed_dictionaries({
    "namespace": st.sampled_from(["a", "b"]), "agent_id": maybe(["x", "y"]), "user_id": maybe(["u"]),
    "session_id": maybe(["s1", "s2"]), "project": maybe(["p"]),
    "memory_type": st.sampled_from([MemoryType.FACT.value, MemoryType.TASK.value, MemoryType.GENERAL.value]),
    "tier": st.sampled_from([t.value for t in Tier]), "importance": st.sampled_from([0.1, 0.5, 0.9]),
    "created_at": st.sampled_from([10.0, 20.0, 30.0]),
    "metadata": st.dictionaries(st.sampled_from(["k", "q\"uote", "it's"]),
                                st.one_of(st.booleans(), st.none(), st.integers(0, 2), st.sampled_from(["v", "w"])),
                                max_size=2),
    "visibility": st.sampled_from([Visibility.PRIVATE.value, Visibility.CONFIDENTIAL.value]),
    "deleted_at": maybe([5.0]), "archived_at": maybe([5.0]), "expires_at": maybe([NOW - 1, NOW + 1]),
    "tags": st.lists(st.sampled_from(["t1", "t2", "t3"]), unique=True, max_size=3),
})
FILTER = st.builds(
    MemoryFilter,
    namespace=maybe(["a", "b"]), agent_id=maybe(["x", "y"]), session_id=maybe(["s1"]),
    memory_types=st.lists(st.sampled_from([MemoryType.FACT, MemoryType.TASK]), unique=True, max_size=2).map(tuple),
    tags=st.lists(st.sampled_from(["t1", "t2", "t3"]), unique=True, max_size=2).map(tuple),
    tag_match=st.sampled_from(list(TagMatch)), tier=maybe(list(Tier)), min_importance=maybe([0.5]),
    created_after=maybe([20.0]), created_before=maybe([30.0]),
    metadata=st.dictionaries(st.sampled_from(["k", "q\"uote", "it's"]),
                             st.one_of(st.booleans(), st.none(), st.integers(0, 2), st.sampled_from(["v"])), max_size=1),
    include_expired=st.booleans(), include_deleted=st.booleans(), only_deleted=st.booleans(),
    include_archived=st.booleans(), include_confidential=st.booleans(), agent_id_or_none=st.booleans(),
)


def _expected(row: dict, f: MemoryFilter) -> bool:
    for name in ("namespace", "agent_id", "session_id"):
        if name == "agent_id" and f.agent_id_or_none and row[name] is None:
            continue
        if getattr(f, name) is not None and row[name] != getattr(f, name):
            return False
    if f.memory_types and row["memory_type"] not in {t.value for t in f.memory_types}:
        return False
    if f.tier is not None and row["tier"] != f.tier.value:
        return False
    if f.min_importance is not None and row["importance"] < f.min_importance:
        return False
    if f.created_after is not None and row["created_at"] < f.created_after:
        return False
    if f.created_before is not None and row["created_at"] >= f.created_before:
        return False
    if f.tags:
        shared = set(f.tags) & set(row["tags"])
        if not shared or (f.tag_match is TagMatch.ALL and shared != set(f.tags)):
            return False
    for key, value in f.metadata.items():
        if key not in row["metadata"] or row["metadata"][key] != value or type(row["metadata"][key]) is not type(value):
            return False
    if f.only_deleted:
        if row["deleted_at"] is None:
            return False
    elif not f.include_deleted and row["deleted_at"] is not None:
        return False
    if not f.include_archived and row["archived_at"] is not None:
        return False
    if not f.include_expired and row["expires_at"] is not None and row["expires_at"] <= NOW:
        return False
    return f.include_confidential or row["visibility"] != Visibility.CONFIDENTIAL.value


@settings(max_examples=examples(300), deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=8), f=FILTER)
def test_filter_sql_selects_exactly_what_the_filter_says(rows, f):
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    for i, row in enumerate(rows, start=1):
        columns = {k: v for k, v in row.items() if k != "tags"} | {"id": i, "metadata": json.dumps(row["metadata"])}
        db.execute(f"INSERT INTO memories ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                   list(columns.values()))
        db.executemany("INSERT INTO memory_tags VALUES (?, ?)", [(i, t) for t in row["tags"]])
    want = {i for i, row in enumerate(rows, start=1) if _expected(row, f)}
    # Both forms: the one that finds memories, and the one that checks given ones (a search's candidates).
    for where in (filters.full(f, NOW), filters.full(f, NOW, probe=True)):
        got = {r[0] for r in db.execute(f"SELECT m.id FROM memories m WHERE {where.sql()}", where.params)}
        assert got == want


def test_an_agent_filter_that_takes_no_agent_too_finds_both_and_no_other_agent():
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    db.executemany("INSERT INTO memories (id, namespace, agent_id, visibility) VALUES (?, 'a', ?, 'private')",
                   [(1, "x"), (2, None), (3, "y")])

    def ids(f: MemoryFilter) -> set[int]:
        w = filters.full(f, NOW)
        return {r[0] for r in db.execute(f"SELECT m.id FROM memories m WHERE {w.sql()}", w.params)}

    assert ids(MemoryFilter(namespace="a", agent_id="x")) == {1}
    assert ids(MemoryFilter(namespace="a", agent_id="x", agent_id_or_none=True)) == {1, 2}
    # Without an agent named, the flag narrows nothing.
    assert ids(MemoryFilter(namespace="a", agent_id_or_none=True)) == {1, 2, 3}


def test_checking_candidates_tests_each_ones_own_tags_instead_of_listing_every_tagged_memory():
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    checking = "SELECT m.id FROM json_each('[1,2]') j CROSS JOIN memories m ON m.id = j.value WHERE "

    def plan(w: filters.Where) -> str:
        return " | ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + checking + w.sql(), w.params))

    for any_or_all in (TagMatch.ANY, TagMatch.ALL):
        f = MemoryFilter(tags=("work", "team", "work"), tag_match=any_or_all)
        listed, probed = filters.full(f, NOW), filters.full(f, NOW, probe=True)
        assert "LIST SUBQUERY" in plan(listed)
        assert "LIST SUBQUERY" not in plan(probed) and "CORRELATED" in plan(probed)


def test_cursor_round_trips_and_refuses_anything_else():
    class Stub:
        created_at, rowid = 1712.5, 42

    assert decode_cursor(encode_cursor(Stub())) == (1712.5, 42)
    nan = base64.urlsafe_b64encode(b'[NaN, 1]').decode()
    huge = base64.urlsafe_b64encode(b'[1.0, 9223372036854775808]').decode()
    deep = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()
    for bad in ("", "not-base64!", "W10", "WyJhIiwgImIiXQ", "e30", nan, huge, deep):
        try:
            decode_cursor(bad)
        except Exception as exc:  # noqa: BLE001 - the point is which exception it is
            assert type(exc).__name__ == "InvalidInput", (bad, exc)
        else:
            raise AssertionError(f"cursor {bad!r} was accepted")


def test_a_number_in_a_metadata_filter_does_not_match_a_boolean():
    # SQLite's json_extract reads true/false as 1/0; hypothesis found {"k": 0} matching {"k": false}.
    db = sqlite3.connect(":memory:")
    db.executescript(DDL)
    for i, meta in enumerate([{"k": False}, {"k": 0}, {"k": True}, {"k": 1}, {"k": "0"}], start=1):
        db.execute("INSERT INTO memories (id, namespace, visibility, metadata) VALUES (?, 'a', 'private', ?)",
                   (i, json.dumps(meta)))

    def matching(value):
        where = filters.full(MemoryFilter(namespace="a", metadata={"k": value}), NOW)
        return {r[0] for r in db.execute(f"SELECT m.id FROM memories m WHERE {where.sql()}", where.params)}

    assert (matching(0), matching(1), matching(False), matching(True), matching("0")) == ({2}, {4}, {1}, {3}, {5})
