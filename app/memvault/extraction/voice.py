"""Who says a turn (:class:`Voice`), and how a fact names them: their name, its possessive, and the "we" of two
named people talking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memvault.extraction.kin import GENDERED

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token


@dataclass(frozen=True)
class Voice:
    """Who says a turn: ``person`` is the display name the caller gave (``None``: an unnamed user); ``we``
    is how "we" reads when the turn is one of two named people's ("Anna and Ben"), else ``None``."""

    person: str | None = None
    we: str | None = None

    @property
    def name(self) -> str:
        return self.person or "the user"

    @property
    def possessive(self) -> str:
        return possessive(self.name)


#: Words by which a "we" clause takes in the person spoken to: "we both", "together", "each other", "you and me".
_JOINT_WORDS = frozenset({"together", "both", "each", "you"})
#: Verbs whose "we" is the two speakers: "we met at uni", "since we last spoke".
_JOINT_VERBS = frozenset({"meet", "talk", "speak", "chat"})


def gender_of(pronoun: str) -> str | None:
    """ "male" for he/him/his, "female" for she/her/hers, else ``None``."""
    return GENDERED.get(pronoun)


def for_clause(voice: Voice, tokens: Sequence[Token], root: Token) -> Voice:
    """``voice`` for one clause. Between two named people "we" is both of them only where the clause says so
    (:data:`_JOINT_WORDS`, :data:`_JOINT_VERBS`); elsewhere it is the speaker's household, written as the
    speaker: told to a neighbour, "our son starts school" is Sofia's son, "we had a huge party" Mei's family's
    (measured: ``docs/benchmarks.md``, "Stop 64: whose fact a question asks for")."""
    if voice.we is None or root.lemma_ in _JOINT_VERBS or any(t.lower_ in _JOINT_WORDS for t in tokens):
        return voice
    return Voice(voice.person)


def possessive(name: str) -> str:
    """ "Maren's", "James's"; a plural said in lower case takes the apostrophe alone ("Maren's kids' dad")."""
    last = name.rsplit(" ", 1)[-1]
    return f"{name}'" if last.islower() and last.endswith("s") and not last.endswith("ss") else f"{name}'s"
