"""When a new fact says what a stored fact about the same person and subject already says (dedup's test).

Two facts are the same when they set the same attribute to the same value, or when their word sets,
without filler words ("also", "still", "the user"), overlap by at least :data:`DUPLICATE_OVERLAP`. When only
one of them names its person, or they name them differently, each is read without its own person's name: a
fact reads the same whether its user was named when it was written, given the name later
(:mod:`memvault.service.fact_renames`) or never named ("The user moved to Zurich", "Marta moved to Zurich").
Two facts that give the same name keep it, as before: sameness never weakens when a fact is renamed (a word
both share can only raise the overlap).
"""

from __future__ import annotations

import re

from memvault.extraction.facts import Fact
from memvault.vault.extraction_jobs import StoredFact

#: Word-set overlap at which two facts about the same subject say the same thing.
DUPLICATE_OVERLAP = 0.8
_FILLER_WORDS = frozenset({"also", "still", "really", "currently", "just", "already", "now", "actually", "the", "a",
                           "an", "user", "user's"})


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str, name: str | None = None) -> frozenset[str]:
    """The words of ``text`` that say what it says: not filler, not the words of the person's ``name``
    (nor their possessive: "marta's")."""
    skip = _FILLER_WORDS | {w for n in _WORD.findall((name or "").lower()) for w in (n, f"{n}'s")}
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in skip)


def same_fact(fact: Fact, stored: StoredFact) -> bool:
    meta = stored.fact
    if fact.attribute and meta.get("attribute") == fact.attribute and meta.get("value") == fact.value:
        return True
    # The two facts are one person's (dedup compares no others): each may name them, or not.
    person = meta.get("person") if isinstance(meta.get("person"), str) else None
    if fact.person == person:
        a, b = words(fact.text), words(stored.content)
    else:
        a, b = words(fact.text, fact.person), words(stored.content, person)
    return bool(a and b) and len(a & b) / len(a | b) >= DUPLICATE_OVERLAP
