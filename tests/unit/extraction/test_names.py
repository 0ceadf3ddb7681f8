"""The user's name read from the chat itself: self-introductions and vocatives, never a name merely mentioned."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction import names
from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)


def _u(text: str, name: str | None = None) -> Message:
    return Message("user", text, name)


def _a(text: str, name: str | None = None) -> Message:
    return Message("assistant", text, name)


@pytest.mark.parametrize("chat", [
    [_u("Hi there, I'm Renata and I just started a pottery class."), _a("That sounds fun! What are you making?")],
    [_u("My name is Renata. I keep bees on my balcony."), _a("Bees on a balcony, how lovely.")],
    [_u("Please call me Renata. I teach chemistry."), _a("Sure. What grade do you teach?")],
], ids=["i-am", "my-name-is", "call-me"])
def test_a_user_introducing_themselves_is_named(extractor, chat):
    assert extractor.read_user_name(chat) == "Renata"


@pytest.mark.parametrize("said", [
    "That is great news, Renata! When is the first lesson?",
    "Thank you so much, Renata.",
    "Hi Renata, how did the exam go?",
    "Renata, that plan sounds solid to me.",
    "Sleep well. Good night, Renata.",
], ids=["end", "thanks", "greeting", "first", "good-night"])
def test_the_assistant_addressing_the_user_names_them(extractor, said):
    assert extractor.read_user_name([_u("I passed my driving test yesterday."), _a(said)]) == "Renata"


@pytest.mark.parametrize("chat", [
    [_u("My brother Tobias is moving in with me."), _a("That will be a change. Is Tobias tidy?")],
    [_u("I had dinner with my cousin, Tobias."), _a("How was dinner with your cousin, Tobias?")],
    [_u("I'm going to ask Tobias for help."), _a("Good idea, he knows the area.")],
    [_u("Thanks, Tobias! I finally fixed the sink."), _a("Glad it worked.")],
    [_u("Hello!"), _a("Hi, I'm Tobias, your assistant. What can I do for you?")],
    [_u("I moved to a new flat."), _a("How exciting! Which part of town?")],
], ids=["sibling", "apposition", "mentioned", "user-addresses-other", "assistant-own-name", "no-name"])
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
    assert not names.may_name("i passed my driving test yesterday.")
    assert names.may_name("Well done, Renata.") and names.may_name("I'm Renata.")
