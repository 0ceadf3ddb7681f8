"""An Aho–Corasick gazetteer over a namespace's own entity names (``pyahocorasick``).

Extraction uses it to link a mention to an entity the vault already knows
("juniper" in a lower-case chat turn, which the tagger misses, is the dog
named Juniper in an earlier memory); search uses it to find the vault's
entities in a query. Names are matched case-insensitively on whole words.
Each entity is known by its value and by aliases: a person's first and last
name alone (when no other person of the namespace shares it; a title such as
"uncle" or "dr" is no alias). A firm's name said without what it does or is
("Northwind" for "Northwind Logistics", and the other way round) is the same
firm, but only where a name is read as one (:meth:`Gazetteer.known_name`), never
found in running text: "shell" is a word before it is "Shell Energy".
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


#: Words a firm's full name adds to what it is called: "Northwind Logistics", "Brightloop Ltd".
FIRM_WORDS = frozenset({"ltd", "limited", "inc", "llc", "plc", "gmbh", "ag", "co", "corp", "corporation", "company",
                        "group", "holdings", "logistics", "consulting", "consultancy", "solutions", "systems",
                        "technologies", "tech", "labs", "studio", "studios", "partners", "associates", "media",
                        "software", "analytics", "ventures", "capital", "insurance", "energy", "foods", "airways",
                        "airlines", "telecom", "digital", "health", "pharma", "engineering", "construction",
                        "incorporated", "traders", "trading", "enterprises", "industries", "international", "services",
                        "brothers", "bros", "llp", "pty", "bv", "sarl", "srl", "kg"})
#: The words of FIRM_WORDS that only a firm's name ends in: its legal form ("Nordlicht GmbH" is no place).
LEGAL_FORMS = frozenset({"ltd", "limited", "inc", "llc", "llp", "plc", "gmbh", "ag", "kg", "corp", "corporation",
                         "incorporated", "pty", "bv", "sarl", "srl"})


def firm_short_name(value: str) -> str | None:
    """What a firm is called without the words its full name adds ("northwind logistics" → "northwind"), or
    ``None`` when nothing is left out or nothing would remain."""
    words = value.split()
    cut = len(words)
    while cut > 1 and words[cut - 1] in FIRM_WORDS:
        cut -= 1
    short = " ".join(words[:cut])
    return short if cut < len(words) and len(short) >= MIN_NAME_CHARS else None


def _firms(entities: list[tuple[int, str, str]]) -> dict[str, tuple[int, str, str]]:
    """Organisations by their short names, where one firm alone has that short name."""
    counts: Counter[str] = Counter()
    found: dict[str, tuple[int, str, str]] = {}
    for entity in entities:
        if entity[1] == EntityType.ORGANIZATION.value and (short := firm_short_name(entity[2])) is not None:
            counts[short] += 1
            found[short] = entity
    return {short: entity for short, entity in found.items() if counts[short] == 1}


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
        self._firms = {short: (eid, EntityType(etype), value) for short, (eid, etype, value) in _firms(entities).items()}
        self.size = len(self._automaton)
        if self.size:
            self._automaton.make_automaton()

    def known(self, name: str) -> tuple[EntityType, str] | None:
        """The entity a normalised name or alias stands for, as ``(type, value)``."""
        hit = self._names.get(name)
        return None if hit is None else (hit[1], hit[2])

    def known_name(self, name: str, entity_type: EntityType | None = None) -> tuple[EntityType, str] | None:
        """:meth:`known`, and for a name read as an organisation's (``entity_type``; any, when ``None``) the firm it
        is the short or the full name of: "Northwind" when "Northwind Logistics" is known, "Northwind Logistics"
        when only "Northwind" is."""
        if (hit := self.known(name)) is not None or entity_type not in (None, EntityType.ORGANIZATION):
            return hit
        firm = self._firms.get(name)
        if firm is None and (short := firm_short_name(name)) is not None:
            known = self._names.get(short)
            firm = known if known is not None and known[1] is EntityType.ORGANIZATION else None
        return None if firm is None else (firm[1], firm[2])

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
