"""The two retrieval primitives: exact KNN over the stored vectors and FTS5 BM25, each filtered inside the query."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from memvault.domain.language import function_words, is_fragment
from memvault.domain.models import MemoryFilter
from memvault.vault import filters, fts, vectors
from memvault.vault.connect import driver_rows
from memvault.vault.knn.ann import nearest_rows

#: The largest k a search asks for.
MAX_K = 4096
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class VectorHit:
    memory_id: int
    chunk_id: int
    distance: float


@dataclass(frozen=True)
class KeywordHit:
    memory_id: int
    bm25: float
    snippet: str


def _eligible(conn: Connection, f: MemoryFilter, now: float) -> tuple[np.ndarray, np.ndarray]:
    """(chunk ids ascending, their memory ids) of every chunk whose memory passes ``f`` (two integers a row,
    on the covering indexes: 0.07 s at 100k)."""
    parts = filters.state_parts(f, now)  # one seek per lifecycle state (see there)
    rows = conn.connection.dbapi_connection.execute(" UNION ALL ".join(
        f"SELECT c.id, c.memory_id FROM memories m CROSS JOIN chunks c ON c.memory_id = m.id WHERE {w.sql()}"
        for w in parts), parts[0].params).fetchall()
    chunk_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    memory_ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    order = np.argsort(chunk_ids, kind="stable")
    return chunk_ids[order], memory_ids[order]


def _hits(chunk_ids: np.ndarray, memory_ids: np.ndarray, distances: np.ndarray, k: int) -> list[VectorHit]:
    """The ``k`` nearest of these chunks (``memory_ids``: their memories), by distance, then chunk id."""
    count = min(k, len(chunk_ids))
    if count == 0:
        return []
    top = np.argpartition(distances, count - 1)[:count] if count < len(chunk_ids) else np.arange(len(chunk_ids))
    top = top[np.lexsort((chunk_ids[top], distances[top]))]
    return [VectorHit(int(memory_ids[i]), int(chunk_ids[i]), max(0.0, float(distances[i]))) for i in top]


def knn(conn: Connection, query: np.ndarray, f: MemoryFilter, k: int, now: float) -> list[VectorHit]:
    """The ``k`` nearest chunks that pass ``f`` (expired and deleted ones never do), by brute force over the
    stored vectors, ranked as the index's own exact search ranks them (half precision): the answer when the
    index cannot give one (loading, rebuilding, a backlog such as a device's first searches after it joined
    sync), and for a new memory's duplicate check.

    Each batch of stored vectors is ranked as it is read and only its nearest are kept, in compiled code on
    this thread. At 100k the whole search took 0.4 CPU-s, where reading every row in one join, widening them
    to float32 and ranking them with numpy took 1.7.
    """
    k = min(k, MAX_K)
    chunk_ids, memory_ids = _eligible(conn, f, now)
    kept_ids, kept_dist = [], []
    for found, matrix in vectors.stored_batches(conn.connection.dbapi_connection, chunk_ids):
        rows, dist = nearest_rows(matrix, query, k)
        kept_ids.append(found[rows])
        kept_dist.append(dist)
    if not kept_ids:
        return []
    found = np.concatenate(kept_ids)
    return _hits(found, memory_ids[np.searchsorted(chunk_ids, found)], np.concatenate(kept_dist), k)


def knn_many(conn: Connection, queries: np.ndarray, f: MemoryFilter, k: int, now: float) -> list[list[VectorHit]]:
    """:func:`knn` for many queries (the benches' ground truth), reading the eligible vectors once and ranking
    them in single precision, many queries to one matrix product (usearch's brute force takes the queries one
    by one: 77 over 100k vectors, 0.48 s)."""
    chunk_ids, memory_ids = _eligible(conn, f, now)
    batches = list(vectors.stored_batches(conn.connection.dbapi_connection, chunk_ids))
    if not batches:
        return [[] for _ in queries]
    found = np.concatenate([ids for ids, _ in batches])
    owners = memory_ids[np.searchsorted(chunk_ids, found)]
    matrix = np.concatenate([m for _, m in batches]).astype(np.float32)
    del batches
    matrix /= np.maximum(np.sqrt(np.einsum("ij,ij->i", matrix, matrix)), 1e-12)[:, None]
    out = []
    for query in queries:
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        out.append(_hits(found, owners, 1.0 - (matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))), min(k, MAX_K)))
    return out


#: Words that match nearly every memory: in an OR query they add cost and no ranking signal.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours yourself yourselves
""".split())  # noqa: SIM905 - a word list reads better as words


