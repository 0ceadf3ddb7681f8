"""MemoryRelay's shapes: its seven memory types, its memory object and its similarity scale.

MemoryRelay knows seven types (fact, event, insight, task, preference,
entity_reference, system); Memvault's other three are shown as the nearest of
them, and a filter on one of the seven also finds the types shown as it.
"""

from __future__ import annotations

from typing import Any

from memvault.api.compat.field_view import field_view
from memvault.domain.enums import MemoryType, SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import Memory
from memvault.ranking import good_match

TYPES = ("fact", "event", "insight", "task", "preference", "entity_reference", "system")
#: Memvault's types outside MemoryRelay's vocabulary, shown as the nearest of the seven.
SHOWN_AS = {MemoryType.GENERAL: "fact", MemoryType.POLICY: "system", MemoryType.OBSERVATION: "insight"}
#: Where a good match sits on MemoryRelay's similarity scale. The document's example scores a loosely
#: related memory ("larger font sizes" for "UI preferences") 0.84 and uses min_score 0.5 as a strict
#: filter that still finds "prefers dark mode": its model's cosines run high, as older embedding models'
#: do. 0.7 (StateBase's default for the same kind of model) maps this model's good match onto that scale.
GOOD_MATCH = 0.7


def shown_type(t: MemoryType) -> str:
    return SHOWN_AS.get(t, t.value)


def stored_types(name: str | None, field: str = "memory_type") -> tuple[MemoryType, ...]:
    """The stored types a filter on MemoryRelay's ``name`` matches (``()``: no filter)."""
    if name is None or name == "":
        return ()
    if name not in TYPES:
        raise InvalidInput(f"{field} must be one of {', '.join(TYPES)}", field=field)
    return (MemoryType(name), *(t for t, shown in SHOWN_AS.items() if shown == name))


def given_type(name: str | None) -> str | None:
    """A type given on create: one of the seven, or ``None`` to classify."""
    if name is None:
        return None
    stored_types(name)
    return name


def to_scale(score: float, mode: SearchMode) -> float:
    """A score of ``mode`` on MemoryRelay's 0..1 scale, where its good match (0.7) is this mode's.

    Keyword hits each contain the words asked for: their 0..1 scores are shown as they are.
    """
    if mode is SearchMode.KEYWORD:
        return min(1.0, max(0.0, score))
    return good_match.provider_score(score, GOOD_MATCH, mode)


def from_scale(min_score: float, mode: SearchMode) -> float:
    """A ``min_score`` on MemoryRelay's scale as this mode's score."""
    if mode is SearchMode.KEYWORD:
        return min_score
    return good_match.provider_threshold(min_score, GOOD_MATCH, mode)


def agent_filter(agent_id: str | None, namespace: str) -> dict[str, Any]:
    """A filter on the ``agent_id`` this view shows: the namespace's name also finds memories of no agent.

    ``""`` (the SDK sends what it is given) means every agent, as omitting it does.
    """
    if not agent_id:
        return {"agent_id": None}
    return {"agent_id": agent_id, "agent_id_or_none": agent_id == namespace}


def memory(m: Memory, **extra: Any) -> dict[str, Any]:
    """The memory object of the document (Get Memory), plus Memvault's own fields it does not forbid."""
    return {
        "object": "memory",
        # The document requires agent_id on every memory; one stored without (natively) shows its namespace.
        **field_view("memoryrelay", m, time=int, agent_id=m.agent_id or m.namespace,
                     memory_type=shown_type(m.memory_type)),
        "entities": [{"type": e.type.value, "value": e.value, "confidence": e.confidence} for e in m.entities],
        "is_duplicate": False, **extra,
    }
