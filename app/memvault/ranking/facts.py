"""Facts among turns: a fact's name is not evidence, and a fact shares one result slot with its turn.

Extracted facts (``metadata.fact``) are searched with everything else, but two
things set them apart from the turns they were read from, and each made a
search of facts and turns together worse than one of turns alone
(``docs/benchmarks.md``, "Facts in retrieval"):

1. **The person's name.** A fact names its person ("Maya Okafor adopted
   Juniper"); turns do not (people say "I"). A question naming that person
   ("Where does Maya work?") then shares its rarest word with every fact and
   with almost no turn: the name alone gave any fact keyword coverage and BM25
   above the turn that answers, and a higher similarity. So a named fact's
   keyword evidence counts only the query words it matches outside its
   person's name, and when the query names that person its similarity is read
   against the query without the name, as the query plan reads the user's own
   name (:func:`name_neutral`, :mod:`memvault.ranking.query`). An
   unnamed user's facts all say "The user": that is their name, and a question
   saying "the user" matched every one of them, by its words and by its
   meaning (a short "The user has a flat" was nearer "Where does the user go
   climbing?" than the climbing fact).
2. **Near-duplicates.** A fact restates part of its turn, so a search finding
   one finds the other, and the pair took two of the first places. A fact whose
   source turn is stored (``metadata.fact.provenance.memory_id``,
   :mod:`memvault.vault.fact_links`) and passes the search's filters (it joins
   the candidates if it was not retrieved, :func:`with_sources`) is shown as
   that turn (:func:`group`): one slot, the fact's words as the snippet (they
   say what the turn says about the question, and name the person), the fact
   ids in the hit's ``facts``. In hybrid mode the slot's relevance is the
   turn's with the best of its and its facts' evidence (similarity, coverage,
   BM25) and the turn's own context (:func:`_joined`; every candidate is
   ranked, so a turn below the page's cut still lends its context), a turn
   ending in "?" no question once a fact read from it counts, a fact that is itself
   almost surely irrelevant (:data:`FACT_EVIDENCE_MIN`) adding nothing; in the
   other modes the better score of the two. A fact whose turn is not stored or
   not in scope is a hit of its own (a MemSync-style store keeps no turns).

3. **Whom a search serves.** A search scoped to one user (``user_id``) reads
   that user's name, as their facts give it (:func:`served_names`), and leaves
   it out of the query (:mod:`memvault.ranking.query`): turns say "I", and
   questions name the person ("When did Maya adopt Juniper?").

4. **Whose fact a question asks for.** In a namespace several people share (a household's or a team's
   agent), a question naming one of the people the candidate facts are about ("What is Hannah's new job?")
   asks nothing of another person's fact that does not mention them ("Priya's new job is a short walk"):
   such a fact scores as matching nothing and adds no evidence to its turn (:func:`_others`). Turns keep
   theirs: they say "I", and a turn answering the question may be either speaker's.

The scores are otherwise :mod:`memvault.ranking.fusion`'s. What each choice
bought, on tuning data only: ``docs/benchmarks.md`` ("Facts in retrieval").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from memvault.domain.enums import SearchMode
from memvault.domain.models import ScoreBreakdown, SearchHit
from memvault.extraction.attributes import ASKED_AS
from memvault.ranking import fusion
from memvault.ranking.keyword import content_stems, coverage, keyword_score, matched_stems
from memvault.ranking.similarity import BACKGROUND_SKIP, IDENTITY, Similarity, SimilarityScale, background_gap
from memvault.ranking.query import THE_USER, name_words, plan
from memvault.ranking.relatives import ASKED_STEMS
from memvault.vault import fact_links
from memvault.vault.knn import planner

#: How many candidates are ranked before facts join their turns, per hit asked for: a page of ``limit``
#: slots stays full when some of the first candidates fold into others.
DEPTH_PER_HIT = 3


def holds_facts(db, f) -> bool:
    """Whether the search's namespace holds any fact. Where it holds none, a search ranks only the page's own
    candidates (a semantic search then reads no more rows than it shows) and never looks for facts among
    them or for their turns."""
    with db.read() as conn:
        return fact_links.any_facts(conn, f.namespace)


def candidates_for(limit: int, facts_held: bool) -> int:
    """Candidates to rank for a page of ``limit`` hits: :func:`depth` where facts may fold into their turns."""
    return depth(limit) if facts_held else limit


def served_names(db, f) -> tuple[str, ...]:
    """The name of the person a search serves (its ``user_id`` filter), as that person's facts give it: the
    query plan then leaves it out (:mod:`memvault.ranking.query`). Read only for such a search."""
    if f.namespace is None or not f.user_id:
        return ()
    with db.read() as conn:
        name = fact_links.person_name(conn, f.namespace, f.user_id)
    return (name,) if name else ()


def with_sources(conn, ids: list[int], f, now: float) -> list[int]:
    """``ids`` and the stored turns of the facts among them that pass the search's filter ``f``: a fact then
    shares its turn's slot even when the turn itself was not retrieved."""
    return ids + fact_links.sources_in_scope(conn, ids, f, now)