def _fts_terms(query: str) -> list[str]:
    """The words of ``query`` an FTS5 expression asks for: stopwords (English's, and those of the language the
    query is in) and one-letter fragments left out unless nothing else is left."""
    tokens = list(dict.fromkeys(t.lower() for t in _TOKEN.findall(query)))[:64]
    own = function_words(query)
    return [t for t in tokens if t not in STOPWORDS and t not in own and not is_fragment(t)] or tokens


def _quoted(terms: list[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def fts_query(query: str) -> str | None:
    """An FTS5 expression matching any word of ``query`` (``None`` when it has none).

    Stopwords are left out unless the query has nothing else.
    """
    terms = _fts_terms(query)
    return _quoted(terms) if terms else None


#: Matches FTS5 may score for one keyword query. FTS5 computes BM25 for every match of an OR query
#: before it can order them (about 1.5 us each, 40 ms for the 30k matches of a four-word query at 100k
#: memories), and a word found in a large share of a big vault adds many matches and little ranking
#: signal (a low IDF). Over this budget the most common words are left out, rarest kept first.
KEYWORD_SCORED_MAX = 5000


def _matches_per_term(conn: Connection, terms: list[str]) -> list[int]:
    """How many memories match each term (FTS5 counts a doclist without scoring it: ~0.1 ms per word)."""
    counts = ", ".join(f"(SELECT count(*) FROM memory_fts WHERE memory_fts MATCH :t{i})" for i in range(len(terms)))
    (row,) = driver_rows(conn, f"SELECT {counts}", {f"t{i}": _quoted([t]) for i, t in enumerate(terms)})
    return [int(n) for n in row]


def fts_query_within_budget(conn: Connection, query: str, budget: int | None = None) -> str | None:
    """:func:`fts_query` without the most common words while the matches to score exceed ``budget``.

    Words no memory contains are left out too (they change no score). The rarest word found is
    always kept; a query with no word found keeps them all (it matches nothing either way).
    """
    terms = _fts_terms(query)
    if len(terms) <= 1:
        return _quoted(terms) if terms else None
    budget = KEYWORD_SCORED_MAX if budget is None else budget
    return _quoted(fts.terms_within_budget(terms, _matches_per_term(conn, terms), budget))


#: Keyword candidates taken from FTS5's own ranking per wanted hit before the filter is checked.
KEYWORD_OVERFETCH = 4
#: How far past the pool (in pools) the first read goes for the tie at its end (docs/benchmarks.md: at 100k,
#: reading 4 pools costs ~0.8 ms more than one and saved a second ~3.7 ms statement on 99% of the bench's
#: questions, whose tie at the pool's end was ~320 long).
KEYWORD_TIE_READ = 4


def _passing(conn: Connection, ids: list[int], search_filter: filters.Where) -> set[int]:
    """Which of the memories ``ids`` pass ``search_filter``."""
    if not ids:
        return set()
    # CROSS JOIN: one lookup per candidate, not a scan of the namespace's index probing the list; in the
    # index by id that holds the filter's usual columns, not in the rows (content pages: a decryption each).
    return {r[0] for r in driver_rows(
        conn, f"SELECT m.id FROM json_each(:keys) j CROSS JOIN memories m {filters.BY_ID} ON m.id = j.value "
        f"WHERE {search_filter.sql()}", dict(search_filter.params, keys=filters.json_ids(ids)))}


#: Rows longer than this (characters) have their snippet cut in Python (:func:`cut_snippet`), not by FTS5's
#: ``snippet()``: that scores a window at every match against every other match, so its cost grows with the
#: square of a row's matches (a 45 KB row repeating the query's two words: 0.25 s of CPU a row;
#: ``highlight()``, which tokenizes the whole row, still 11 ms). At this length snippet() costs ~0.6 ms a row.
SNIPPET_SCORED_MAX_CHARS = 2_000
#: How much of a window a cut snippet shows after its first match (snippet()'s 24 tokens: ~150 characters).
SNIPPET_CUT_CHARS = 150
#: Matches a cut snippet weighs at most (a row of nothing but the query's words has thousands).
SNIPPET_CUT_MATCHES = 2_000
_EXPRESSION_WORD = re.compile(r'"((?:[^"]|"")*)"')


def _snippets(conn: Connection, expr: str, ids) -> dict[int, str]:
    # snippet() re-reads and re-tokenizes each row (~90 us): asked only for the rows wanted.
    if not ids:
        return {}
    rows = driver_rows(
        conn, "SELECT rowid, CASE WHEN length(content) <= :cap THEN snippet(memory_fts, 0, '**', '**', '…', 24) END, "
        "CASE WHEN length(content) > :cap THEN content END FROM memory_fts "
        "WHERE memory_fts MATCH :expr AND rowid IN (SELECT value FROM json_each(:keys))",
        {"expr": expr, "keys": filters.json_ids(ids), "cap": SNIPPET_SCORED_MAX_CHARS})
    words = [w.replace('""', '"') for w in _EXPRESSION_WORD.findall(expr)]
    return {r[0]: r[1] if r[2] is None else cut_snippet(r[2], words) for r in rows}


def cut_snippet(content: str, words: list[str]) -> str:
    """A snippet in the style of ``snippet()``: the window of :data:`SNIPPET_CUT_CHARS` that holds the most of
    ``words`` (the keyword search's own, stopwords already left out), each found at the start of a word (the
    index's stems: "generator" finds "generators"), marked ``**``; the row's opening when none is found."""
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
                         + r")\w*", re.IGNORECASE) if words else None
    found = [] if pattern is None else [m for _, m in zip(range(SNIPPET_CUT_MATCHES), pattern.finditer(content))]
    if not found:
        return fts.snippet_in(content, None)
    best, best_terms, last = 0, 0, 0
    for first, match in enumerate(found):  # two pointers: each match enters and leaves the window once
        last = max(last, first)
        while last + 1 < len(found) and found[last + 1].end() <= match.start() + SNIPPET_CUT_CHARS:
            last += 1
        terms = len({m.group().lower() for m in found[first:last + 1]})
        if terms > best_terms:
            best, best_terms = first, terms
    start = max(0, found[best].start() - fts.SNIPPET_CONTEXT)
    if start:
        space = content.find(" ", start, found[best].start())  # begin at a word, as snippet() does
        start = start if space < 0 else space + 1
    end = min(len(content), found[best].start() + SNIPPET_CUT_CHARS)
    pieces, at = [], start
    for m in found[best:]:
        if m.start() >= end:
            break
        end = max(end, m.end())  # a match the cut would split is kept whole
        pieces += [content[at:m.start()], "**", m.group(), "**"]
        at = m.end()
    pieces.append(content[at:end])
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(content) else "")


