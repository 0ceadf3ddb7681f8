"""Counts in words a person would write ("1 memory", "1,200 memories"), for every surface."""

from __future__ import annotations

_IRREGULAR = {"memory": "memories", "entity": "entities", "is": "are", "was": "were"}


def plural(count: int, noun: str) -> str:
    """``"1 memory"``, ``"1,200 memories"``."""
    return f"{count:,} {noun if count == 1 else _IRREGULAR.get(noun, noun + 's')}"