def ranked_for(mode: SearchMode, ranked: int, facts_held: bool, candidates: int) -> int:
    """How many of ``candidates`` fusion ranks with a breakdown, where ``ranked`` would do without facts.
    Hybrid where facts may fold into their turns ranks all of them: a fact whose turn fell below the cut was
    scored alone, without the turn's context, so the same slot scored higher on a short page than on a long
    one, and the page's length decided which turns were shown (``docs/benchmarks.md``, "Stop 75")."""
    return candidates if facts_held and mode is SearchMode.HYBRID else ranked


def depth(limit: int) -> int:
    """Candidates to rank for a page of ``limit`` hits."""
    return limit * DEPTH_PER_HIT


@dataclass(frozen=True)
class Grouped:
    """The facts shown in a turn's slot, best first: their ids and texts."""

    ids: tuple[str, ...]
    texts: tuple[str, ...]


#: How an unnamed user's fact refers to its person (:mod:`memvault.extraction.rewrite`): "The user ...".
UNNAMED_REFERENCE = ("user",)
#: The least relevance (:func:`memvault.ranking.fusion.relevance`, 0..1) at which a fact adds its evidence to
#: its turn's slot (hybrid). Below it a fact only shuffles turns that match nothing: the best of a turn's and
#: its facts' similarities runs higher by chance than the turn's alone, so weak facts lifted turns that have
#: facts above turns that have none (measured: ``docs/benchmarks.md``, "Facts in retrieval").
FACT_EVIDENCE_MIN = 0.02


def _reference(fact: fact_links.FactCandidate) -> tuple[str, ...]:
    """The words with which ``fact`` refers to its person: their name's, or "user" for an unnamed user."""
    return name_words([fact.person]) if fact.person else UNNAMED_REFERENCE


def _without_name(text: str, words: tuple[str, ...]) -> str:
    names = set(words)
    return " ".join(w for w in text.split() if w.lower().strip(".,;:!?'’\"").removesuffix("'s")
                    .removesuffix("’s") not in names)


#: ``query text -> its background`` (:func:`memvault.ranking.similarity.background_gap`), or ``None``.
Background = Callable[[str], "float | None"]


def similarity_reader(conn, index, embedder, namespace: str | None, scale: SimilarityScale = IDENTITY) -> Similarity:
    """How :func:`group` reads candidates' similarity to another text of the query (from the index's vectors,
    on ranking's ``scale``)."""
    def read(text: str, rowids: list[int]) -> dict[int, float] | None:
        found = planner.similarities(conn, index, embedder.embed_query(text), rowids, namespace)
        return None if found is None else {m: scale.of_cosine(sim) for m, (_chunk, sim) in found.items()}
    return read


def background_reader(conn, index, embedder, f, now: float, scale: SimilarityScale = IDENTITY,
                      known: dict[str, float] | None = None) -> Background:
    """How :func:`name_neutral` reads the background of the query without a person's name, for the similarity it
    reads without it: where every memory names that person (a store of one person's facts), the name lifts the
    query's background as much as it lifts each hit, and the right fact fell below it ("did Nora get a car" against
    "Nora got a car in the end": 0.42 name-neutral, against a background of 0.51 read with the name). ``known``:
    backgrounds already read, by query text. Extraction reads English only, so the gap counts from 0."""
    seen = dict(known or {})

    def read(text: str) -> float | None:
        if text not in seen:
            if index is None or not index.ready:
                return None
            qvec = embedder.embed_query(text)
            total, count = index.similarity_sum(f.namespace, qvec)
            rows, _plan = planner.nearest(conn, index, qvec, f, BACKGROUND_SKIP, now)
            seen[text] = max(0.0, background_gap(total, count, tuple(1.0 - r.distance for r in rows), scale))
        return seen[text]
    return read


