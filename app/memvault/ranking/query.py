"""Query handling before retrieval: what the user's own name means in a question.

Agents ask about the person they serve by name ("What is the name of Maya's
dog?"). The memories about that person rarely contain the name: the user speaks
in the first person ("we picked her up yesterday"), and the turns that do name
the user are greetings ("Good night, Maya."). So the name pulls the semantic
side towards small talk, and on the keyword side it matches only those
greetings. When the search is scoped to a user (``MemoryFilter.user_id``), the
name parts of that id are read as references to the user: the semantic side
embeds "the user" in their place and the keyword side leaves them out
(measured: ``docs/benchmarks.md``, "Ranking").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memvault.vault.search import STOPWORDS

#: Parts of a user id shorter than this are not treated as names ("al", "x7").
MIN_NAME_CHARS = 3
_PART = re.compile(r"[^\W\d_]+", re.UNICODE)
_GENERIC = frozenset({"user", "users", "person", "people", "human", "client", "customer"})


@dataclass(frozen=True)
class PlannedQuery:
    """The texts each retrieval side uses, and the user names that were read out of the query."""

    semantic: str
    keyword: str
    user_names: tuple[str, ...] = ()


def name_parts(user_id: str | None) -> tuple[str, ...]:
    """Words of a user id that can be a name: ``"maya.okafor"`` -> ``("maya", "okafor")``."""
    if not user_id:
        return ()
    parts = (p.lower() for p in _PART.findall(user_id))
    return tuple(dict.fromkeys(p for p in parts if len(p) >= MIN_NAME_CHARS and p not in STOPWORDS | _GENERIC))


def plan(query: str, user_id: str | None) -> PlannedQuery:
    """The semantic and keyword texts for ``query`` when the search is scoped to ``user_id``."""
    names = name_parts(user_id)
    if not names:
        return PlannedQuery(query, query)
    name = "(?:" + "|".join(map(re.escape, names)) + ")"
    # A run of name parts ("Maya Okafor's") is one reference to the user.
    pattern = re.compile(rf"\b{name}(?:\s+{name})*\b(['’]s\b)?", re.IGNORECASE)
    found = tuple(dict.fromkeys(w.lower() for m in pattern.finditer(query) for w in _PART.findall(m.group(0))
                                if w.lower() in names))
    if not found:
        return PlannedQuery(query, query)
    semantic = pattern.sub(lambda m: "the user's" if m.group(1) else "the user", query)
    keyword = " ".join(pattern.sub(" ", query).split())
    return PlannedQuery(semantic, keyword or query, found)
