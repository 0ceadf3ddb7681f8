"""Hybrid search's third list: memories that share entities (or dates) with the query.

The query's entities are the vault's own names found in it by the namespace's
gazetteer (:mod:`memvault.extraction.gazetteer`), read from the keyword text (the
user's own name already left out, :mod:`memvault.ranking.query`). Each scores the
memories that mention it by its specificity in the searched scope,

    idf(e) = ln(N / df(e))

(``N`` memories in the namespace, ``df`` of them in scope mentioning ``e``), so
a name that most of one speaker's memories carry ("Juniper" in a dog owner's
chat) weighs little, one that all of them carry nothing, and a rare one much.
One hop further, the entities that
co-occur most with the query's in those memories (the dog's vet, the race's
town) score their memories at :data:`HOP_WEIGHT` of their own specificity
times how often they co-occurred.

Dates in the query ("last week", "in May 2024", "yesterday", resolved against
the time of the search) boost, never filter: memories whose own time
(:func:`memvault.extraction.date_spans.memory_time`) falls in the span, and memories
that mention a date inside it, get :data:`DATE_WEIGHT`.

A memory's graph evidence is its score over the most the query's entities
and dates could give (the sum of their weights): 0..1, absolute like query-word
coverage, and one input of :func:`memvault.ranking.fusion.relevance`.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from memvault.domain.entities import EntityType
from memvault.domain.models import MemoryFilter
from memvault.extraction.date_spans import PART_OF_YEAR, DateSpan, resolve, yearly_values
from memvault.extraction.entities import GENERIC_NOUNS
from memvault.extraction.gazetteer import Gazetteer
from memvault.vault import entities as repo
from memvault.vault import filters

#: A one-hop entity's weight relative to its own specificity (times its co-occurrence share).
HOP_WEIGHT = 0.5
#: Co-occurring entities followed per query.
HOP_ENTITIES = 8
#: Memories read per query entity at most (the most recently stored first). Only the graph list's best
#: few dozen become candidates; a common name's older mentions add nothing but reads.
PER_ENTITY = 300
#: The best direct matches whose other entities are followed one hop.
HOP_SOURCES = 100
#: Memories read per one-hop entity at most.
PER_HOP_ENTITY = 50
#: Memories a date phrase matches at most.
PER_DATE = 2_000
#: The longest tie across the list's cut whose texts decide which of it is kept (see :meth:`GraphList.ranked`).
#: A longer one comes from a name or a date on hundreds of memories, of which only the most recently stored
#: were read (:data:`PER_ENTITY`, :data:`PER_HOP_ENTITY`): which ones already follows when they were stored,
#: and reading all their texts cost more than a large vault's search can spare (``docs/benchmarks.md``, stop 90).
TIE_TEXTS_MAX = 200
#: Seconds the graph's counts are kept (see :class:`GraphCounts`), and how many entities' counts at most.
COUNTS_TTL_SECONDS = 30.0
COUNTS_KEPT = 50_000
#: Weight of a query date matched by a memory's own time or by a date it mentions.
DATE_WEIGHT = 1.0

_DATE_PHRASE = re.compile(
    r"\b(?:(?:in|on|during|since|from|last|next|this)\s+)?"
    r"(?:" + re.sub(r"\?P<\w+>", "?:", PART_OF_YEAR) + r"|(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?"
    r"(?:,?\s+(?:19|20)\d\d)?|(?:19|20)\d\d|yesterday|today|tomorrow|(?:last|next|this)\s+(?:week|month|year|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)|\d+\s+(?:days?|weeks?|months?|years?)\s+ago)\b",
    re.IGNORECASE)


@dataclass
class GraphList:
    """The graph list of one query: evidence per memory (0..1), best first, and what the query named."""

    evidence: dict[int, float] = field(default_factory=dict)
    entities: tuple[str, ...] = ()
    #: The people among ``entities``, and the organisations (the small tagger calls many first names one: "Maja",
    #: "Leo", "Tobias"): whom the query is about (:mod:`memvault.ranking.peers`).
    people: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    #: The evidence's parts per memory (shared entities, one hop, dates), each over the same total.
    parts: dict[str, dict[int, float]] = field(default_factory=dict)

    def ranked(self, depth: int, texts: Callable[[list[int]], dict[int, tuple[str, str | None]]] | None = None
               ) -> list[int]:
        """The best ``depth`` memories by evidence. Equal evidence is common (every mention of one name
        weighs the same), and where such a tie straddles the cut, the ids would decide which of it is kept:
        they follow arrival order, which differs between two vaults holding the same data. ``texts``
        (:func:`memvault.vault.memory_queries.contents`' shape) reads the tie's texts, which decide instead, as
        they order every list's ties (:func:`memvault.ranking.fusion.rank_key`); it is read only then, and only
        for a tie of at most :data:`TIE_TEXTS_MAX`."""
        order = sorted(self.evidence, key=lambda m: (-self.evidence[m], m))
        if texts is None or len(order) <= depth or depth <= 0 or \
                self.evidence[order[depth]] != self.evidence[order[depth - 1]]:
            return order[:depth]
        cut = self.evidence[order[depth - 1]]
        above = [m for m in order[:depth] if self.evidence[m] != cut]
        tie = [m for m in order if self.evidence[m] == cut]
        if len(tie) > TIE_TEXTS_MAX:
            return order[:depth]
        read = texts(tie)
        tie.sort(key=lambda m: (read[m][0] if m in read else "", m))
        return above + tie[:depth - len(above)]


#: Whom a question can be about by name: a person, a firm, a pet ("When is Biscuit's booster due?").
_WHO = (EntityType.PERSON, EntityType.ANIMAL, EntityType.ORGANIZATION)


def query_dates(query: str, now: float) -> list[DateSpan]:
    """Date phrases of ``query`` resolved against ``now`` (a bare year or month name counts)."""
    return [span for group in query_date_groups(query, now) for span in group]


def query_date_groups(query: str, now: float) -> list[list[DateSpan]]:
    """Per date phrase of ``query``, the dates it may mean: a date without its year, the last one and the next
    ("what is on March 14?" may ask of either; memories hold both, see extraction/entities.py)."""
    groups: list[list[DateSpan]] = []
    for m in _DATE_PHRASE.finditer(query):
        phrase = m.group(0)
        if phrase.lower() in ("may", "march") and not re.search(r"\b(?:in|on|since|during|from)\s", phrase, re.IGNORECASE):
            continue  # the verb "may", "march" as a walk
        group = _phrase_dates(phrase, int(now // 60))
        if group:
            groups.append(list(group))
    return groups


#: Seconds after unlock before :func:`warm_dates` runs: run at once, it held the GIL while a server answered its
#: first writes (the first took 0.40-0.53 s against 0.27-0.33 s without it, stop 86).
WARM_DELAY_SECONDS = 10.0
#: Seconds between its turns once warm (a turn then costs ~4 ms).
WARM_IDLE_SECONDS = 86_400.0


def warm_dates() -> float:
    """Read one date phrase in the background, so that the first question naming a date does not pay for
    dateparser's start (~0.3 s of CPU on a 2-core EPYC: its locale data and time-zone patterns); returns the
    seconds until the next turn of its loop."""
    resolve("next Friday", time.time())
    return WARM_IDLE_SECONDS


@functools.lru_cache(maxsize=512)
def _phrase_dates(phrase: str, minute: int) -> tuple[DateSpan, ...]:
    """The dates ``phrase`` may mean, asked in ``minute`` (since the epoch): dateparser takes 0.5-1.5 ms a phrase
    and each is read both ways, while an agent's questions keep repeating the same few ("last week", "in May")."""
    group: list[DateSpan] = []
    for prefer in ("past", "future"):
        span = resolve(phrase, minute * 60.0, prefer)
        if span is not None and span not in group:
            group.append(span)
    return tuple(group)


def _scope_size(conn, f: MemoryFilter, now: float) -> int:
    # The namespace's live memories (a covering index): the filter's own count would read every row.
    where = filters.full(MemoryFilter(namespace=f.namespace, include_confidential=True), now)
    return max(1, repo.count_in_scope(conn, where))


class GraphCounts:
    """The counts behind the specificity weights, kept for :data:`COUNTS_TTL_SECONDS`.

    A namespace's live memories and each query entity's links are counted on
    covering indexes, but at 100k memories that is ~9 ms a query (100k index
    entries, then tens of thousands of links for a common name). A weight
    ln(N/df) some seconds stale ranks the same; the memories themselves are
    always read fresh. Safe to share between threads.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._scopes: dict[str | None, tuple[float, int]] = {}
        self._links: dict[int, tuple[float, int]] = {}

    def scope_size(self, conn, f: MemoryFilter, now: float) -> int:
        at = self._clock()
        with self._lock:
            kept = self._scopes.get(f.namespace)
        if kept is not None and at - kept[0] < COUNTS_TTL_SECONDS:
            return kept[1]
        n = _scope_size(conn, f, now)
        with self._lock:
            self._scopes[f.namespace] = (at, n)
        return n

    def frequencies(self, conn, entity_ids: list[int]) -> dict[int, int]:
        at = self._clock()
        with self._lock:
            kept = {e: self._links.get(e) for e in entity_ids}
        fresh = {e: c[1] for e, c in kept.items() if c is not None and at - c[0] < COUNTS_TTL_SECONDS}
        missing = [e for e in entity_ids if e not in fresh]
        counted = repo.frequencies(conn, missing)
        with self._lock:
            if len(self._links) > COUNTS_KEPT:
                self._links.clear()
            self._links.update({e: (at, counted.get(e, 0)) for e in missing})
        return fresh | {e: n for e, n in counted.items()}


class _Uncached(GraphCounts):
    """Counts read afresh on every call (what :func:`build` uses when given none)."""

    def scope_size(self, conn, f: MemoryFilter, now: float) -> int:
        return _scope_size(conn, f, now)

    def frequencies(self, conn, entity_ids: list[int]) -> dict[int, int]:
        return repo.frequencies(conn, entity_ids)


def build(conn, gazetteer: Gazetteer, query: str, f: MemoryFilter, now: float,
          counts: GraphCounts | None = None) -> GraphList:
    """The graph list of ``query`` among the memories passing ``f`` (``counts``: kept counts, else fresh)."""
    counts = counts if counts is not None else _Uncached()
    # Nouns that say nothing (extracted before they were left out, or named by the speakers) are no evidence.
    matches = [m for m in gazetteer.find(query) if m.value not in GENERIC_NOUNS]
    dates = query_date_groups(query, now)
    out = GraphList(entities=tuple(dict.fromkeys(m.value for m in matches)),
                    people=tuple(dict.fromkeys(m.value for m in matches if m.type in _WHO)),
                    dates=tuple(d.value for group in dates for d in group))
    if not matches and not dates:
        return out
    # Every statement below checks memories reached through links or dates: a tag is probed on each one.
    where = filters.full(f, now, probe=True)
    n = counts.scope_size(conn, f, now)
    ids = list(dict.fromkeys(m.entity_id for m in matches))
    df = counts.frequencies(conn, ids)
    idf = {e: math.log(n / df[e]) for e in ids if df.get(e) and df[e] < n}
    parts: dict[str, dict[int, float]] = {"direct": defaultdict(float), "hop": defaultdict(float),
                                          "dates": defaultdict(float)}
    total = sum(idf.values()) + DATE_WEIGHT * len(dates)
    links = repo.recent_links(conn, list(idf), where, PER_ENTITY)
    for entity_id, weight in idf.items():
        for memory_id, confidence in links[entity_id]:
            parts["direct"][memory_id] += weight * confidence
    if idf:
        direct = parts["direct"]
        _one_hop(conn, sorted(sorted(direct, key=lambda m: -direct[m])[:HOP_SOURCES]), set(ids), where, n,
                 parts["hop"], counts)
    for group in dates:  # one date of the query, whichever of its readings a memory holds
        for memory_id in {m for span in group for m in _dated(conn, span, where)}:
            parts["dates"][memory_id] += DATE_WEIGHT
    if total > 0:
        out.parts = {name: {m: s / total for m, s in part.items() if s > 0} for name, part in parts.items()}
        score: dict[int, float] = defaultdict(float)
        for part in out.parts.values():
            for m, s in part.items():
                score[m] += s
        out.evidence = {m: min(1.0, s) for m, s in score.items()}
    return out


def _one_hop(conn, direct: list[int], seen: set[int], where: filters.Where, n: int,
             score: dict[int, float], counts: GraphCounts) -> None:
    linked = repo.cooccurring(conn, direct, seen, HOP_ENTITIES)
    if not linked:
        return
    df = counts.frequencies(conn, [e for e, _ in linked])
    weight = {e: HOP_WEIGHT * math.log(n / df[e]) * (together / len(direct))
              for e, together in linked if df.get(e) and df[e] < n}
    links = repo.recent_links(conn, list(weight), where, PER_HOP_ENTITY)
    for entity_id, w in weight.items():
        for memory_id, confidence in links[entity_id]:
            score[memory_id] += w * confidence


def _dated(conn, span: DateSpan, where: filters.Where) -> set[int]:
    """Memories in scope whose own time is in ``span`` or that mention a date inside it."""
    start = datetime.fromtimestamp(span.start, UTC).strftime("%Y-%m-%dT%H:%M")
    end = datetime.fromtimestamp(span.end, UTC).strftime("%Y-%m-%dT%H:%M")
    if len(span.value) >= 8:  # a day or a week: the days it covers
        days = round((span.end - span.start) / 86400)
        values = [datetime.fromtimestamp(span.start + 86400 * i, UTC).strftime("%Y-%m-%d") for i in range(days)]
        # And the same days of every year (a birthday said without its year).
        values += [y for v in values for y in yearly_values(v)]
        return repo.dated_memories(conn, start, end, where, PER_DATE, days=values)
    if "-Q" in span.value or "-H" in span.value:  # a quarter or a half: its own mentions, and its months'
        first = datetime.fromtimestamp(span.start, UTC)
        months = round((span.end - span.start) / (86400 * 30.4))
        inside = tuple(f"{first.year:04d}-{first.month + i:02d}" for i in range(months))
        prefix = (span.value, *inside, *(y for m in inside for y in yearly_values(m)))
        return repo.dated_memories(conn, start, end, where, PER_DATE, prefix=prefix)
    # A month or a year: every date inside it starts with its value (a month's also with its every-year form).
    return repo.dated_memories(conn, start, end, where, PER_DATE, prefix=(span.value, *yearly_values(span.value)))
