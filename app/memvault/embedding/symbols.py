"""Symbols a model's vocabulary lacks, named for a query.

all-MiniLM-L6-v2's WordPiece vocabulary has no emoji: every one becomes the same
``[UNK]`` token, so "☕", "🐶" and "🎉" embed alike, as a vector that carries
nothing of what they show, and whichever stored memory also held an unknown
symbol came first, flagged a good match. A query's unknown symbols are
therefore replaced by their Unicode names in lower case ("hot beverage", "dog
face", "party popper"), which the model reads like any words. Modifiers that
only shape a symbol (skin tones, variation selectors, the zero-width joiner) are
dropped, and a pair of regional indicators reads as its letters ("jp flag").

Only queries are rewritten: a stored memory's vector stays the one its text
gives, so no vault needs embedding again. Symbols the vocabulary knows
(multilingual-e5-small's has most emoji) are left as they are.
"""

from __future__ import annotations

import unicodedata

_REGIONAL_A = 0x1F1E6
_REGIONAL_Z = 0x1F1FF
#: Characters that shape the symbol before them and mean nothing alone.
_SHAPING = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


def _is_modifier(char: str) -> bool:
    return char in _SHAPING or 0x1F3FB <= ord(char) <= 0x1F3FF or unicodedata.category(char) == "Mn"


def _named(span: str) -> str:
    words: list[str] = []
    letters = ""
    for char in span:
        if _REGIONAL_A <= ord(char) <= _REGIONAL_Z:
            letters += chr(ord("a") + ord(char) - _REGIONAL_A)
            continue
        if letters:
            words.append(f"{letters} flag")
            letters = ""
        if _is_modifier(char):
            continue
        name = unicodedata.name(char, "")
        words.append(name.lower() if name and unicodedata.category(char).startswith("S") else char)
    if letters:
        words.append(f"{letters} flag")
    return " ".join(words)


def named_unknown(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the symbols in ``spans`` (the character spans of the tokens the vocabulary does not know)
    replaced by their names; the rest of the text is kept as it is."""
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue
        out.append(text[at:start])
        named = _named(text[start:end])
        out.append(f" {named} " if named != text[start:end] else named)
        at = end
    out.append(text[at:])
    return " ".join("".join(out).split())
