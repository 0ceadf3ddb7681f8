"""Query handling before retrieval: what the user's own name means in a question.

Agents ask about the person they serve by name ("What is the name of Maya's
dog?"). The memories about that person rarely contain the name: the user speaks
in the first person, and the turns that do name the user are greetings. When
the caller says what the user is called (``user_names``: a display name or
aliases), those words are read as references to the user, and both sides leave
them out: in a search among one person's memories the name tells none of them
apart. (The semantic side used to embed "the user" in their place; that phrase
pulled up turns about anyone's "user", is English only, and lost to leaving the
name out on every tuning configuration: ``docs/benchmarks.md``, "The user's
name left out of the query".)

The names are never derived from an id: ``prod-server``, ``team-alpha`` or
``john.doe`` are identifiers, and reading their parts as a name turned
"Which server crashed?" into "Which the user crashed?". A search scoped to
one user passes the name that user's extracted facts give
(:func:`memvault.ranking.facts.served_names`); any other uses the query as
written (measured: ``docs/benchmarks.md``, "Ranking" and "Facts in retrieval").

A question that gives no name says "the user", as agents' notes and an unnamed user's facts do; hybrid's
keyword side leaves those words out too (:data:`THE_USER`), and the semantic side reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from memvault.ranking.weak_words import evidence_text
from memvault.vault.search import STOPWORDS

#: Name words shorter than this are not matched ("al", "x7").
MIN_NAME_CHARS = 3
_PART = re.compile(r"[^\W\d_]+", re.UNICODE)
_GENERIC = frozenset({"user", "users", "person", "people", "human", "client", "customer"})
#: How a question refers to the person a vault serves when it gives no name, as agents' notes and an unnamed
#: user's facts do ("The user prefers dark mode"): no evidence for any memory in hybrid's keyword side. Every note
#: saying "the user" matched it, and outranked the one fact that answered ("what pet does the user have": "The user
#: prefers dark mode" above "The user adopted a cat"), whose "the user" is its person's name
#: (:mod:`memvault.ranking.facts`).
THE_USER = re.compile(r"\bthe\s+user(?:['’]s)?(?![\w'’])", re.IGNORECASE)


@dataclass(frozen=True)
class PlannedQuery:
    """The texts each retrieval side uses, and the user names that were read out of the query."""

    semantic: str
    keyword: str
    user_names: tuple[str, ...] = ()

    @property
    def evidence(self) -> str:
        """The keyword text hybrid searches and scores with (:func:`~memvault.ranking.weak_words.evidence_text`),
        without "the user" (:data:`THE_USER`)."""
        kept = " ".join(THE_USER.sub(" ", self.keyword).split())
        return evidence_text(kept if _PART.search(kept) else self.keyword)


def name_words(user_names: Iterable[str]) -> tuple[str, ...]:
    """The words of the names a caller gave: ``["Maya Okafor"]`` -> ``("maya", "okafor")``."""
    parts = (p.lower() for name in user_names for p in _PART.findall(name))
    return tuple(dict.fromkeys(p for p in parts if len(p) >= MIN_NAME_CHARS and p not in STOPWORDS | _GENERIC))


def plan(query: str, user_names: Iterable[str] = ()) -> PlannedQuery:
    """The semantic and keyword texts for ``query``, given what the user is called (explicitly)."""
    names = name_words(user_names)
    if not names:
        return PlannedQuery(query, query)
    name = "(?:" + "|".join(map(re.escape, names)) + ")"
    # A run of name words ("Maya Okafor's") is one reference to the user.
    pattern = re.compile(rf"\b{name}(?:\s+{name})*\b(['’]s\b)?", re.IGNORECASE)
    found = tuple(dict.fromkeys(w.lower() for m in pattern.finditer(query) for w in _PART.findall(m.group(0))
                                if w.lower() in names))
    if not found:
        return PlannedQuery(query, query)
    without = " ".join(pattern.sub(" ", query).split())
    return PlannedQuery(without or query, without or query, found)
