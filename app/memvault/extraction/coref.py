"""Simple pronoun coreference within one conversation.

The user's own turns introduce people and things ("my sister", "my brother
Tom", "Anna", "a cat", "an e-bike"); a later "she", "he", "they" or "it"
refers to the most recent one that fits (gender for kin words, plural for
"my parents", a thing for "it"). A pet can be "she", "he" or "it". A name
given later ("Her name is Miso") joins the mention ("the user's cat Miso").
Nothing cleverer: a pronoun with no fitting mention stays unresolved, and a
clause whose subject is an unresolved pronoun gives no fact.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token


FEMALE = frozenset(["mom", "mum", "mother", "sister", "daughter", "wife", "girlfriend", "grandma", "grandmother", "aunt", "niece", "fiancée", "mother-in-law", "sister-in-law", "daughter-in-law", "stepmother", "stepdaughter", "granddaughter"])
MALE = frozenset(["dad", "father", "brother", "son", "husband", "boyfriend", "grandpa", "grandfather", "uncle", "nephew", "fiancé", "fiance", "father-in-law", "brother-in-law", "son-in-law", "stepfather", "stepson", "grandson"])
NEUTRAL = frozenset(["partner", "friend", "boss", "manager", "colleague", "coworker", "co-worker", "landlord", "landlady", "therapist", "doctor", "physio", "physiotherapist", "neighbor", "neighbour", "roommate", "flatmate", "cousin", "kid", "child", "baby", "teacher", "coach", "spouse", "mentor", "client", "dentist"])
PLURAL = frozenset(["parents", "grandparents", "in-laws", "kids", "children", "friends", "siblings", "cousins", "twins", "neighbors", "neighbours", "colleagues", "coworkers", "roommates", "family"])
PETS = frozenset(["cat", "dog", "puppy", "kitten", "rabbit", "hamster", "parrot", "horse", "bird", "pet", "fish"])
_POSSESSIVES = frozenset({"my", "our"})
_ACQUIRE = frozenset({"buy", "get", "adopt", "order", "have", "own", "rent", "book", "find", "receive", "build",
                      "make", "start", "sell", "lose", "take"})


@dataclass
class Mention:
    """Something pronouns can point back to: how a fact says it, and the subject key it files under."""

    text: str
    key: str
    kind: str  # female, male, neutral, plural, pet, thing
    order: int = 0


@dataclass
class Antecedents:
    """The conversation's mentions so far, newest wins."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    _counter: itertools.count = field(default_factory=itertools.count)

    def _add(self, mention: Mention) -> None:
        mention.order = next(self._counter)
        self.mentions[mention.kind] = mention

    def resolve(self, pronoun: str) -> Mention | None:
        """The mention ``pronoun`` (lower case) refers to, if one fits."""
        kinds = {"she": ("female", "neutral", "pet"), "her": ("female", "neutral", "pet"), "hers": ("female",),
                 "he": ("male", "neutral", "pet"), "him": ("male", "neutral", "pet"), "his": ("male", "neutral", "pet"),
                 "they": ("plural",), "them": ("plural",), "their": ("plural",), "theirs": ("plural",),
                 "it": ("thing", "pet"), "its": ("thing", "pet")}.get(pronoun)
        if kinds is None:
            return None
        found = [self.mentions[k] for k in kinds if k in self.mentions]
        if pronoun in ("she", "her", "hers"):
            found = [m for m in found if m.kind != "neutral" or "female" not in self.mentions] or found
        return max(found, key=lambda m: m.order) if found else None

    def name(self, mention: Mention, name: str) -> None:
        """``mention`` turns out to be called ``name`` ("Her name is Miso")."""
        if name.lower() not in mention.text.lower():
            mention.text = f"{mention.text} {name}"

    def observe(self, tokens: tuple[Token, ...]) -> None:
        """Record the mentions in a user clause (after its fact is built, so a clause never refers to itself)."""
        inside = {t.i for t in tokens}
        for t in tokens:
            if t.pos_ not in ("NOUN", "PROPN") or t.dep_ == "compound":
                continue
            owner = next((c for c in t.children if c.dep_ == "poss"), None)
            lemma = t.lower_ if t.lower_ in PLURAL else t.lemma_.lower()
            name = _name_of(t, inside)
            if owner is not None and owner.lower_ in _POSSESSIVES:
                self._mention_owned(t, lemma, name)
            elif t.ent_type_ == "PERSON" and t.dep_ not in ("appos",) and _is_head_of_name(t):
                full = _name_span(t)
                self._add(Mention(full, full.lower(), "neutral"))
            elif t.dep_ in ("dobj", "pobj") and t.head.lemma_ in _ACQUIRE and _owned_by_user(t.head):
                self._mention_acquired(t, lemma)

    def _mention_owned(self, t: Token, lemma: str, name: str | None) -> None:
        text = f"the user's {_compound_text(t)}" + (f" {name}" if name else "")
        key = f"user's {lemma}"
        if lemma in FEMALE:
            self._add(Mention(text, key, "female"))
        elif lemma in MALE:
            self._add(Mention(text, key, "male"))
        elif lemma in PLURAL:
            self._add(Mention(text, key, "plural"))
        elif lemma in NEUTRAL:
            self._add(Mention(text, key, "neutral"))
        elif lemma in PETS:
            self._add(Mention(text, key, "pet"))
        elif t.pos_ == "NOUN" and t.tag_ != "NNS":
            self._add(Mention(text, key, "thing"))

    def _mention_acquired(self, t: Token, lemma: str) -> None:
        text = f"the user's {_compound_text(t)}"
        if lemma in PETS:
            self._add(Mention(text, f"user's {lemma}", "pet"))
        elif t.pos_ == "NOUN" and t.tag_ != "NNS" and lemma not in NEUTRAL | FEMALE | MALE:
            self._add(Mention(text, f"user's {lemma}", "thing"))


def _owned_by_user(verb: Token) -> bool:
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return subject is not None and subject.lower_ in ("i", "we")


def _compound_text(t: Token) -> str:
    """The noun with its compounds and adjectives ("old jazz records", "e-bike"), no determiner or owner."""
    parts = [c for c in t.children if c.dep_ in ("compound", "amod", "nmod") and c.i < t.i]
    start = min([c.left_edge.i for c in parts] + [t.i])
    return " ".join(x.text for x in t.doc[start:t.i + 1]).replace(" - ", "-")


def _name_of(t: Token, inside: set[int]) -> str | None:
    """A name right after a kin word ("my brother Tom", "my daughter Emma")."""
    for c in t.children:
        if c.i in inside and c.dep_ in ("appos", "npadvmod", "dobj", "attr") and c.pos_ == "PROPN" and c.i == t.i + 1:
            return _name_span(c)
    nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
    if nxt is not None and nxt.i in inside and nxt.pos_ == "PROPN" and nxt.head is t:
        return _name_span(nxt)
    return None


def _is_head_of_name(t: Token) -> bool:
    return not (t.head.ent_type_ == "PERSON" and t.head.i != t.i and t.dep_ in ("compound", "flat"))


def _name_span(t: Token) -> str:
    tokens = [c for c in t.children if c.dep_ == "compound" and c.ent_type_ == "PERSON"] + [t]
    return " ".join(x.text for x in sorted(tokens, key=lambda x: x.i))
