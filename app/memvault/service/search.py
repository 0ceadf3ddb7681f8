"""Search by meaning, by keyword, or both fused into one calibrated relevance.

This module retrieves and reads; every ranking decision is in :mod:`memvault.ranking`. The steps, for
every mode: the query is planned (:mod:`memvault.ranking.query`, with the served user's name as their facts give it);
the semantic side embeds the query and takes the nearest chunks (filters inside the KNN), the keyword side asks FTS5
for BM25 matches, hybrid's graph side the memories sharing the query's entities and dates
(:mod:`memvault.ranking.graph`); :func:`memvault.ranking.fusion.rank` then scores and orders the
candidates, and this module reads the page and its snippets.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from memvault.domain import limits
from memvault.domain.clock import Clock, system_clock
from memvault.domain.enums import SearchMode
from memvault.domain.language import guess_language
from memvault.domain.models import (
    Memory,
    MemoryFilter,
    ScoreBreakdown,
    SearchHit,
    SearchQuery,
    SearchResult,
    successor_of,
)
from memvault.embedding.model import Embedder
from memvault.ranking import facts as fact_ranking
from memvault.ranking import fusion, turn_context
from memvault.ranking import graph as graph_search
from memvault.ranking import query as query_plan
from memvault.ranking import speakers as speaker_ranking
from memvault.ranking import good_match
from memvault.ranking.keyword import word_stem
from memvault.ranking.similarity import (
    BACKGROUND_SKIP,
    HYBRID_SIMILARITY_CHUNKS,
    IDENTITY,
    Seen,
    SimilarityScale,
    background_for,
    background_gap,
)
from memvault.service import validation as v
from memvault.vault import memory_queries, vector_models
from memvault.vault import search as vsearch
from memvault.vault.engine import Database
from memvault.vault.knn import VectorIndex, planner

SNIPPET_CHARS = 240
#: Namespaces for which whether they hold facts is kept between changes.
FACTS_HELD_KEPT = 256
#: Candidates each list gives hybrid at least (``3 x limit`` when that is more).
HYBRID_DEPTH = 50

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _crop(text: str, start: int = 0, end: int | None = None) -> str:
    piece = text[start:end].strip()
    lead = "…" if start > 0 else ""
    if len(piece) <= SNIPPET_CHARS:
        return lead + piece + ("…" if end is not None and end < len(text) else "")
    return lead + piece[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


def _stems(text: str) -> set[str]:
    # The keyword side's stems: "kept"/"keeps", "generator"/"generators", "work"/"works" meet.
    return {word_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2}


def snippet_for(content: str, span: tuple[int, int], query: str) -> str:
    """The part of a chunk worth showing: the sentence sharing most words with the query."""
    start, end = span
    if end - start <= SNIPPET_CHARS:
        return _crop(content, start, end)
    wanted = _stems(query)
    best_at, best_score, offset = start, 0, start
    for sentence in _SENTENCE_END.split(content[start:end]):
        score = len(wanted & _stems(sentence))
        if score > best_score:
            best_at, best_score = offset, score
        offset += len(sentence) + 1
    return _crop(content, best_at, min(end, best_at + SNIPPET_CHARS + 40))


#: Threads that read hybrid's keyword lists, for every vault of the process: a burst of searches queues
#: behind them instead of starting a thread each (the vault has two readers; a few more serve several vaults).
KEYWORD_WORKERS = 4
_keyword_pool = ThreadPoolExecutor(max_workers=KEYWORD_WORKERS, thread_name_prefix="keyword-search")


def semantic_candidates(conn, index: VectorIndex | None, qvec, f: MemoryFilter, want: int, now: float,
                        shares: planner.FilterShares, reach: int = 0, scale: SimilarityScale = IDENTITY
                        ) -> tuple[list[tuple[int, int, float]], Seen, Any]:
    """The KNN step: best chunk per memory, nearest first, as ``(memory_id, chunk_id, similarity)``, all it
    saw, and the planner's plan.

    ``reach`` asks for at least that many nearest chunks, so that hybrid
    knows the similarity of more memories than the list holds (:class:`Seen`).
    """
    # Most memories are one chunk; the cost of an approximate or filtered search grows with the chunks asked.
    k = max(want + want // 2 + 4, reach)
    while True:
        rows, plan = planner.nearest(conn, index, qvec, f, k, now, shares)
        best: dict[int, tuple[int, int, float]] = {}
        for r in rows:
            if r.memory_id not in best:
                best[r.memory_id] = (r.memory_id, r.chunk_id, scale.of_distance(r.distance))
        # Long memories have several chunks; widen until enough distinct memories.
        if len(best) >= want or len(rows) < k or k >= vsearch.MAX_K:
            floor = scale.of_distance(rows[-1].distance) if rows else 0.0
            seen = Seen({m: (c, sim) for m, c, sim in best.values()}, exhaustive=len(rows) < k, floor=floor,
                        nearest=tuple(1.0 - r.distance for r in rows[:BACKGROUND_SKIP]))
            return list(best.values())[:want], seen, plan
        k = min(k * 4, vsearch.MAX_K)


def _background(query: str, lists: "_Lists", texts: dict[int, tuple[str, str | None]]) -> float:
    """Hybrid's background for ``query`` (:func:`~memvault.ranking.similarity.background_for`): its gap, with
    the languages of the query and of the memory nearest to it where the gap is below the fit's."""
    if lists.background_gap >= 0.0 or not lists.semantic:
        return max(0.0, lists.background_gap)
    nearest = texts.get(lists.semantic[0][0])  # nearest first: (text, session)
    # A question is short: "Was trinke ich am Morgen?" has one German function word more than English ones,
    # which the strict guess reads as English. A memory is read strictly ("Mia is 9" is no Italian).
    return background_for(lists.background_gap, guess_language(query, lenient=True),
                          None if nearest is None else guess_language(nearest[0]))


