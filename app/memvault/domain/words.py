"""Counts in words a person would write ("1 memory", "1,200 memories"), for every surface."""

from __future__ import annotations

_IRREGULAR = {"memory": "memories", "entity": "entities", "is": "are", "was": "were"}


def plural(count: int, noun: str) -> str:
    """``"1 memory"``, ``"1,200 memories"``, ``"3 expired memories"`` (the last word of a phrase is counted)."""
    if count == 1:
        return f"{count:,} {noun}"
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        many = _IRREGULAR[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        many = last[:-1] + "ies"
    else:
        many = last + ("es" if last.endswith(("s", "x", "z", "ch", "sh")) else "s")  # "matches", "boxes"
    return f"{count:,} {head + ' ' if head else ''}{many}"
