"""Relative dates resolve against the conversation's time; recurring times and durations are no events."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction.dates import Precision, Tense, phrase_for, resolve
from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)  # a Tuesday


@pytest.mark.parametrize(("phrase", "tense", "start", "words"), [
    ("yesterday", Tense.PAST, dt.date(2026, 5, 11), "11 May 2026"),
    ("tomorrow", Tense.FUTURE, dt.date(2026, 5, 13), "13 May 2026"),
    ("last week", Tense.PAST, dt.date(2026, 5, 4), "the week of 4 May 2026"),
    ("next month", Tense.FUTURE, dt.date(2026, 6, 1), "June 2026"),
    ("last year", Tense.PAST, dt.date(2025, 1, 1), "2025"),
    ("March", Tense.PAST, dt.date(2026, 3, 1), "March 2026"),
    ("September", Tense.PAST, dt.date(2025, 9, 1), "September 2025"),
    ("September", Tense.FUTURE, dt.date(2026, 9, 1), "September 2026"),
    ("Thursday", Tense.PRESENT, dt.date(2026, 5, 14), "Thursday 14 May 2026"),
    ("Monday", Tense.PAST, dt.date(2026, 5, 11), "Monday 11 May 2026"),
    ("next Monday", Tense.FUTURE, dt.date(2026, 5, 18), "Monday 18 May 2026"),
    ("the 20th", Tense.PRESENT, dt.date(2026, 5, 20), "20 May 2026"),
    # Holidays on a fixed day: the last one for the past, else the next, said by name.
    ("Christmas Eve", Tense.PAST, dt.date(2025, 12, 24), "Christmas Eve 2025"),
    ("Christmas", Tense.FUTURE, dt.date(2026, 12, 25), "Christmas 2026"),
    ("last Halloween", Tense.PRESENT, dt.date(2025, 10, 31), "Halloween 2025"),
    ("New Year’s Day", Tense.PAST, dt.date(2026, 1, 1), "New Year's Day 2026"),
    ("the 3rd", Tense.FUTURE, dt.date(2026, 6, 3), "3 June 2026"),
    ("the 3rd", Tense.PAST, dt.date(2026, 5, 3), "3 May 2026"),
    ("the 20th", Tense.PAST, dt.date(2026, 4, 20), "20 April 2026"),
    ("the 31st", Tense.PAST, dt.date(2026, 3, 31), "31 March 2026"),
    ("June next year", Tense.FUTURE, dt.date(2027, 6, 1), "June 2027"),
    ("31 March next year", Tense.PRESENT, dt.date(2027, 3, 31), "31 March 2027"),
    ("May 2nd last year", Tense.PAST, dt.date(2025, 5, 2), "2 May 2025"),
    ("two weeks ago", Tense.PAST, dt.date(2026, 4, 27), "the week of 27 April 2026"),
    ("in 2019", Tense.PAST, dt.date(2019, 1, 1), "2019"),
    ("May 20", Tense.FUTURE, dt.date(2026, 5, 20), "20 May 2026"),
    # The present tells what is coming ("I fly to Lisbon in March", said in May): the next one, not the last.
    ("March", Tense.PRESENT, dt.date(2027, 3, 1), "March 2027"),
    ("September", Tense.PRESENT, dt.date(2026, 9, 1), "September 2026"),
    ("May", Tense.PRESENT, dt.date(2026, 5, 1), "May 2026"),
    ("2 March", Tense.PRESENT, dt.date(2027, 3, 2), "2 March 2027"),
    # Counted from a day named after it: to the day ("two weeks ago yesterday" is a Monday two weeks back).
    ("two weeks ago yesterday", Tense.PAST, dt.date(2026, 4, 27), "27 April 2026"),
    ("three days ago today", Tense.PAST, dt.date(2026, 5, 9), "9 May 2026"),
    ("a month ago tomorrow", Tense.PAST, dt.date(2026, 4, 13), "13 April 2026"),
    # "a week" before "ago" is no "twice a week".
    ("a week ago", Tense.PAST, dt.date(2026, 5, 4), "the week of 4 May 2026"),
    ("a month ago", Tense.PAST, dt.date(2026, 4, 1), "April 2026"),
    ("a year from now", Tense.FUTURE, dt.date(2027, 1, 1), "2027"),
    # "in two weeks" was left as said: as far from now, but not in the past ("finished it in two weeks").
    ("in two weeks", Tense.PRESENT, dt.date(2026, 5, 25), "the week of 25 May 2026"),
    ("in 3 days", Tense.FUTURE, dt.date(2026, 5, 15), "15 May 2026"),
    ("in a month", Tense.PRESENT, dt.date(2026, 6, 1), "June 2026"),
    # A weekday said with the date names the year, whatever the tense leans to; the fact says the weekday too.
    ("Wednesday 13 May", Tense.PAST, dt.date(2026, 5, 13), "Wednesday 13 May 2026"),
    ("Tuesday 13 May", Tense.FUTURE, dt.date(2025, 5, 13), "Tuesday 13 May 2025"),
    # Next year's, though the past tense leaned to last year's (where 13 May is a Tuesday).
    ("Thursday 13 May", Tense.PAST, dt.date(2027, 5, 13), "Thursday 13 May 2027"),
])
def test_relative_dates_resolve(phrase, tense, start, words):
    resolved = resolve(phrase, NOW, tense)
    assert (resolved.start, resolved.words) == (start, words)
    assert resolved.is_event


@pytest.mark.parametrize("phrase", ["every Sunday", "Sundays", "three times a week", "every two weeks", "weekends",
                                    "Tuesday evenings", "each morning"])
def test_recurring_times_are_not_events(phrase):
    resolved = resolve(phrase, NOW, Tense.PRESENT)
    assert resolved.recurring and not resolved.is_event


@pytest.mark.parametrize("phrase", ["four years", "about six months", "ten days", "3 years old", "the evening",
                                    "the last week", "the next day", "the first weekend"])
def test_durations_and_vague_times_are_no_date(phrase):
    assert resolve(phrase, NOW, Tense.PRESENT).start is None


def test_in_an_amount_of_time_in_the_past_is_how_long_it_took():
    assert resolve("in two weeks", NOW, Tense.PAST).start is None


def test_phrase_keeps_or_adds_its_preposition():
    day = resolve("yesterday", NOW, Tense.PAST)
    month = resolve("March", NOW, Tense.PAST)
    assert phrase_for(day, preposition_before=False) == "on 11 May 2026"
    assert phrase_for(month, preposition_before=True) == "March 2026"
    assert phrase_for(month, preposition_before=False) == "in March 2026"
    assert month.precision is Precision.MONTH


def test_an_ordinal_is_a_day_of_the_month_only_after_on_the(extractor):
    from memvault.extraction.facts import Message

    said = "I fly to Oslo on the 20th, it's the 3rd time I go there. Ana came 2nd in the race on the 3rd."
    texts = [f.text for f in extractor.extract([Message("user", said)], NOW)]
    assert texts[0] == "The user flies to Oslo on 20 May 2026"
    assert not any("3 June" in t or "2 May" in t for t in texts)


def test_a_day_of_the_month_said_alone_is_in_the_month_the_talk_is_about(extractor):
    from memvault.extraction.facts import Message

    chat = [Message("assistant", "Are you presenting at the Lyon summit in October?", "Dev"),
            Message("user", "yes, on the 16th. I fly out on the 14th", "Marta"),
            Message("assistant", "I'm only doing the workshop on the 17th", "Dev")]
    texts = [f.text for f in extractor.extract(chat, NOW)]
    assert texts == ["Marta is presenting at the Lyon summit in October 2026, on 16 October 2026",
                     "Marta flies out on 14 October 2026", "Dev is only doing the workshop on 17 October 2026"]
    # Said in May, the 3rd of last March is this year's; of no month named, this month's or the next.
    assert resolve("the 3rd", NOW, Tense.PAST, month=3).words == "3 March 2026"
    assert resolve("the 3rd", NOW, Tense.FUTURE, month=3).words == "3 March 2027"


def test_a_holiday_named_is_the_month_the_talk_is_about(extractor):
    # Said in May, "the 22nd" alone would be this month's; home for Christmas, it is December's.
    said = [Message("user", "I'm going to my parents in Bergen for Christmas, flying on the 22nd", "Kari")]
    assert [f.text for f in extractor.extract(said, NOW)] == [
        "Kari is going to their parents in Bergen for Christmas 2026, flying on 22 December 2026"]


def test_a_time_that_names_its_day_is_that_days_date_and_a_day_number_joins_its_month(extractor):
    from memvault.extraction.facts import Message

    chat = [Message("user", "I'm celebrating with dumplings tonight. I talked to the landlord this morning"),
            Message("assistant", "Nice."), Message("user", "my flight lands at 8:30 on Friday"),
            Message("assistant", "ok"), Message("user", "the dentist moved my check-up to 10 June")]
    texts = [f.text for f in extractor.extract(chat, NOW)]
    assert texts == ["The user is celebrating with dumplings on 12 May 2026",
                     "The user talked to the landlord on 12 May 2026",
                     "The user's flight will land at 8:30 on Friday 15 May 2026",
                     "The user's dentist moved the user's check-up to 10 June 2026"]


def test_a_holiday_the_tagger_finds_is_the_facts_date(extractor):
    messages = [Message("user", "we got engaged on Christmas Eve"), Message("assistant", "Congratulations!"),
                Message("user", "my brother is visiting at Christmas"), Message("assistant", "Lovely."),
                Message("user", "we got a cottage booked for Christmas")]
    assert [f.text for f in extractor.extract(messages, NOW)] == [
        "The user got engaged on Christmas Eve 2025", "The user's brother is visiting at Christmas 2026",
        # booked "for" a day is the one to come, also when the booking is a participle ("got … booked")
        "The user got a cottage booked for Christmas 2026"]


@pytest.mark.parametrize(("said", "expected"), [
    # Two dates the tagger found ("two weeks ago", "yesterday") are one day, written once.
    ("sprained my left wrist bouldering two weeks ago yesterday", "The user sprained their left wrist "
                                                                  "bouldering on 27 April 2026"),
    ("I started at the bakery a week ago", "The user started at the bakery in the week of 4 May 2026"),
    # Where a thing stands now, and the day of what was booked: not a May gone by.
    ("the launch slipped again, now 16 May, because of the audit",
     "The launch slipped again, now on 16 May 2026, because of the audit"),
    ("I booked the bike trip, setting off 10 May", "The user booked the bike trip, setting off on 10 May 2027"),
    # A verb's particle before the date is no preposition.
    ("I put the kitchen deposit down yesterday", "The user put the kitchen deposit down on 11 May 2026"),
    # A year set off by commas after a thing is when it was made, kept as said.
    ("we bought a used Fiat Panda, 2020, red", "The user bought a used Fiat Panda, 2020, red"),
    # A month written short in lower case, its full stop ending the date.
    ("ok my first training is 22 feb. 11 kids", "The user's first training is on 22 February 2027 11 kids"),
    # A month in lower case after a word a month follows; a weekday the tagger ended the date at.
    ("my sister is due in may", "The user's sister is due in May 2026"),
    ("I'm doing the Great North Run on 13th sept", "The user is doing the Great North Run on 13 September 2026"),
    # A thing of a thing said with "the" ("the car's MOT") is the speaker's world's too.
    ("the car's MOT is due on the 30th", "The car's MOT is due on 30 May 2026"),
    # What was signed up for takes place on its own date; an amount before "last month" is no part of it.
    ("annoying because I signed up for the Dart 10k swim in April", "The user signed up for the Dart 10k swim in "
                                                                     "April 2027"),
    ("my GP upped my thyroid meds to 75mcg last month", "The user's GP upped the user's thyroid meds to 75mcg in "
                                                        "April 2026"),
    # ... but "the" before "last week" is the date's ("the last week of a stay" is no date), as "before this" is a time
    ("I have Skye booked for the last week of August", "The user has Skye booked for the last week of August 2026"),
    ("Before this I was at a consultancy in Leeds", "Before this the user was at a consultancy in Leeds"),
    # "till the 10th" was "till the on 10 June"
    ("my brother is in Madrid for work till the 10th", "The user's brother is in Madrid for work till 10 June 2026"),
    ("the clinic moved my appointment to Thursday 21 May at 10:20",
     "The clinic moved the user's appointment to Thursday 21 May 2026 at 10:20"),
    # A weekday the tagger ran into what follows it ("tuesday after three weeks") is the day alone.
    ("my landlord finally fixed the boiler on tuesday after three weeks of cold showers",
     "The user's landlord finally fixed the boiler on Tuesday 5 May 2026 after three weeks of cold showers"),
])
def test_a_date_said_with_the_day_it_counts_from_or_where_a_thing_stands_now(extractor, said, expected):
    assert [f.text for f in extractor.extract([Message("user", said)], NOW)] == [expected]


def test_the_dates_said_after_what_was_booked_for_are_its_dates_too(extractor):
    said = "yes, I booked the bunkhouse in Llanberis for the Friday and Saturday night, 21st and 22nd"
    [text] = [f.text for f in extractor.extract([Message("user", said)], NOW)]
    assert "on 22 May 2026" in text  # was 22 April: "booked" is past (the Friday is not the 21st yet: left alone)
    # ... but not a date said of another verb after it
    said = "I booked the flights for June, which I paid for on Monday"
    assert [f.text for f in extractor.extract([Message("user", said)], NOW)] == [
        "The user booked the flights for June 2026, which the user paid for on Monday 11 May 2026"]


def test_a_fact_in_an_amount_of_time_from_now_is_dated(extractor):
    """An outside check: "I'm running the Berlin marathon in two weeks" kept "in two weeks" in the fact, which
    says nothing once that day is past."""
    texts = [f.text for f in extractor.extract([Message("user", t) for t in (
        "I'm running the Berlin marathon in two weeks.", "I finished the course in two weeks.")], NOW)]
    assert texts == ["The user is running the Berlin marathon in the week of 25 May 2026",
                     "The user finished the course in two weeks"]