@dataclass
class _Lists:
    """One search's candidate lists, read in its first transaction and ranked in the page's."""

    mode: SearchMode
    words: str  # the planned keyword query
    qvec: Any
    f: MemoryFilter
    now: float
    semantic: list[tuple[int, int, float]]
    seen: Seen | None
    keyword: list[vsearch.KeywordHit]
    keyword_expr: str | None  # what the keyword list searched with: its snippets are cut by the same words
    graph: graph_search.GraphList
    graph_ids: list[int]
    indexed: bool
    background_gap: float = 0.0  # the query's (ranking.similarity.background_gap), for hybrid's relevance
    semantic_query: str = ""  # the text embedded (the query as planned)



def _good_matches(hits: list[SearchHit], mode: SearchMode, shown: int, floor: float) -> list[bool]:
    """:func:`memvault.ranking.good_match.flags` of ``hits``, where a fact that a hit above it superseded is no
    rival that hit must stand out from (it gave the newer fact its evidence, :func:`ranking.facts.successors_first`):
    it is a good match where that hit is one and its own score reaches the point."""
    replacing: dict[str, int] = {}
    kept: list[int] = []
    for i, h in enumerate(hits):
        replacing[h.memory.id] = i
        for fact_id in h.facts or ():
            replacing[fact_id] = i
        successor = successor_of(h.memory)
        if successor is None or successor not in replacing:
            kept.append(i)
    flagged = good_match.flags([(hits[i].score, good_match.is_turn(hits[i].memory)) for i in kept], mode,
                               len([i for i in kept if i < shown]), floor)
    out = dict(zip(kept, flagged, strict=False))
    for i in range(min(shown, len(hits))):  # in order: a chain's older facts follow the newer, already flagged
        if i not in out:
            out[i] = out[replacing[successor_of(hits[i].memory)]] and good_match.is_good_match(hits[i].score, mode)
    return [out[i] for i in range(min(shown, len(hits)))]


def _past_page(mode: SearchMode, facts_held: bool) -> int:
    """Candidates ranked past the page: hybrid's one (:func:`memvault.ranking.good_match.flags`), unless facts already
    make it rank deeper."""
    return int(mode is SearchMode.HYBRID and not facts_held)

