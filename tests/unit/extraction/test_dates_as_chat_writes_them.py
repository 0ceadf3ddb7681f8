"""Dates as chat writes them: weekdays shortened ("on wed"), holidays in lower case, a part of a month ("the end of
March", "mid-June"), two days said as a span ("from the 18th to the 2nd"), a month the tagger left untyped, and
the day of what was booked said after it. Each sentence was written for these tests (stop 101)."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction.dates import Precision, Tense, resolve
from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)  # a Tuesday


def _texts(extractor, *turns: str) -> list[str]:
    messages = [Message("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


@pytest.mark.parametrize(("said", "expected"), [
    # "wed" was split as "we'd": "coming on the userd"
    ("the plumber is coming on wed", ["The user's plumber is coming on Wednesday 13 May 2026"]),
    ("I'm at a conference till Fri, back next tues",
     ["The user is at a conference till Friday 15 May 2026, back on Tuesday 19 May 2026"]),
    ("wed love to come", []),  # "we'd" without its apostrophe stays "we'd"
    # a part of the day after a weekday is the date's: "for Thursday morning" was no date at all
    ("also the boiler service is booked for thurs morning, British Gas",
     ["The boiler service is booked for Thursday morning 14 May 2026, British Gas"]),
    ("I'm free next thursday afternoon", ["The user is free on Thursday afternoon 14 May 2026"]),
    # a holiday in lower case, and a family word said as a name ("Gran Turns" was capitalised as a title's name)
    ("Gran turns 90 on boxing day, we're doing a lunch at the Swan",
     ["The user's gran turns 90 on Boxing Day 2026", "The user is doing a lunch at the Swan"]),
    ("my sister's due on st patrick's day", ["The user's sister is due on St Patrick's Day 2027"]),
    # a part of a month, said before it
    ("the car needs a service by the end of March", ["The car needs a service by the end of March 2027"]),
    ("flights are booked for mid-June", ["The user's flights are booked for mid-June 2026"]),  # was "mid-in June"
    # a span: its last day on or after its first
    ("my mother-in-law is staying from the 18th to the 2nd",
     ["The user's mother-in-law is staying from 18 May 2026 to 2 June 2026"]),
    ("I'm in Leeds from Monday to Thursday",  # the Thursday was the one before the Monday
     ["The user is in Leeds from Monday 18 May 2026 to Thursday 21 May 2026"]),
    # the day of what was booked, said after a comma; what is still to come, its "will" unsaid
    ("I finally booked my driving test, 14 jun at 9.40",
     ["The user finally booked their driving test, on 14 June 2026 at 9.40"]),
    ("I booked the vet, 3 March", ["The user booked the vet, on 3 March 2027"]),
    ("entered the ballot, find out in december", ["The user entered the ballot, find out in December 2026"]),
    # a comma ends a date before what is no part of one ("since the 1st, day 30" was 30 January), not before a day
    ("I've been off caffeine since the 1st, day 11 today",
     ["The user has been off caffeine since 1 May 2026, day 11 on 12 May 2026"]),
    ("the wedding is on Friday, 3 March", ["The wedding is on Friday 3 March 2028"]),  # (3 March 2027 is a Wednesday)
    # a day the tagger ran into a name ("Atkins today" a building), and an "in" that is a particle before a day
    ("I handed my notice in at Atkins today and my manager was nice",
     ["The user handed their notice in at Atkins on 12 May 2026"]),
    ("I handed my notice in today", ["The user handed their notice in on 12 May 2026"]),  # was "in 12 May"
    # a thing named by a bare gerund has its day ("viewing" was a verb to the tagger, so no one's thing)
    ("viewing is saturday at 11, the one on Elm Road", ["Viewing is on Saturday 16 May 2026 at 11, the one on Elm Road"]),
    # time taken off is said bare ("taken in the week of … off work"), and a day booked off is the one to come
    ("I've taken next week off work", ["The user has taken the week of 18 May 2026 off work"]),
    ("I booked Friday off", ["The user booked Friday 15 May 2026 off"]),
    # a month the tagger left untyped
    ("btw Kasia's moving back to Krakow in feb", ["Kasia is moving back to Krakow in February 2027"]),
])
def test_a_date_as_chat_writes_it_is_read(extractor, said, expected):
    assert _texts(extractor, said) == expected


def test_a_month_alone_dates_no_thing_but_a_deadline_does(extractor):
    assert _texts(extractor, "the garden looks lovely in May") == []
    assert _texts(extractor, "the boiler has to be replaced before June") == [
        "The boiler has to be replaced before June 2026"]


@pytest.mark.parametrize(("phrase", "start", "precision", "words"), [
    ("the end of March", dt.date(2027, 3, 1), Precision.MONTH, "the end of March 2027"),
    ("early June", dt.date(2026, 6, 1), Precision.MONTH, "early June 2026"),
    ("the last week of August", dt.date(2026, 8, 1), Precision.MONTH, "the last week of August 2026"),
    ("the beginning of next month", dt.date(2026, 6, 1), Precision.MONTH, "the beginning of June 2026"),
    ("the end of the year", dt.date(2026, 1, 1), Precision.YEAR, "the end of 2026"),  # this year's
    ("the 18th to the 2nd", dt.date(2026, 5, 18), Precision.DAY, "18 May 2026 to 2 June 2026"),
    ("fri", dt.date(2026, 5, 15), Precision.DAY, "Friday 15 May 2026"),
    ("2026-04-01", dt.date(2026, 4, 1), Precision.DAY, "1 April 2026"),  # an ISO day is no span
])
def test_parts_spans_and_short_weekdays_resolve(phrase, start, precision, words):
    resolved = resolve(phrase, NOW, Tense.FUTURE)
    assert (resolved.start, resolved.precision, resolved.words) == (start, precision, words)


@pytest.mark.parametrize("phrase", ["the end of the day", "mid-afternoon"])
def test_a_part_of_no_date_is_no_date(phrase):
    assert resolve(phrase, NOW, Tense.FUTURE).start is None


def test_a_day_of_the_month_something_is_is_its_date_but_a_birthdays_needs_its_month(extractor):
    texts = _texts(extractor, "my flight to Lisbon is on the 22nd", "Noted.", "actually sorry it's the 24th not the 22nd")
    assert texts == ["The user's flight to Lisbon is on 22 May 2026", "The user's flight is on 24 May 2026 not the 22nd"]
    assert _texts(extractor, "my birthday is the 14th") == ["The user's birthday is the 14th"]


@pytest.mark.parametrize(("said", "expected"), [
    # a date said of the noun after it keeps its "the" and takes no "on": "missed the on 14 March 2026 deadline"
    ("I missed the 14 March deadline for the grant", ["The user missed the 14 March 2026 deadline for the grant"]),
    ("Rhys signed me off at the 6 May session", ["Rhys signed the user off at the 6 May 2026 session"]),
    ("I'm going to the 21 June party at Tom's", ["The user is going to the 21 June 2026 party at Tom's"]),
])
def test_a_date_said_of_a_noun_keeps_its_the(extractor, said, expected):
    assert _texts(extractor, said) == expected


def test_a_month_said_in_lower_case_is_the_one_the_talk_is_about_and_a_move_said_bare_is_to_come(extractor):
    # "the 2nd" of the month the talk named in lower case, and ahead: was the 2nd of this month, gone
    assert _texts(extractor, "I've got a new job!! starting at the bbc in september", "Congrats!",
                  "found a flat in Ancoats, moving on the 2nd") == [
        "The user has got a new job", "The user is starting at the bbc in September 2026",
        "The user found a flat in Ancoats, moving on 2 September 2026"]


def test_a_day_of_a_month_then_next_year_is_next_years(extractor):
    # The tagger makes two dates of "July 31st next year"; the first alone was this year's.
    assert _texts(extractor, "my contract ends July 31st next year") == ["The user's contract ends on 31 July 2027"]


def test_days_taken_off_together_are_said_bare(extractor):
    assert _texts(extractor, "Sam took thursday and friday off") == [
        "Sam took Thursday 7 May 2026 and Friday 8 May 2026 off"]
    assert _texts(extractor, "I booked thursday and friday off") == [
        "The user booked Thursday 14 May 2026 and Friday 15 May 2026 off"]


def test_a_date_of_what_was_done_to_a_thing_is_past_whatever_the_clause_says(extractor):
    assert _texts(extractor, "the caterer is Fig & Thistle, deposit of £1,200 paid on 3 April") == [
        "The caterer is Fig & Thistle, deposit of £1,200 paid on 3 April 2026"]