def _named(query: str, fact: fact_links.FactCandidate) -> str | None:
    """The query without the fact's person's name (:mod:`memvault.ranking.query`; "the user" for an unnamed
    user's fact), or ``None`` when the query does not name them."""
    if not fact.person:
        without = " ".join(THE_USER.sub(" ", query).split())
        return without if without and without != query else None
    planned = plan(query, [fact.person])
    return planned.semantic if planned.user_names else None


def _words(text: str) -> set[str]:
    return set(name_words([text]))


def _others(query: str, facts: dict[int, fact_links.FactCandidate]) -> set[int]:
    """The facts about someone other than the people ``query`` names, among those the candidate facts are about,
    that do not mention any of them: "What is Hannah's new job?" asks nothing of Priya's new job, so such a
    fact scores as matching nothing (0, or its own score if lower) and adds no evidence to its turn's slot.
    An unnamed user's facts ("The user ...") could be anyone's and keep theirs. Measured on tuning data only:
    ``docs/benchmarks.md``, "Stop 64: whose fact a question asks for"."""
    people = {fact.person for fact in facts.values() if fact.person}
    asked = {w for person in people for w in plan(query, [person]).user_names}
    if not asked:
        return set()
    # Any asked name word standing as a word of its own in the fact (what ``_words(...) & asked`` reads), found
    # by one search instead of splitting every fact into words.
    mentions = re.compile(r"(?<![^\W\d_])(?:" + "|".join(map(re.escape, sorted(asked))) + r")(?![^\W\d_])",
                          re.IGNORECASE)
    return {mid for mid, fact in facts.items()
            if fact.person and not (_words(fact.person) & asked) and not mentions.search(fact.content)}


def _asked_of_another(stems: frozenset[str], facts: dict[int, fact_links.FactCandidate]) -> set[int]:
    """The facts that set an attribute of someone other than their person ("The user's sister Anna lives in
    Lisbon" sets the sister's residence) and share with the query only the words that attribute is asked with:
    "where does the user live" asks nothing of the sister, whose "lives" outranked "The user moved to Zurich".
    Such a fact keeps its similarity and loses its keyword evidence; a question naming its subject ("where does
    Anna live", "my sister") matches another of its words and is untouched."""
    return {mid for mid, fact in facts.items()
            if fact.attribute in ASKED_STEMS and fact.subject not in (None, "user")
            and (matched := matched_stems(stems, fact.content)) and matched <= ASKED_STEMS[fact.attribute]}


def name_neutral(mode: SearchMode, query: str, keyword_query: str, page: fusion.Page,
                 facts: dict[int, fact_links.FactCandidate], similarity: Similarity | None = None,
                 background: Background | None = None) -> fusion.Page:
    """``page`` rescored with each fact's evidence counted outside its person's name ("user" for an unnamed
    user), best first.

    Keyword coverage is recomputed on the fact's words without the name; BM25, which cannot be split by word,
    is scaled by the share of the matched query words that remain. When the query names the fact's person,
    its similarity is the fact's to the query without that name (``similarity``; kept as it
    was when the index cannot answer), over that query's own background (``background``, :func:`background_reader`).
    """
    stems = content_stems(keyword_query)
    renamed: dict[str, list[int]] = {}
    # The query without a person's name is the same for each of their facts: planned once per person.
    named: dict[str | None, str | None] = {}
    for mid, fact in facts.items() if mode is not SearchMode.KEYWORD else ():
        if fact.person not in named:
            named[fact.person] = _named(query, fact)
        if (text := named[fact.person]) is not None:
            renamed.setdefault(text, []).append(mid)
    similar: dict[int, float] = {}
    behind: dict[int, float] = {}
    for text, mids in renamed.items():
        similar.update((similarity(text, mids) or {}) if similarity is not None else {})
        if mode is SearchMode.HYBRID and background is not None and (level := background(text)) is not None:
            behind.update(dict.fromkeys(mids, level))
    others = _others(query, facts)
    elsewhere = _asked_of_another(stems, facts)
    out: fusion.Page = []
    for score, mid, b in page:
        fact = facts.get(mid)
        if fact is None:
            out.append((score, mid, b))
            continue
        if mid in others:
            score = min(score, 0.0)
            out.append((score, mid, replace(b, relevance=score) if mode is SearchMode.HYBRID else b))
            continue
        sim = similar.get(mid, b.semantic)
        kept, bm25 = b.coverage, b.keyword_bm25
        if mid in elsewhere:
            kept, bm25 = 0.0, None if bm25 is None else 0.0
        elif stems:
            matched = coverage(stems, fact.content)
            # A fact matching no query word matches none without its name either: only its attribute's words
            # can add to it.
            if matched or fact.attribute in ASKED_AS:
                unnamed = _without_name(fact.content, _reference(fact))
                kept = coverage(stems, unnamed)
                if bm25 is not None and matched:
                    bm25 *= kept / matched
                if kept == matched:
                    kept = b.coverage
                if fact.attribute in ASKED_AS:
                    kept = max(kept or 0.0, coverage(stems, f"{unnamed} {' '.join(ASKED_AS[fact.attribute])}"))
        level = behind.get(mid, b.background)
        if (sim, kept, bm25, level) == (b.semantic, b.coverage, b.keyword_bm25, b.background):
            out.append((score, mid, b))
            continue
        if mode is SearchMode.SEMANTIC:
            score, b = (sim, replace(b, semantic=sim)) if sim is not None else (score, b)
        elif mode is SearchMode.KEYWORD:
            score, b = (keyword_score(bm25), replace(b, keyword_bm25=bm25)) if bm25 is not None else (score, b)
        else:
            score = fusion.relevance(sim, kept or 0.0, bm25 or None, b.graph or 0.0, question=bool(b.question),
                                     previous_gain=b.previous_turn_gain or 0.0, next_gain=b.next_turn_gain or 0.0,
                                     background=level or 0.0)
            b = replace(b, semantic=sim, keyword_bm25=bm25, coverage=kept, relevance=score, background=level)
        out.append((score, mid, b))
    # At equal scores (nothing matched outside the names), the asked person's facts before anyone else's; then
    # the page's own order (a stable sort), which fusion broke by text: never by id, which follows arrival.
    return sorted(out, key=lambda t: (-t[0], t[1] in others))


