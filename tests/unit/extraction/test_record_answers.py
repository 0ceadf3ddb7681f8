"""A record-keeping assistant's short answers to the user's questions about the user's things are the user's
records: "and the hotel?" "Casa Azul in Alfama, …" → "Sam's hotel is Casa Azul in Alfama"."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import Message

NOW = dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC)
STATES_THE_USERS_OWN = ("can you remind me what I booked for the Lisbon trip?",
                        "You're on TAP flight TP1351 from Manchester, leaving 07:40 on 14 June.")


def _texts(extractor, *turns: str) -> list[str]:
    messages = [Message("user", t, "Sam") if i % 2 == 0 else Message("assistant", t) for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


def test_a_short_answer_about_the_users_thing_is_their_record(extractor):
    texts = _texts(extractor, *STATES_THE_USERS_OWN, "and the hotel?",
                   "Casa Azul in Alfama, four nights from 14 to 18 June, breakfast included.",
                   "great. did I add the tram tour?", "Yes, the Tram 28 guided tour on 15 June at 2 pm; meet at the square.",
                   "and Biscuit's jabs?", "Booster due on 12 June at Greenway Vets, with Dr. Sandhu.")
    assert texts[1:] == ["Sam's hotel is Casa Azul in Alfama",
                         "Sam's tram tour is the Tram 28 guided tour on 15 June 2025 at 2 pm",
                         "Biscuit's jabs are booster due on 12 June 2025 at Greenway Vets, with Dr. Sandhu"]


def test_a_no_a_clause_or_an_assistant_that_keeps_no_records_gives_nothing(extractor):
    assert _texts(extractor, *STATES_THE_USERS_OWN, "did I renew the parking permit?", "No, the permit runs out on 31 May.",
                  "how did the MOT go?", "It passed, two new brake pads.")[1:] == []
    # The same answer in a chat where the assistant stated nothing of the user's own: no one's record.
    assert _texts(extractor, "what's a good hotel in Lisbon?", "Many like Alfama.", "and the hotel?",
                  "Casa Azul in Alfama, four nights from 14 to 18 June, breakfast included.") == []
