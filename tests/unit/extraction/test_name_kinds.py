"""Names a sentence shows to be an animal's or a product's (app/memvault/extraction/name_kinds.py).

The pinned tagger typed the pets and apps of a walkthrough as people and places ("a rescue dog called Biscuit":
an organisation; "the call is on Zoom": a person). The tuning sets (tests/data/entity-types/tune.json, and
tune2.json written by someone else in other constructions) measured precision 0.453 / 0.319 and recall 0.357 /
0.247 on their names before the rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from memvault.bench.entity_types import load_set, run_entity_types
from memvault.domain.entities import EntityType
from memvault.extraction.entities import EntityExtractor, ExtractionInput
from memvault.extraction.gazetteer import Gazetteer

TUNE = Path(__file__).parents[2] / "data" / "entity-types" / "tune.json"
TUNE_2 = Path(__file__).parents[2] / "data" / "entity-types" / "tune2.json"
REFERENCE = 1_700_000_000.0


@pytest.fixture(scope="module")
def entities(pipeline) -> EntityExtractor:
    return EntityExtractor(pipeline)


def _named(entities: EntityExtractor, text: str, known: list[tuple[int, str, str]] | None = None,
           people: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    (mentions,) = entities.extract([ExtractionInput(text, REFERENCE, people)], Gazetteer(known or []))
    return {(m.type.value, m.value) for m in mentions if m.type not in (EntityType.CONCEPT, EntityType.DATE)}


def test_the_tuning_sets_hold_their_figures(pipeline):
    report = run_entity_types(TUNE)
    assert len(load_set(TUNE)) == report.sentences == 42
    # Measured 0.944 / 0.875 (0.453 / 0.357 before the rules): a little under, well above.
    assert report.precision >= 0.92 and report.recall >= 0.85, report.as_text()
    assert report.by_type["animal"]["animal"] >= 13 and report.by_type["product"]["product"] >= 15
    second = run_entity_types(TUNE_2)
    assert second.sentences == 70
    # Measured 0.680 / 0.588 (0.319 / 0.247 before).
    assert second.precision >= 0.66 and second.recall >= 0.57, second.as_text()


@pytest.mark.parametrize("text, name", [
    ("Our rabbit Clementine got out of the hutch again.", "clementine"),  # "rabbit" hung on the verb
    ("Pickle, my sister's whippet, stayed with us all weekend.", "pickle"),
    ("We brought home a puppy called Otis on Sunday.", "otis"),
    ("Mr Whiskers the cat sleeps on the radiator.", "mr whiskers"),
    ("I took Otis to the groomers this morning.", "otis"),
    ("Took Otis to the groomers, he hated it.", "otis"),  # the chat's capitalised verb is no part of the name
    ("Rufus's lead snapped on our walk", "rufus"),
    ("Oscar is getting neutered next month", "oscar"),
    ("Mabel the tortoise woke up early this year", "mabel"),  # (the parser: the name a modifier of the verb)
    ("We have two cats, Miso and Tofu.", "tofu"),  # (the tagger: one name, "Miso and Tofu")
    ("Our dogs Bruno and Nell love the beach.", "nell"),
    ("Biscuit is the user's dog, a three-year-old beagle", "biscuit"),  # what it is, said with "is"
    ("Pepper is our rabbit", "pepper"),  # (the parser: a common noun)
    ("Luna is a golden retriever", "luna"),  # (the tagger: a person)
])
def test_a_name_the_sentence_gives_an_animal_is_an_animal(entities, text, name):
    assert ("animal", name) in _named(entities, text)


@pytest.mark.parametrize("text, name", [
    ("The user works at Nordlicht GmbH in Berlin", "nordlicht gmbh"),  # (the tagger: a place)
    ("She works for Halden Legal LLP", "halden legal llp"),  # (untagged)
    ("I joined Brightloop Ltd in March", "brightloop ltd"),
])
def test_a_name_ending_in_a_legal_form_is_a_firm(entities, text, name):
    assert ("organization", name) in _named(entities, text)


@pytest.mark.parametrize("text", ["Sam is a dog person", "Tom is a real pig at dinner"])
def test_a_person_said_to_be_like_an_animal_is_no_animal(entities, text):
    assert not any(t == "animal" for t, _ in _named(entities, text))


@pytest.mark.parametrize("text, name", [
    ("Walked Luna in the park before work", "luna"),  # (the tagger: one name, "Walked Luna", a proper noun)
    ("Called Priya about the flat", "priya"),
    ("Messaged Tom about the party", "tom"),
    ("Jared Kushner spoke at the dinner", "jared kushner"),  # "jar" doubles its "r": no past
    ("Alfred Wainwright walked every fell", "alfred wainwright"),
])
def test_a_chats_capitalised_past_is_no_part_of_the_name_after_it(entities, text, name):
    named = _named(entities, text)
    assert {v for _, v in named} & {name, *(f"{w} {name}" for w in ("walked", "called", "messaged"))} == {name}


def test_a_regular_past_is_told_from_a_name_ending_in_ed(pipeline):
    from memvault.extraction.noise import Lexicon

    lexicon = Lexicon.of(pipeline.get())
    assert all(lexicon.regular_past(w) for w in ("Walked", "Booked", "Stopped", "Loved", "Emailed", "Texted"))
    # A name, or a verb whose past is another word ("say": "said") or doubles its last letter ("jar": "jarred"),
    # or a verb in "e" with "ed" ("fare" + "d" is "fared").
    assert not any(lexicon.regular_past(w) for w in ("Fred", "Ted", "Jared", "Ahmed", "Sayed", "Mildred", "Ed",
                                                     "Naveed", "Fareed", "Waleed"))


@pytest.mark.parametrize("text, name", [
    ("I've started using Todoist for the shopping list.", "todoist"),
    ("Dad bought a Roomba and the cat is terrified of it.", "roomba"),
    ("We did the quiz over Discord with the uni lot.", "discord"),
    ("My Garmin battery died halfway round.", "garmin"),
    ("I cancelled Audible last month.", "audible"),
    ("Photoshop crashed and I lost two hours of edits", "photoshop"),
    ("is YouTube Premium worth it", "youtube premium"),
    ("My car is a blue Honda Jazz", "honda jazz"),  # a maker and its model: one product, not the firm
    ("we watched Oppenheimer at the cinema", "oppenheimer"),
    ("I listen to music on Spotify while I run.", "spotify"),  # (the tagger: a place)
    ("I drive a 2019 Honda Civic in dark blue.", "honda civic"),  # (the tagger: a firm and a product)
])
def test_a_name_used_as_an_app_or_bought_as_a_device_is_a_product(entities, text, name):
    assert ("product", name) in _named(entities, text)


@pytest.mark.parametrize("text, expected", [
    ("Priya lives on Anglesey now.", {("person", "priya"), ("location", "anglesey")}),  # an island, said with "on"
    ("We moved to Bristol in 2019.", {("location", "bristol")}),
    ("The interview is at Deloitte on Friday.", {("organization", "deloitte")}),
    ("Kemi messaged me about the party.", {("person", "kemi")}),  # (the tagger: a place)
    ("I gave the dog Tom's leftovers.", {("person", "tom")}),  # an animal word before someone's name
    ("my landlord Tunde Okafor still hasn't fixed the boiler", {("person", "tunde okafor")}),
    ("training for the Berlin Marathon this spring", {("event", "berlin marathon")}),
])
def test_people_places_and_firms_keep_their_types(entities, text, expected):
    assert _named(entities, text) == expected


@pytest.mark.parametrize("text", ["We watched the sunset on Santorini.", "We booked a villa on Crete."])
def test_what_is_done_on_an_island_names_no_product(entities, text):
    assert not {v for t, v in _named(entities, text) if t == "product"}


def test_a_breed_said_with_its_animal_names_no_animal(entities):
    found = _named(entities, "We bought a Shetland pony for the kids")
    assert not {(t, v) for t, v in found if t in ("animal", "person")}


def test_a_pet_named_before_is_an_animal_wherever_the_namespace_mentions_it(entities):
    # No animal word in the sentence: the gazetteer's known entity types it, whatever the tagger guesses.
    assert _named(entities, "Biscuit needs his booster jab next week.") == {("person", "biscuit")}
    assert _named(entities, "Biscuit needs his booster jab next week.", [(1, "animal", "biscuit")]) == {
        ("animal", "biscuit")}


def test_a_name_the_memory_says_is_a_person_stays_one(entities):
    # A turn's speaker called Max, whatever the sentence around the name says.
    assert _named(entities, "Our dog Max chewed my shoes again.", people=("Max",)) == {("person", "max")}
    assert _named(entities, "Our dog Max chewed my shoes again.") == {("animal", "max")}
