"""Entity noise: filler nouns, idioms and common nouns read as names stay out (app/memvault/extraction/noise.py).

The labelled set (tests/data/entities/labelled.json) holds chat sentences with
the entities a reader expects, defensible alternatives, and noise that must
not appear. Before the noise rules the set measured precision 0.730 (24 noise
entities); with them 0.927 at recall 0.870.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memvault.domain.entities import EntityType
from memvault.extraction.entities import EntityExtractor, ExtractionInput
from memvault.extraction.gazetteer import Gazetteer

LABELLED = Path(__file__).parents[2] / "data" / "entities" / "labelled.json"
#: Thresholds a little under the measured figures, well above the 0.730 the set measured without the rules.
MIN_PRECISION = 0.88
MIN_RECALL = 0.80
REFERENCE = 1_700_000_000.0


@pytest.fixture(scope="module")
def entities(pipeline) -> EntityExtractor:
    return EntityExtractor(pipeline)


def _found(entities: EntityExtractor, text: str, known: list[tuple[int, str, str]] | None = None) -> set:
    (mentions,) = entities.extract([ExtractionInput(text, REFERENCE)], Gazetteer(known or []))
    return {(m.type.value, m.value) for m in mentions if m.type is not EntityType.DATE}


def test_labelled_set_precision_and_recall(entities):
    rows = json.loads(LABELLED.read_text("utf-8"))["sentences"]
    assert len(rows) >= 40
    found = entities.extract([ExtractionInput(r["text"], REFERENCE) for r in rows], Gazetteer([]))
    right = wrong = expected = recalled = 0
    noise: list[tuple[str, tuple[str, str]]] = []
    for row, mentions in zip(rows, found, strict=True):
        got = {(m.type.value, m.value) for m in mentions if m.type is not EntityType.DATE}
        want = {tuple(e) for e in row["expected"]}
        fine = want | {tuple(e) for e in row["acceptable"]}
        right += len(got & fine)
        wrong += len(got - fine)
        expected += len(want)
        recalled += len(got & want)
        noise += [(row["text"], e) for e in got & {tuple(e) for e in row["not_expected"]}]
    assert noise == []
    precision, recall = right / (right + wrong), recalled / expected
    assert precision >= MIN_PRECISION, (precision, recall)
    assert recall >= MIN_RECALL, (precision, recall)


@pytest.mark.parametrize("text", ["I was in a hurry this morning", "no hurry, send it when you can",
                                  "I'm in no hurry"])
def test_hurry_is_no_concept(entities, text):
    assert ("concept", "hurry") not in _found(entities, text)


@pytest.mark.parametrize("text", ["Keep in mind that the deadline moved", "I changed my mind about the trip",
                                  "What's on your mind?", "it slipped my mind", "bear in mind the budget"])
def test_mind_is_no_concept(entities, text):
    found = _found(entities, text)
    assert ("concept", "mind") not in found
    assert not {v for t, v in found if "mind" in v}


def test_off_is_no_concept_even_when_the_tagger_calls_it_a_plural_noun(entities):
    # "offs" is not in spaCy's stop list; its lemma "off" is.
    assert _found(entities, "the offs") == set()
    assert ("concept", "off") not in _found(entities, "I'm off to the gym")


def test_a_capitalised_common_noun_starting_a_sentence_is_no_person_but_the_noun(entities):
    assert _found(entities, "Latency went up after the deploy") == {("concept", "deploy"), ("concept", "latency")}
    assert not {v for _, v in _found(entities, "Hurry was the word") if v == "hurry"}
    # A name the tagger labels, at the start or not, stays a person.
    assert ("person", "steph") in _found(entities, "Steph thinks so too")
    assert ("person", "greg") in _found(entities, "Greg took up fishing")


@pytest.mark.parametrize("text, name", [("Carol prefers tea over coffee", "carol"),
                                        ("Hope enjoys long walks", "hope")])
def test_a_word_that_is_also_a_noun_doing_what_only_people_do_is_a_person(entities, text, name):
    found = _found(entities, text)
    assert ("person", name) in found and ("concept", name) not in found


@pytest.mark.parametrize("text, word", [
    ("Atlas migration is blocked on the schema review.", "atlas"),
    ("Emoji reactions are disabled in the team chat.", "emoji"),
    ("Priya reviewed the Atlas migration.", "atlas"),
])
def test_a_word_naming_the_noun_after_it_is_no_person(entities, text, word):
    assert ("person", word) not in _found(entities, text)


def test_a_person_before_a_noun_is_still_a_person(entities):
    assert ("person", "priya") in _found(entities, "Priya reviewed the Atlas migration.")
    assert ("person", "maria lopez") in _found(entities, "Maria Lopez joined the platform team.")


def test_lower_case_names_need_proper_nouns_or_the_gazetteer(entities):
    assert not any(t == "person" for t, _ in _found(entities, "the kick-off meeting is on Thursday"))
    assert ("concept", "kick") not in _found(entities, "the kick-off meeting is on Thursday")
    assert ("person", "greg") in _found(entities, "greg took up fishing")
    # The gazetteer overrides the rules: a known name is linked wherever it appears.
    known = [(1, "person", "juniper")]
    assert ("person", "juniper") in _found(entities, "Juniper ate my socks", known)
    assert ("concept", "juniper") in _found(entities, "Juniper ate my socks")


def test_the_second_half_of_a_hyphenated_word_is_no_concept(entities):
    # "all-hands" is a meeting, not hands; a spaced dash still separates two words.
    assert ("concept", "hand") not in _found(entities, "Luis presented the results at the January all-hands.")
    assert ("concept", "budget") in _found(entities, "the plan - budget first")


def test_idioms_keep_their_nouns_out_but_not_elsewhere(entities):
    assert ("concept", "course") not in _found(entities, "Of course I will")
    assert ("concept", "pottery course") in _found(entities, "the pottery course starts in March")
    assert ("concept", "sign") not in _found(entities, "That's a good sign")
    assert ("concept", "sign") in _found(entities, "Sam held a sign at mile 21")
    assert _found(entities, "Good luck! Congratulations, lol. Thanks for the help, that makes sense") == set()


def test_languages_are_not_people(entities):
    assert ("person", "spanish") not in _found(entities, "I can order a coffee in Spanish now")


def test_noise_a_vault_linked_before_the_rules_is_not_linked_again(entities):
    known = [(1, "concept", "mind"), (2, "concept", "hurry"), (3, "concept", "trip")]
    found = _found(entities, "never mind the hurry, the trip is on", known)
    assert found == {("concept", "trip")}


def test_a_cut_lemma_falls_back_to_the_word(entities):
    assert ("concept", "diabetes") in _found(entities, "I take metformin for diabetes and check my blood sugar")


@pytest.mark.parametrize("text", ["The user edits code in neovim", "I switched to neovim last week"])
def test_an_unknown_lower_case_word_is_no_place(entities, text):
    assert not {v for t, v in _found(entities, text) if t == "location"}


def test_a_known_lower_case_place_is_still_linked(entities):
    assert ("location", "berlin") in _found(entities, "moved to berlin in may", [(1, "location", "berlin")])
    assert ("location", "berlin") in _found(entities, "Met Ravi in Berlin")


@pytest.mark.parametrize("word", ["Sunday", "sunday", "Sundays", "March", "Friday"])
def test_a_weekday_or_month_is_never_a_person(pipeline, word):
    from memvault.extraction.noise import Lexicon, plausible_name

    nlp = pipeline.get()
    doc = nlp(f"Ravi and {word} agreed")
    span = doc[2:3]
    assert span.text == word
    lexicon = Lexicon.of(nlp)
    assert not plausible_name(span, lexicon, tagged=True, label="PERSON")
    assert plausible_name(doc[0:1], lexicon, tagged=True, label="PERSON")  # the rule, not the sentence


def test_a_name_ending_in_a_street_word_is_a_place_not_a_person(entities):
    found = _found(entities, "The user's dentist is Dr. Okafor on Elm Street")
    assert (EntityType.LOCATION, "elm street") in found and (EntityType.PERSON, "elm street") not in found
    # Nor is "street" the alias of a person an older release made of one: "Oak Street" is not "Elm Street".
    older = [(7, EntityType.PERSON.value, "elm street")]
    assert all(value != "elm street" for _, value in _found(entities, "The clinic moved to Oak Street", older))


def test_a_date_without_its_year_is_the_next_one_unless_the_sentence_tells_of_the_past(entities):
    # Stored on 26 November 2026: an appointment or a deadline with no year is coming, a move has happened.
    stored = 1795700000.0  # 2026-11-26

    def dates(text: str) -> set[str]:
        (mentions,) = entities.extract([ExtractionInput(text, stored)], Gazetteer([]))
        return {m.value for m in mentions if m.type is EntityType.DATE}

    assert dates("Dentist appointment with Dr. Okafor on March 14") == {"2027-03-14"}
    assert dates("The project deadline is June 30") == {"2027-06-30"}
    assert dates("I moved to Lisbon on March 3") == {"2026-03-03"}


@pytest.mark.parametrize("text", ["Noor's birthday is on 9 October", "Noor's sister Amira is studying medicine",
                                  "Noor is a structural engineer at Halden & Moss in Bristol"])
def test_a_one_word_name_the_tagger_calls_an_organisation_is_a_person_when_the_sentence_shows_one(entities, text):
    # The small tagger reads "Noor" as an organisation in each; the Entities page listed her as one.
    assert ("person", "noor") in _found(entities, text)
    assert ("organization", "noor") not in _found(entities, text)


def test_an_organisation_keeps_its_type_beside_what_only_a_person_has(entities):
    assert ("organization", "siemens") in _found(entities, "Siemens's headquarters are in Munich")
    assert ("organization", "siemens") in _found(entities, "Siemens's partner for the rollout is Atos")


@pytest.mark.parametrize(("text", "place"), [("Lena and Tom just moved to Ghent last month", "ghent"),
                                             ("She grew up in Tartu", "tartu")])
def test_a_one_word_name_of_where_someone_moves_or_lives_is_a_place(entities, text, place):
    # "Ghent" was a person (the proper-noun fallback), "Tartu" an organisation (the tagger).
    found = _found(entities, text)
    assert ("location", place) in found and not {("person", place), ("organization", place)} & found


def test_a_person_one_talks_to_or_moves_in_with_is_no_place(entities):
    assert ("location", "marek") not in _found(entities, "I talked to Marek about the move")


@pytest.mark.parametrize("text,name", [("Ines seemed frustrated with the security audit.", "ine"),
                                       ("Dolores seemed tired after the flight.", "dolore")])
def test_a_name_the_tagger_took_for_a_plural_is_no_concept(entities, text, name):
    # The small tagger reads a sentence's first name ending in -s as a plural noun, and its lemmatizer cuts it.
    assert ("concept", name) not in _found(entities, text)


def test_a_capitalised_word_the_lemmatizer_keeps_is_still_a_concept(entities):
    assert ("concept", "pilates") in _found(entities, "Pilates helps my back.")


@pytest.mark.parametrize("text", ["Lucas seemed happy about the new flat.", "Yesterday Milo looked exhausted."])
def test_a_name_that_feels_what_only_a_person_feels_is_a_person(entities, text):
    # Untagged and first in its sentence (or a common noun's spelling), "Lucas" was the concept "lucas".
    name = text.split()[0].lower() if text[0] != "Y" else "milo"
    found = _found(entities, text)
    assert ("person", name) in found and ("concept", name) not in found


def test_a_place_that_seems_busy_stays_a_place(entities):
    assert _found(entities, "Berlin seemed busy.") == {("location", "berlin")}


@pytest.mark.parametrize("text,activity", [("I started Pilates last month.", "pilates"),
                                           ("We practise Zumba on Tuesdays.", "zumba")])
def test_what_someone_starts_or_practises_is_no_person(entities, text, activity):
    found = _found(entities, text)
    assert ("person", activity) not in found and ("concept", activity) in found


def test_a_thing_called_by_its_name_after_the_is_no_person(entities):
    # The small tagger calls "the Fiesta" a person; a person is not "the Fiesta".
    found = _found(entities, "Bad news, the Fiesta failed its MOT this morning.")
    assert ("person", "fiesta") not in found and ("concept", "fiesta") in found


def test_an_acronym_the_tagger_left_untagged_is_no_person(entities):
    # "HNSW" (untagged, capitalised) passed as a name: a person.
    found = _found(entities, "The API returns HNSW results quickly.")
    assert ("person", "hnsw") not in found and ("concept", "hnsw") in found
    assert ("person", "priya") in _found(entities, "Priya tuned the HNSW index.")


def test_people_of_a_chat_written_in_lower_case_are_people(entities):
    # Read as written, the small tagger found no one here: "dev" a noun, "uncle rob" a ring, "eleri" nothing.
    found = _found(entities, "dev got the job in zurich. did uncle rob ring you? eleri vaughan is doing the conveyancing")
    assert {("person", "dev"), ("person", "uncle rob"), ("person", "eleri vaughan")} <= found
    # The capitals are the parser's only: a cased chat's entities are as before, and a value is still lower case.
    assert _found(entities, "Dev got the job in Zurich") >= {("person", "dev")}


@pytest.mark.parametrize("text", ["Did Uncle Rob ring you?", "I saw Uncle Rob yesterday", "did uncle rob ring you?"])
def test_a_family_title_is_part_of_the_name_it_is_said_with_and_no_one_alone(entities, text):
    # The tagger read "Uncle" apart from "Rob" (or left it out): two people, "uncle" one of them.
    people = {v for t, v in _found(entities, text) if t == "person"}
    assert people == {"uncle rob"}


def test_a_title_is_no_alias_of_the_person_it_names():
    known = Gazetteer([(1, "person", "uncle rob"), (2, "person", "maya okafor")])
    text = "my uncle rang; rob and maya came"
    found = {(text[m.start:m.end], m.value) for m in known.find(text)}
    # "rob" and "maya" are each one known person's; "uncle" is anyone's uncle.
    assert found == {("rob", "uncle rob"), ("maya", "maya okafor")}


def test_a_title_and_a_name_the_tagger_calls_an_organisation_are_a_person(entities):
    assert ("person", "dr okafor") in _found(entities, "Dr Okafor said the stitches come out Friday")


def test_a_firm_said_without_what_it_does_is_the_same_firm(entities):
    # Seen in a walkthrough: "Northwind" and "Northwind Logistics" listed as two organisations.
    full = [(1, "organization", "northwind logistics")]
    assert _found(entities, "I had a meeting at Northwind about the contract", full) >= {
        ("organization", "northwind logistics")}
    assert ("organization", "northwind") in _found(entities, "Northwind Logistics moved offices",
                                                   [(1, "organization", "northwind")])
    # A sentence's first word, read as a noun: still the firm, not the concept "northwind".
    found = _found(entities, "Northwind is switching to a four-day week", [(1, "organization", "northwind traders inc")])
    assert ("organization", "northwind traders inc") in found and ("concept", "northwind") not in found


def test_a_firms_short_name_is_never_found_in_running_text():
    # "shell" is a word before it is "Shell Energy"; two firms sharing a short name ("acme") give it to neither.
    known = Gazetteer([(1, "organization", "shell energy"), (2, "organization", "acme ltd"),
                       (3, "organization", "acme logistics")])
    assert known.find("a sea shell on the beach") == []
    assert known.known_name("shell", EntityType.ORGANIZATION) == (EntityType.ORGANIZATION, "shell energy")
    assert known.known_name("shell", EntityType.PERSON) is None and known.known("shell") is None
    assert known.known_name("acme") is None


def test_the_user_of_an_agents_note_is_no_part_of_a_concept(entities):
    # The parser reads "bikes" as a noun the user modifies; a user group is still one.
    assert ("concept", "user bike") not in _found(entities, "The user bikes to work")
    assert ("concept", "user group") in _found(entities, "That is a real user group")
