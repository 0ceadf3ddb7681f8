"""Sentences chat says in a form the small parser reads as no statement, and how to write them as the one they
make: a thing and the clause after it without "that" ("an oil radiator my brother lent me":
:func:`reduced_relative`), and "guess who …" for the speaker (:func:`guessed_who`). The extractor parses them
again written that way (:mod:`~memvault.extraction.reparse`) and moves their facts back onto the turn as said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clause import FIRST_PERSON
from memvault.extraction.clause_edges import trim
from memvault.extraction.kin import PEOPLE_WORDS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span


#: Nouns a clause after them dates, places or explains rather than names what was done to ("the day my dad bought
#: a boat", "the way she talks to him").
_ADVERBIAL_HEADS = frozenset({"day", "week", "month", "year", "time", "moment", "night", "morning", "evening",
                              "afternoon", "weekend", "summer", "winter", "way", "reason", "place", "minute", "thing"})
_ARTICLES = frozenset({"a", "an", "the", "this", "that", "these", "those", "some"})
_OBJECT_PRONOUNS = frozenset({"me", "us", "him", "her", "them", "you", "it"})
_SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "they"})


def reduced_relative(sent: Span) -> tuple[int, int, str] | None:
    """Where a sentence that is only a noun phrase and the clause after it without "that" stands (characters into
    ``sent``, start and end) and how to write it as the statement it makes ("an oil radiator my brother lent me" →
    "my brother lent me an oil radiator", "the cake Ana made for my birthday" → "Ana made the cake for my
    birthday"): chat answers with such phrases, and the parser reads them as a phrase with nothing stated, or as a
    verb with two subjects ("an oil radiator" the brother's fellow). The clause's subject must be a pronoun, a
    name or an owned noun, its verb have no object of its own, and the phrase not say when, where or why ("the day
    my dad bought a boat"). ``None`` for any other sentence."""
    if sent.text.rstrip().endswith("?"):
        return None
    words = trim(list(sent))
    if len(words) < 3:
        return None
    root = sent.root
    if root.pos_ in ("NOUN", "ADJ"):  # read right: a phrase, and the clause hung on it
        verb = next((c for c in root.children if c.dep_ == "relcl" and c.pos_ == "VERB"), None)
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None) if verb is not None else None
        phrase_head = root
    else:  # read as a verb with two subjects, the phrase first
        verb = root if root.pos_ == "VERB" else None
        subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")] if verb is not None else []
        subject = subjects[1] if len(subjects) == 2 else None
        phrase_head = subjects[0] if subject is not None and subjects[0].pos_ == "NOUN" else None
    if verb is None or subject is None or phrase_head is None or phrase_head.lemma_.lower() in _ADVERBIAL_HEADS | (
            PEOPLE_WORDS):
        return None
    start, split = phrase_head.left_edge, subject.left_edge
    if start.lower_ not in _ARTICLES:
        return None  # "my cousin Deepa flies to Berlin": a person and their name, read as two subjects
    if start.i != words[0].i or split.i <= phrase_head.i or any(t.i > verb.right_edge.i for t in words) or any(
            t.tag_ in ("WDT", "WP") or t.pos_ in ("VERB", "AUX") or t.is_punct for t in sent.doc[start.i:split.i]):
        return None  # something before or after the phrase and its clause, "the car that …" (read right), or a
        # comma between them ("the wrist's loads better, Physio signed me off")
    if not (subject.lower_ in _SUBJECT_PRONOUNS or subject.pos_ == "PROPN" or any(
            c.dep_ == "poss" for c in subject.children)):
        return None
    after = subject.i + 1
    while after < sent.end and sent.doc[after].i <= verb.i:
        after += 1
    while after < sent.end and sent.doc[after].lower_ in _OBJECT_PRONOUNS:
        after += 1  # "lent me", "gave us"
    if after < sent.end and sent.doc[after].pos_ in ("DET", "NOUN", "PROPN", "NUM", "ADJ"):
        return None  # the verb has an object of its own: the phrase is no object of it
    doc, base = sent.doc, sent.start_char
    phrase = doc.text[start.idx:doc[split.i - 1].idx + len(doc[split.i - 1].text)]
    if start.pos_ == "DET":
        phrase = phrase[:1].lower() + phrase[1:]
    end = doc[after - 1]
    clause = doc.text[split.idx:end.idx + len(end.text)]
    return start.idx - base, end.idx + len(end.text) - base, f"{clause} {phrase}"


#: A verb after "who" as it agrees with "I" ("guess who's …" → "I'm …").
_AGREES_WITH_I = {"'s": "'m", "’s": "'m", "is": "am", "has": "have"}


def guessed_who(sent: Span) -> tuple[int, int, str] | None:
    """Where ``sent`` opens with chat's "guess who …" (after discourse words), characters into it, and how to write it
    so the speaker says it ("guess who got the flat in Hackney!!" → "I got the flat …", "guess who's an auntie
    again" → "I'm an auntie again"): the one to guess is the speaker, unless the speaker is in what they did.
    ``None`` for any other sentence."""
    words = trim(list(sent))
    if len(words) < 3 or words[0].lower_ != "guess" or words[1].lower_ != "who" or words[1].dep_ not in (
            "nsubj", "nsubjpass") or words[1].head.pos_ not in ("VERB", "AUX") or any(
            t.lower_ in FIRST_PERSON for t in words[2:]):
        return None  # (nor one the speaker is with: "guess who came home with us today")
    verb = words[2]
    agreed = _AGREES_WITH_I.get(verb.lower_)
    end = verb if agreed is not None else words[1]
    written = "I" + ("" if agreed is None else agreed if agreed.startswith("'") else f" {agreed}")
    return words[0].idx - sent.start_char, end.idx - sent.start_char + len(end.text), written
