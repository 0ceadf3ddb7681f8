"""Peers: how close the other memories about a person come to a question about that person.

A memory that shares only a person's name with a question comes as close to it as every other memory about
that person: asked "When is Maja's birthday?" among a family's notes, "Maja's teacher this year is Mr. Osei"
has the name in common with the question, the name alone lifts its similarity and covers half the question's
words, and it scored 0.61 where nothing stored answers. The note that answers also shares what is asked
(the birthday); one that only names her does not stand out from the rest of her notes.

A candidate is judged against peers when every query word it contains is part of the name of a person the
query names (a known person entity, or an organisation: the small tagger calls many first names one;
:class:`memvault.ranking.graph.GraphList`). Its peers are the other
memories of the keyword list that contain those words too; their mean similarity is how close the name
alone brings a memory, and fusion takes as much of it as stands above the query's background off the
candidate's relevance (:data:`memvault.ranking.fusion.W_PEERS`). The global background
(:mod:`memvault.ranking.similarity`) already covers a person every memory names (one person's notes); peers
cover a person some name (a household's notes, a client named in some of them, two people talking).

Only people (and organisations): on a topical corpus (SciFact's claims) the memories sharing a query's other entities and terms
are the relevant cluster, and judging them against each other cost a point of nDCG@10 on its train split;
people are what a
personal memory holds many memories about. Only the keyword list gives peers: it is ordered by the shared
words (BM25), not by similarity, so its members are not the ones nearest to the query by construction. With
fewer than :data:`PEERS_MIN` peers there are none: the mean of one other memory is what that one happens to
say. Measured on tuning data: ``docs/benchmarks.md``, "Peers".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: Fewest peers whose mean similarity counts.
PEERS_MIN = 2
#: Keyword hits that may be peers: the list's depth for every page of up to 16 hits
#: (``max(3 x limit, 50)``, ``service/search.py``). A longer page reads a deeper list, but its peers stay these
#: first ones, so a memory scores the same whatever the length of the page it is on.
POOL = 50


def peer_similarities(matched: Mapping[int, frozenset[str]], judged: Mapping[int, frozenset[str]],
                      similarities: Mapping[int, float | None], keyword_ids: Sequence[int]) -> dict[int, float]:
    """The mean similarity of the peers of each of the ``judged`` candidates that has :data:`PEERS_MIN` or more
    (see the module).

    ``matched`` gives each candidate's query words found in it (:func:`memvault.ranking.keyword.matched_stems`),
    ``judged`` the same for the candidates judged against peers,
    ``similarities`` each candidate's exact similarity (``None`` where unknown or only a bound: not a peer),
    ``keyword_ids`` the keyword list's candidates, best first (the first :data:`POOL` may be peers).
    """
    pool = {mid: (matched[mid], sim) for mid in keyword_ids[:POOL]
            if (sim := similarities.get(mid)) is not None and matched.get(mid)}
    out: dict[int, float] = {}
    # Candidates sharing the same words share their peers: one pass over the pool per set of words.
    by_words: dict[frozenset[str], list[int]] = {}
    for mid, words in judged.items():
        if words:
            by_words.setdefault(words, []).append(mid)
    for words, members in by_words.items():
        peers = {mid: sim for mid, (found, sim) in pool.items() if words <= found}
        total = sum(peers.values())
        for mid in members:
            # A candidate is no peer of itself.
            own = peers.get(mid)
            count = len(peers) - (own is not None)
            if count >= PEERS_MIN:
                out[mid] = (total - (own or 0.0)) / count
    return out
