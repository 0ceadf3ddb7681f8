"""What an assistant did for a single user ("I've booked you …", "I cancelled your …") is the user's record; its
offers, promises, refusals and reports that name nothing a record keeps are not."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)


def _chat(*turns: str, user: str | None = "Noor") -> list[Message]:
    return [Message("user", t, user) if i % 2 == 0 else Message("assistant", t) for i, t in enumerate(turns)]


def test_what_the_assistant_booked_for_the_user_is_the_users_fact_with_its_span(extractor):
    said = "Done. I've booked you a cooking class with Chef Anand on Friday at 19:00, £40."
    [fact] = extractor.extract(_chat("can you sort the cooking class?", said), NOW)
    assert fact.text == "Noor has booked a cooking class with Chef Anand on Friday 6 February 2026 at 19:00, £40"
    assert fact.person == "Noor" and fact.message_index == 1
    assert said[fact.start:fact.end] == fact.quote == \
        "I've booked you a cooking class with Chef Anand on Friday at 19:00, £40"


def test_a_booking_without_you_is_the_users_too_and_an_unnamed_user_is_the_user(extractor):
    facts = extractor.extract(_chat("and the hotel in Porto?",
                                    "I booked Casa Ribeira by the river for 20 to 23 February, 96 euros a night.",
                                    user=None), NOW)
    assert [f.text for f in facts] == ["The user booked Casa Ribeira by the river for 20 to 23 February, "
                                       "96 euros a night"]


def test_the_date_of_what_a_booking_was_moved_to_is_to_come(extractor):
    # Said in the past tense, but the flight moved to is on the 20 February ahead, not last year's.
    [fact] = extractor.extract(_chat("my Ryanair flight got delayed again",
                                     "I cancelled your Ryanair flight and moved you to the 14:10 Aer Lingus "
                                     "flight on 20 February."), NOW)[-1:]
    assert fact.text == ("Noor cancelled their Ryanair flight and moved to the 14:10 Aer Lingus flight "
                         "on 20 February 2026")


def test_a_move_to_a_place_keeps_its_date_in_the_past(extractor):
    [fact] = extractor.extract([Message("user", "I moved from Leeds to Bristol in January.", "Priya")], NOW)
    assert fact.text == "Priya moved from Leeds to Bristol in January 2026"


def test_offers_promises_refusals_questions_and_reports_naming_nothing_give_nothing(extractor):
    facts = extractor.extract(_chat(
        "anything else?",
        "I'll book the table at Mesa for Saturday. I can move the dentist to Monday. I didn't pay the invoice "
        "from Kerrow Ltd yet. I booked you in for Tuesday. I registered you tonight. I've sent the form. Should "
        "I book the 9:15 train to Gent? I'd cancel the Lumen policy before it renews."), NOW)
    assert facts == []


def test_between_two_named_people_a_booking_is_the_speakers_own(extractor):
    messages = [Message("user", "I need a hotel in Porto", "Aiko"),
                Message("assistant", "I booked Casa Ribeira by the river for 20 to 23 February, 96 euros a night.",
                        "Bram")]
    facts = extractor.extract(messages, NOW)
    assert [(f.person, f.text) for f in facts if f.message_index == 1] == [
        ("Bram", "Bram booked Casa Ribeira by the river for 20 to 23 February, 96 euros a night")]


def test_a_thing_reported_booked_is_the_users_and_a_person_or_someone_elses_thing_is_not(extractor):
    facts = extractor.extract(_chat(
        "and the ferry?",
        "The ferry to Bryher is booked for Tuesday 10 February at 10:00. Pippa is booked on it too. Pippa's room "
        "is booked for the same nights. The table at Mesa isn't booked yet. The hotel might be booked by Friday. "
        "Trains are booked for 12 February at 16:04, Penzance to Bristol."), NOW)
    assert [f.text for f in facts] == ["Noor's ferry to Bryher is booked for Tuesday 10 February 2026 at 10:00",
                                       "Noor's trains are booked for 12 February 2026 at 16:04, Penzance to Bristol"]


def test_a_full_stop_the_tokenizer_left_on_the_last_word_is_no_part_of_the_fact(extractor):
    facts = extractor.extract(_chat("and the flights?", "Flights are booked for 19 February at 07:05 from Bristol, "
                                    "seats 14A and 14B."), NOW)
    assert [f.text for f in facts] == ["Noor's flights are booked for 19 February 2026 at 07:05 from Bristol, "
                                       "seats 14A and 14B"]


def test_a_report_that_leaves_out_its_i_is_read_with_it_and_its_quote_is_as_said(extractor):
    said = "Booked with Dr Amara Nwosu at Redland Dental for Tuesday 10 February at 8:40, a check-up."
    facts = extractor.extract(_chat("can you get me in at the dentist", said, "early but fine",
                                    "Bought: a £48 voucher for Clay Corner. Booked flights are non-refundable."), NOW)
    assert [f.text for f in facts] == [
        "Noor has booked with Dr Amara Nwosu at Redland Dental for Tuesday 10 February 2026 at 8:40, a check-up",
        "Noor has bought a £48 voucher for Clay Corner"]
    assert facts[0].quote == said[:-1] and said[facts[0].start:facts[0].end] == facts[0].quote
    assert facts[1].quote == "Bought: a £48 voucher for Clay Corner"


def test_a_short_header_before_a_colon_does_not_hide_what_follows_about_the_user(extractor):
    facts = extractor.extract(_chat("what's coming up for me?", "Sure. The big ones: your tax return is due online "
                                    "by 31 March, and your gym direct debit goes out on 1 March as usual."), NOW)
    assert [f.text for f in facts] == ["Noor's tax return is due online by 31 March 2026",
                                       "Noor's gym direct debit goes out on 1 March 2026 as usual"]


def test_a_header_before_a_colon_does_not_hide_an_errand_said_a_few_words_in(extractor):
    said = "One more thing: for the conference in Leiden I booked Hotel Rapenburg for 9 to 12 March, 140 euros a night."
    [fact] = extractor.extract(_chat("anything else?", said), NOW)
    assert fact.text == "For the conference in Leiden Noor booked Hotel Rapenburg for 9 to 12 March, 140 euros a night"
    assert said[fact.start:fact.end] == fact.quote


def test_an_errand_verb_whose_past_is_its_present_form_is_reported_done(extractor):
    # "put" tagged as the present: neither a report nor read as the user's "puts".
    facts = extractor.extract(_chat("the train was late again", "I put in a Delay Repay claim for both tickets "
                                    "this morning."), NOW)
    assert [f.text for f in facts] == ["Noor has put in a Delay Repay claim for both tickets on 2 February 2026"]


def test_what_an_errand_lets_the_user_do_is_no_part_of_it(extractor):
    facts = extractor.extract(_chat("mum's birthday is on the 21st, can you find something",
                                    "Bought: a £48 voucher for Clay Corner, posted to you by Friday so you can wrap it."),
                              NOW)
    # (the request's own fact comes first: "mum's" said without "my" is the user's mum)
    assert [f.text for f in facts] == ["Noor's mum's birthday is on 21 February 2026",
                                       "Noor has bought a £48 voucher for Clay Corner, posted to Noor by Friday "
                                       "6 February 2026"]


def test_a_thing_done_on_a_day_is_an_errand_but_a_thing_alone_or_a_day_alone_is_not(extractor):
    said = "Done, I cancelled your spin class on Thursday 5 February."
    [fact] = extractor.extract(_chat("can you cancel the gym class on thursday", said), NOW)
    assert fact.text == "Noor cancelled their spin class on Thursday 5 February 2026"
    assert said[fact.start:fact.end] == fact.quote == "I cancelled your spin class on Thursday 5 February."[:-1]
    assert extractor.extract(_chat("and the form?", "I've sent the form. I registered you on Monday."), NOW) == []


def test_a_quote_accepted_and_a_deposit_paid_is_an_errand(extractor):
    facts = extractor.extract(_chat("ok accept it", "Done. I've accepted Kasper's quote and paid the £500 deposit "
                                    "by bank transfer this morning."), NOW)
    assert [f.text for f in facts] == ["Noor has accepted Kasper's quote and paid the £500 deposit by bank transfer "
                                       "on 2 February 2026"]


def test_an_errand_the_user_asked_for_is_done_to_the_thing_they_named(extractor):
    facts = extractor.extract(_chat("can you book my boiler service", "Booked with Hughes Heating for Thursday 19 "
                                    "February between 8 and 12.", "could you renew my parking permit?",
                                    "Done, I renewed it this morning.", "can you cancel my gym membership please",
                                    "I've cancelled it from 1 March."), NOW)
    assert [f.text for f in facts] == [
        "Noor has booked their boiler service with Hughes Heating for Thursday 19 February 2026 between 8 and 12",
        "Noor renewed their parking permit on 2 February 2026", "Noor has cancelled their gym membership from 1 "
        "March 2026"]
    # ... only that errand: what the request named is no object of another
    assert extractor.extract(_chat("can you book my boiler service", "I cancelled it this morning."), NOW) == []


def test_an_errand_the_user_asked_about_is_done_to_the_thing_they_named(extractor):
    facts = extractor.extract(_chat("thanks. did you pay the gas bill", "I paid it yesterday, 84 pounds.",
                                    "have you renewed my parking permit yet?", "Yes, I renewed it on Friday, £120 for "
                                    "the year."), NOW)
    assert [f.text for f in facts] == [
        "Noor paid the gas bill on 1 February 2026, 84 pounds",
        "Noor renewed their parking permit on Friday 30 January 2026, £120 for the year"]
    # ... and not when the answer did something else, or says it has not
    assert extractor.extract(_chat("did you pay the gas bill", "I sent it to Tom, 84 pounds."), NOW) == []
