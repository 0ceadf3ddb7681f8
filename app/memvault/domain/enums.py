"""Enumerations of the memory model."""

from __future__ import annotations

import enum


class MemoryType(str, enum.Enum):
    """What kind of thing a memory records (union of the seed APIs' types)."""

    FACT = "fact"
    PREFERENCE = "preference"
    EVENT = "event"
    INSIGHT = "insight"
    TASK = "task"
    ENTITY_REFERENCE = "entity_reference"
    SYSTEM = "system"
    POLICY = "policy"
    OBSERVATION = "observation"
    GENERAL = "general"


class Tier(str, enum.Enum):
    """Storage temperature, derived from importance unless given."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"

    @classmethod
    def from_importance(cls, importance: float) -> Tier:
        """The tier a memory of this importance gets when none is given."""
        if importance >= 0.8:
            return cls.HOT
        if importance >= 0.3:
            return cls.WARM
        return cls.COLD


class Visibility(str, enum.Enum):
    """Confidential memories are left out of search unless asked for."""

    PRIVATE = "private"
    CONFIDENTIAL = "confidential"


class EmbeddingStatus(str, enum.Enum):
    """Where a memory is in the embedding queue."""

    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class SearchMode(str, enum.Enum):
    """How a query is matched."""

    SEMANTIC = "semantic"
    KEYWORD = "keyword"
    HYBRID = "hybrid"


#: The mode every surface (HTTP, MCP, CLI, GUI) uses when a caller names none:
#: hybrid is the best mode on both evaluation sets (README, "Measured").
DEFAULT_SEARCH_MODE = SearchMode.HYBRID


class TagMatch(str, enum.Enum):
    """Whether a tag filter needs any or all of the tags."""

    ANY = "any"
    ALL = "all"


class Scope(str, enum.Enum):
    """What an API key may do in its namespace."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
