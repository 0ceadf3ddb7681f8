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


def test_an_answers_own_clause_about_the_thing_asked_is_said_of_that_thing(extractor):
    texts = _texts(extractor, *STATES_THE_USERS_OWN, "did I renew the parking permit?", "No, the permit runs out on 31 May.",
                   "how did the MOT go?", "It passed, two new brake pads.", "ok. Lily's school trip money?",
                   "The Year 4 trip to the Eden Project is 42 pounds, payable by 16 May through ParentPay.",
                   "did I book the dentist?", "Yes, it's booked for Thursday 29 May at 8:30.")
    assert texts[1:] == ["Sam's parking permit runs out on 31 May 2025", "Sam's MOT passed, two new brake pads",
                         "Lily's Year 4 trip to the Eden Project is 42 pounds, payable by 16 May 2025 through ParentPay",
                         "Sam's dentist is booked for Thursday 29 May 2025 at 8:30"]  # "it's" written out


def test_a_question_without_its_mark_about_a_thing_both_know_of_is_said_of_that_thing(extractor):
    texts = _texts(extractor, *STATES_THE_USERS_OWN, "morning. did that fine letter ever show up",
                   "It arrived on Wednesday, 100 pounds for filing late. I paid it on Friday.",
                   "has the gym freeze ended", "Yes, it ran out on Saturday.")
    assert texts[1:] == ["Sam's fine letter arrived on Wednesday 30 April 2025, 100 pounds for filing late",
                         "Sam's gym freeze ran out on Saturday 3 May 2025"]


def test_a_guess_two_things_asked_or_an_assistant_that_keeps_no_records_gives_nothing(extractor):
    assert _texts(extractor, *STATES_THE_USERS_OWN, "did the parcel come?", "No, it might come on Monday 12 May.",
                  "did I book the car and the hotel?", "It is booked for 14 June.",
                  "and the kids' shoes?", "It is ready on Monday 12 May.")[1:] == []
    # The same answers in a chat where the assistant stated nothing of the user's own: no one's record.
    assert _texts(extractor, "what's a good hotel in Lisbon?", "Many like Alfama.", "and the hotel?",
                  "Casa Azul in Alfama, four nights from 14 to 18 June, breakfast included.",
                  "did I renew the parking permit?", "No, the permit runs out on 31 May.") == []


def test_a_question_asking_what_a_thing_is_with_or_without_its_question_mark(extractor):
    texts = _texts(extractor, *STATES_THE_USERS_OWN, "what was the cancellation rule for the hotel again",
                   "Free cancellation until 7 June; after that the first night is charged.",
                   "ok. what's the wifi password at the flat?", "Larch-2291, all lower case.")
    # Said in the present: the rule is what it is now, and its "7 June" the one to come.
    assert texts[1:] == ["Sam's cancellation rule for the hotel is free cancellation until 7 June 2025",
                         "Sam's wifi password at the flat is Larch-2291, all lower case"]


def test_a_statement_opening_with_what_or_a_question_about_the_assistant_is_no_record(extractor):
    assert _texts(extractor, *STATES_THE_USERS_OWN, "what I want is a window seat",
                  "A window seat on TP1351 costs 15 euros.", "what was your favourite part",
                  "The Tram 28 tour on 15 June.", "what was the weather like", "Sunny, 24 degrees on 14 June.")[1:] == []


def test_a_question_about_it_after_a_sentence_naming_a_thing_asks_about_that_thing(extractor):
    texts = _texts(extractor, *STATES_THE_USERS_OWN, "ok so the tax thing. did it go in?",
                   "It went in on Monday. The statements only reached me on the 1st.",
                   "I love the cat. did it eat?", "It ate on Monday.")
    assert texts[1:] == ["Sam's tax went in on Monday 5 May 2025", "Sam loves the cat"]


def test_a_topic_is_only_a_thing_named_alone_before_a_question_about_it():
    from memvault.extraction.record_answers import topic_question
    assert topic_question(["and my passport.", "is it still valid?"]) == "is my passport still valid?"
    assert topic_question(["I love the cat.", "did it eat?"]) is None
    assert topic_question(["the car", "is it booked and is it paid?"]) is None
    assert topic_question(["did it go in?"]) is None


def test_what_the_user_chose_or_ordered_is_said_with_the_answer(extractor):
    texts = _texts(extractor, *STATES_THE_USERS_OWN, "which paint did we pick?",
                   "Farrow & Ball's Skimming Stone, two coats.",
                   "remind me which one we went for? the kids keep calling it the blue one",
                   "The Ercol Marino sofa in slate, 1,450 pounds.")
    assert texts[1:] == ["Sam picked Farrow & Ball's Skimming Stone, two coats",
                         "Sam went for the Ercol Marino sofa in slate, 1,450 pounds"]


def test_a_choice_answered_with_nothing_with_a_date_or_with_more_after_its_verb_gives_nothing(extractor):
    assert _texts(extractor, *STATES_THE_USERS_OWN, "what did I miss?", "Nothing much, just the rota change.",
                  "which one did I like best?", "The blue Ercol sofa from Heal's.",
                  "which sofa did we go for?", "The Marino, delivered on 2 June.")[1:] == []  # (said in the past)
