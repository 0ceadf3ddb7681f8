"""Facts among turns: a fact's name is not evidence, and a fact shares one result slot with its turn.

Extracted facts (``metadata.fact``) are searched with everything else, but two
things set them apart from the turns they were read from, and each made a
search of facts and turns together worse than one of turns alone
(``docs/benchmarks.md``, "Facts in retrieval"):

1. **The person's name.** A fact names its person ("Maya Okafor adopted
   Juniper"); turns do not (people say "I"). A question naming that person
   ("Where does Maya work?") then shares its rarest word with every fact and
   with almost no turn, and the name alone gave any fact keyword coverage and
   BM25 above the turn that answers. So in hybrid and keyword mode a fact's
   keyword evidence counts only the query words it matches outside its
   person's name (:func:`name_neutral`), as the query plan does for the user's
   own name (:mod:`memvault.ranking.query`).
2. **Near-duplicates.** A fact restates part of its turn, so a search finding
   one finds the other, and the pair took two of the first places. A fact whose
   source turn is stored (``metadata.fact.provenance.memory_id``,
   :mod:`memvault.vault.fact_links`) and is a candidate of the same search (it
   passed the same filters) is shown as that turn (:func:`group`): one slot, at
   the better of the two places, the fact's words as the snippet (they say
   what the turn says about the question, and name the person), the fact ids
   in the hit's ``facts``. A fact whose turn is not stored or not in scope is a
   hit of its own (a MemSync-style store keeps no turns).

The scores are otherwise :mod:`memvault.ranking.fusion`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from memvault.domain.enums import SearchMode
from memvault.domain.models import SearchHit
from memvault.ranking import fusion
from memvault.ranking.keyword import content_stems, coverage, keyword_score
from memvault.ranking.query import name_words
from memvault.vault import fact_links

#: How many candidates are ranked before facts join their turns, per hit asked for: a page of ``limit``
#: slots stays full when some of the first candidates fold into others.
DEPTH_PER_HIT = 3


def depth(limit: int) -> int:
    """Candidates to rank for a page of ``limit`` hits."""
    return limit * DEPTH_PER_HIT


@dataclass(frozen=True)
class Grouped:
    """The facts shown in a turn's slot, best first: their ids and texts."""

    ids: tuple[str, ...]
    texts: tuple[str, ...]


def _without_name(text: str, person: str) -> str:
    names = set(name_words([person]))
    return " ".join(w for w in text.split() if w.lower().strip(".,;:!?'’\"").removesuffix("'s")
                    .removesuffix("’s") not in names)


def name_neutral(mode: SearchMode, keyword_query: str, page: fusion.Page,
                 facts: dict[int, fact_links.FactCandidate]) -> fusion.Page:
    """``page`` rescored with each named fact's keyword evidence counted outside its person's name, best first.

    Coverage is recomputed on the fact's words without the name; BM25, which cannot be split by word, is scaled
    by the share of the matched query words that remain.
    """
    if mode is SearchMode.SEMANTIC or not any(f.person for f in facts.values()):
        return page
    stems = content_stems(keyword_query)
    out: fusion.Page = []
    for score, mid, b in page:
        fact = facts.get(mid)
        if fact is None or not fact.person or not stems or b.keyword_bm25 is None:
            out.append((score, mid, b))
            continue
        matched = coverage(stems, fact.content)
        kept = coverage(stems, _without_name(fact.content, fact.person))
        if kept >= matched:
            out.append((score, mid, b))
            continue
        bm25 = b.keyword_bm25 * (kept / matched)
        if mode is SearchMode.KEYWORD:
            score = keyword_score(bm25)
            b = replace(b, keyword_bm25=bm25)
        else:
            score = fusion.relevance(b.semantic, kept, bm25 or None, b.graph or 0.0, question=bool(b.question),
                                     previous_gain=b.previous_turn_gain or 0.0, next_gain=b.next_turn_gain or 0.0)
            b = replace(b, keyword_bm25=bm25, coverage=kept, relevance=score)
        out.append((score, mid, b))
    return sorted(out, key=lambda t: (-t[0], t[1]))


def group(conn, mode: SearchMode, keyword_query: str, page: fusion.Page, candidates: set[int] | list[int],
          limit: int) -> tuple[fusion.Page, dict[int, Grouped]]:
    """``page`` (ranked deeper than ``limit``) with facts' names neutral and each fact folded into its source
    turn's slot when that turn is among ``candidates``, cut to ``limit``; and the facts folded into each
    turn's slot, by the turn's rowid."""
    facts = fact_links.facts_among(conn, [mid for _, mid, _ in page])
    if not facts:
        return page[:limit], {}
    page = name_neutral(mode, keyword_query, page, facts)
    scope = set(candidates)
    slots: set[int] = set()
    out: fusion.Page = []
    folded: dict[int, list[fact_links.FactCandidate]] = {}
    for score, mid, breakdown in page:
        fact = facts.get(mid)
        slot = fact.source if fact is not None and fact.source in scope else mid
        if fact is not None and slot != mid:
            folded.setdefault(slot, []).append(fact)
        if slot not in slots:
            slots.add(slot)
            out.append((score, slot, breakdown))
    out = out[:limit]
    shown = {mid for _, mid, _ in out}
    return out, {turn: Grouped(tuple(f.uuid for f in fs), tuple(f.content for f in fs))
                 for turn, fs in folded.items() if turn in shown}


def with_facts(hits: list[SearchHit], grouped: dict[int, Grouped]) -> list[SearchHit]:
    """Each hit of a turn that has facts folded in, with the best fact as its snippet and their ids."""
    return [replace(h, snippet=grouped[h.memory.rowid].texts[0], facts=grouped[h.memory.rowid].ids)
            if h.memory.rowid in grouped else h for h in hits]
