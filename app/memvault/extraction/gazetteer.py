"""An Aho–Corasick gazetteer over a namespace's own entity names (``pyahocorasick``).

Extraction uses it to link a mention to an entity the vault already knows
("juniper" in a lower-case chat turn, which the tagger misses, is the dog
named Juniper in an earlier memory); search uses it to find the vault's
entities in a query. Names are matched case-insensitively on whole words.
Each entity is known by its value and by aliases: a person's first and last
name alone (when no other person of the namespace shares it; a title such as
"uncle" or "dr" is no alias).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import ahocorasick

from memvault.domain.entities import EntityType
from memvault.extraction.noise import PLACE_SUFFIXES
from memvault.extraction.truecase import TITLES

#: Names shorter than this are not matched (too many accidental hits inside ordinary words and chat).
MIN_NAME_CHARS = 3
_ARTICLE = re.compile(r"^(?:the|a|an|my|our|his|her|their)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^[^\w]+|[^\w]+$", re.UNICODE)


def normalise(name: str) -> str:
    """The key an entity is stored and matched under: NFKC, lower case, no article or possessive."""
    value = unicodedata.normalize("NFKC", name).strip()
    value = _SPACE.sub(" ", value)
    value = _EDGE.sub("", value)
    value = _POSSESSIVE.sub("", value)
    value = _ARTICLE.sub("", value)
    return _EDGE.sub("", value).lower()


@dataclass(frozen=True)
class Match:
    """A known entity found in a text: its id, type and value, where, and whether by an alias."""

    entity_id: int
    type: EntityType
    value: str
    start: int
    end: int
    alias: bool


def _aliases(entities: list[tuple[int, str, str]]) -> dict[str, tuple[int, str, str]]:
    """Unambiguous first and last names of multi-word people: ``"maya okafor"`` is also ``"maya"``."""
    counts: Counter[str] = Counter()
    parts: list[tuple[tuple[int, str, str], list[str]]] = []
    for entity in entities:
        if entity[1] != EntityType.PERSON.value:
            continue
        words = entity[2].split()
        if len(words) < 2:
            continue
        # A street word is no name of anyone's ("elm street", read as a person by an older release, is not "street"),
        # and a title no one's ("uncle rob" is "rob", not every uncle).
        picked = [w for w in (words[0], words[-1]) if len(w) >= MIN_NAME_CHARS and w not in PLACE_SUFFIXES
                  and w not in TITLES]
        parts.append((entity, picked))
        counts.update(set(picked))
    return {w: entity for entity, picked in parts for w in picked if counts[w] == 1}


class Gazetteer:
    """Finds a namespace's entities in text; built once from ``(id, type, value)`` rows, then read-only."""

    def __init__(self, entities: list[tuple[int, str, str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        self._names: dict[str, tuple[int, EntityType, str]] = {}
        for eid, etype, value in entities:
            if value not in self._names:
                self._names[value] = (eid, EntityType(etype), value)
                if len(value) >= MIN_NAME_CHARS:
                    self._automaton.add_word(value, (eid, etype, value, False, len(value)))
        for alias, (eid, etype, value) in _aliases(entities).items():
            if alias not in self._names:
                self._names[alias] = (eid, EntityType(etype), value)
                self._automaton.add_word(alias, (eid, etype, value, True, len(alias)))
        self.size = len(self._automaton)
        if self.size:
            self._automaton.make_automaton()

    def known(self, name: str) -> tuple[EntityType, str] | None:
        """The entity a normalised name or alias stands for, as ``(type, value)``."""
        hit = self._names.get(name)
        return None if hit is None else (hit[1], hit[2])

    def find(self, text: str) -> list[Match]:
        """Whole-word matches in ``text``, longest first where they overlap."""
        if not self.size:
            return []
        lowered = unicodedata.normalize("NFKC", text).lower()
        if len(lowered) != len(text):
            lowered = text.lower()
        found: list[Match] = []
        for end, (eid, etype, value, alias, length) in self._automaton.iter(lowered):
            start = end + 1 - length
            if _whole_word(lowered, start, end + 1):
                found.append(Match(eid, EntityType(etype), value, start, end + 1, alias))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Match] = []
        reach = -1
        for m in found:
            if m.start >= reach:
                kept.append(m)
                reach = m.end
        return kept


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()