def keyword_expression(conn: Connection, query: str) -> str | None:
    """The FTS5 expression :func:`keyword` searches the stemmed index with for ``query`` alone (``None`` when
    it has no word, or goes to the segmented index): counting its words' matches is ~1 ms at 100k, so a
    search that shows snippets of its keyword hits counts once, for both (see :func:`keyword_snippets`)."""
    query = unicodedata.normalize("NFC", query)
    return None if fts.indexes_for(query).segmented else fts_query_within_budget(conn, query)


def keyword_snippets(conn: Connection, query: str, memory_ids: list[int], expr: str | None = None) -> dict[int, str]:
    """The snippets :func:`keyword` would give these memories (for hits asked for without them); ``expr``: the
    :func:`keyword_expression` the hits were found with, else it is made again."""
    query = unicodedata.normalize("NFC", query)
    if fts.indexes_for(query).segmented:
        return fts.snippets_of(conn, query, memory_ids)
    if expr is None:
        expr = fts_query_within_budget(conn, query) if memory_ids else None
    return {} if expr is None else _snippets(conn, expr, memory_ids)


def keyword(conn: Connection, query: str, f: MemoryFilter, k: int, now: float, *,
            snippets: bool = True, expr: str | None = None) -> list[KeywordHit]:
    """BM25 matches of ``query`` that pass ``f``, best first, from the keyword indexes that fit its language
    (:func:`memvault.vault.fts.indexes_for`); English queries read the stemmed index alone, as before, with
    ``expr`` if given (its :func:`keyword_expression`)."""
    query = unicodedata.normalize("NFC", query)  # a decomposed accent would split the word the index keeps whole
    if fts.indexes_for(query).segmented:
        return fts.keyword(conn, query, f, k, now, snippets=snippets, english=_keyword_english)
    return _keyword_english(conn, query, f, k, now, snippets=snippets, expr=expr)


