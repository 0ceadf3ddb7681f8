"""Scores a person can read (hybrid relevance, good match) and the user's name in questions, on the real model."""

import pytest

from app.domain.enums import SearchMode
from app.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from app.service import relevance

pytestmark = pytest.mark.slow  # depends on meaning: the real model

UNRELATED = [
    "The production database runs PostgreSQL 16",
    "Never deploy to production on Fridays",
    "The cat's name is Miso and she hates the vacuum cleaner",
    "Lunch with Ravi on Friday at noon",
]


def test_hybrid_scores_say_whether_anything_matched(services):
    for text in UNRELATED:
        services.memories.create(MemoryCreate(content=text))
    services.worker.drain()
    nothing = services.search.search(SearchQuery("what car does the user have", mode=SearchMode.HYBRID))
    assert len(nothing.hits) == 4 and nothing.good_match is False
    assert all(h.score < relevance.GOOD_MATCH for h in nothing.hits)
    car = services.memories.create(MemoryCreate(content="The user drives an electric car")).memory
    services.worker.drain()
    found = services.search.search(SearchQuery("what car does the user have", mode=SearchMode.HYBRID))
    assert found.good_match is True and found.hits[0].memory.id == car.id
    assert found.hits[0].score >= relevance.GOOD_MATCH
    # A clear match stands far above the noise, not 0.50 against 0.48.
    assert found.hits[0].score - found.hits[1].score > 0.3
    # min_score applies to the same relevance.
    strict = services.search.search(SearchQuery("what car does the user have", min_score=relevance.GOOD_MATCH))
    assert [h.memory.id for h in strict.hits] == [car.id]
    assert services.search.search(SearchQuery("car", mode=SearchMode.SEMANTIC)).good_match is None


def test_a_question_naming_the_user_finds_what_the_user_said(services):
    turns = [
        ("assistant", "Good night, Maya. We'll do that training plan next time."),
        ("user", "we picked her up yesterday from Dogs Trust. she's a three year old lurcher called Juniper"),
        ("assistant", "Evening, Maya! Happy new year. What's on the list for 2024?"),
        ("user", "my sister Ada got engaged on new year's eve!!"),
        ("assistant", "Enjoy! Bye, Maya."),
    ]
    for i, (speaker, text) in enumerate(turns):
        services.memories.create(MemoryCreate(content=text, user_id="maya.okafor", session_id=f"s{i}",
                                              metadata={"speaker": speaker}))
    services.worker.drain()
    for mode in (SearchMode.SEMANTIC, SearchMode.HYBRID):
        scoped = services.search.search(SearchQuery("What breed is Maya's dog?", mode=mode, limit=2,
                                                    filter=MemoryFilter(user_id="maya.okafor")))
        assert "lurcher" in scoped.hits[0].memory.content, mode
    # Without knowing who the user is, the name pulls the greetings up (what the scoping fixes).
    unscoped = services.search.search(SearchQuery("What breed is Maya's dog?", mode=SearchMode.SEMANTIC, limit=2))
    assert any("Maya" in h.memory.content for h in unscoped.hits)
