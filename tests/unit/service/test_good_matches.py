"""The page's good-match flags where a fact that replaced another ranks above it (service/search.py)."""

from __future__ import annotations

from memvault.domain.enums import EmbeddingStatus, MemoryType, SearchMode, Tier, Visibility
from memvault.domain.models import Memory, SearchHit
from memvault.ranking import good_match
from memvault.service.search import _good_matches


def _hit(memory_id: str, score: float, successor: str | None = None) -> SearchHit:
    memory = Memory(memory_id, 1, "chat", memory_id, MemoryType.FACT, (),
                    {} if successor is None else {"superseded_by": successor}, 0.5, Tier.HOT, Visibility.PRIVATE,
                    None, "maya", None, None, None, 0.0, 0.0, None, None, None, 1, EmbeddingStatus.READY, None)
    return SearchHit(memory, score, memory_id)


def test_the_fact_a_hit_replaced_is_no_rival_it_must_stand_out_from():
    # A note (no turn) below 0.2 must stand out from the hit after it; the fact it replaced, with the evidence it
    # gave, is no such hit.
    porto, berlin, lisbon = _hit("porto", 0.073), _hit("berlin", 0.073, "porto"), _hit("lisbon", 0.022, "porto")
    assert good_match.flags([(0.073, False), (0.073, False), (0.022, False)], SearchMode.HYBRID, 3) == \
        [False, False, False]
    assert _good_matches([porto, berlin, lisbon], SearchMode.HYBRID, 3, 0.0) == [True, True, False]
    # Without the pair, the rule is the same as before: two equal notes stand out from neither.
    assert _good_matches([porto, _hit("berlin", 0.073), lisbon], SearchMode.HYBRID, 3, 0.0) == [False, False, False]


def test_a_chain_of_replaced_facts_is_flagged_after_the_newest_and_the_page_past_the_limit_is_not():
    hits = [_hit("c", 0.5), _hit("b", 0.5, "c"), _hit("a", 0.5, "b"), _hit("x", 0.01)]
    assert _good_matches(hits, SearchMode.HYBRID, 3, 0.0) == [True, True, True]
