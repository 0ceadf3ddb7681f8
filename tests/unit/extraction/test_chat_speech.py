"""How chat speaks: a question written without its "?" states no fact, a count of people the speaker is one of is
that many people, shorthand remarking on the talk ("btw", "tbh") is no part of a fact, and shouted words are words."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction.facts import Message

NOW = dt.datetime(2025, 4, 24, 18, 50, tzinfo=dt.UTC)


def _texts(extractor, *turns: str) -> list[str]:
    messages = [Message("user", t, "Maren") if i % 2 == 0 else Message("assistant", t) for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


def test_an_inverted_negated_auxiliary_after_wait_asks(extractor):
    assert _texts(extractor, "wait isn't that my physio day") == []
    assert _texts(extractor, "Wait, I moved the dentist to Friday.") == [
        "Maren moved the dentist to Friday 25 April 2025"]


def test_an_auxiliary_before_a_subject_of_several_words_asks(extractor):
    assert _texts(extractor, "did the dentist send the bill") == []
    assert _texts(extractor, "has my sister booked the table for friday") == []
    assert _texts(extractor, "The dentist sent the bill on Monday.") == ["Maren's dentist sent the bill on Monday 21 April 2025"]


def test_a_tag_question_asks_and_the_statement_before_a_comma_still_counts(extractor):
    assert _texts(extractor, "good. dentist wants me back for a check at some point doesn't it") == []
    assert _texts(extractor, "My dentist is Dr Nwosu, isn't it") == ["Maren's dentist is Dr Nwosu"]
    assert _texts(extractor, "I sold my old Corsa in March and I don't miss it") != []


def test_a_count_of_people_the_speaker_is_one_of_is_said_as_that_many_people(extractor):
    assert _texts(extractor, "started last monday at a tiny studio called Driftwood Owl, only 11 of us.") == [
        "Maren started on Monday 21 April 2025 at a tiny studio called Driftwood Owl, only 11 people"]
    assert _texts(extractor, "There were 12 of us at my birthday party in March.") == [
        "There were 12 people at Maren's birthday party in March 2025"]
    assert _texts(extractor, "I moved to Leeds with two of my friends.") == [
        "Maren moved to Leeds with two of Maren's friends"]


def test_shorthand_remarking_on_the_talk_is_left_out_wherever_it_stands(extractor):
    assert _texts(extractor, "oh we had an offer on the cottage btw, 240 from a couple in Bristol") == [
        "Maren had an offer on the cottage, 240 from a couple in Bristol"]
    assert _texts(extractor, "tbh I quit my job at Tesco in March lol") == ["Maren quit their job at Tesco in March 2025"]


def test_words_shouted_in_capitals_are_read_as_words_and_an_unknown_one_keeps_its_capitals(extractor):
    facts = [f for f in _facts_of(extractor, "I GOT THE JOB!!! starting in September", "Congrats",
                                  "I PASSED THE CFE")]
    assert [f.text for f in facts] == ["Maren got the job", "Maren is starting in September 2025",
                                       "Maren passed the CFE"]
    assert facts[0].quote == "I GOT THE JOB"
    # A shouted "A" goes with the words around it ("DOG" alone was left a name), and the one to guess is the speaker.
    facts = _facts_of(extractor, "GUESS WHO HAS A DOG", "No way!", "we picked her up yesterday. she's a lurcher")
    assert [f.text for f in facts] == ["Maren has a dog", "Maren picked Maren's dog up on 23 April 2025",
                                       "Maren's dog is a lurcher"]
    assert facts[0].quote == "GUESS WHO HAS A DOG"


def _facts_of(extractor, *turns: str):
    messages = [Message("user", t, "Maren") if i % 2 == 0 else Message("assistant", t) for i, t in enumerate(turns)]
    return extractor.extract(messages, NOW)


def test_what_the_speaker_was_thinking_we_might_do_is_a_proposal_not_a_fact(extractor):
    assert _texts(extractor, "Yes. I was thinking we rent a cottage in the Lake District for the weekend.") == []
    assert _texts(extractor, "I was thinking my job is boring.") == ["Maren's job is boring"]


@pytest.mark.parametrize("question", ["how did the vet go with Mochi", "how old is she now",
                                      "how long is the flight to Lima",
                                      "also my sister's wedding, did the hotel confirm"])
def test_a_question_word_and_an_inverted_verb_ask_without_a_question_mark(extractor, question):
    assert _texts(extractor, question) == []


def test_a_statement_before_a_question_after_its_comma_is_kept(extractor):
    assert _texts(extractor, "my sister moved to Porto, where is she living now") == ["Maren's sister moved to Porto"]


def test_a_verb_after_a_comma_whose_subject_came_before_it_asks_nothing(extractor):
    assert _texts(extractor, "stuart, my supervisor, has me chasing cables in a flat in partick") == [
        "Stuart, Maren's supervisor, has Maren chasing cables in a flat in partick"]
