"""The user's name read from the chat itself: self-introductions and vocatives, never a name merely mentioned."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from memvault.extraction import names
from memvault.extraction.facts import FactExtractor, Message, TurnDocs

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)


def _u(text: str, name: str | None = None) -> Message:
    return Message("user", text, name)


def _a(text: str, name: str | None = None) -> Message:
    return Message("assistant", text, name)


INTRODUCTIONS = [
    [_u("Hi there, I'm Renata and I just started a pottery class."), _a("That sounds fun! What are you making?")],
    [_u("My name is Renata. I keep bees on my balcony."), _a("Bees on a balcony, how lovely.")],
    [_u("Please call me Renata. I teach chemistry."), _a("Sure. What grade do you teach?")],
]
ADDRESSES = [
    "That is great news, Renata! When is the first lesson?",
    "Thank you so much, Renata.",
    "Hi Renata, how did the exam go?",
    "Renata, that plan sounds solid to me.",
    "Sleep well. Good night, Renata.",
]
NOT_THE_USERS = [
    [_u("My brother Tobias is moving in with me."), _a("That will be a change. Is Tobias tidy?")],
    [_u("I had dinner with my cousin, Tobias."), _a("How was dinner with your cousin, Tobias?")],
    [_u("I'm going to ask Tobias for help."), _a("Good idea, he knows the area.")],
    [_u("Thanks, Tobias! I finally fixed the sink."), _a("Glad it worked.")],
    [_u("Hello!"), _a("Hi, I'm Tobias, your assistant. What can I do for you?")],
    [_u("I moved to a new flat."), _a("How exciting! Which part of town?")],
]
OTHERS = [
    [_u("I adopted a dog."), _a("Wonderful, Renata!"), _u("He is a beagle."), _a("Beagles are sweet, Ilse.")],
    [_u("I just landed."), _a("Welcome back, Renata Kowalski!"), _u("The flight was long."), _a("Rest up, Renata.")],
    [_u("My library card finally arrived, Jonas!"), _a("Congratulations, Renata! When do you start?", "Jonas")],
    [_u("My library card arrived."), _a("Well done, Jonas!", "Jonas")],
]


@pytest.mark.parametrize("chat", INTRODUCTIONS, ids=["i-am", "my-name-is", "call-me"])
def test_a_user_introducing_themselves_is_named(extractor, chat):
    assert extractor.read_user_name(chat) == "Renata"


@pytest.mark.parametrize("said", ADDRESSES, ids=["end", "thanks", "greeting", "first", "good-night"])
def test_the_assistant_addressing_the_user_names_them(extractor, said):
    assert extractor.read_user_name([_u("I passed my driving test yesterday."), _a(said)]) == "Renata"


@pytest.mark.parametrize("chat", NOT_THE_USERS, ids=["sibling", "apposition", "mentioned", "user-addresses-other",
                                                     "assistant-own-name", "no-name"])
def test_a_name_that_is_not_the_users_is_never_taken(extractor, chat):
    assert extractor.read_user_name(chat) is None


def test_two_different_names_addressed_to_the_user_are_ambiguous(extractor):
    chat = [_u("I adopted a dog."), _a("Wonderful, Renata!"), _u("He is a beagle."), _a("Beagles are sweet, Ilse.")]
    assert extractor.read_user_name(chat) is None


def test_the_fullest_form_of_one_name_is_kept(extractor):
    chat = [_u("I just landed."), _a("Welcome back, Renata Kowalski!"), _u("The flight was long."),
            _a("Rest up, Renata.")]
    assert extractor.read_user_name(chat) == "Renata Kowalski"


def test_in_a_chat_between_two_people_each_names_the_other(extractor):
    chat = [_u("My library card finally arrived, Jonas!"), _a("Congratulations, Renata! When do you start?", "Jonas")]
    assert extractor.read_user_name(chat) == "Renata"
    # The other person's name, known from the caller, is never the user's.
    assert extractor.read_user_name([_u("My library card arrived."), _a("Well done, Jonas!", "Jonas")]) is None


def test_the_name_read_makes_the_facts_name_the_user(extractor):
    chat = [_u("I passed my driving test yesterday."), _a("Congratulations, Renata!")]
    name = extractor.read_user_name(chat)
    facts = extractor.extract([Message(m.role, m.content, name if m.role == "user" else None) for m in chat], NOW)
    assert [f.person for f in facts] == ["Renata"] and facts[0].text.startswith("Renata passed")


def test_turns_that_name_nobody_in_a_readable_place_are_not_parsed():
    assert not names.may_name("i passed my driving test yesterday.", True)
    assert names.may_name("Well done, Renata.", False) and names.may_name("I'm Renata.", True)
    # A capital alone is no vocative: it must follow a comma or a greeting, or a comma must follow it.
    assert not names.may_name("Lisbon has great trams. The old town is steep.", False)
    assert not names.may_name("Great, good luck!", False)  # greetings are never names
    assert not names.may_name("Good night, sleep well.", False)  # "Good" before "night,": no comma after a name
    # Nor is it an introduction without "I", "my name" or "me".
    assert not names.may_name("Lisbon has great trams.", True)
    # Capitals outside ASCII are capitals: "Émile" is read where the parse reads it.
    assert names.may_name("Merci, Émile.", False)


def _chats() -> list[list[Message]]:
    return [*INTRODUCTIONS, *([_u("I passed my driving test yesterday."), _a(said)] for said in ADDRESSES),
            *NOT_THE_USERS, *OTHERS,
            [_u("Im Renata, hi."), _a("Nice to meet you.")],
            [_u("We had dinner."), _a("Thank you so much again, Ilse Maria, for telling me!")],
            [_u("I live in Lisbon."), _a("Lisbon is lovely, Émile.")],
            *([_u("I got the job I wanted!"), _a(said)] for said in PLACE_TYPED_ADDRESSES), *PLACES_NOT_NAMES]


@pytest.mark.seconds  # spaCy over every labelled turn: ~1.7 s
def test_the_pre_filter_passes_every_turn_the_rules_read_a_name_from(pipeline):
    """may_name is a necessary condition: every turn the parse gives a name from (the user's introduction, the
    other side's vocative) passes it, on every chat of this module; and reading with it gives what the rules
    give over every turn parsed."""
    nlp = pipeline.get()
    for chat in _chats():
        turns = [(m.role == "user", m.content) for m in chat]
        others = [m.name for m in chat if m.name and m.role != "user"]
        docs = [nlp(text) for _, text in turns]
        for (by_user, text), doc in zip(turns, docs):
            named = any(names.introduced(span) if by_user else names.vocative(sent, span)
                        for sent in doc.sents for span, _ in names._names(sent))
            assert names.may_name(text, by_user) or not named, text
        everything = names.user_name(zip([b for b, _ in turns], docs), others)
        assert names.read(turns, others, lambda texts: [nlp(t) for t in texts]) == everything, chat


def test_the_tokenizer_splits_no_capitalised_word_off_inside_a_word(pipeline):
    """may_name reads a name as a run of letters that starts with a capital. That holds because the tokenizer
    splits words only at non-letters, but for its exceptions ("Im" is "I" + "m", "Can't" is "Ca" + "n't"): in
    each, a capitalised piece starts a run of letters, and one shorter than its run is never cut from a
    greeting; "i", "my", "name" and "me" are never a later piece."""
    nlp = pipeline.get()
    for key, pieces in nlp.tokenizer.rules.items():
        runs = {m.start(): m.end() for m in names._RUN.finditer(key)}
        at = 0
        for n, piece in enumerate(p[65] for p in pieces):  # 65: spaCy's ORTH
            start = key.find(piece, at)
            at = start + len(piece)
            if piece[:1].isupper() and piece.isalpha():
                assert start in runs, key
                assert at == runs[start] or key[start:runs[start]].lower() not in names.GREETINGS, key
            assert n == 0 or piece.lower() not in ("i", "my", "name", "me"), key
    for text in ("helloWorld", "Hello-World", "ThankYou"):
        assert [t.text for t in nlp(text) if t.is_alpha] == [m.group() for m in names._RUN.finditer(text)], text


class _Counting:
    """The real pipeline, counting the texts it parses."""

    def __init__(self, pipeline):
        self._pipeline, self.parse_lock, self.texts = pipeline, pipeline.parse_lock, []

    def get(self):
        return self

    def pipe(self, texts):
        texts = list(texts)
        self.texts += texts
        return self._pipeline.get().pipe(texts)

    def known_words(self):
        return self._pipeline.known_words()


def test_reading_the_name_and_extracting_parse_each_turn_once(pipeline):
    counting = _Counting(pipeline)
    extractor = FactExtractor(counting)
    chat = [_u("I passed my driving test yesterday."), _a("Congratulations, Renata! How do you feel?"),
            _u("I'm relieved. I bought a used car last week."), _a("Well done.")]
    docs = TurnDocs()
    name = extractor.read_user_name(chat, docs)
    facts = extractor.extract([Message(m.role, m.content, name if m.role == "user" else None) for m in chat], NOW,
                              docs)
    assert name == "Renata" and [f.person for f in facts] == ["Renata"] * len(facts) and facts
    parsed = Counter(counting.texts)
    assert parsed == Counter(m.content for m in chat[:3]), parsed  # "Well done." names nobody: never parsed
    assert docs.parsed == 3


#: The small tagger types "Marta" as a place in each of these (checked below): a name only where nothing else fits.
PLACE_TYPED_ADDRESSES = [
    "Congratulations, Marta! How is the new job?",
    "Thanks for asking, Marta.",
    "See you soon, Marta.",
    "Marta, that sounds exhausting.",
]
PLACES_NOT_NAMES = [
    [_u("I just got back from my trip."), _a("Oh, Paris! That sounds wonderful.")],
    [_u("We loved the old town."), _a("Ah, Lisbon. Such a lovely place.")],
    [_u("Which city did you like best?"), _a("Honestly, Prague.")],
    [_u("I just got back from Paris."), _a("Welcome back! Hello, Paris!")],
    [_u("Any plans?"), _a("Marta is lovely in spring, I hear. Congratulations, Marta!")],
]


@pytest.mark.parametrize("said", PLACE_TYPED_ADDRESSES, ids=["congratulations", "thanks-end", "farewell", "first"])
def test_a_name_the_tagger_calls_a_place_is_read_where_only_a_name_can_stand(extractor, pipeline, said):
    doc = pipeline.get()(said)
    assert [t.ent_type_ for t in doc if t.text == "Marta"] == ["GPE"], "the case this rule is for"
    chat = [_u("I got the job I wanted!"), _a(said)]
    assert extractor.read_user_name(chat) == "Marta"
    # Not when the namespace knows it as a place.
    assert extractor.read_user_name(chat, known_place=lambda name: name == "Marta") is None


#: Introductions whose name the small tagger types as a place (checked below): "what I am" is a name.
PLACE_TYPED_INTRODUCTIONS = ["Hi, I'm Marta.", "My name is Marta.", "You can call me Marta."]


@pytest.mark.parametrize("said", PLACE_TYPED_INTRODUCTIONS, ids=["i-am", "my-name", "call-me"])
def test_a_name_the_tagger_calls_a_place_is_read_from_the_users_introduction(extractor, pipeline, said):
    doc = pipeline.get()(said)
    assert [t.ent_type_ for t in doc if t.text == "Marta"] == ["GPE"], "the case this rule is for"
    chat = [_u(said), _a("Nice to meet you! What can I do for you?")]
    assert extractor.read_user_name(chat) == "Marta"
    assert extractor.read_user_name(chat, known_place=lambda name: name == "Marta") is None
    # Spoken of as a place elsewhere in the chat: not taken.
    assert extractor.read_user_name([*chat, _a("Marta is lovely in spring, I hear.")]) is None


@pytest.mark.parametrize("chat", PLACES_NOT_NAMES, ids=["interjection", "ah", "answer", "user-mentions", "spoken-of"])
def test_a_place_named_in_a_vocative_like_place_is_not_the_users_name(extractor, chat):
    assert extractor.read_user_name(chat) is None


def test_the_user_turns_name_facts_after_a_place_typed_address(extractor):
    chat = [_u("I got the job I wanted!"), _a("Congratulations, Marta! How is the new job?"), _u("I love my team.")]
    name = extractor.read_user_name(chat)
    facts = extractor.extract([Message(m.role, m.content, name if m.role == "user" else None) for m in chat], NOW)
    assert name == "Marta" and "Marta loves their team" in [f.text for f in facts]
