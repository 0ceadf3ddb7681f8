"""Names written in lower case ("dev got the job", "did uncle rob call you") are read as names, and the facts
still quote the turn as it was said."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import Message
from memvault.extraction.truecase import capitalised, months, names

NOW = dt.datetime(2025, 3, 20, 9, 0, tzinfo=dt.UTC)


def _between(*turns: str) -> list[Message]:
    return [Message("user", t, "Ana" if i % 2 == 0 else "Ben") for i, t in enumerate(turns)]


def test_a_name_written_in_lower_case_is_a_persons_and_the_fact_quotes_the_turn_as_said(extractor):
    messages = _between("what's new?", "dev got the job in zurich, he starts in may")
    fact, starts = extractor.extract(messages, NOW)
    assert fact.text == "Dev got the job in zurich"
    assert fact.quote == messages[1].content[fact.start:fact.end] == "dev got the job in zurich"
    # "may" in lower case after "in" is the month
    assert starts.text == "Dev starts in May 2025" and starts.quote == "he starts in may"


def test_someone_named_after_a_family_title_in_lower_case_is_the_he_after_it(extractor):
    # Read without the name, "he" was the boss of the sentence before: "Ana's boss is handling the sale".
    facts = extractor.extract(_between("not yet, my boss would kill me. anyway did uncle rob call you about the house?",
                                       "yeah, yesterday. he's handling the sale with the agent in Leeds"), NOW)
    assert not any("boss" in f.text for f in facts)


def test_only_unknown_words_where_a_name_stands_in_a_turn_written_in_lower_case(pipeline):
    nlp, words = pipeline.get(), pipeline.known_words()
    text = "kirsty saw uncle rob yesterday, lol. the physio says isla's knee is fine"
    assert capitalised(text, names(nlp(text), words)) == \
        "Kirsty saw Uncle Rob yesterday, lol. the physio says Isla's knee is fine"
    # A writer who capitalises names names their own: nothing is written in.
    assert names(nlp("the physio said Maya's knee is fine, kirsty says hi"), words) == []


def test_a_name_one_turn_shows_is_a_name_in_the_others_wherever_it_stands(extractor):
    later = "6th to 13th september. and in other news dev got the offer from the zurich place"
    # Alone, "dev" there is the object of "in" (no name's place): no one's fact.
    assert extractor.extract(_between("when's the trip?", later), NOW) == []
    messages = _between("dev is the producer, he plays bass", "when's the trip?", later)
    facts = [f for f in extractor.extract(messages, NOW) if f.message_index == 2]
    assert [f.text for f in facts] == ["Dev got the offer from the zurich place"]
    assert facts[0].quote == "dev got the offer from the zurich place"  # as said, "in other news" left out


def test_a_name_the_namespace_knows_is_a_name_in_a_turn_written_in_lower_case(extractor, pipeline):
    later = "6th to 13th september. and in other news dev got the offer from the zurich place"
    facts = extractor.extract(_between("when's the trip?", later), NOW, known=frozenset({"Dev"}))
    assert [f.text for f in facts] == ["Dev got the offer from the zurich place"]
    # Where the word is a thing's, not a name's place, it keeps its lower case.
    nlp, words = pipeline.get(), pipeline.known_words()
    assert names(nlp("the dev team shipped the patch on friday"), words, {"dev"}) == []


def test_every_fact_of_a_turn_with_names_written_in_quotes_the_turn_as_said(extractor):
    messages = _between("news?", "went climbing with kirsty on saturday, my arms are dead")
    facts = extractor.extract(messages, NOW)
    assert facts and all(f.quote == messages[1].content[f.start:f.end] for f in facts)
    assert any("Kirsty" in f.text for f in facts)


def test_a_first_name_before_a_surname_any_word_list_knows_is_one_name(pipeline):
    nlp, words = pipeline.get(), pipeline.known_words()
    text = "accepted it on friday. eleri vaughan in aberaeron is doing the conveyancing"
    assert capitalised(text, names(nlp(text), words)) == \
        "accepted it on friday. Eleri Vaughan in aberaeron is doing the conveyancing"


def test_a_name_after_someones_family_title_is_a_name_when_it_does_something(pipeline):
    nlp, words = pipeline.get(), pipeline.known_words()
    # "owen" is in WordNet (the poet), but here it is her uncle, saying something.
    text = "best news. tell her uncle owen says hi"
    assert capitalised(text, names(nlp(text), words)) == "best news. tell her uncle Owen says hi"
    # After "my uncle", a verb is what the uncle did: no name.
    assert names(nlp("my uncle rang yesterday"), words) == []


def test_shorthand_after_a_noun_is_no_part_of_the_thing_it_refers_to(extractor):
    facts = extractor.extract(_between("ha. oh we had an offer btw, 240 from a couple in bristol", "take it. honestly",
                                       "accepted it on friday"), NOW)
    assert not any("btw" in f.text and "accepted" in f.text.lower() for f in facts)
    assert any("accepted" in f.text and "offer" in f.text for f in facts)


def test_a_month_in_lower_case_after_a_day_of_the_month_is_a_month(pipeline):
    nlp = pipeline.get()
    text = "the demo slipped again, now 16 may, and the gig is on the 3rd of march. the 16 may come later"
    assert capitalised(text, months(nlp(text))) == \
        "the demo slipped again, now 16 May, and the gig is on the 3rd of March. the 16 may come later"


def test_a_lower_case_may_after_a_day_keeps_its_date_and_the_words_around_it(extractor):
    said = "thinking autumn. oh and the demo slipped again, now 16 may, partly because i lost a week to the wrist"
    texts = [f.text for f in extractor.extract(_between("news?", said), NOW)]
    # "may" read as a verb had left the date out, and two commas where it stood
    assert "The demo slipped again, now on 16 May 2025, partly because Ben lost a week to the wrist" in texts
