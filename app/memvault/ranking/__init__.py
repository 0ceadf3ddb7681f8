"""Every ranking decision of search, as one pipeline of named features computed at query time.

1. :mod:`~memvault.ranking.query`: what the query's words mean before retrieval (the user's own name);
2. the features of each candidate the retrieval lists (``vault/knn``, ``vault/search.py``) return:
   :mod:`~memvault.ranking.similarity` (cosine to the nearest chunk), :mod:`~memvault.ranking.keyword`
   (coverage of the query's words, BM25), :mod:`~memvault.ranking.graph` (shared entities and dates),
   :mod:`~memvault.ranking.turn_context` (speaker and neighbouring turns of a conversation),
   :mod:`~memvault.ranking.peers` (how close the other memories naming a person the query asks about come);
3. :mod:`~memvault.ranking.fusion`: the calibrated relevance of those features and the order of the page;
4. :mod:`~memvault.ranking.good_match`: whether the best score answers the query, and hosted APIs' thresholds
   on this model's scale.

The service (``service/search.py``) retrieves and reads; it decides nothing about order. The
measurements behind each choice are in ``docs/benchmarks.md`` ("Ranking").
"""
