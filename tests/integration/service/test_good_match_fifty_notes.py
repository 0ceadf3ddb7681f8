"""Good match beyond 12 notes: the same person's notes grown to 50, 20 natural questions, and questions about
nothing stored (real model)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

from .test_good_match_small_vault import MEMORIES, QUESTIONS

pytestmark = pytest.mark.slow  # depends on meaning: the real model

# Written for this test (not from any evaluation set), like the 12 notes of test_good_match_small_vault.
MORE = {
    "passport": "Passport expires in August 2027",
    "landlord": "Landlord is Mr. Okonkwo, rent due on the 1st",
    "bank": "Savings account is with Triodos, current account with ING",
    "dog": "Our dog Biscuit is a four-year-old beagle",
    "vet": "Biscuit's vet is at Parkside Animal Clinic",
    "bike": "Road bike needs new brake pads before the spring",
    "doctor": "GP is Dr. Hallworth at the Elm Street practice",
    "bloodtype": "Blood type O negative",
    "anniversary": "Wedding anniversary is 22 June",
    "partner": "Partner Jonas works night shifts at the hospital",
    "language": "Learning Portuguese on Monday evenings",
    "insurance": "Car insurance renews every October with Aviva",
    "shoe": "Shoe size 42 EU",
    "diet": "Trying to eat vegetarian on weekdays",
    "podcast": "Favourite podcast is one about the history of maps",
    "commute": "Takes the 7:42 train to work",
    "desk": "Standing desk ordered, arrives next month",
    "garden": "Tomatoes planted in the raised bed by the shed",
    "music": "Plays bass guitar in a covers band on Fridays",
    "holiday": "Booked a cabin in Norway for the first week of July",
    "gift": "Idea for Dad's birthday: a good fountain pen",
    "recipe": "Grandma's lentil soup needs smoked paprika",
    "phone": "Phone contract ends in November",
    "neighbour": "Neighbour Agnes has a spare key",
    "printer": "Printer ink is HP 305",
    "tax": "Tax return due by the end of January",
    "newsletter": "Unsubscribe from the furniture store newsletter",
    "meditation": "Ten minutes of meditation before bed helps with sleep",
    "charity": "Monthly donation to the local food bank",
    "boiler": "Boiler service booked for 3 December",
    "tea": "Likes jasmine tea in the afternoon",
    "mentor": "Mentor at work is Carlos, meets every other Wednesday",
    "course": "Signed up for an evening pottery course",
    "glasses": "Reading glasses are +1.5",
    "password-manager": "Uses Bitwarden as the password manager",
    "movie": "Wants to watch Perfect Days next",
    "team": "Team standup is at 9:15 every morning",
    "marathon": "Training for the Rotterdam half marathon in April",
}
MORE_QUESTIONS = {
    "when does my passport expire": "passport",
    "what kind of dog do we have": "dog",
    "what is my blood type": "bloodtype",
    "when is our wedding anniversary": "anniversary",
    "which language am I learning": "language",
    "what size shoes do I wear": "shoe",
    "which train do I take to work": "commute",
    "what instrument do I play": "music",
    "where are we going on holiday": "holiday",
    "who has a spare key to the house": "neighbour",
}
# Nothing in the 50 notes answers these.
NOTHING_STORED = [
    "what is the capital of Peru",
    "how tall is Mount Kilimanjaro",
    "what is my daughter's name",
    "when did I last visit Japan",
    "what is my salary",
    "which football team do I support",
    "what did I have for breakfast",
    "how many stars are in the Milky Way",
    "what is my favourite colour",
    "where did I go to university",
]


@pytest.mark.parametrize("user_id", [None, "sam"])
def test_a_correct_first_answer_among_fifty_notes_is_flagged_a_good_match(services, user_id):
    notes = MEMORIES | MORE
    made = services.memories.create_batch([MemoryCreate(content=text, user_id=user_id) for text in notes.values()])
    ids = dict(zip(notes, (item.memory_id for item in made.items), strict=True))
    services.worker.drain()
    first_right = flagged = 0
    for question, key in (QUESTIONS | MORE_QUESTIONS).items():
        result = services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, limit=5,
                                                    filter=MemoryFilter(user_id=user_id)))
        if result.hits[0].memory.id == ids[key]:
            first_right += 1
            flagged += bool(result.good_match)
    assert first_right >= 18
    assert flagged >= 0.9 * first_right
    # "About the question", not "the answer": some questions about nothing stored reach the flag (5 of 10 at
    # the time of writing, docs/benchmarks.md), but not most of them.
    unanswerable_flagged = sum(
        bool(services.search.search(SearchQuery(q, mode=SearchMode.HYBRID, limit=5,
                                                filter=MemoryFilter(user_id=user_id))).good_match)
        for q in NOTHING_STORED)
    assert unanswerable_flagged <= len(NOTHING_STORED) // 2
