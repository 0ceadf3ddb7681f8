"""A good match a user can trust on a small vault: natural questions whose right memory ranks first are flagged
good at least 90% of the time, whether the memories name a user or not (real model)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

pytestmark = pytest.mark.slow  # depends on meaning: the real model

# Written for this test (not from any evaluation set): one person's notes, as `memvault add` would store them.
MEMORIES = {
    "boss": "My manager at work is Priya Raman",
    "theme": "The user prefers dark mode",
    "car": "I drive a blue 2019 Honda Civic",
    "allergy": "Allergic to penicillin, found out in 2015",
    "sister": "My sister Lena lives in Lisbon and works as an architect",
    "gym": "Goes to the climbing gym on Tuesdays and Thursdays",
    "coffee": "Takes coffee black, no sugar",
    "wifi": "The home wifi password is on the fridge magnet",
    "dentist": "Dentist appointment on 14 March at 9:30",
    "book": "Currently reading The Left Hand of Darkness",
    "plant": "Water the fiddle-leaf fig every ten days",
    "laptop": "Work laptop is a ThinkPad X1 Carbon",
}
QUESTIONS = {
    "who is my boss": "boss",
    "which theme does the user like": "theme",
    "what car do I have": "car",
    "am I allergic to any medicine": "allergy",
    "where does my sister live": "sister",
    "when do I go climbing": "gym",
    "how do I take my coffee": "coffee",
    "where can I find the wifi password": "wifi",
    "when is my dentist appointment": "dentist",
    "what book am I reading": "book",
}


@pytest.mark.parametrize("user_id", [None, "sam"])
def test_a_correct_first_answer_is_flagged_a_good_match(services, user_id):
    ids = {key: services.memories.create(MemoryCreate(content=text, user_id=user_id)).memory.id
           for key, text in MEMORIES.items()}
    services.worker.drain()
    first_right = flagged = 0
    for question, key in QUESTIONS.items():
        result = services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, limit=5,
                                                    filter=MemoryFilter(user_id=user_id)))
        if result.hits[0].memory.id == ids[key]:
            first_right += 1
            flagged += bool(result.good_match)
    assert first_right >= 9
    assert flagged >= 0.9 * first_right
