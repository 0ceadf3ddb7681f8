"""What comes off the front of a clause: a short opener before a comma ("bad news here, …"), and a clause before a
comma the parser left without its subject ("Friday works, …"); a date said first stays."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction.facts import Message

NOW = dt.datetime(2025, 10, 2, 12, 0, tzinfo=dt.UTC)


def _texts(extractor, *turns: str) -> list[str]:
    messages = [Message("user", t, name="Felix") if i % 2 == 0 else Message("assistant", t, name="Noor")
                for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


def test_a_short_opener_before_a_comma_is_no_part_of_the_fact(extractor):
    texts = _texts(extractor, "legend. bad news here, the landlord wants to sell the building", "oh no, really?",
                   "not yet, our contract runs until March", "ok", "flights booked, I fly out on 2 December for the summit")
    assert texts == ["Felix's landlord wants to sell the building", "Felix's contract runs until March 2026",
                     "Felix flies out on 2 December 2025 for the summit"]


def test_an_opener_whose_first_word_the_tagger_calls_a_name_is_still_an_opener(extractor):
    # Found sending a chat to the agent port: the tagger read "good" as a name and hung the clause on "news".
    assert _texts(extractor, "good news, my friend Fergus got an interview at Brightwater on monday") == [
        "Felix's friend Fergus got an interview at Brightwater on Monday 29 September 2025"]


def test_a_clause_the_parser_left_without_its_subject_is_no_part_of_the_next(extractor):
    # "Friday" was tagged a date, not the subject of "works": the fact read "On Friday 3 October 2025 works, …".
    assert _texts(extractor, "Friday works, Mira's making her grandmother's maqluba") == [
        "Mira is making her grandmother's maqluba"]


def test_a_date_or_a_scene_said_first_stays(extractor):
    texts = _texts(extractor, "Last week, my sister moved to Kiel", "ok", "On Saturday, I went to the market in Altona")
    assert texts == ["In the week of 22 September 2025, Felix's sister moved to Kiel",
                     "On Saturday 27 September 2025, Felix went to the market in Altona"]


def test_random_but_is_an_opener_and_random_people_are_not(extractor):
    # Written for stop 101: "Random but Felix's brother-in-law Piotr just got his citizenship, …"
    assert _texts(extractor, "random but my brother-in-law Piotr just got his citizenship") == [
        "Felix's brother-in-law Piotr just got his citizenship"]
    assert _texts(extractor, "Random people keep ringing me") == ["Random people keep ringing Felix"]


def test_a_name_of_two_words_an_answer_gave_before_a_comma_is_no_part_of_the_clause(extractor):
    texts = _texts(extractor, "I've booked the venue for the wedding", "Have you sorted a photographer?",
                   "yes, Lou Pritchard, we paid the deposit last week")
    assert texts == ["Felix has booked the venue for the wedding", "Felix has sorted a photographer, Lou Pritchard",
                     "Felix paid the deposit in the week of 22 September 2025"]  # was "Lou Pritchard, Felix paid …"


@pytest.mark.parametrize("opening", ["on the plus side", "on the bright side", "long story short,", "all in all",
                                     "quick one,"])
def test_a_phrase_that_turns_the_talk_is_no_part_of_the_fact(extractor, opening):
    assert _texts(extractor, f"{opening} I got the part in the play") == ["Felix got the part in the play"]


def test_ok_that_a_verb_says_something_is_stays(extractor):
    assert _texts(extractor, "completion is 3 November if the survey is ok") == [
        "Completion is on 3 November 2025 if the survey is ok"]


def test_an_imperative_to_the_other_before_a_comma_is_no_part_of_the_fact(extractor):
    assert _texts(extractor, "tell her, my mum will want to bring the photo albums") == [
        "Felix's mum will want to bring the photo albums"]


def test_two_openers_before_the_clause_are_no_part_of_it(extractor):
    # "lots" was also read as a verb ("will lot of questions") for the "of" after it
    assert _texts(extractor, "pretty good, lots of questions, a woman from the Met Office asked for my slides") == [
        "A woman from the Met Office asked for Felix's slides"]


def test_a_label_opened_by_note_is_no_part_of_the_fact(extractor):
    assert _texts(extractor, "note for later: switched energy to Octopus, 3 year fix at 24p/kWh, starts 1 November") \
        == ["Felix switched energy to Octopus, 3 year fix at 24p/kWh, starts on 1 November 2025"]


def test_a_label_of_four_words_before_a_colon_is_no_part_of_the_fact(extractor):
    assert _texts(extractor, "update on the allotment: the council finally gave me plot 22") == [
        "The council finally gave Felix plot 22"]


def test_the_name_of_the_person_spoken_to_is_no_part_of_the_fact(extractor):
    """An outside check: "Sam, my wife Noor is flying to Toronto tomorrow" was stored "Sam, Priya's wife Noor is
    flying to Toronto …", which reads as if Sam were the wife; the parser took Sam and the wife both for the
    subject."""
    assert _texts(extractor, "Noor, my brother Tariq is flying to Lisbon tomorrow for a conference", "oh nice",
                  "Noor, our cat is at the vet again") == [
        "Felix's brother Tariq is flying to Lisbon on 3 October 2025 for a conference", "Felix's cat is at the vet"]
    # A name that is the subject stays ("Tariq, my brother, is flying" says who flies).
    assert _texts(extractor, "Tariq and my brother are flying to Lisbon on Friday") == [
        "Tariq and Felix's brother are flying to Lisbon on Friday 3 October 2025"]