def _counts(fact: ScoreBreakdown) -> bool:
    """Whether a fact's evidence joins its turn's (:data:`FACT_EVIDENCE_MIN`; a fact not yet scored counts)."""
    return fact.relevance is None or fact.relevance >= FACT_EVIDENCE_MIN


def _joined(ranked: dict[int, ScoreBreakdown], turn: int, facts: list[fact_links.FactCandidate],
            score: float, shown: ScoreBreakdown) -> tuple[float, ScoreBreakdown]:
    """A turn's relevance with the evidence of the facts read from it that count (:func:`_counts`): the best
    similarity, coverage and BM25 of the turn and those facts, and the turn's own context (its neighbours'
    gains measured from that best similarity), never a question's; the turn's own relevance when none counts.
    ``score`` (the best member's) when the turn itself was not ranked. With it, the breakdown that gave it
    (``shown``, the best member's, when nothing was joined): the inputs a debug search shows are those that
    made the score, not the fact's alone."""
    t = ranked.get(turn)
    if t is None:
        return score, shown
    evidence = [ranked[f.fact] for f in facts if _counts(ranked[f.fact])]
    if not evidence and t.relevance is not None:
        return t.relevance, t
    members = [t, *evidence]
    # Each similarity over its own query's background (a fact's may be read without its person's name).
    nearest = max(members, key=_net)  # the turn on a tie
    sim = nearest.semantic or 0.0
    lift = _net(nearest) - _net(t)
    inputs = replace(
        t, semantic=sim, semantic_upper_bound=nearest.semantic_upper_bound, background=nearest.background,
        coverage=max(m.coverage or 0.0 for m in members),
        keyword_bm25=min((m.keyword_bm25 for m in members if m.keyword_bm25 is not None), default=None),
        # Its facts state what the turn says: "She turns sixty on the 14th of May, right?" ends with "?" but is
        # no question that only shares the query's words.
        question=None, peers=None,
        previous_turn_gain=None if t.previous_turn_gain is None else t.previous_turn_gain - lift,
        next_turn_gain=None if t.next_turn_gain is None else t.next_turn_gain - lift)
    joined = fusion.relevance(
        inputs.semantic, inputs.coverage, inputs.keyword_bm25, t.graph or 0.0, question=False,
        previous_gain=inputs.previous_turn_gain or 0.0, next_gain=inputs.next_turn_gain or 0.0,
        background=nearest.background or 0.0)
    return joined, replace(inputs, relevance=joined)


def _net(member: ScoreBreakdown) -> float:
    return (member.semantic or 0.0) - (member.background or 0.0)


