"""Counts in words a person would write ("1 memory", "1,200 memories"), for every surface."""

from __future__ import annotations

_IRREGULAR = {"memory": "memories", "entity": "entities", "is": "are", "was": "were"}


def plural(count: int, noun: str) -> str:
    """``"1 memory"``, ``"1,200 memories"``, ``"3 expired memories"`` (the last word of a phrase is counted)."""
    if count == 1:
        return f"{count:,} {noun}"
    head, _, last = noun.rpartition(" ")
    many = _IRREGULAR.get(last) or (last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in "aeiou"
                                    else last + "s")
    return f"{count:,} {head + ' ' if head else ''}{many}"
