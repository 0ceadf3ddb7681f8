"""People who serve the speaker in a role: "the landlord", "the surgeon" said by someone are theirs, as "my …" is;
a person, never an "it"; and what they tell the speaker about the speaker is advice, kept."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import Message

NOW = dt.datetime(2025, 6, 20, 12, 0, tzinfo=dt.UTC)


def _texts(extractor, *turns: str) -> list[str]:
    messages = [Message("user", t, name="Selma") if i % 2 == 0 else Message("assistant", t)
                for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


def test_the_landlord_is_the_speakers_and_the_hotel_manager_is_not(extractor):
    texts = _texts(extractor, "the landlord raised the rent to 900 euros", "Ouch.",
                   "the hotel manager upgraded the room to a suite", "Nice.",
                   "the manager of the bakery gave the shop to Ivo")
    assert texts == ["Selma's landlord raised the rent to 900 euros"]


def test_a_role_is_a_person_not_an_it(extractor):
    # "my surgeon" was a thing "it" could be: "Selma's surgeon is a mild sprain".
    texts = _texts(extractor, "my surgeon says the knee is healing well", "Good.",
                   "my physio said it's a mild sprain")
    assert not any("surgeon is" in t for t in texts)


def test_what_someone_in_a_role_tells_the_speaker_about_them_is_kept_what_family_says_is_not(extractor):
    texts = _texts(extractor, "the dentist told me I need two fillings", "Oh no.", "mum says I work too much",
                   "Hm.", "my surgeon said I can cycle to work from July")
    assert texts == ["Selma needs two fillings", "Selma can cycle to work from July 2025"]


def test_what_a_teacher_says_of_the_speaker_is_kept(extractor):
    assert _texts(extractor, "yes! and my German teacher says I'm ready for the B1 exam in September") == [
        "Selma is ready for the B1 exam in September 2025"]


def test_the_buyer_of_the_speakers_sale_is_theirs(extractor):
    assert _texts(extractor, "bad news, the buyer pulled out of the flat sale") == [
        "Selma's buyer pulled out of the flat sale"]
