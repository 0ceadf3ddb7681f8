"""Every fact reads on its own: the broken rewrites of issue 47, each on a sentence written for this test."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.bench.extraction import self_contained
from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)


def _texts(extractor, *turns: str, name: str | None = None) -> list[str]:
    messages = [Message("user" if i % 2 == 0 else "assistant", t, name if i % 2 == 0 else None)
                for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


def test_talk_about_the_conversation_is_cut_from_the_fact(extractor):
    assert _texts(extractor, "Since we last talked, I repainted my kitchen.") == [
        "The user repainted their kitchen"]


def test_a_hyphenated_word_keeps_its_pronoun(extractor):
    assert _texts(extractor, "I block out me-time on Fridays.") == ["The user blocks out me-time on Fridays"]


def test_an_ambiguous_pronoun_is_not_guessed(extractor):
    # A dog and a friend just named are both "he": no fact rather than the wrong one.
    texts = _texts(extractor, "My dog Rex loved the beach. My friend Marco visited in April. He brought us joy.")
    assert not any("brought" in t for t in texts)


def test_an_abstract_noun_is_no_antecedent_for_it(extractor):
    texts = _texts(extractor, "I had a chance to speak at a summit. It taught me a lot.")
    assert texts == ["The user had a chance to speak at a summit"]


@pytest.mark.parametrize("turn", [
    "I'm doing alright.",            # "The user is doing"
    "We make a brilliant team.",     # "The user makes a brilliant team"
    "Those evenings really make me happy.",
    "I wander around all the time.",
    "It was great chatting with you.",
    "I feel better.",
    "We could go bowling sometime.",
    "I called him yesterday.",       # "him" refers to no one known
    "Sorry, I can't come.",          # to what, only the talk around it says
    "Jana won't make it though.",
    "Ha, I can't wait!",             # a mood, of nothing named
    "She's vegan so I need to shop for that.",  # what "that" is, only the talk says (and "she" is no one)
])
def test_small_talk_and_facts_that_cannot_stand_alone_give_nothing(extractor, turn):
    assert _texts(extractor, turn) == []
    assert _texts(extractor, turn, name="Ines") == []


def test_not_coming_to_something_named_is_kept(extractor):
    assert _texts(extractor, "I won't go to the wedding.", "Oh no.", "My mum can't come on Friday.") == [
        "The user won't go to the wedding", "The user's mum can't come on Friday 15 May 2026"]


def test_a_subject_the_parser_found_after_its_verb_gives_nothing(extractor):
    # "did my first sportive" read with "sportive" as its subject: "Did the user's first sportive on Sunday …"
    assert _texts(extractor, "I switched to cycling, did my first sportive on Sunday") == [
        "The user switched to cycling"]


def test_what_the_speaker_did_for_us_leaves_us_out(extractor):
    # "us" written as the speaker's name read "The user booked the user a hotel".
    assert _texts(extractor, "I booked us a hotel in Porto.", "Nice!", "I got us tickets for the Foals gig.",
                  "Great.", "I can't wait for the gig.") == [
        "The user booked a hotel in Porto", "The user got tickets for the Foals gig", "The user can't wait for the gig"]


def test_an_unresolved_pronoun_its_own_subject_explains_is_kept(extractor):
    assert _texts(extractor, "My cousin loves her job.") == ["The user's cousin loves her job"]


@pytest.mark.parametrize(("text", "alone"), [
    ("The user moved to Porto in March 2026", True),
    ("Anna and Ben met at a chess club", True),
    ("Those moments really make the user thankful", False),
    ("He brought the user so much joy", False),
    ("The user told me about it", False),
    ("Is doing fine", False),
    ("Freja is studying medicine there", False),
    ("There is a Nigerian tailor in Moss Side", True),
    ("The user's me-time matters", True),
])
def test_self_contained_judges_the_text_alone(text, alone):
    assert self_contained(text) is alone


@pytest.mark.parametrize("said, fact", [
    ("Guess what, I adopted a rescue greyhound.", "Kai adopted a rescue greyhound"),
    ("Nadia, I'm away from Friday for ten days.", "Kai is away from Friday 15 May 2026 for ten days"),
    ("My husband got a job at the university here.", "Kai's husband got a job at the university"),
    ("Big news: I passed my driving test.", "Kai passed their driving test"),
])
def test_openers_names_said_to_someone_and_here_are_left_out(extractor, said, fact):
    assert _texts(extractor, said, name="Kai") == [fact]


def test_not_knowing_that_is_no_fact(extractor):
    assert _texts(extractor, "Oh really? I didn't know that.", name="Kai") == []
    assert _texts(extractor, "I get it now.", name="Kai") == []


@pytest.mark.parametrize("said, fact", [
    ("I got back from Lisbon yesterday.", "Kai got back from Lisbon on 11 May 2026"),
    ("I just got back from Lisbon, the conference went really well.", "Kai just got back from Lisbon"),
])
def test_getting_back_from_somewhere_is_no_talk_about_the_talk(extractor, said, fact):
    # "get" with nothing after it is "I get it"; "back from Lisbon" is where the speaker was.
    assert _texts(extractor, said, name="Kai") == [fact]


def test_a_contracted_has_before_been_is_written_has(extractor):
    assert _texts(extractor, "My son Arlo took his first steps. He's been sick twice since March.", name="Kai")[-1] == (
        "Kai's son Arlo has been sick twice since March 2026")


def test_since_then_goes_as_a_whole(extractor):
    assert _texts(extractor, "My son Arlo has been sick twice since then.", name="Kai") == [
        "Kai's son Arlo has been sick twice"]


def test_she_and_him_in_one_clause_are_two_people(extractor):
    # A cousin of no known gender fits both "she" and "him"; "him" is someone else, so the clause names no one.
    texts = _texts(extractor, "My cousin Deepa flies in on Friday and she's bringing him in the cabin.")
    assert texts == ["The user's cousin Deepa flies in on Friday 15 May 2026"]
    # One person still owns what their own pronoun names.
    assert _texts(extractor, "My sister loves her job.") == ["The user's sister loves her job"]


@pytest.mark.parametrize("said, fact", [
    ("I'm allergic to cats now, weirdly, so maybe not the cat cafe this time.", "The user is allergic to cats"),
    ("I moved to Porto, so no more rain for me.", "The user moved to Porto"),
    ("I never liked chocolate, oddly.", "The user never liked chocolate"),
])
def test_a_subjectless_so_afterthought_and_a_comment_word_are_cut(extractor, said, fact):
    assert _texts(extractor, said) == [fact]


def test_a_so_clause_with_its_own_subject_is_not_an_afterthought(extractor):
    assert _texts(extractor, "I bought a van, so I can travel more.") == [
        "The user bought a van, so the user can travel more"]


@pytest.mark.parametrize("turns, fact", [
    # "there" is the place the talk just named: in this turn, or the speaker's one before.
    (("Our daughter Freja is flying in from Copenhagen to join us. She's studying medicine there.",),
     "Kai's daughter Freja is studying medicine in Copenhagen"),
    (("I need flights to Lagos for the wedding.", "What dates?", "Ada wants me there four days before the ceremony."),
     "Ada wants Kai in Lagos four days before the ceremony"),
    (("I was in Porto in March.", "Nice!", "I'm moving there in June."), "Kai is moving to Porto in June 2026"),
    (("I work at Siemens.", "Nice.", "My sister got a job there in May."), "Kai's sister got a job at Siemens in May 2026"),
    # Two places just named, or none: "there" is left out rather than guessed.
    (("I was in Porto and then in Lisbon. I'm moving there in June.",), "Kai is moving in June 2026"),
    (("My sister is studying medicine there.",), "Kai's sister is studying medicine"),
])
def test_there_is_the_place_just_named_or_left_out(extractor, turns, fact):
    texts = _texts(extractor, *turns, name="Kai")
    assert texts[-1] == fact
    assert all(self_contained(t) for t in texts)


def test_a_there_that_names_the_place_is_something_the_fact_says(extractor):
    # "was there too" said nothing beyond its subject until "there" was the place: then it is a fact.
    assert _texts(extractor, "I just got back from Lisbon. My manager Priya was there too.", name="Kai") == [
        "Kai just got back from Lisbon", "Kai's manager Priya was in Lisbon"]
    # A place of more than one word is named whole.
    assert _texts(extractor, "Our son Mateo starts at Oakfield Primary in September.", "Lovely!",
                  "My daughter went there too.", name="Kai")[-1] == "Kai's daughter went to Oakfield Primary"


def test_both_of_us_is_two_people(extractor):
    assert _texts(extractor, "budget is about 1500 for both of us not including flights") == [
        "The user's budget is about 1500 for two people not including flights"]


def test_a_day_named_before_it_is_not_what_it_is(extractor):
    assert _texts(extractor, "it's due monday. I've blocked out the weekend for it") == []


@pytest.mark.parametrize("said, fact", [
    ("I no longer drink coffee at all.", "The user no longer drinks coffee at all"),  # (the tagger: a base form)
    ("I no longer go to the gym.", "The user no longer goes to the gym"),
    ("I will call the dentist on Friday.", "The user will call the dentist on Friday 15 May 2026"),
])
def test_a_present_after_no_longer_agrees_with_its_person(extractor, said, fact):
    assert _texts(extractor, said) == [fact]
