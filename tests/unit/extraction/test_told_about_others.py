"""An assistant that keeps the user's records (it states the user's own facts) also states dated facts about the
people the user knows; those are the user's facts, read as said. General knowledge is not."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)


def _texts(extractor, *turns: str, user: str | None = None) -> list[str]:
    messages = [Message("user", t, user) if i % 2 == 0 else Message("assistant", t) for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


def test_a_record_keeping_assistants_dated_statements_about_others_are_facts(extractor):
    texts = _texts(extractor, "what's on this week?",
                   "Your bin collection moved to Thursday 5 February. Oskar's football final is on Saturday "
                   "7 February at Parkside, kick-off at 10. Irene has a hearing test on 12 February at 11:20.",
                   "and Irene's test?", "Her audiologist moved the test to 19 February at 9:00, same place.",
                   user="Dana")
    assert texts == [
        "Dana's bin collection moved to Thursday 5 February 2026",
        "Oskar's football final is on Saturday 7 February 2026 at Parkside, kick-off at 10",
        "Irene has a hearing test on 12 February 2026 at 11:20",
        "Irene's audiologist moved the test to 19 February 2026 at 9:00, same place"]


def test_knowledge_and_an_assistant_that_keeps_no_records_give_nothing_about_others(extractor):
    # No "your ..." fact in the chat: the assistant answers questions, it keeps no one's records.
    assert _texts(extractor, "when does the Rijksmuseum reopen?",
                  "Rembrandt's Night Watch gallery reopens on 14 February after the restoration.") == []
    # A record keeper's history lesson: undated, or dated centuries ago.
    texts = _texts(extractor, "what's on this week?", "Your dentist check-up is on 4 February at 8:30.",
                   "who painted the Night Watch?",
                   "Rembrandt painted it in 1642. He also made about 300 etchings.")
    assert texts == ["The user's dentist check-up is on 4 February 2026 at 8:30"]


def test_a_named_persons_thing_is_a_fact_in_the_users_own_words_too(extractor):
    texts = _texts(extractor, "My son Arjun swims for Parkside.", "Nice!",
                   "Arjun's gala is on Saturday at the Leisure Centre.")
    assert "Arjun's gala is on Saturday 7 February 2026 at the Leisure Centre" in texts


def test_your_on_a_compound_subject_and_a_reason_clause_do_not_hide_a_record(extractor):
    # "check-up" is three tokens: the parser hangs "Your" on "dentist", not on the subject; "because Dr. Sandhu is
    # away" only gives a reason and need not be a dated record itself.
    texts = _texts(extractor, "anything else this week?",
                   "Your dentist check-up with Dr. Moss is on Friday 6 February at 14:00. Biscuit's booster got "
                   "moved to 10 February, same time, because Dr. Sandhu is away.", user="Dana")
    assert texts == ["Dana's dentist check-up with Dr. Moss is on Friday 6 February 2026 at 14:00",
                     "Biscuit's booster got moved to 10 February 2026, same time, because Dr. Sandhu is away"]


def test_what_a_business_did_in_the_users_records_is_a_fact_and_an_invoice_number_no_date(extractor):
    texts = _texts(extractor, "any news?", "Your car insurance renews on 1 March.", "and the invoices?",
                   "Halden Legal paid invoice 2026-004 in full this afternoon, £1,840, four days early. Brisa "
                   "Publishing still owes invoice 2025-031, which was due on 30 December.", user="Ines")
    assert texts == ["Ines's car insurance renews on 1 March 2026",
                     "Halden Legal paid invoice 2026-004 in full on 2 February 2026, £1,840, four days early",
                     "Brisa Publishing still owes invoice 2025-031, which was due on 30 December 2025"]
    # A name the parser reads as a business doing something it does not ("Casa do Largo", "do" as a verb): nothing.
    assert _texts(extractor, "any news?", "Your car insurance renews on 1 March.", "and the hotel?",
                  "Casa do Largo in Alfama, four nights from 14 to 18 June, breakfast included.", user="Ines") == [
        "Ines's car insurance renews on 1 March 2026"]


def test_the_households_things_on_a_day_are_facts_of_its_record_too(extractor):
    # Written for this test (stop 101): "the old shed" was no one, so its day was lost.
    texts = _texts(extractor, "can you sum up the garden plan?",
                   "Sure. You're replacing the lawn with wildflower turf in April. The old shed goes to the tip on "
                   "Friday. The Romans grew roses on 3 May.", user="Dana")
    assert texts == ["Dana is replacing the lawn with wildflower turf in April 2026",
                     "The old shed goes to the tip on Friday 6 February 2026"]


def test_an_answer_that_names_no_day_is_about_the_day_the_question_asked(extractor):
    # Written for this test (stop 101): the appointments had no date at all.
    facts = extractor.extract([
        Message("user", "what have I got on tomorrow?", "Dana"),
        Message("assistant", "You have a 1:1 with Priya at 10 and the dentist at 2:30 on Harley Street."),
        Message("user", "and on friday?", "Dana"),
        Message("assistant", "Your car goes in for its MOT on Thursday 5 February, so nothing on Friday.")], NOW)
    assert [(f.text, f.event_at) for f in facts][:2] == [
        ("On 3 February 2026 Dana has a 1:1 with Priya at 10 and the dentist at 2:30 on Harley Street", "2026-02-03"),
        ("Dana's car goes in for its MOT on Thursday 5 February 2026", "2026-02-05")]  # a day said is its own


def test_what_someone_did_for_the_user_in_an_assistants_records_is_the_users_fact(extractor):
    # The subject is someone else; "you" and "your" are the user, said in the user's voice.
    texts = _texts(extractor, "any news?",
                   "Your passport renewal is on 9 February at 10:00. Dr Patel referred you to a dermatologist on "
                   "Friday. Kestrel sent you the new contract on 30 January.", "and the knee?",
                   "Rhys signed you off at the session on 28 January. Harbourside just messaged: Rhys is away on "
                   "12 February, so Tomasz moved your follow-up to 13 February at 18:00.", user="Dana")
    assert texts == [
        "Dana's passport renewal is on 9 February 2026 at 10:00",
        "Dr Patel referred Dana to a dermatologist on Friday 30 January 2026",
        "Kestrel sent Dana the new contract on 30 January 2026",
        "Rhys signed Dana off at the session on 28 January 2026",
        "Rhys is away on 12 February 2026",
        "Tomasz moved Dana's follow-up to 13 February 2026 at 18:00"]


def test_someones_advice_a_guess_or_an_undated_deed_toward_the_user_is_no_record(extractor):
    texts = _texts(extractor, "any news?", "Your passport renewal is on 9 February at 10:00.", "and the knee?",
                   "Rhys thinks you should rest it until March. Harbourside might move you to Thursday. Tomasz "
                   "says hi to you. Rhys signed you off.", user="Dana")
    assert texts == ["Dana's passport renewal is on 9 February 2026 at 10:00"]
    # An assistant that keeps no records (no "your ..." fact of its own): what it says someone did is no fact.
    assert _texts(extractor, "who discovered penicillin?",
                  "Alexander Fleming gave you penicillin, in a way: he found it on 28 September 1928.") == []


def test_someone_in_a_role_or_by_initials_acting_for_the_user_is_a_record(extractor):
    texts = _texts(extractor, "any news?",
                   "Your MOT is booked for 9 February at 8:30. The vendor accepted your offer of £312,000 on Friday. "
                   "HR approved your leave on 29 January. The school wrote to you about the trip: Noor's coach "
                   "leaves on 12 February at 7:00.", user="Dana")
    assert texts == [
        "Dana's MOT is booked for 9 February 2026 at 8:30",
        "The vendor accepted Dana's offer of £312,000 on Friday 30 January 2026",
        "HR approved Dana's leave on 29 January 2026",
        "The school wrote to Dana about the trip: Noor's coach leaves on 12 February 2026 at 7:00"]
    # An everyday word heading a sentence is no one's name: "That" did nothing for anyone.
    assert _texts(extractor, "any news?", "Your MOT is booked for 9 February at 8:30. That's a good way to end "
                  "January, and you're ahead on 3 February.", user="Dana") == [
        "Dana's MOT is booked for 9 February 2026 at 8:30"]


def test_it_in_capitals_is_the_department_not_the_thing_asked_about(extractor):
    texts = _texts(extractor, "any news?", "Your MOT is booked for 9 February at 8:30.", "did the laptop get sorted",
                   "IT replaced the battery on Wednesday.", user="Dana")
    assert texts == ["Dana's MOT is booked for 9 February 2026 at 8:30",
                     "IT replaced the battery on Wednesday 28 January 2026"]


def test_a_parent_asked_about_bare_is_the_users_and_what_the_answer_says_of_them_is_theirs(extractor):
    texts = _texts(extractor, "anything this week?", "Your dentist check-up is on 4 February at 8:30.",
                   "what's happening with dad",
                   "His hip replacement at St James's is on Thursday 5 March. Bluebird Care confirmed a carer for "
                   "two weeks from 7 March, £22 an hour.", "what about mum's birthday", "It's on 19 June.",
                   user="Dana")
    assert texts == ["Dana's dentist check-up is on 4 February 2026 at 8:30",
                     "Dana's dad's hip replacement at St James's is on Thursday 5 March 2026",
                     "Bluebird Care confirmed a carer for two weeks from 7 March 2026, £22 an hour",
                     "Dana's mum's birthday is on 19 June"]


def test_what_the_user_has_on_the_day_asked_goes_on_after_that_day(extractor):
    texts = _texts(extractor, "what do I have on tomorrow", "At 9:30 you have the physio with Amir at Cityfit.",
                   user="Dana")
    assert texts == ["On 3 February 2026 at 9:30 Dana has the physio with Amir at Cityfit"]


def test_a_few_words_heading_a_record_before_a_colon_are_no_part_of_it(extractor):
    texts = _texts(extractor, "anything today?", "Your bin day moved to Thursday 5 February. Also, Sophie's school "
                   "sent a letter: the summer fair is on Saturday 13 June.", user="Dana")
    assert texts == ["Dana's bin day moved to Thursday 5 February 2026", "The summer fair is on Saturday 13 June 2026"]


def test_the_it_someone_did_something_to_in_an_answer_is_the_thing_asked_about(extractor):
    texts = _texts(extractor, "any news?", "Your MOT is booked for 9 February at 8:30.", "and my prescription?",
                   "Dr Osei renewed it on Friday; it's ready to collect from tomorrow.", user="Dana")
    assert texts == ["Dana's MOT is booked for 9 February 2026 at 8:30",
                     "Dr Osei renewed Dana's prescription on Friday 30 January 2026",
                     "Dana's prescription is ready to collect from 3 February 2026"]
    # Not when the question names no one thing of the user's: "it" is then nobody knows what.
    assert _texts(extractor, "any news?", "Your MOT is booked for 9 February at 8:30.", "and the rest?",
                  "Dr Osei renewed it on Friday.", user="Dana") == ["Dana's MOT is booked for 9 February 2026 at 8:30"]


def test_a_later_it_of_an_answer_is_still_the_thing_asked_about(extractor):
    # "and my prescription" has no "?", and the answer's second sentence was no one's.
    texts = _texts(extractor, "any news?", "Your MOT is booked for 9 February at 8:30.", "and my prescription",
                   "The surgery approved it this morning. It's ready to collect from Boots on Gloucester Road after "
                   "2pm.", user="Dana")
    assert texts[1:] == ["The surgery approved Dana's prescription on 2 February 2026",
                         "Dana's prescription is ready to collect from Boots on Gloucester Road after 2pm"]
    # Only "it" opening the sentence: "The new one is in the post" is no one's.
    assert _texts(extractor, "any news?", "Your MOT is booked for 9 February at 8:30.", "what about my parking "
                  "permit?", "The council renewed it yesterday. The new one is in the post.", user="Dana")[1:] == [
        "The council renewed Dana's parking permit on 1 February 2026"]
