"""Whose a possessive is, where a clause's first person becomes a name (:mod:`memvault.extraction.rewrite`).

A "my", "his", "her" or "its" is written as its owner's name only where the fact would not say whose it is
otherwise: after the subject that owns it, the pronoun reads as that subject's ("Maya handed their notice in",
"My car is booked in for its MOT").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clause import Clause
from memvault.extraction.coref import FEMALE, MALE, NEUTRAL, PETS, PLURAL
from memvault.extraction.kin import PEOPLE_WORDS
from memvault.extraction.mention_tokens import named_before_in

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token


def own_after_subject(t: Token, subject: Token | None, clause: Clause) -> bool:
    """Whether ``t`` is a "my" ("our") of a clause whose subject, "I" ("we"), the fact has already named: the name
    said again read as two people ("Maya Okafor picked Maya Okafor's dog up"). Not where someone else is named
    between them ("I told Sara about my promotion": "their" would be Sara's)."""
    if t.dep_ != "poss" or subject is None or (t.lower_, subject.lower_) not in (("my", "i"), ("our", "we")):
        return False
    return subject.i < t.i and not any(subject.i < x.i < t.i and (
        x.ent_type_ in ("PERSON", "ORG", "NORP") or x.pos_ == "PROPN" or x.tag_ == "PRP" and x.i != subject.i
        or x.lemma_.lower() in PEOPLE_WORDS) for x in clause.tokens)


def kin_subject_owns(t: Token, subject: Token | None, clause: Clause) -> bool:
    """Whether the "her" or "his" ``t`` is the clause's subject's, "my" and a kin word of its gender, where no other
    person stands between them ("my mum met Sara and her husband" is Sara's)."""
    return subject is not None and subject.lower_ in (FEMALE if t.lower_ == "her" else MALE) and any(
        c.dep_ == "poss" and c.lower_ in ("my", "our") for c in subject.children) and not any(
        subject.i < x.i < t.i and (x.ent_type_ == "PERSON" or x.lemma_.lower() in PEOPLE_WORDS) for x in clause.tokens)


def named_earlier_in_clause(t: Token, clause: Clause, subject: Token | None) -> str | None:
    """The name of the one person a clause the speaker is the subject of names before ``t`` ("I gave Jonah his keys
    back"), or ``None``: none, or two. Another subject may be whose "his" or "her" it is ("she'll drive Ela to
    matches on her weeks")."""
    if subject is None or subject.lower_ not in ("i", "we"):
        return None
    return named_before_in(t, clause.tokens)


def owned_by_subject(t: Token, subject: Token | None) -> bool:
    """Whether the possessive ``t`` belongs to its clause's own subject, a noun it fits ("my car ... its MOT",
    "my brother sold his bike", "my parents ... their house"): whoever else was mentioned last, the fact
    already says who that is."""
    if subject is None or subject.pos_ not in ("NOUN", "PROPN") or t.i in {s.i for s in subject.subtree}:
        return False
    verb = t.head
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    if verb.i != subject.head.i:
        return False  # another verb's ("Claire is his girlfriend and nobody is replacing her mum")
    lemma, lower = subject.lemma_.lower(), t.lower_
    if lower == "its":
        return subject.pos_ == "NOUN" and subject.tag_ != "NNS" and lemma not in FEMALE | MALE | NEUTRAL | PLURAL
    if lower == "their":
        return subject.tag_ in ("NNS", "NNPS") or lemma in PLURAL
    person = subject.pos_ == "PROPN" and subject.ent_type_ in ("PERSON", "")
    return person or lemma in (MALE if lower == "his" else FEMALE) | NEUTRAL | PETS
