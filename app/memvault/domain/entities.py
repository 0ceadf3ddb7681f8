"""Entities: the people, places, organisations, dates, products and recurring nouns memories mention.

An entity belongs to one namespace and is identified there by its type and
normalised value; a memory links to the entities it mentions with a
confidence. Extraction (:mod:`memvault.extraction.entities`) produces
:class:`EntityMention` values; the vault stores them as links.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field


class EntityType(enum.StrEnum):
    """What an entity is (spaCy's labels folded into these, plus the user's own recurring nouns)."""

    PERSON = "person"
    ANIMAL = "animal"  # a named pet or other animal: "he" and "she" can mean it, but it is no one to ask
    ORGANIZATION = "organization"
    LOCATION = "location"
    DATE = "date"
    PRODUCT = "product"
    EVENT = "event"
    CONCEPT = "concept"


#: The types a person may give an entity: a date entity is a day read from the text, never a name's type.
SETTABLE_TYPES = tuple(t for t in EntityType if t is not EntityType.DATE)


class TypeSource(enum.StrEnum):
    """Where a memory's ``memory_type`` came from."""

    EXPLICIT = "explicit"  # the caller named it
    DEFAULT = "default"  # omitted and not (yet) classified: waits for the memory's vector
    INFERRED = "inferred"  # the on-device classifier chose it from the memory's embedding


def readable_value(entity_type: EntityType, value: str) -> str:
    """``value`` as a person reads it: a date of every year (``--10-09``, ``--10``) says so ("9 October, every
    year"); any other value is already readable."""
    if entity_type is not EntityType.DATE or not value.startswith("--"):
        return value
    month, _, day = value[2:].partition("-")
    if not month.isdigit() or not 1 <= int(month) <= 12 or day and not day.isdigit():
        return value
    said = calendar.month_name[int(month)]
    return f"{int(day)} {said}, every year" if day else f"{said}, every year"


@dataclass(frozen=True)
class EntityMention:
    """One entity a memory mentions: ``value`` is normalised (lower case, no article, no possessive).

    ``display`` is the name as the memory writes it ("Alice Chen"), when it does (``None``: the value
    is all there is); ``value`` stays the key an entity is matched and linked by.
    """

    type: EntityType
    value: str
    confidence: float
    display: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """What a person reads: the name as written, else the normalised value."""
        return self.display or readable_value(self.type, self.value)


@dataclass(frozen=True)
class Entity:
    """An entity of a namespace with how many live memories mention it."""

    id: int
    namespace: str
    type: EntityType
    value: str
    memory_count: int
    display: str | None = field(default=None, compare=False)
    #: When the first live memory mentioning it was stored, and the latest such memory changed (Unix seconds).
    first_mentioned_at: float | None = field(default=None, compare=False)
    last_mentioned_at: float | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.display or readable_value(self.type, self.value)


@dataclass(frozen=True)
class EntitySummary:
    """One entity name and type across the namespaces that have it (the Entities page's row).

    Entities belong to a namespace; a person sees "greg" once, with the memories of every namespace
    in view counted together and the namespaces named.
    """

    type: EntityType
    value: str
    memory_count: int
    namespaces: tuple[str, ...]
    entity_ids: tuple[int, ...]
    #: The name as a memory mentioning it writes it ("Alice Chen"; ``None``: none writes it with capitals).
    display: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.display or readable_value(self.type, self.value)
