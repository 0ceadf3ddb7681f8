"""Peers end to end: a vault's notes about a person, the person found by entity extraction, and a question
that nothing answers but that names her (real model)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.ranking import fusion

pytestmark = pytest.mark.slow  # depends on meaning: the real model and the tagger's people

# Written for this test: an agent's notes on a client, her name in some of them.
NOTES = (
    "Client: Sarah Collins, runs a small bookbinding studio in Ghent",
    "Sarah's studio is closed on Sundays",
    "Sarah asked for invoices as PDF files, not on paper",
    "Sarah is a keen rower and races on the river in summer",
    "Best reached by phone between 2 and 4pm",
    "Budget for the new catalogue is about 2,500 euros",
    "Likes muted colours and dislikes glossy paper",
    "Sarah's assistant Ines handles deliveries",
)


@pytest.fixture
def client_notes(services):
    for text in NOTES:
        services.memories.create(MemoryCreate(content=text, namespace="crm"))
    services.worker.drain()
    services.entities.drain()
    return services


def _search(services, query):
    return services.search.search(SearchQuery(query, mode=SearchMode.HYBRID, limit=5, debug=True,
                                              filter=MemoryFilter(namespace="crm")))


def test_a_note_sharing_only_her_name_is_judged_against_her_other_notes(client_notes):
    best = _search(client_notes, "When is Sarah's birthday?").hits[0]
    b = best.breakdown
    assert "Sarah" in best.memory.content and b.peers is not None
    without = fusion.relevance(b.semantic, b.coverage, b.keyword_bm25, question=bool(b.question),
                               background=b.background or 0.0)
    assert best.score == pytest.approx(fusion.relevance(b.semantic, b.coverage, b.keyword_bm25,
                                                        question=bool(b.question), background=b.background or 0.0,
                                                        peers=b.peers), abs=1e-5)  # scores keep 6 decimals
    # Her other notes come about as close to the question as this one: the name alone brought it this far.
    assert best.score < 0.75 * without


def test_the_note_that_answers_is_not_judged_and_comes_first(client_notes):
    hits = _search(client_notes, "When is the best time to call Sarah?").hits
    assert hits[0].memory.content == "Best reached by phone between 2 and 4pm"
    assert hits[0].breakdown.peers is None
    asked = _search(client_notes, "What does Sarah think of glossy paper?").hits[0]
    assert asked.memory.content == "Likes muted colours and dislikes glossy paper" and asked.breakdown.peers is None


def test_a_first_name_the_tagger_calls_an_organisation_is_judged_too(services):
    # The small tagger types "Maja" and "Leo" as organisations in these notes (written for this test).
    for text in ("Maja has swimming lessons on Wednesdays at 5pm", "Maja's teacher this year is Mr. Osei",
                 "Maja's best friend is Ida, who lives on the same street", "Leo plays the cello before dinner",
                 "Leo wants a telescope for his birthday", "Anke's car is due for a service in April"):
        services.memories.create(MemoryCreate(content=text, namespace="home"))
    services.worker.drain()
    services.entities.drain()
    hits = services.search.search(SearchQuery("When is Maja's birthday?", mode=SearchMode.HYBRID, limit=3,
                                              debug=True, filter=MemoryFilter(namespace="home"))).hits
    named = [h for h in hits if h.memory.content.startswith("Maja")]
    assert named and all(h.breakdown.peers is not None for h in named)
