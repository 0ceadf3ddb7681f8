"""When a new fact says what a stored fact about the same person and subject already says (dedup's test).

Two facts are the same when they set the same attribute to the same value, or when their word sets,
without filler words ("also", "still", "the user"), overlap by at least :data:`DUPLICATE_OVERLAP`.
"""

from __future__ import annotations

import re

from memvault.extraction.facts import Fact
from memvault.vault.extraction_jobs import StoredFact

#: Word-set overlap at which two facts about the same subject say the same thing.
DUPLICATE_OVERLAP = 0.8
_FILLER_WORDS = frozenset({"also", "still", "really", "currently", "just", "already", "now", "actually", "the", "a",
                           "an", "user", "user's"})


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower()) if w not in _FILLER_WORDS)


def same_fact(fact: Fact, stored: StoredFact) -> bool:
    meta = stored.fact
    if fact.attribute and meta.get("attribute") == fact.attribute and meta.get("value") == fact.value:
        return True
    a, b = words(fact.text), words(stored.content)
    return bool(a and b) and len(a & b) / len(a | b) >= DUPLICATE_OVERLAP
