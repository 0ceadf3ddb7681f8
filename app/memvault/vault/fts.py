"""The multilingual keyword index beside the English one, and keyword search over it.

``memory_fts`` (``porter unicode61``) stems English and serves English queries as before. It fits no
other language: the stemmer is English, Chinese, Japanese and Thai have no spaces for its tokenizer to
split at, and unicode61's default word characters leave out combining marks, so Hindi, Thai and vowelled
Arabic words fall apart at every vowel sign. ``memory_fts_segmented`` holds each memory's text cut by
:func:`memvault.domain.language.segment` (unspaced runs as overlapping character bigrams), not stemmed,
with marks kept as word characters and accents folded (``remove_diacritics 2``). Its text is the
segmented form, not the memory's, so snippets for its hits are cut from the memory's own content here, and
the index keeps no copy of it (contentless).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, text

from memvault.domain.language import (QueryTerm, fold, function_words, is_english, is_fragment, profile, query_terms,
                                      segment)
from memvault.domain.models import MemoryFilter
from memvault.vault import filters

T = TypeVar("T")

TABLE = "memory_fts_segmented"
#: Contentless: the segmented text is derived from the memory's, and only its tokens are ever read (bm25 and
#: rowids; snippets are cut from the memory's content), so a stored copy of it was ~170 bytes a memory for
#: nothing. ``contentless_delete`` lets rows be deleted and updated by rowid alone.
DDL = (f"CREATE VIRTUAL TABLE {TABLE} USING fts5(words, content='', contentless_delete=1, "
       "tokenize = 'unicode61 remove_diacritics 2 categories ''L* N* Co M*''')")
#: The stemmed English index reads its text from ``memories.content`` (external content) rather than keep a copy:
#: a change to a memory's text must reach it before the row changes (FTS5 reads the text it removes from the
#: row), and a row is removed from it before the memory is (:mod:`memvault.vault.memories`).
ENGLISH_DDL = ("CREATE VIRTUAL TABLE memory_fts USING fts5(content, content='memories', content_rowid='id', "
               "tokenize = 'porter unicode61')")
#: Rows segmented and inserted per statement when an existing vault is indexed.
BACKFILL_BATCH = 500
#: Characters of the memory's text shown either side of the first matched term in a snippet.
SNIPPET_CONTEXT = 60
#: How far past the first term found a snippet reaches for the query's other terms.
SNIPPET_REACH = 160


@dataclass(frozen=True)
class IndexChoice:
    """Which keyword indexes answer a query: the stemmed English one, the segmented one, or both (fused)."""

    english: bool
    segmented: bool


def indexes_for(query: str) -> IndexChoice:
    """English queries keep the stemmed index alone (as before), Greek symbols and all; queries with no Latin
    letters the segmented one alone; Latin text in another language, or mixed scripts, both."""
    p = profile(query)
    if p.letters == 0:
        return IndexChoice(english=True, segmented=False)
    if p.latin_only:
        return IndexChoice(english=True, segmented=not is_english(query))
    if p.latin_letters == 0:
        return IndexChoice(english=False, segmented=True)
    # A Greek letter or two in English ("IL-1β", "NF-κB") leaves an English query English.
    mostly_latin = not p.unspaced and p.other_letters * 4 < p.letters
    return IndexChoice(english=True, segmented=not (mostly_latin and is_english(query)))


def index_rows(raw, rows: Sequence[tuple[int, str]]) -> None:
    """Index ``(rowid, content)`` pairs on a DB-API connection (the batched write path)."""
    raw.executemany(f"INSERT INTO {TABLE}(rowid, words) VALUES (?, ?)", [(r, segment(c)) for r, c in rows])


def reindex(conn: Connection, rowid: int, content: str) -> None:
    conn.execute(text(f"UPDATE {TABLE} SET words = :w WHERE rowid = :r"), {"w": segment(content), "r": rowid})


def unindex(conn: Connection, rowid: int) -> None:
    conn.execute(text(f"DELETE FROM {TABLE} WHERE rowid = :r"), {"r": rowid})


def create_and_fill(conn: Connection) -> int:
    """Create the segmented index and index every memory (a migration, or a rebuild after damage)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
    conn.execute(text(DDL))
    raw = conn.connection.dbapi_connection
    done, last = 0, 0
    while True:
        rows = conn.execute(text("SELECT id, content FROM memories WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BACKFILL_BATCH}).all()
        if not rows:
            return done
        index_rows(raw, [(r.id, r.content) for r in rows])
        done += len(rows)
        last = rows[-1].id


def _term_expr(term: QueryTerm) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def _expression(terms: Sequence[QueryTerm]) -> str:
    return " OR ".join(_term_expr(t) for t in terms)


def _matches_per_term(conn: Connection, terms: Sequence[QueryTerm]) -> list[int]:
    counts = ", ".join(f"(SELECT count(*) FROM {TABLE} WHERE {TABLE} MATCH :t{i})" for i in range(len(terms)))
    row = conn.execute(text(f"SELECT {counts}"), {f"t{i}": _term_expr(t) for i, t in enumerate(terms)}).one()
    return [int(n) for n in row]


def _searched_terms(query: str) -> list[QueryTerm]:
    """The query's terms less the function words of its language and one-letter fragments of a spaced script,
    unless nothing else is left."""
    own = function_words(query)
    terms = query_terms(query)
    return [t for t in terms if t.text not in own and not is_fragment(t.text)] or terms


def query_within_budget(conn: Connection, query: str, budget: int) -> str | None:
    """The segmented index's expression for ``query``: every term, less the commonest while the matches to
    score exceed ``budget`` and those nothing contains (as :func:`memvault.vault.search.fts_query_within_budget`).
    The function words of the query's language are left out unless nothing else is left."""
    terms = _searched_terms(query)
    if len(terms) <= 1:
        return _expression(terms) if terms else None
    return _expression(terms_within_budget(terms, _matches_per_term(conn, terms), budget))


def terms_within_budget(terms: Sequence[T], matches: Sequence[int], budget: int) -> list[T]:
    """``terms`` less those nothing contains and, commonest first, those that would take the matches to score
    past ``budget``; the rarest term found is always kept, and with no term found all of them are (both indexes
    trim their queries by this one rule)."""
    counted = sorted((n, i) for i, n in enumerate(matches) if n > 0)
    if not counted:
        return list(terms)
    kept, total = [], 0
    for n, i in counted:
        if kept and total + n > budget:
            break
        kept.append(i)
        total += n
    return [terms[i] for i in sorted(kept)]


def text_order(conn: Connection, ids: list[int]) -> list[int]:
    """``ids`` ordered by their memories' text, then id: how search orders equal scores (ids follow arrival
    order, which differs between two vaults holding the same data; UTF-8 byte order is code-point order)."""
    rows = conn.connection.dbapi_connection.execute(
        "SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?)) ORDER BY content, id",
        (filters.json_ids(ids),)).fetchall()
    return [r[0] for r in rows]


def tie_at_cut(ranked_hits: list[tuple[int, float]], k: int) -> set[int]:
    """The ids of the equal scores across the cut after the first ``k`` of ``ranked_hits`` (empty if none):
    the tie :func:`best_by_text` puts in text order."""
    if len(ranked_hits) <= k or ranked_hits[k - 1][1] != ranked_hits[k][1]:
        return set()
    edge = ranked_hits[k - 1][1]
    return {mid for mid, score in ranked_hits if score == edge}


def best_by_text(conn: Connection, ranked_hits: list[tuple[int, float]], k: int,
                 ordered: Collection[int] = ()) -> list[tuple[int, float]]:
    """The first ``k`` of ``(id, bm25)`` pairs sorted by bm25, equal scores at the cut chosen by text (as
    :func:`text_order`), so which of many equal matches are kept does not follow arrival order.

    ``ordered``: ids that already follow one another in text order in ``ranked_hits`` (the tie an earlier cut
    ordered, :func:`tie_at_cut`): a tie among them alone is not read again (ordering a tie of a few hundred
    reads each one's row, ~1 ms at 100k)."""
    tie = tie_at_cut(ranked_hits, k)
    if not tie:
        return ranked_hits[:k]
    edge = ranked_hits[k - 1][1]
    kept = [hit for hit in ranked_hits[:k] if hit[1] != edge]
    tied = [mid for mid, score in ranked_hits if score == edge]
    if not tie.issubset(ordered):
        tied = text_order(conn, tied)
    return kept + [(mid, edge) for mid in tied[:k - len(kept)]]


def ranked(conn: Connection, expr: str, f_sql: str, params: dict, k: int) -> list[tuple[int, float]]:
    """``(memory id, bm25)`` of the segmented index's best ``k`` matches of ``expr`` passing the filter SQL."""
    rows = conn.execute(text(
        f"SELECT m.id AS memory_id, bm25({TABLE}) AS rank FROM {TABLE} JOIN memories m ON m.id = {TABLE}.rowid "
        f"WHERE {TABLE} MATCH :expr AND {f_sql} ORDER BY rank, m.content, m.id LIMIT :k"),
        dict(params, expr=expr, k=k)).all()
    return [(r.memory_id, float(r.rank)) for r in rows]


def keyword(conn: Connection, query: str, f: MemoryFilter, k: int, now: float, *, snippets: bool,
            english: Callable[..., list]) -> list:
    """Keyword hits for a query :func:`indexes_for` sends to the segmented index, fused with ``english`` (the
    stemmed index's search, :func:`memvault.vault.search.keyword`'s English path) when that applies too."""
    from memvault.vault.search import KEYWORD_SCORED_MAX, KeywordHit  # search imports this module: late

    choice = indexes_for(query)
    where = filters.full(f, now)
    expr = query_within_budget(conn, query, KEYWORD_SCORED_MAX)
    found = dict(ranked(conn, expr, where.sql(), dict(where.params), k)) if expr else {}
    stemmed = {h.memory_id: h for h in english(conn, query, f, k, now, snippets=snippets)} if choice.english else {}
    for mid, hit in stemmed.items():  # both indexes score BM25 over the same texts: the better score stands
        found[mid] = min(found.get(mid, hit.bm25), hit.bm25)
    best = best_by_text(conn, sorted(found.items(), key=lambda item: (item[1], item[0])), k)
    shown = snippets_of(conn, query, [mid for mid, _ in best if mid not in stemmed]) if snippets else {}
    return [KeywordHit(mid, bm25, stemmed[mid].snippet if mid in stemmed else shown.get(mid, ""))
            for mid, bm25 in best]


def snippets_of(conn: Connection, query: str, memory_ids: Sequence[int]) -> dict[int, str]:
    """Snippets in the style of FTS5's ``snippet()`` cut from each memory's own text around the first query
    term found in it (the segmented index's stored text is bigrams, not fit to show)."""
    if not memory_ids:
        return {}
    rows = conn.execute(text("SELECT m.id, m.content FROM json_each(:keys) j JOIN memories m ON m.id = j.value"),
                        {"keys": filters.json_ids(list(memory_ids))}).all()
    pattern = term_pattern(query)
    return {r.id: snippet_in(r.content, pattern) for r in rows}


def term_pattern(query: str) -> re.Pattern | None:
    """The terms the query searches with as one case-blind pattern, longest first (``None``: no term): a
    snippet marks what was searched for, not "Der" of "Wann kommt der Klempner?"."""
    words = sorted({t.text for t in _searched_terms(query)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None


#: A rest of the text at most this long after a snippet's cut is shown instead of "…".
_SHORT_REST = 12


def snippet_in(content: str, pattern: re.Pattern | None) -> str:
    """The memory's own text (never its folded form) around the first term found, each term shown in ``**``."""
    span = _find(content, pattern)
    if span is None:
        cut = 2 * SNIPPET_CONTEXT
        return content[:cut] + ("…" if len(content) > cut else "")
    first, last = span
    assert pattern is not None  # a span was found with it
    # The terms found further on, within reach, are shown too: "Daniels Mutter … sie hat am…" stopped short of
    # the "Geburtstag" asked about (the text as written: a folded find keeps its one term).
    reached = max((later.end() for later in pattern.finditer(content, last, first + SNIPPET_REACH)), default=last)
    start, end = max(0, first - SNIPPET_CONTEXT), min(len(content), reached + SNIPPET_CONTEXT)
    # Cut between words where the text has spaces ("in einem kleinen H…" read as a word of its own), and show a
    # short rest whole: "90 Jahre alt…" hid only the full stop.
    if start:
        space = content.find(" ", start, first)
        start = start if space < 0 else space + 1
    if len(content) - end <= _SHORT_REST:
        end = len(content)
    elif (space := content.rfind(" ", reached, end)) >= 0:
        end = space

    def marked(part: str) -> str:  # the other terms shown, as FTS5's snippet() marks every one
        return pattern.sub(lambda m: f"**{m.group(0)}**", part)

    shown = marked(content[start:first]) + "**" + content[first:last] + "**" + marked(content[last:end])
    # Terms side by side are one marked run (the bigrams of a Thai or Chinese word).
    return ("…" if start else "") + shown.replace("****", "") + ("…" if end < len(content) else "")


#: How much of a row a snippet looks through with its text folded (a term not found as written).
FOLDED_FIND_MAX_CHARS = 4_000


def _find(content: str, pattern: re.Pattern | None) -> tuple[int, int] | None:
    """Where in ``content`` the first term of ``pattern`` is, looked for as written and then folded (a query
    without Arabic vowel marks finds a vowelled word), as positions in ``content`` itself."""
    if pattern is None:
        return None
    hit = pattern.search(content)
    if hit is not None:
        return hit.start(), hit.end()
    if fold(content) == content:
        return None  # nothing folds: the search below is the one that just missed
    folded, origin = [], []
    # Character by character (~1 us each): within the opening FOLDED_FIND_MAX_CHARS only, so a long row costs a
    # snippet no more than a short one; past it the snippet shows the row's opening.
    for i, ch in enumerate(content[:FOLDED_FIND_MAX_CHARS]):
        piece = fold(ch)
        folded.append(piece)
        origin += [i] * len(piece)
    hit = pattern.search("".join(folded))
    if hit is None or hit.end() == hit.start():
        return None
    last = origin[hit.end() - 1] + 1
    while last < len(content) and not fold(content[last]):
        last += 1  # the marks folding dropped after the term's last letter belong to it
    return origin[hit.start()], last