class SearchService:
    """Runs :class:`SearchQuery` against the vault."""

    def __init__(self, db: Database, embedder: Embedder, wall: Clock = system_clock,
                 index: VectorIndex | None = None, entities=None, model_family: str | None = None) -> None:
        self._db = db
        self._embedder = embedder
        #: The model's similarity on the scale ranking was fitted on (the English model's: the identity).
        self._scale = SimilarityScale.of_model(getattr(embedder, "manifest", None))
        #: The prefix of the ids of the models whose vectors compare with this embedder's (``vector_models``).
        self._family = model_family or embedder.model_id
        self._wall = wall
        self._index = index
        #: The entity service (its gazetteers) for hybrid's graph list; without it hybrid fuses two lists.
        self._entities = entities
        self._graph_counts = graph_search.GraphCounts()
        #: What share of the index recent filters passed: plans the next search with the same filter.
        self._filter_shares = planner.FilterShares()
        #: Whether some memories' vectors come from another model (a model switch being re-embedded), known
        #: after the first search since the last change (``None``: check). Their similarity to this model's
        #: query vector means nothing, so the semantic list leaves them out; keywords still find them.
        self._other_models: bool | None = None
        #: Whether each namespace holds facts (how deep a page ranks, and whether facts are looked for among its
        #: candidates), known since the last change: a read of its own (~0.1 ms of CPU) that most searches in a
        #: row need not repeat.
        self._facts_held: dict[str | None, bool] = {}
        self._changes = 0
        self._ranked_lock = threading.Lock()

    def vectors_changed(self) -> None:
        """Memories changed: check again, at the next search, whether another model's vectors remain (and
        whether the namespace holds facts)."""
        self._other_models = None
        self._filter_shares.changed()
        with self._ranked_lock:
            self._changes += 1
            self._facts_held = {}

    def _holds_facts(self, f: MemoryFilter) -> bool:
        held = self._facts_held.get(f.namespace)
        if held is None:
            changes = self._changes
            held = fact_ranking.holds_facts(self._db, f)
            with self._ranked_lock:
                if changes == self._changes and len(self._facts_held) < FACTS_HELD_KEPT:  # no change landed meanwhile
                    self._facts_held[f.namespace] = held
        return held

    def search(self, q: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        v.content(q.query, field="query", max_chars=limits.QUERY_MAX_CHARS)
        v.int_range(q.limit, "limit", 1, limits.SEARCH_LIMIT_MAX)
        v.unit_float(q.min_score, "min_score")
        mode = v.choice(SearchMode, q.mode, "mode")
        v.filter_lists(q.filter)
        if q.filter.namespace is not None:
            v.namespace(q.filter.namespace)
        # Search never shows deleted or expired memories, whatever the filter says.
        f = replace(q.filter, include_deleted=False, only_deleted=False, include_expired=False)
        now = self._wall()
        planned = query_plan.plan(q.query, fact_ranking.served_names(self._db, f))
        facts_held = self._holds_facts(f)
        # Hybrid ranks one hit past the page: a note's good match is judged against the hit after it.
        ranked = fact_ranking.candidates_for(q.limit, facts_held) + _past_page(mode, facts_held)
        depth = ranked if mode is SearchMode.SEMANTIC else max(q.limit * 3, HYBRID_DEPTH)
        # Hybrid reads its keyword list on the other reader while this thread embeds the query and reads the
        # semantic and graph lists (ONNX Runtime and SQLite release the GIL). This thread holds no reader
        # while it waits for that list: two searches never hold both readers while each waits for the
        # other's keyword list. (The keyword list was always read in a transaction of its own.)
        words = planned.evidence if mode is SearchMode.HYBRID else planned.keyword
        keyword_later = _keyword_pool.submit(self._keyword, words, f, depth, now) \
            if mode is SearchMode.HYBRID else None
        qvec = self._embedder.embed_query(planned.semantic) if mode is not SearchMode.KEYWORD else None
        if self._index is not None and qvec is not None:
            # Outside the read: a restore takes a reader of its own. Never waits for another thread's
            # restore (the first search after unlock goes exact instead of waiting a second for it).
            self._index.ensure_open(wait=False)
        # With the index, other candidates' similarities are read from its vectors instead (see _others).
        indexed = self._index is not None and self._index.ready
        reach = HYBRID_SIMILARITY_CHUNKS if mode is SearchMode.HYBRID and not indexed else 0
        with self._db.read() as conn:
            semantic, seen, _plan = self._semantic(conn, qvec, f, depth, now, reach) if qvec is not None \
                else ([], None, None)
            if self._other_models is None:
                self._other_models = vector_models.any_of_other_models(conn, self._family)
            if self._other_models and seen is not None:
                semantic = self._this_model_only(conn, semantic, seen)
            keyword, keyword_expr = self._keyword_in(conn, planned.keyword, f, depth, now) \
                if mode is SearchMode.KEYWORD else ([], None)
            graph = graph_search.GraphList()
            if mode is SearchMode.HYBRID and self._entities is not None:
                graph = graph_search.build(conn, self._entities.gazetteer(conn, f.namespace, fresh=False),
                                           planned.keyword, f, now, self._graph_counts)
            graph_ids = graph.ranked(depth, lambda ids: memory_queries.contents(conn, ids))
            lists = _Lists(mode, words, qvec, f, now, semantic, seen, keyword, keyword_expr, graph,
                           graph_ids, indexed, self._background(mode, qvec, f, seen, indexed), planned.semantic)
            if keyword_later is None:
                # Nothing to wait for: the page is read in this same transaction (a second one cost ~0.1 ms of
                # a ~1 ms semantic search's reads, its pool checkout, BEGIN and COMMIT).
                page, with_facts, ids, found, snippets, spans = self._read_page(conn, q, lists, facts_held, ranked)
        if keyword_later is not None:
            lists.keyword, lists.keyword_expr = keyword_later.result()
            with self._db.read() as conn:
                page, with_facts, ids, found, snippets, spans = self._read_page(conn, q, lists, facts_held, ranked)
        hits = fact_ranking.with_facts(self._page(q, page, snippets, found, spans), with_facts)
        good_matches = _good_matches(hits, mode, q.limit, q.min_score)
        hits = [replace(h, good_match=good) for h, good in zip(hits, good_matches)]  # the page: not the one past
        good = None if mode is not SearchMode.HYBRID else bool(hits) and hits[0].good_match
        return SearchResult(tuple(hits), mode, len(ids), (time.perf_counter() - started) * 1000, good)

    def _read_page(self, conn, q: SearchQuery, lists: _Lists, facts_held: bool, ranked: int):
        """Ranks the candidates of ``lists`` and reads the page shown: ``(page, its facts, candidate ids, the page's
        memories, keyword snippets, chunk spans)``."""
        mode, f, now, seen = lists.mode, lists.f, lists.now, lists.seen
        ids = list(dict.fromkeys([s[0] for s in lists.semantic] + [k.memory_id for k in lists.keyword]
                                 + lists.graph_ids))
        if facts_held:
            ids = fact_ranking.with_sources(conn, ids, f, now)
        if mode is SearchMode.HYBRID and seen is not None and lists.indexed:
            self._others(conn, lists.qvec, f, ids, seen)
            if self._other_models:
                self._this_model_only(conn, [], seen)
        # Ranking reads only the candidates' texts (hybrid's coverage, every mode's ties) and sessions; whole
        # memories (tags, metadata, entities) are read for the page shown, not for all ~100 candidates.
        texts = memory_queries.contents(conn, ids)
        turns = {} if mode is not SearchMode.HYBRID else turn_context.contexts(
            conn, self._index, lists.qvec, list(texts),
            {m: sim for m, (_c, sim) in (seen.best if seen else {}).items()}, f.namespace, self._scale)
        background = _background(q.query, lists, texts)
        # Reads similarities to another text of the query (without a speaker's or a fact's person's name).
        reader = fact_ranking.similarity_reader(conn, self._index, self._embedder, f.namespace, self._scale)
        spoken = {} if mode is not SearchMode.HYBRID else speaker_ranking.named_speakers(
            lists.semantic_query, memory_queries.speakers(conn, list(texts)), reader)
        page = fusion.rank(mode, lists.words, lists.semantic, seen, lists.keyword, texts, lists.graph,
                           lists.graph_ids, turns, fact_ranking.ranked_for(mode, ranked, facts_held, len(ids)),
                           q.min_score, background, spoken)
        page_size = q.limit + _past_page(mode, False)
        page, with_facts = fact_ranking.group(
            conn, mode, q.query, lists.words, page, ids, page_size,
            reader, q.min_score,
            fact_ranking.background_reader(conn, self._index if lists.indexed else None, self._embedder, f, now,
                                           self._scale, {lists.semantic_query: background})) \
            if facts_held else (page[:page_size], {})
        found = memory_queries.get_many(conn, [mid for _, mid, _ in page])
        # Snippets come from keyword hits, or from the best chunk of a memory without a keyword rank.
        matched = [mid for _, mid, b in page if b.keyword_rank is not None]
        snippets = vsearch.keyword_snippets(conn, lists.words, matched, lists.keyword_expr) if matched else {}
        shown = set(found).difference(matched)
        spans = vsearch.chunk_spans(conn, [c for m, (c, _) in (seen or Seen()).best.items() if m in shown])
        return page, with_facts, ids, found, snippets, spans

    def _background(self, mode: SearchMode, qvec, f: MemoryFilter, seen: Seen | None, indexed: bool) -> float:
        """Hybrid's background gap for the query (:func:`~memvault.ranking.similarity.background_gap`), over
        the namespace searched, whatever else the filter narrows (the vault's language, not the filter's).
        Without the index (restoring after unlock) it is taken to be the fit's."""
        if mode is not SearchMode.HYBRID or not indexed or qvec is None or seen is None:
            return 0.0
        total, count = self._index.similarity_sum(f.namespace, qvec)
        return background_gap(total, count, seen.nearest, self._scale)

    def _keyword(self, query: str, f: MemoryFilter, depth: int,
                 now: float) -> tuple[list[vsearch.KeywordHit], str | None]:
        with self._db.read() as conn:
            return self._keyword_in(conn, query, f, depth, now)

    @staticmethod
    def _keyword_in(conn, query: str, f: MemoryFilter, depth: int,
                    now: float) -> tuple[list[vsearch.KeywordHit], str | None]:
        """The keyword list and the expression it searched with."""
        expr = vsearch.keyword_expression(conn, query)
        return vsearch.keyword(conn, query, f, depth, now, snippets=False, expr=expr), expr

    @property
    def filter_shares(self) -> planner.FilterShares:
        """What share of the index recent filters passed (shared with whoever times the KNN step alone)."""
        return self._filter_shares

    def _semantic(self, conn, qvec, f, want: int, now: float, reach: int = 0):
        return semantic_candidates(conn, self._index, qvec, f, want, now, self._filter_shares, reach, self._scale)

    def _this_model_only(self, conn, semantic: list[tuple[int, int, float]], seen: Seen) -> list[tuple[int, int, float]]:
        """``semantic`` and ``seen`` without the memories whose vectors another model made."""
        other = vector_models.of_other_models(conn, list({*(s[0] for s in semantic), *seen.best}), self._family)
        for memory_id in other:
            seen.best.pop(memory_id, None)
        return [s for s in semantic if s[0] not in other]

    def _others(self, conn, qvec, f: MemoryFilter, ids: list[int], seen: Seen) -> None:
        """Exact similarities of the candidates outside the semantic list, from the index's vectors."""
        exact = planner.similarities(conn, self._index, qvec, [m for m in ids if m not in seen.best], f.namespace)
        if exact is not None:
            seen.best.update({m: (chunk, self._scale.of_cosine(sim)) for m, (chunk, sim) in exact.items()})
            seen.exhaustive = True  # every candidate's vectors were read: one absent has none yet

    @staticmethod
    def _page(q: SearchQuery, page: list[tuple[float, int, ScoreBreakdown]], snippets: dict[int, str],
              found: dict[int, Memory], spans) -> list[SearchHit]:
        hits: list[SearchHit] = []
        for score, mid, breakdown in page:
            memory = found.get(mid)
            if memory is None:
                continue
            if breakdown.keyword_rank is not None:
                snippet = snippets.get(mid, "")
            elif breakdown.best_chunk in spans:
                snippet = snippet_for(memory.content, spans[breakdown.best_chunk], q.query)
            else:
                snippet = _crop(memory.content)
            hits.append(SearchHit(memory, round(score, 6), snippet, breakdown if q.debug else None))
        return hits
