"""Whether a clause can state a fact: the filters that say no (the kinds of clause they drop are listed in
:mod:`~memvault.extraction.clauses`, which splits a sentence into clauses and keeps those these pass).

A clause states something of the speaker's world when it names the speaker ("I", "my"), someone by pronoun, name
or role, a thing of theirs on a day, or a named event with its date; and not when it is small talk, talk about
the conversation, a request, or a wrapper with nothing inside.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from memvault.extraction.clause import FIRST_PERSON, MOODS, SECOND_PERSON, THIRD_PERSON, VAGUE_OBJECTS, Clause
from memvault.extraction.dates import MONTH_WORDS, ORDINAL_DAY, short_weekday
from memvault.extraction.mention_tokens import shows_a_person, speakers_role
from memvault.extraction.noise import NON_CONTENT_NOUNS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token


#: Verbs whose first-person clause is talk about the conversation, not a fact ("I see", "I wonder ...").
_META_VERBS = frozenset({"agree", "wonder", "mean", "ask", "guess", "say", "appreciate", "bet", "suppose", "tell",
                         "hope", "apologize", "promise"})
#: These are talk about the conversation only without an object ("I see", "I don't know"; not "I know Go").
_BARE_META_VERBS = frozenset({"see", "know", "understand", "forget", "remember", "get", "think"})
#: A clause that reports what someone said is not a fact about them ("my husband says no").
REPORTING = frozenset({"say", "tell", "ask", "reply", "answer"})


def asked_for(verb: Token) -> bool:
    """Whether ``verb`` asks for something or asks someone out ("he's asked for a transfer to the Edinburgh
    office", "Sam asked her out"): a request made, no report of what was said."""
    return verb.lemma_ == "ask" and any(c.dep_ == "prep" and c.lower_ == "for" or c.dep_ == "prt" and c.lower_ == "out"
                                        for c in verb.children)
_FILLER_PREDICATES = frozenset({"good", "fine", "okay", "ok", "well", "great", "sure", "back", "here", "ready",
                                "glad", "curious", "sorry", "done", "bored", "confused", "kidding", "joking"})
TALK_VERBS = frozenset({"speak", "talk", "chat", "catch", "text", "message", "call"})
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
#: Nouns that make a "we" clause about the two speakers themselves ("we make a great team").
_US_NOUNS = frozenset({"team", "pair", "duo"})
_SUGGESTING = frozenset({"should", "could", "might", "must", "shall"})
_REQUEST_OBJECTS = frozenset({"help", "advice", "question", "suggestion", "idea", "recommendation", "tip", "hand",
                              "favor", "favour", "answer", "explanation"})


def _someone_named(clause: Clause, subject: Token, people: Collection[str]) -> bool:
    """Whether ``clause``'s subject is a person by name, one the tagger calls a person or the conversation has
    mentioned ("my son Luca" ... "Luca was born on the 29th of August"): what the people a speaker talks about do
    is part of the speaker's world, as what "he" does is. Such a clause holds no other third-person pronoun than
    its subject's own "his" or "her", or "he"/"she" said again (:func:`_subject_again`): with no "I" in it, nothing
    says who "them" or "it" is ("Marco buys them by the crate")."""
    known = subject.text[:1].isupper() and subject.text in {w for name in people for w in name.split()}
    if not known and (subject.pos_ != "PROPN" or subject.ent_type_ != "PERSON" and not shows_a_person(subject)):
        return False  # (a name the chat mentioned counts however the tagger took it: "Greta works at ...")
    return not any(t.lower_ in THIRD_PERSON and not (t.dep_ == "poss" and t.lower_ in ("his", "her") or _subject_again(
        t, subject)) for t in clause.tokens)


def _subject_again(t: Token, subject: Token) -> bool:
    """Whether ``t`` is "he" or "she" heading a clause hung on ``subject``'s own verb ("Ollie has chickenpox so he's
    off school"): the one named, said again."""
    return t.lower_ in ("he", "she") and t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ in ("advcl", "conj") \
        and t.head.head.i == subject.head.i


_NOT_EVENTS = frozenset({"PERSON", "GPE", "LOC", "NORP", "DATE", "TIME"})
#: What a dated thing does: it is on a day, or starts or ends then ("Lisbon gets really hot in August" is no event).
_SCHEDULED = frozenset({"be", "start", "begin", "end", "finish", "open", "close"})


def _named_and_dated(clause: Clause, subject: Token) -> bool:
    """Whether ``clause`` gives a date to something the speaker names ("Roundhay 10k is 24 March", "Glastonbury is
    in June"): a date in the speaker's world, whoever it belongs to. Nothing else in it may point elsewhere."""
    own = {t.i for t in subject.subtree}
    # The subject's own name, not a place or a person ("Berlin is on the 28th" is a race in Berlin), nor a date.
    named = any(t.pos_ == "PROPN" and t.text[:1].isupper() and t.ent_type_ not in _NOT_EVENTS
                for t in (subject, *(c for c in subject.children if c.dep_ == "compound")))
    return named and clause.root.lemma_ in _SCHEDULED and any(
        t.ent_type_ == "DATE" and t.i not in own for t in clause.tokens) and not any(
        t.lower_ in THIRD_PERSON or t.lower_ in _DEMONSTRATIVES for t in clause.tokens)


#: What a day is like, no one's thing: "the weather on Sunday was awful".
_AMBIENT = NON_CONTENT_NOUNS | {"weather", "traffic", "rain", "news", "sun", "wind", "snow"}
_DAY_WORDS = frozenset({"yesterday", "today", "tomorrow", "tonight", "monday", "tuesday", "wednesday", "thursday",
                        "friday", "saturday", "sunday"})


def _dated_thing(clause: Clause, subject: Token) -> bool:
    """Whether ``clause`` says what a thing of the speaker's world did or does on a day ("the storm on saturday
    flooded the cellar", "the twins start nursery on Monday"): "the" thing or a bare noun as subject,
    a day or week named in the clause (a weekday, a day of the month, yesterday, next week) or a month it is due by
    (:func:`_deadline`), nothing pointing elsewhere."""
    # (an owner counts only as a thing said with "the": "the car's MOT is due on the 30th")
    # (or a name the tagger gave a common noun in lower case, or a bare gerund: "the scan", "viewing is saturday")
    if subject.pos_ != "NOUN" and not (subject.pos_ == "PROPN" and subject.is_lower) and not (
            subject.tag_ == "VBG" and not any(c.dep_ in ("dobj", "aux", "nsubj") for c in subject.children)) \
            or subject.lemma_.lower() in _AMBIENT or any(c.dep_ == "nummod" or c.dep_ == "poss" and (
            c.pos_ != "NOUN" or not any(d.lower_ == "the" for d in c.children)) for c in subject.children) or any(
            c.dep_ == "det" and c.lower_ != "the" for c in subject.children):
        return False  # (the weather, the week: what the day was like, no one's)
    if clause.root.tag_ == "VBG" and not any(c.dep_ == "aux" for c in clause.root.children) or \
            subject.left_edge.i != clause.tokens[0].i:
        return False  # "test driving both on Saturday", "four nights from 14 June, breakfast included": notes
    day = any(t.ent_type_ == "DATE" and (t.lower_ in _DAY_WORDS or t.like_num or t.text[:-2].isdigit() or t.lower_ in (
        "week", "weekend") and t.i > 0 and t.doc[t.i - 1].lower_ in ("next", "this", "last")) or ORDINAL_DAY.fullmatch(
        t.text) and t.i > 1 and t.doc[t.i - 1].lower_ == "the" and t.doc[t.i - 2].lower_ in ("on", "by", "for")
              for t in clause.tokens)  # (a day of the month the tagger left a number: "due on the 30th")
    return (day or any(_deadline(t) or short_weekday(t) for t in clause.tokens)) and not any(
        t.lower_ in THIRD_PERSON or t.lower_ in _DEMONSTRATIVES for t in clause.tokens)


def _deadline(t: Token) -> bool:
    """Whether ``t`` is a month something is due by ("the car needs a service by the end of March", "before June"):
    a date for a thing of the speaker's, as a day is; a month alone is not ("the garden is lovely in May")."""
    if t.ent_type_ != "DATE" or t.lower_ not in MONTH_WORDS:
        return False
    preposition = next((a for a in t.ancestors if a.pos_ == "ADP" and a.lower_ != "of"), None)
    return preposition is not None and preposition.lower_ in ("by", "before", "until", "till")


def _promised_someone(verb: Token) -> bool:
    """ "I promised Jonah I'd help him move": a promise to someone by name is a commitment, not talk ("I promise")."""
    return verb.lemma_ == "promise" and any(c.dep_ in ("dobj", "dative") and c.pos_ == "PROPN" for c in verb.children)


def _small_talk(clause: Clause, subject: Token, first_person_subject: bool) -> bool:
    root = clause.root
    if subject.lower_ in _DEMONSTRATIVES or any(c.dep_ == "det" and c.lower_ in _DEMONSTRATIVES
                                                for c in subject.children):
        return True  # "Those moments really ...", "That was ...": points back at something not in the fact
    if root.lemma_ in ("sound", "seem") and not any(c.dep_ in ("prep", "xcomp", "ccomp") for c in root.children):
        return True  # "She sounds cool": the speaker's impression, not a fact about her
    if not first_person_subject:
        return False
    aux = {c.lower_ for c in root.children if c.dep_ == "aux"}
    if aux & _SUGGESTING or root.lemma_ in TALK_VERBS and subject.lower_ == "we" and not any(
            c.dep_ == "dobj" for c in root.children):
        return True  # "we could go bowling", "I could try that", "we talked for hours"
    if subject.lower_ == "we" and any(c.lemma_ in _US_NOUNS for c in root.children if c.dep_ in ("dobj", "attr")):
        return True
    about = [c for c in root.children if c.dep_ in ("dobj", "attr", "prep", "xcomp", "ccomp", "agent", "npadvmod",
                                                    "advcl", "pcomp", "dative")
             or c.dep_ == "advmod" and any(g.dep_ in ("prep", "npadvmod") for g in c.children)]  # "away till …"
    moods = [c for c in root.children if c.dep_ in ("acomp", "advmod", "oprd") and c.lower_ in MOODS]
    if root.lemma_ in ("be", "feel", "do", "seem", "get") and moods and not about:
        return True  # "I'm doing ok", "I feel better", "I'm so excited"
    if root.lemma_ in ("be", "feel") and not about and not any(c.dep_ in ("acomp", "attr") for c in root.children):
        return True
    return root.lemma_ == "do" and not about and not any(c.dep_ == "acomp" for c in root.children)


def is_statement(clause: Clause, people: Collection[str] = ()) -> bool:
    """Whether ``clause`` can hold a fact (see the module docstring for what cannot)."""
    root = clause.root
    words = [t for t in clause.tokens if not t.is_punct]
    if len(words) < 2 or clause.has(SECOND_PERSON):
        return False
    if root.pos_ not in ("VERB", "AUX") or any(t.lower_ == "way" and t.dep_ == "npadvmod" and t.doc[t.i - 1].lower_
                                               == "no" for t in words):
        return False  # "no way am I leaving her": a no that said back as a statement reads as a yes
    subject = clause.subject()
    if subject is None:
        return False  # an imperative or a fragment ("Not yet", "Twelve people")
    if subject.i > root.i and root.lemma_ != "be" and subject.pos_ != "PRON":
        return False  # "…, did my first parkrun last Saturday": the parser's subject after the verb is its object
    if root.dep_ == "ccomp" and any(c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in root.children):
        return False  # what someone asked ("she asked if Claire is going to be her stepmum")
    owner = next((c for c in subject.children if c.dep_ == "poss"), None)
    if not clause.has(FIRST_PERSON) and subject.lower_ not in THIRD_PERSON and (
            owner is None or owner.lower_ not in THIRD_PERSON) and not _someone_named(clause, subject, people) and not (
            owner is not None and _someone_named(clause, owner, people)) and speakers_role(subject) is None \
            and not _named_and_dated(clause, subject) and not _dated_thing(clause, subject):
        return False  # no one's: not the speaker's, a person's ("Arjun's gala"), or the speaker's surgeon's
    first_person_subject = subject.lower_ in ("i", "we")
    if (first_person_subject and root.lemma_ in _META_VERBS and not _promised_someone(root)
            or root.lemma_ in REPORTING) and not asked_for(root):
        return False
    if _small_talk(clause, subject, first_person_subject):
        return False
    if first_person_subject and root.lemma_ in _BARE_META_VERBS and not any(
            c.dep_ in ("dobj", "ccomp", "xcomp", "prep", "attr", "acomp", "advcl") and c.lower_ not in VAGUE_OBJECTS
            or c.dep_ in ("advmod", "prt") and any(g.dep_ == "prep" for g in c.children) for c in root.children):
        return False  # "I see", "I didn't know that"; not "I got back from Lisbon", "we've got about 30k saved"
    if first_person_subject and root.lemma_ in ("need", "want", "have", "would", "like") and any(
            c.dep_ in ("dobj", "attr") and c.lemma_ in _REQUEST_OBJECTS for c in root.children):
        return False
    if len(words) <= 4 and any(c.dep_ in ("dobj", "attr", "pobj") and c.lower_ in VAGUE_OBJECTS
                               for c in root.subtree) and not any(c.dep_ == "oprd" for c in root.children):
        return False  # "I love it", "I did that": says nothing without what "it" was ("I named it Bubbles" does)
    if root.lemma_ == "be" and first_person_subject:
        complements = [c for c in root.children if c.dep_ in ("acomp", "attr", "advmod", "prep")]
        content = [t for t in words if t.i != subject.i and t.i != root.i and t.dep_ not in ("neg", "advmod")]
        if complements and all(c.lower_ in _FILLER_PREDICATES for c in complements) and len(content) <= 2 \
                and not any(t.pos_ == "PROPN" or t.ent_type_ == "DATE" for t in content):
            return False  # "I'm back", "I'm here"; not "I'm back from Spain"
    return True
