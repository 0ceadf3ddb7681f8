"""An assistant's statements about the user ("You have ...", "Your ... is ...") are the user's facts; its advice,
guesses, judgements and words about itself are not."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import EPISODIC, Message
from memvault.extraction.second_person import candidates

NOW = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)


def _chat(*turns: str, user: str | None = None) -> list[Message]:
    return [Message("user", t, user) if i % 2 == 0 else Message("assistant", t) for i, t in enumerate(turns)]


def test_what_the_assistant_says_the_user_booked_is_the_users_fact_with_its_span(extractor):
    said = ("You're on the 06:55 Flixbus from Ghent to Cologne on 14 February, seat 12C, and your hostel "
            "is booked for two nights.")
    facts = extractor.extract(_chat("what did I book for Cologne?", said), NOW)
    assert [f.text for f in facts] == [
        "The user is on the 06:55 Flixbus from Ghent to Cologne on 14 February 2026, seat 12C",
        "The user's hostel is booked for two nights"]
    fact = facts[0]
    assert fact.message_index == 1 and fact.person is None and fact.kind == EPISODIC
    assert said[fact.start:fact.end] == fact.quote == \
        "You're on the 06:55 Flixbus from Ghent to Cologne on 14 February, seat 12C"


def test_a_named_users_fact_from_the_assistant_names_them(extractor):
    said = "Yes, you renewed your library card at the Leuven branch in January, so it is valid."
    fact, valid = extractor.extract(_chat("did I renew the library card?", said, user="Noor"), NOW)
    assert fact.text == "Noor renewed their library card at the Leuven branch in January 2026"
    assert valid.text == "Noor's library card is valid", "the card this sentence names is its own it"
    assert fact.person == "Noor" and said[fact.start:fact.end] == fact.quote


def test_a_moved_appointment_is_read_with_the_date_it_moved_to(extractor):
    said = "Your physio session with Dr. Ruiz is now on 9 March at 16:00, instead of 2 March."
    [fact] = [f for f in extractor.extract(_chat("the physio called about my session", said), NOW)
              if f.message_index == 1]
    assert fact.text == ("The user's physio session with Dr. Ruiz is now on 9 March 2026 at 16:00, "
                         "instead of 2 March 2026")


def test_advice_guesses_obligations_judgements_and_the_assistant_itself_give_nothing(extractor):
    facts = extractor.extract(_chat(
        "should I take the job in Aarhus?",
        "You could ask for a trial month first. You'll know more after a few weeks there. You should talk "
        "to your manager. You have to decide by Friday. You're in a good position. Your portfolio is a real "
        "asset. You're clearly still going strong. I've noted the offer in your list. We can compare the "
        "salaries later. Can you send me the contract? Many firms let you start remotely."), NOW)
    assert facts == []


def test_an_assistant_sentence_does_not_take_an_it_from_before(extractor):
    # The "it" of the assistant's second sentence is whatever its first said, which gave no fact; the user's
    # scooter is no answer to it.
    facts = extractor.extract(_chat("I sold my rusty scooter on Saturday.",
                                    "Nice. The annual pass renews tomorrow. Last month you paid 40 euros for it."),
                              NOW)
    assert [f.text for f in facts] == ["The user sold their rusty scooter on Saturday 31 January 2026"]


def test_two_named_people_give_no_restated_fact(extractor):
    messages = [Message("user", "I start at the bakery on Monday.", "Aiko"),
                Message("assistant", "You have a shift at the bakery on 9 February, I saw the rota.", "Bram")]
    facts = extractor.extract(messages, NOW)
    # Between two named people each is read in their own voice; Bram's "you" is Aiko's business, not a fact.
    assert not any("shift" in f.text for f in facts)
    assert [f.text for f in facts if f.person == "Aiko"] == ["Aiko starts at the bakery on Monday 9 February 2026"]


def test_candidates_keep_a_title_in_the_sentence_and_leave_questions_out():
    text = "Sure. You have an appointment with Dr. Okafor on Tuesday. Do you want a reminder? Your bill is paid."
    assert [piece for _, piece in candidates(text)] == [
        "You have an appointment with Dr. Okafor on Tuesday.", "Your bill is paid."]
    assert all(text[start:start + len(piece)] == piece for start, piece in candidates(text))


def test_a_statement_about_the_user_whose_second_clause_the_parser_made_the_head_is_read(extractor):
    # The parser hangs "You switched ..." on "renew"; the sentence's first clause is still the user's.
    said = "You switched to Harbour Mutual on 15 April for 468 pounds a year, so the Lumen policy will not renew."
    [fact] = extractor.extract(_chat("and did I switch the insurance?", said), NOW)
    assert fact.text == "The user switched to Harbour Mutual on 15 April 2025 for 468 pounds a year"


def test_what_the_user_mentioned_is_the_fact_not_the_mentioning(extractor):
    said = "You mentioned last week that your sister lives in Lisbon."
    assert [f.text for f in extractor.extract(_chat("remind me about the trip", said), NOW)] == [
        "The user's sister lives in Lisbon"]
    told = [f.text for f in extractor.extract(_chat("as I said, my brother works at Airbus in Toulouse."), NOW)]
    assert told == ["The user's brother works at Airbus in Toulouse"]


def test_advice_joined_to_a_statement_about_the_user_leaves_the_statement(extractor):
    facts = extractor.extract(_chat("what have we sorted for the wedding?", "Your photographer is Ines Duarte, and "
                                    "you still need to choose a florist.", user="Dana"), NOW)
    assert [f.text for f in facts] == ["Dana's photographer is Ines Duarte"]
