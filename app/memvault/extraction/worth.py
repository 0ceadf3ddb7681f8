"""What is worth storing of a clause that states something: one word that says something beyond its subject and
verb.

Measured on the tuning set (``tests/data/extraction_tune``): a noun, name,
number, adjective, hyphenated word, person it happens with or resolved date
that is not a time word or filler ("The user explores all the time" says
nothing; "The user explores caves" does). Which clauses state anything at all is
:mod:`~memvault.extraction.clauses`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clause import MOODS, VAGUE_OBJECTS, Clause
from memvault.extraction.noise import NON_CONTENT_NOUNS

if TYPE_CHECKING:
    from spacy.tokens import Token

#: Verbs that say a turn in someone's life on their own, with nothing after them ("Dad retired", "we got engaged").
#: ... at work, and a loss ("Tom's been promoted", "I got fired", "my car was stolen").
_LIFE_EVENTS = frozenset({"marry", "engage", "divorce", "graduate", "retire", "resign", "die", "propose", "elope",
                          "promote", "fire", "sack", "hire", "qualify", "steal", "burgle", "rob"})


def acronym(t: Token) -> bool:
    """Whether ``t`` is in capitals in a sentence that is not ("IT support", "the US"): a name, not a pronoun."""
    return len(t.text) > 1 and t.text.isupper() and not t.sent.text.isupper()


#: Verbs of being somewhere with others, and "wait": said alone ("can't come", "can't wait") they name nothing.
_ATTENDING = frozenset({"come", "go", "join", "attend", "make", "wait", "complain"})


def _absent_from_nothing_named(clause: Clause) -> bool:
    """Whether ``clause`` only says someone will not be at something it does not name ("I can't come", "Jana
    won't make it"): a verb of attending with nothing but its subject, auxiliaries, negation and "it" "though"."""
    root = clause.root
    if root.lemma_ not in _ATTENDING:
        return False
    rest = [c for c in root.children if c.dep_ not in ("nsubj", "aux", "neg", "punct", "intj", "cc")
            and c.i in {t.i for t in clause.tokens}]
    return all(c.lower_ in ("it", "though", "either", "anyway", "unfortunately", "sadly") for c in rest) \
        and any(c.dep_ == "neg" for c in root.children)


def worth_storing(clause: Clause, replacements: dict[int, str]) -> bool:
    """Whether the clause says something beyond its subject and verb (see the module docstring)."""
    subject = clause.subject()
    skip = {t.i for t in subject.subtree} if subject is not None else set()
    skip.add(clause.root.i)
    if _absent_from_nothing_named(clause):
        return False  # "Tom can't come", "I won't make it": to what, only the talk around it says
    if any(t.dep_ == "neg" and t.head.i == clause.root.i for t in clause.tokens):
        return True  # "The user has never been skiing"
    if (clause.root.lemma_ in _LIFE_EVENTS or clause.root.lemma_ == "lay" and any(
            c.dep_ == "prt" and c.lower_ == "off" for c in clause.root.children)) and not any(
            c.dep_ == "dobj" for c in clause.root.children):  # not "until we hire someone": what of them
        return True  # "my sister Ada got married": the verb is the news
    for t in clause.tokens:
        if t.i in skip:
            continue
        if replacements.get(t.i):
            return True  # a resolved date
        if t.like_num or t.pos_ in ("PROPN", "NUM") or acronym(t):
            return True
        if t.text == "-" and not t.whitespace_ and t.i > 0 and not t.doc[t.i - 1].whitespace_:
            return True  # a hyphenated word ("me-time", "part-time")
        if t.dep_ == "pobj" and t.pos_ == "PRON" and t.lower_ not in VAGUE_OBJECTS or t.lower_ in ("him", "her") \
                and t.dep_ in ("dobj", "dative") and t.tag_ == "PRP":
            return True  # someone it happens with or to ("... is coming with me", "my neighbour will take her")
        if t.pos_ in ("NOUN", "ADJ", "VERB") and t.lemma_.lower() not in NON_CONTENT_NOUNS and t.is_alpha \
                and not t.is_stop and t.lower_ not in MOODS:
            return True
    return False
