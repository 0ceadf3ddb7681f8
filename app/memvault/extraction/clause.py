"""One clause of a sentence (:class:`Clause`), its subject, and the words that say whom a clause is about: split
from a sentence by :mod:`~memvault.extraction.clauses`, judged by :mod:`~memvault.extraction.statements`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from memvault.extraction.clause_edges import SUBJECTS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token


FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "yourselves", "u", "ur"})
THIRD_PERSON = frozenset({"he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "hers", "theirs"})
VAGUE_OBJECTS = frozenset({"it", "that", "this", "them", "one", "so"})
#: How the speaker feels right now: small talk unless the feeling is about something ("nervous about the exam").
MOODS = frozenset({"happy", "sad", "tired", "better", "worse", "excited", "nervous", "jealous", "busy", "thankful",
                   "grateful", "relieved", "lucky", "stressed", "proud", "ok", "okay", "alright", "good", "fine",
                   "great", "well", "awesome", "amazing", "exhausted", "sore", "lovely", "nice", "perfect",
                   "shattered"})


@dataclass(frozen=True)
class Clause:
    """Tokens of one clause of a sentence, in order, and its head verb."""

    tokens: tuple[Token, ...]
    root: Token
    #: Who said it, for a statement someone else made ("my sister told me she is pregnant": "my sister"):
    #: what its pronouns may point to, though no part of the fact.
    reporter: tuple[Token, ...] = ()

    @property
    def start(self) -> int:
        return self.tokens[0].idx

    @property
    def end(self) -> int:
        last = self.tokens[-1]
        return last.idx + len(last.text)

    def has(self, words: frozenset[str]) -> bool:
        return any(t.lower_ in words for t in self.tokens)

    def subject(self) -> Token | None:
        return subject_of(self.root)


def subject_of(verb: Token) -> Token | None:
    """``verb``'s subject; the small parser sometimes hangs it on the verb's auxiliary instead ("my sister Ada got
    engaged on new year's eve": "sister" under "got")."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECTS]
    if len(subjects) > 1 and _spoken_to(subjects[0]):
        return subjects[1]  # "Sam, my wife Noor is flying": Sam is spoken to, the wife flies
    return next(iter(subjects), None) or next(
        (s for a in verb.children if a.dep_ in ("aux", "auxpass") for s in a.children if s.dep_ in SUBJECTS), None)


def _spoken_to(token: Token) -> bool:
    """Whether ``token`` is a name said first and set off by a comma: the person a sentence is said to."""
    doc = token.doc
    return token.pos_ == "PROPN" and token.i + 1 < len(doc) and doc[token.i + 1].text == "," \
        and token.left_edge.i == token.sent.start


def has_subject(token: Token) -> bool:
    """Whether ``token`` (a verb) has a subject of its own: no imperative or gerund ("tell me", "keeping it")."""
    return subject_of(token) is not None
