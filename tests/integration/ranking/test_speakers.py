"""A turn is its speaker's, on the real model: a question naming who said a turn finds it without the name in it."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, SearchQuery

pytestmark = pytest.mark.slow  # depends on meaning: the real model

# Two siblings talking, written as such chats are: neither says their own name.
CHAT = [
    ("Maren", "how's the job hunt going?"),
    ("Owen", "sold the corsa for 2,100 and got a second hand berlingo van for 6,400"),
    ("Maren", "best news. tell her uncle owen says hi"),
    ("Owen", "will do. she's teething again so nobody is sleeping"),
    ("Maren", "the cottage sale is with the solicitor now"),
]


def _store(services, session_id=None):
    ids = [services.memories.create(MemoryCreate(content=text, session_id=session_id, user_id="maren",
                                                 metadata={"speaker": speaker})).memory.id for speaker, text in CHAT]
    services.worker.drain()
    return ids


@pytest.mark.parametrize("session_id", ["s1", None])
def test_a_question_naming_the_speaker_finds_their_turn_above_one_that_only_says_the_name(services, session_id):
    ids = _store(services, session_id)
    result = services.search.search(SearchQuery("What vehicle did Owen get for work?", mode=SearchMode.HYBRID,
                                                limit=5, debug=True))
    order = [h.memory.id for h in result.hits]
    assert order[0] == ids[1], [h.memory.content for h in result.hits]
    answer, named = (next(h for h in result.hits if h.memory.id == i) for i in (ids[1], ids[2]))
    # The answer's similarity is read without the name, and the name counts among its words.
    plain = services.search.search(SearchQuery("What vehicle did Owen get for work?", mode=SearchMode.SEMANTIC,
                                               limit=5))
    without = services.search.search(SearchQuery("What vehicle did get for work?", mode=SearchMode.SEMANTIC, limit=5))
    sim = {h.memory.id: h.score for h in plain.hits}, {h.memory.id: h.score for h in without.hits}
    assert answer.breakdown.semantic == pytest.approx(sim[1][ids[1]], abs=1e-5) != pytest.approx(sim[0][ids[1]])
    assert answer.breakdown.coverage > 0 and answer.score > named.score
    # The breakdown says why: who said it, and that the question asks about them; the other turn is Maren's.
    assert answer.breakdown.speaker == "Owen" and named.breakdown.speaker is None


def test_turns_of_roles_and_of_people_the_query_does_not_name_score_as_before(services):
    ids = _store(services)
    asked = "Who is handling the cottage sale?"
    hybrid = {h.memory.id: h for h in services.search.search(
        SearchQuery(asked, mode=SearchMode.HYBRID, limit=5, debug=True)).hits}
    semantic = {h.memory.id: h.score for h in services.search.search(
        SearchQuery(asked, mode=SearchMode.SEMANTIC, limit=5)).hits}
    assert hybrid[ids[4]].breakdown.semantic == pytest.approx(semantic[ids[4]], abs=1e-5)