def _keyword_english(conn: Connection, query: str, f: MemoryFilter, k: int, now: float, *,
                     snippets: bool = True, expr: str | None = None) -> list[KeywordHit]:
    """BM25 matches of ``query`` that pass ``f``, best first.

    FTS5 orders by rank itself only when nothing is joined, and joining the
    filter reads the memory row of every match (most of them, for common
    words). So FTS5's own best ``k x KEYWORD_OVERFETCH`` come first and are
    filtered; when fewer than ``k`` of them pass, the filtered query ranks
    every match. BM25 does not depend on the filter, so both give the same hits. In a large vault
    the query's most common words may be left out (:data:`KEYWORD_SCORED_MAX`). Without ``snippets``
    the hits' snippets are empty: a caller showing a few of many hits asks :func:`keyword_snippets`.
    """
    expr = fts_query_within_budget(conn, query) if expr is None else expr
    if expr is None:
        return []
    pool = k * KEYWORD_OVERFETCH
    # Past the pool too: equal ranks across its end are all needed, so the cut below falls by text, not by
    # arrival order. FTS5 scores every match whatever the limit, so reading further costs little beside a
    # second statement scoring them all again to find the rest of the tie.
    reach = pool * KEYWORD_TIE_READ
    top = [(r[0], float(r[1])) for r in driver_rows(
        conn, "SELECT rowid, rank FROM memory_fts WHERE memory_fts MATCH :expr ORDER BY rank, rowid LIMIT :n",
        {"expr": expr, "n": reach})]
    if len(top) == reach and top[pool - 1][1] == top[-1][1]:
        # The tie at the pool's end runs past what was read: the rest of it.
        edge = top[pool - 1][1]
        top = [r for r in top if r[1] != edge] + [(mid, edge) for (mid,) in driver_rows(
            conn, "SELECT rowid FROM memory_fts WHERE memory_fts MATCH :expr AND bm25(memory_fts) = :edge",
            {"expr": expr, "edge": edge})]
    ordered = fts.tie_at_cut(top, pool)  # put in text order by the cut below, for the one after the filter
    candidate_filter = filters.full(f, now, probe=True)
    above: list[tuple[int, float]] = []
    if ordered:
        # k of the matches ranked above the tie at the pool's end may pass: then which of the tie the pool
        # holds changes nothing, and ordering it by text (a few hundred rows read, ~1-2 ms at 100k) is not needed.
        edge = top[pool - 1][1]
        above = top[:next(i for i, r in enumerate(top) if r[1] == edge)]
        passing = _passing_first(conn, above, k, candidate_filter)
        if len(passing) >= k:
            best = fts.best_by_text(conn, [r for r in above if r[0] in passing], k)
            return _keyword_hits(conn, expr, best, snippets)
    top, complete = fts.best_by_text(conn, top, pool), len(top) <= pool
    if ordered:  # every one above the tie was checked: the tie's share of the pool is left
        passing |= _passing(conn, [r[0] for r in top[len(above):]], candidate_filter)
    else:
        passing = _passing_first(conn, top, k, candidate_filter)
    if len(passing) >= k or complete:
        best = fts.best_by_text(conn, [r for r in top if r[0] in passing], k, ordered)
        return _keyword_hits(conn, expr, best, snippets)
    # Too few of FTS5's best passed: the filter joined, in its list form (the statement finds, not checks).
    search_filter = filters.full(f, now)
    rows = conn.execute(
        text(
            "SELECT m.id AS memory_id, bm25(memory_fts) AS rank "
            "FROM memory_fts JOIN memories m ON m.id = memory_fts.rowid "
            f"WHERE memory_fts MATCH :expr AND {search_filter.sql()} ORDER BY rank, m.content, m.id LIMIT :k"
        ),
        dict(search_filter.params, expr=expr, k=k),
    ).all()
    return _keyword_hits(conn, expr, [(r.memory_id, float(r.rank)) for r in rows], snippets)


def _passing_first(conn: Connection, ranked_hits: list[tuple[int, float]], k: int,
                   candidate_filter: filters.Where) -> set[int]:
    """Which of ``ranked_hits`` (best first) pass ``candidate_filter``, as far as the best ``k`` of them need: the
    first k and a margin, the rest only when fewer than ``k`` of those did (most candidates usually pass, and each
    check reads a memory row: an uncached row costs a page decryption). When the k-th that passed is tied with
    the first one left unchecked, the rest of that tie is checked too: the cut through it falls by text, among all
    of it (:func:`memvault.vault.fts.best_by_text`), not among those that arrived first."""
    head = k + k // 4 + 4
    passing = _passing(conn, [r[0] for r in ranked_hits[:head]], candidate_filter)
    rest = ranked_hits[head:]
    if len(passing) >= k:
        kth = [score for mid, score in ranked_hits[:head] if mid in passing][k - 1]
        rest = [r for r in rest if r[1] == kth]
    if rest:
        passing |= _passing(conn, [r[0] for r in rest], candidate_filter)
    return passing


def _keyword_hits(conn: Connection, expr: str, best: list[tuple[int, float]], snippets: bool) -> list[KeywordHit]:
    shown = _snippets(conn, expr, [mid for mid, _ in best]) if snippets else {}
    return [KeywordHit(mid, rank, shown.get(mid, "")) for mid, rank in best]


def chunk_spans(conn: Connection, chunk_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not chunk_ids:
        return {}
    rows = conn.connection.dbapi_connection.execute(
        "SELECT id, start_char, end_char FROM chunks WHERE id IN (SELECT value FROM json_each(?))",
        (filters.json_ids(chunk_ids),)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}

