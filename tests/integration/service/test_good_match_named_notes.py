"""Notes an agent keeps about one named person: every note names her, so a question about anything of hers shares
the name with all of them. A right first answer is still a good match; the best of the notes about other things
of hers is not (a walkthrough saw every such question flagged; real model)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

pytestmark = pytest.mark.slow  # depends on meaning: the real model

# Written for this test (not from any evaluation set), as an agent would store them through the API.
NOTES = {
    "job": "Noor is a structural engineer at Halden & Moss in Bristol",
    "sister": "Noor's sister Amira is studying medicine in Leeds",
    "diet": "Noor doesn't eat pork and avoids very spicy food",
    "bike": "Noor commutes by bike unless it rains, then takes the 72 bus",
    "birthday": "Noor's birthday is on 9 October",
    "tea": "Noor drinks mint tea in the afternoon, never coffee after 2pm",
    "cat": "Noor adopted a grey cat called Pebble last spring",
    "language": "Noor speaks Arabic, English and some German",
    "climbing": "Noor goes bouldering on Wednesday evenings",
    "meetings": "Noor prefers meetings before lunch and keeps Fridays free of calls",
    "car": "Noor sold her car when she moved to Bristol",
    "book": "Noor is reading a history of the Ottoman Empire",
    "allergy": "Noor is allergic to cats' dander but takes antihistamines for Pebble",
    "holiday": "Noor is planning a trip to Lisbon in May",
}
ANSWERED = {
    "Where does Noor work?": "job",
    "What does Noor's sister do?": "sister",
    "How does Noor get to work?": "bike",
    "When is Noor's birthday?": "birthday",
    "What is Noor's cat called?": "cat",
    "Which languages does Noor speak?": "language",
    "When does Noor go climbing?": "climbing",
    "Where is Noor going on holiday?": "holiday",
}
NOTHING_STORED = (
    "What is Noor's favourite film?",
    "Who is Noor's dentist?",
    "What is Noor's phone number?",
    "Which football team does Noor support?",
    "What did Noor study at university?",
    "How tall is Noor?",
)


def test_notes_naming_one_person_flag_right_answers_and_not_the_best_of_the_rest(services):
    for text in NOTES.values():
        services.memories.create(MemoryCreate(content=text, namespace="noor"))
    services.worker.drain()

    def best(question):
        return services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, limit=5,
                                                  filter=MemoryFilter(namespace="noor")))

    first_right = flagged_right = 0
    for question, key in ANSWERED.items():
        result = best(question)
        if result.hits[0].memory.content == NOTES[key]:
            first_right += 1
            flagged_right += bool(result.good_match)
    false_alarms = [q for q in NOTHING_STORED if best(q).good_match]
    # As first run (28 November 2026, after the rule was chosen on tuning data): 6 of 8 rank first ("How does Noor
    # get to work?" finds the bouldering note, "Where is Noor going on holiday?" the birthday), 5 of those 6 are
    # flagged ("Where does Noor work?" at 0.053 stands too little above 0.044), and 2 of the 6 questions nothing
    # answers are flagged (every one of them was, at the point alone). Short of the 90% the issue asks: see
    # docs/benchmarks.md, "Stop 85".
    assert first_right >= 6
    assert flagged_right >= first_right - 1
    assert len(false_alarms) <= 2, false_alarms
