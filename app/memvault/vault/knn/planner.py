"""Per-query choice between the approximate index and exact search; filters always come before ranking.

1. The index must match the query's read transaction (:meth:`VectorIndex.catch_up`);
   when it cannot (still loading or rebuilding, a large backlog), the stored vectors
   answer exactly (:func:`memvault.vault.search.knn`).
2. A small index, or a filter beyond namespace and lifecycle state, is counted first, up to
   :data:`SELECTIVE_CAP` eligible chunks (the count stops there, on the
   covering indexes): a selective filter is answered exactly over its eligible
   chunks, whose vectors the index holds.
3. Otherwise the index is asked for more neighbours than wanted (over-fetch in
   proportion to how many pass the filter), the candidates are filtered in SQL
   in the same transaction (which also drops anything deleted meanwhile), and
   when fewer than ``k`` survive the fetch widens, then falls back to exact
   over every eligible chunk: a filter never silently drops results.
4. The share of the index a filter passed is remembered (:class:`FilterShares`) and sizes the next query
   with the same filter: it is then listed or fetched at once, without counting first.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from memvault.domain.models import MemoryFilter
from memvault.vault import filters
from memvault.vault import search as vsearch
from memvault.vault.connect import driver_rows
from memvault.vault.knn.index import VectorIndex
from memvault.vault.search import VectorHit

#: Eligible chunks up to which a filtered query is answered exactly: reading their half-precision vectors out
#: of the index and ranking them costs ~0.8 us each (usearch returns one array per key), ~3 ms at the cap. Past
#: a few percent of the index the graph is cheaper; below, its over-fetch is not: 2.8% of 100k (an agent and a
#: type) asked it for ~1000 candidates, then ~2000, 130 ms a query against ~5 ms exact.
SELECTIVE_CAP = 4000
#: Index size the cap above was measured at. Exact costs about the same per eligible chunk at any size (~1 us
#: with its listing at 100k, ~2.4 us at 1M where less stays in cache), while the graph search for a filter
#: passing a share ``s`` fetches ~k/s candidates, each costing more as the graph deepens: at 1M vectors a 1%
#: filter (10,000 chunks) took 49.7 ms through the graph and 24.4 ms exact. So the cap grows with the square
#: root of size times depth (:func:`selective_cap`).
CAP_MEASURED_AT = 100_000
#: Candidates fetched per wanted hit, over the share of the index expected to pass the filter.
OVERFETCH = 1.5
OVERFETCH_MIN = 16
#: A filter is counted up to this share of the index (and past :data:`SELECTIVE_CAP`): counting costs ~0.1 us an
#: eligible memory (25k at 100k vectors: 2.3 ms, more than the graph search), and past a few percent the count
#: only sizes the first fetch, which the first round's survivors then correct.
COUNT_SHARE = 0.05
#: The share of the index a broad filter is first assumed to pass when its count reached the bound.
BROAD_SHARE_GUESS = 0.25
#: The share seen among a round's candidates is divided by this for the next round's fetch.
SHARE_MARGIN = 1.3
#: Widening rounds before the exact fallback.
ROUNDS = 3
#: A widening round that would fetch at least this share of the filter's eligible chunks (as counted, or as its
#: last queries saw it) lists them and searches them exactly instead. Fetching is the dearer way per chunk: a
#: wide graph search, then every candidate checked against the filter. At 100k with 8,750 eligible chunks (the
#: bench's fact/task + "work" filter), rounds fetching 4,000-8,750 took 23 ms and wider ones ~100 ms, listing
#: and searching the 8,750 18 ms; with this rule the search's p95 went 42-104 -> 25-34 ms, p50 unchanged (~18).
EXACT_PAST = 0.5
#: A remembered share that puts the filter this many times past (or under) the exact cap (:func:`selective_cap`)
#: decides the path without a count; nearer the cap the filter is counted as on its first query.
KNOWN_MARGIN = 2.0


@dataclass(frozen=True)
class Plan:
    """How a query was answered (for tests and the bench): ``exact_stored``, ``exact_eligible``, ``ann``, ``ann_fallback``."""

    path: str
    eligible: int | None = None
    fetched: int = 0


class FilterShares:
    """The share of the index each recent filter passed, as its last queries saw it.

    A filter asked again (an agent's own memories, on every turn) is then neither counted (~0.1 us an eligible
    memory: 0.5 ms to reach the count's bound at 100k) nor fetched in two rounds because the first was sized
    by a guess. A stale share costs a widening round or a listing past the cap, never a result: the eligible
    set and every candidate are still read in the query's own transaction.
    """

    SIZE = 256

    def __init__(self) -> None:
        self._by_filter: dict[tuple, float] = {}
        #: Each filter's count since the last change of any memory (:meth:`changed`): a filter whose share sits
        #: near the exact-search cap is neither clearly broad nor clearly selective, and counting it again on
        #: every query cost 4.6 ms of a 13 ms search at 100k. The count only plans (as a share does).
        self._counts: dict[tuple, int] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(f: MemoryFilter, now: float) -> tuple:
        where = filters.full(f, now)
        return where.sql(), tuple(sorted((k, v) for k, v in where.params.items() if k != "f_now"))

    def get(self, key: tuple) -> float | None:
        return self._by_filter.get(key)

    def count(self, key: tuple, counting: Callable[[], int]) -> int:
        """The filter's count: the one taken since the last change, else ``counting()``, kept."""
        with self._lock:
            known, generation = self._counts.get(key), self._generation
        if known is not None:
            return known
        counted = counting()
        with self._lock:
            if generation == self._generation:  # no change landed while counting
                self._counts[key] = counted
                if len(self._counts) > self.SIZE:
                    del self._counts[next(iter(self._counts))]
        return counted

    def changed(self) -> None:
        """Memories changed: counts are taken again."""
        with self._lock:
            self._generation += 1
            self._counts.clear()

    def seen(self, key: tuple, share: float) -> None:
        """Record a query's share, averaged with the last one (one query's candidates are a small sample)."""
        with self._lock:
            old = self._by_filter.pop(key, None)
            self._by_filter[key] = share if old is None else (old + share) / 2
            if len(self._by_filter) > self.SIZE:
                del self._by_filter[next(iter(self._by_filter))]


def selective_cap(total: int) -> int:
    """Eligible chunks up to which a filtered query over an index of ``total`` chunks is answered exactly:
    :data:`SELECTIVE_CAP` up to :data:`CAP_MEASURED_AT`, then in proportion to sqrt(n ln n) (13,856 at 1M)."""
    if total <= CAP_MEASURED_AT:
        return SELECTIVE_CAP
    growth = total * math.log(total) / (CAP_MEASURED_AT * math.log(CAP_MEASURED_AT))
    return int(SELECTIVE_CAP * math.sqrt(growth))


def _scan(f: MemoryFilter) -> str:
    """The index hint for reading a filter's eligible memories.

    An owner index (namespace, owner, lifecycle state) leaves a second owner or a type to be read from the
    memory rows: an agent and a type at 100k memories read a third of them (~230 ms to count 2.8k). When
    every condition is a column of the index by id, a scan of that index reads no row (~6 ms)."""
    owners = sum(getattr(f, c) is not None for c in ("agent_id", "user_id", "session_id", "project"))
    uncovered = (f.tags or f.tier is not None or f.min_importance is not None or f.created_after is not None
                 or f.created_before is not None or f.metadata or f.only_conflicts or f.changed_by is not None)
    return filters.BY_ID if not uncovered and (owners > 1 or (owners and f.memory_types)) else ""


def _eligible_sql(f: MemoryFilter, now: float) -> tuple[str, dict]:
    parts = filters.state_parts(f, now)  # one seek per lifecycle state (see there)
    return " UNION ALL ".join(f"SELECT c.id, c.memory_id FROM memories m {_scan(f)} CROSS JOIN chunks c "
                              f"ON c.memory_id = m.id WHERE {w.sql()}" for w in parts), parts[0].params


def count_sql(f: MemoryFilter, now: float) -> tuple[str, dict]:
    """The bounded count of :func:`eligible_memories` (``:cap`` left to bind)."""
    parts = filters.state_parts(f, now)
    rows = " UNION ALL ".join(f"SELECT 1 FROM memories m {_scan(f)} WHERE {w.sql()}" for w in parts)
    return f"SELECT count(*) FROM ({rows} LIMIT :cap)", parts[0].params


def eligible(conn: Connection, f: MemoryFilter, now: float, cap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Chunk ids that pass ``f`` and their memories' ids (at most ``cap + 1``, to tell a selective filter
    from a broad one)."""
    sql, params = _eligible_sql(f, now)
    if cap is not None:
        sql += " LIMIT :cap"
        params = dict(params, cap=cap + 1)
    # Two strings, not a row each: a thousand rows cost 0.75 ms through SQLAlchemy, as two strings 0.43 ms;
    # through the driver, as every search runs it.
    ((chunks, owners),) = driver_rows(conn, f"SELECT group_concat(id), group_concat(memory_id) FROM ({sql})",
                                      params)
    if chunks is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.fromstring(chunks, dtype=np.int64, sep=","), np.fromstring(owners, dtype=np.int64, sep=",")


def eligible_memories(conn: Connection, f: MemoryFilter, now: float, cap: int) -> int:
    """How many memories pass ``f``, counted up to ``cap`` on the covering indexes (no memory row is read)."""
    sql, params = count_sql(f, now)
    return int(conn.execute(text(sql), dict(params, cap=cap)).scalar_one())


def _passing(conn: Connection, keys: np.ndarray, f: MemoryFilter, now: float) -> dict[int, int]:
    """Which candidate chunks pass ``f`` in this transaction: ``{chunk id: memory id}``."""
    if len(keys) == 0:
        return {}
    where = filters.full(f, now, probe=True)
    # One JSON array parameter instead of one bound parameter per candidate (there may be thousands).
    # CROSS JOIN keeps SQLite from scanning the namespace's memories and probing the candidates; the
    # index by id holds every column a filter usually tests, so the memory rows (their content, a page
    # decryption per cache miss: ~1 ms of a KNN step at 100k) are read only for a metadata filter.
    # Through the driver: SQLAlchemy's handling of the statement cost ~0.09 ms of a 0.85 ms step.
    rows = conn.connection.dbapi_connection.execute(
        f"SELECT c.id, c.memory_id FROM chunks c CROSS JOIN memories m {filters.BY_ID} "
        f"ON m.id = c.memory_id WHERE c.id IN (SELECT value FROM json_each(:keys)) AND {where.sql()}",
        dict(where.params, keys=filters.json_ids(keys.tolist()))).fetchall()
    return dict(rows)


def _checked(conn: Connection, keys: np.ndarray, dist: np.ndarray, f: MemoryFilter, now: float,
             k: int, share: float = 1.0) -> tuple[list[VectorHit], float | None]:
    """The first ``k`` of ``keys`` (nearest first) that pass ``f``, and the share of those checked that passed.

    The candidates a ``share`` of passing ones makes enough are checked first, the rest only when fewer
    than ``k`` of those pass: each candidate costs two index lookups (~0.15 ms of a 100k KNN step for 45).
    """
    likely = min(len(keys), math.ceil(k / max(share, 1e-6) * SHARE_MARGIN) + 2)
    out: list[VectorHit] = []
    checked = passed = 0
    for part in (slice(0, likely), slice(likely, None)):
        part_keys = keys[part]
        if len(part_keys) == 0 or len(out) == k:
            break
        passing = _passing(conn, part_keys, f, now)
        checked, passed = checked + len(part_keys), passed + len(passing)
        for key, d in zip(part_keys.tolist(), dist[part].tolist()):
            mid = passing.get(key)
            if mid is not None:
                out.append(VectorHit(mid, key, max(0.0, float(d))))
                if len(out) == k:
                    break
    return out, passed / checked if checked else None


def _exact(index: VectorIndex, namespace: str | None, query: np.ndarray, ids: np.ndarray, owners: np.ndarray,
           k: int) -> list[VectorHit]:
    """The ``k`` nearest of the eligible chunks ``ids`` (memories ``owners``): each was listed as passing the
    filter in this transaction, so none is checked again."""
    keys, dist = index.exact(namespace, query, ids, k)
    order = np.argsort(ids, kind="stable")
    mids = owners[order[np.searchsorted(ids, keys, sorter=order)]]
    return [VectorHit(m, c, max(0.0, d)) for m, c, d in zip(mids.tolist(), keys.tolist(), dist.tolist())]


def nearest(conn: Connection, index: VectorIndex | None, query: np.ndarray, f: MemoryFilter, k: int,
            now: float, shares: FilterShares | None = None) -> tuple[list[VectorHit], Plan]:
    """The ``k`` nearest chunks that pass ``f`` (expired and deleted ones never do), and how they were found.

    ``shares``: the shares recent filters passed (read to plan, updated with what this query saw)."""
    k = min(k, vsearch.MAX_K)
    if index is None or not index.catch_up(conn, limit=VectorIndex.QUERY_CATCH_UP_MAX):
        return vsearch.knn(conn, query, f, k, now), Plan("exact_stored")
    total = index.size(f.namespace)
    if total == 0:
        return [], Plan("ann", 0)
    share = 1.0
    cap = selective_cap(total)
    eligible_count = None
    narrowed = total <= cap or bool(filters.narrowing(f).clauses)
    key = FilterShares.key(f, now) if shares is not None and narrowed else None
    known = shares.get(key) if key is not None else None
    expected = None if known is None else known * total
    # How many pass, as far as known (an exact count, else the share the filter's last queries saw): widening
    # past a share of it goes exact (EXACT_PAST). A count or listing that reached its bound says only "at
    # least", so it is no estimate.
    estimate = expected
    if narrowed and expected is not None and expected > cap * KNOWN_MARGIN:
        share = known  # broad, as its last queries saw: neither counted nor listed
    elif narrowed:
        # Counted first (on the covering indexes, nothing read into Python): a broad filter's count, bounded
        # (past the bound a share is guessed, and the first round's survivors tell the real one), sizes the
        # first fetch so that one graph search usually finds k that pass; a selective one is answered
        # exactly over its chunks, listed at once when its last queries found it selective.
        bound = max(cap + 1, math.ceil(total * COUNT_SHARE))
        counted = None if expected is not None and expected * KNOWN_MARGIN < cap \
            else eligible_memories(conn, f, now, bound) if shares is None \
            else shares.count((key, bound), lambda: eligible_memories(conn, f, now, bound))
        at_least = False  # the listing stopped past the cap: how many pass is unknown
        if counted is None or counted <= cap:
            ids, owners = eligible(conn, f, now, cap=cap)
            if len(ids) <= cap:
                if key is not None:
                    shares.seen(key, len(ids) / total)
                return _exact(index, f.namespace, query, ids, owners, k), Plan("exact_eligible", len(ids))
            at_least = counted is None
            counted = len(ids) if counted is None else counted
        share = min(1.0, max(counted, 1) / total)
        if counted >= bound:
            share = max(share, BROAD_SHARE_GUESS)
        # A count at its bound keeps the last queries' share only where the two agree; a listing cut at the cap
        # proves the share stale.
        estimate = None if at_least else counted if counted < bound \
            else expected if expected is not None and expected >= counted else None
        eligible_count = counted
    fetch = 0
    for round_ in range(ROUNDS):
        fetch = min(total, max(fetch * 2, math.ceil(k * OVERFETCH / share) + OVERFETCH_MIN))
        if round_ and estimate is not None and fetch >= estimate * EXACT_PAST:
            break
        keys, dist = index.search(f.namespace, query, fetch)
        hits, seen_share = _checked(conn, keys, dist, f, now, k, share)
        if key is not None and seen_share is not None:
            shares.seen(key, seen_share)
        if len(hits) >= k or len(keys) >= total:
            # Enough, or too few because every vector was a candidate: the exact answer either way.
            return hits, Plan("ann", eligible_count, fetch)
        if len(keys) < fetch:
            break  # the graph search came back short: only exact search is sure to find the rest
        share = max(len(hits), 1) / len(keys) / SHARE_MARGIN
    ids, owners = eligible(conn, f, now)
    if key is not None:
        shares.seen(key, len(ids) / total)
    return _exact(index, f.namespace, query, ids, owners, k), Plan("ann_fallback", len(ids), fetch)


def similarities(conn: Connection, index: VectorIndex | None, query: np.ndarray, memory_ids: list[int],
                 namespace: str | None) -> dict[int, tuple[int, float]] | None:
    """Each memory's nearest chunk and its similarity to ``query``, read from the index's vectors:
    ``{memory id: (chunk id, similarity)}``; a memory without a vector (still being embedded) is absent.

    ``None`` when the index cannot answer for ``conn``'s state (the caller then bounds the similarity).
    Hybrid asks this for its keyword and graph candidates outside the semantic list: ~3 us a chunk,
    where widening the graph search until it reached them cost milliseconds.
    """
    if index is None or not index.catch_up(conn, limit=VectorIndex.QUERY_CATCH_UP_MAX):
        return None
    if not memory_ids:
        return {}
    # Through the driver: every hybrid search asks this, and SQLAlchemy's handling cost more than the read.
    owner = dict(conn.connection.dbapi_connection.execute(
        "SELECT c.id, c.memory_id FROM json_each(?) j CROSS JOIN chunks c ON c.memory_id = j.value",
        (filters.json_ids(memory_ids),)).fetchall())
    keys, dist = index.exact(namespace, query, np.fromiter(owner, dtype=np.int64, count=len(owner)), len(owner))
    out: dict[int, tuple[int, float]] = {}
    for key, d in zip(keys.tolist(), dist.tolist()):
        out.setdefault(owner[key], (key, max(0.0, 1.0 - float(d))))
    return out