def successors_first(mode: SearchMode, page: fusion.Page, facts: dict[int, fact_links.FactCandidate]) -> fusion.Page:
    """``page`` where a fact that superseded another on it takes the older one's evidence when that is better, and
    ranks above it: "I moved to Porto" answers whatever "I live in Berlin", which it replaced, answered ("where does
    Maya live" ranked the Berlin fact first, with a similarity four times Porto's). The older fact stays where it
    was (what was true then); facts fold into their turns after this, with the evidence they took.

    Hybrid's successor is scored on the best similarity, coverage and BM25 of the two, with its own context;
    the other modes' on the better score."""
    by_uuid = {fact.uuid: mid for mid, fact in facts.items()}
    at = {mid: i for i, (_, mid, _) in enumerate(page)}
    out = list(page)
    took: dict[int, int] = {}  # a successor that took evidence: how many facts back its chain reaches on the page
    for i in range(len(out)):  # best first: a successor updated here passes what it took on down a chain
        older = facts.get(out[i][1])
        newer = by_uuid.get(older.successor) if older is not None and older.successor else None
        if newer is None or newer not in at:
            continue
        j = at[newer]
        (score, _, old), (own, _, b) = out[i], out[j]
        if mode is SearchMode.HYBRID:
            b = replace(b, semantic=max(b.semantic or 0.0, old.semantic or 0.0),
                        coverage=max(b.coverage or 0.0, old.coverage or 0.0),
                        keyword_bm25=min((x for x in (b.keyword_bm25, old.keyword_bm25) if x is not None),
                                         default=None))
            taken = fusion.relevance(b.semantic, b.coverage, b.keyword_bm25, b.graph or 0.0,
                                     background=b.background or 0.0, peers=b.peers)
            b = replace(b, relevance=taken)
        elif mode is SearchMode.SEMANTIC:
            taken = max(own, score)
            b = replace(b, semantic=max(b.semantic or 0.0, old.semantic or 0.0))
        else:
            taken = max(own, score)
            b = replace(b, keyword_bm25=min((x for x in (b.keyword_bm25, old.keyword_bm25) if x is not None),
                                            default=None))
        if taken >= own:
            out[j] = (taken, newer, b)
            took[newer] = took.get(out[i][1], 0) + 1
    if not took:
        return page
    # An equal score (the older one's evidence, taken whole) ranks the newer fact first, the newest of a chain first.
    return sorted(out, key=lambda t: (-t[0], -took.get(t[1], 0)))


def group(conn, mode: SearchMode, query: str, keyword_query: str, page: fusion.Page,
          candidates: set[int] | list[int], limit: int, similarity: Similarity | None = None,
          min_score: float = 0.0, background: Background | None = None) -> tuple[fusion.Page, dict[int, Grouped]]:
    """``page`` (ranked deeper than ``limit``) with facts' names neutral and each fact folded into its source
    turn's slot when that turn is among ``candidates``, cut to ``limit`` slots scoring ``min_score`` or more;
    and the facts folded into each turn's slot, by the turn's rowid."""
    facts = fact_links.facts_among(conn, [mid for _, mid, _ in page])
    if not facts:
        return page[:limit], {}
    page = successors_first(mode, name_neutral(mode, query, keyword_query, page, facts, similarity, background), facts)
    scope = set(candidates)
    slots: dict[int, int] = {}
    out: fusion.Page = []
    folded: dict[int, list[fact_links.FactCandidate]] = {}
    for score, mid, breakdown in page:
        fact = facts.get(mid)
        slot = fact.source if fact is not None and fact.source in scope else mid
        if fact is not None and slot != mid:
            folded.setdefault(slot, []).append(fact)
        if slot not in slots:
            slots[slot] = len(out)
            out.append((score, slot, breakdown))
    if mode is SearchMode.HYBRID:
        ranked = {mid: b for _, mid, b in page}
        joined: fusion.Page = []
        for score, slot, b in out:
            if slot in folded:
                score, b = _joined(ranked, slot, folded[slot], score, b)
            joined.append((score, slot, b))
        out = sorted(joined, key=lambda t: -t[0])  # stable: equal slots keep the page's text order
    out = [t for t in out if t[0] >= min_score][:limit]
    if mode is SearchMode.HYBRID:
        out = [(score, slot, replace(b, relevance=score)) for score, slot, b in out]
    shown = {mid for _, mid, _ in out}
    return out, {turn: Grouped(tuple(f.uuid for f in fs), tuple(f.content for f in fs))
                 for turn, fs in folded.items() if turn in shown}


def with_facts(hits: list[SearchHit], grouped: dict[int, Grouped]) -> list[SearchHit]:
    """Each hit of a turn that has facts folded in, with the best fact as its snippet and their ids."""
    return [replace(h, snippet=grouped[h.memory.rowid].texts[0], facts=grouped[h.memory.rowid].ids)
            if h.memory.rowid in grouped else h for h in hits]
