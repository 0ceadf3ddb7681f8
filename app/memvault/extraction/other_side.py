"""What the other side just said that the speaker's answer may point back to.

Someone they named ("Will Jonah come?" "he wants to"), the one thing they spoke of as "the …" ("Then the scarf
needs new colours!" "I'll start it this weekend"), and the speaker's own people they asked about ("and your
sister?" "she moved to Leeds in March"). Each is parsed only when the answer holds a pronoun that could point to
it; :class:`memvault.extraction.coref.Antecedents` then holds it for that answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from memvault.extraction import language_gate

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token

    from memvault.extraction.coref import Antecedents
    from memvault.extraction.voice import Voice


#: A third person's pronoun: a turn holding one may answer about someone the other side just named.
THIRD_PERSON = re.compile(r"\b(?:he|she|him|her|his|hers)\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", text.strip())


def last_sentence(text: str) -> str:
    return sentences(text)[-1]


#: "It" or "its": a turn holding one may be about the thing the other side just named.
THING_PRONOUN = re.compile(r"\b(?:it|its)\b", re.IGNORECASE)
_DEFINITE = re.compile(r"\bthe\s+[a-z]", re.IGNORECASE)


def naming_thing(text: str) -> str | None:
    """The last sentence of ``text`` when it speaks of something definite ("Then the scarf needs new colours!"),
    else None (parsing it would cost time)."""
    last = last_sentence(text)
    return last if _DEFINITE.search(last) else None


def naming(text: str, known: Collection[str] = ()) -> str | None:
    """The last sentence of ``text`` when a word after its first is capitalised (it may name someone), or its first
    word is a name ``known`` from before ("Claire might enjoy it."), else None (parsing it would cost time)."""
    last = last_sentence(text)
    words = last.split()
    if words and words[0].strip(",.!?:;") in known:
        return last
    return last if any(w[:1].isupper() and w != "I" and not w.startswith("I'") for w in words[1:]) else None

#: A person's pronoun, singular or plural: a turn holding one may answer about the speaker's own people just asked
#: about ("and your parents?" "they're fine").
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|her|his|hers|they|them|their)\b", re.IGNORECASE)
_YOURS = re.compile(r"\byour\s+[a-z]", re.IGNORECASE)


def naming_yours(text: str) -> str | None:
    """The last sentence of ``text`` when it speaks of something of "your …" (the answerer's), else None."""
    last = last_sentence(text)
    return last if _YOURS.search(last) else None


def read(antecedents: Antecedents, before: str, answer: str, voice: Voice,
         parse: Callable[[str], Sequence[Token]], *, read_as_turn: bool) -> None:
    """Give ``antecedents`` what the other side's turn ``before`` named for ``voice``'s ``answer`` to point back to;
    ``read_as_turn``: that turn was read as a turn of its own (a named person's), whose names are known already."""
    if not read_as_turn:
        asked = naming(before, antecedents.names())
        if asked and THIRD_PERSON.search(answer) and language_gate.reads(asked):  # "Will Jonah come?" "he …"
            antecedents.observe_names(parse(asked), voice)
        spoken = naming_thing(before)
        if spoken and THING_PRONOUN.search(answer) and language_gate.reads(spoken):  # "the scarf" … "it"
            antecedents.observe_thing(parse(spoken))
    yours = naming_yours(before)
    if yours and _PERSON_PRONOUN.search(answer) and language_gate.reads(yours):  # "and your sister?" "she …"
        antecedents.observe_yours(parse(yours), voice)
