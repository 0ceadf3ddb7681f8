"""MemSync's user profile, built on the device from the facts extracted from conversations.

MemSync writes its bio with a language model; Memvault has none, so the bio
is the user's lasting (semantic) facts, newest first, and insights and traits
are left empty rather than invented. Categories and counts are exact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from memvault.domain import limits
from memvault.domain.models import Memory, MemoryFilter
from memvault.service.container import Services

#: Facts read for a profile (newest first); a profile of more would not be read by anyone whole.
PROFILE_MAX_FACTS = 5000
BIO_FACTS = 8
FACTS_PER_CATEGORY = 5


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _about(memory: Memory, user_id: str | None) -> bool:
    """Whether ``memory`` is a fact for the profile: any fact without a user, else one about that user (the
    user's store also keeps what other people told them: facts about those people)."""
    fact = memory.metadata.get("fact")
    return isinstance(fact, dict) and (user_id is None or fact.get("person_id", user_id) == user_id)


def _facts(services: Services, namespace: str, user_id: str | None) -> list[Memory]:
    f = MemoryFilter(namespace=namespace, user_id=user_id)
    out: list[Memory] = []
    cursor = None
    while len(out) < PROFILE_MAX_FACTS:
        page = services.memories.list(f, limit=limits.LIST_LIMIT_MAX, cursor=cursor, count_total=False)
        out += [m for m in page.items if _about(m, user_id)]
        if not page.has_more or page.next_cursor is None:
            break
        cursor = page.next_cursor
    return out[:PROFILE_MAX_FACTS]


def profile(services: Services, namespace: str, user_id: str | None) -> dict[str, Any]:
    facts = _facts(services, namespace, user_id)
    lasting = [m for m in facts if m.metadata["fact"].get("kind") == "semantic"]
    categories: dict[str, dict[str, Any]] = {}
    by_type: dict[str, int] = {}
    for m in facts:
        kind = m.metadata["fact"].get("kind") or "semantic"
        by_type[kind] = by_type.get(kind, 0) + 1
        for c in m.tags:
            entry = categories.setdefault(c, {"memory_count": 0, "last_updated": _iso(m.updated_at), "facts": []})
            entry["memory_count"] += 1
            if len(entry["facts"]) < FACTS_PER_CATEGORY:
                entry["facts"].append(m.content)
    bio = " ".join(m.content.rstrip(".") + "." for m in lasting[:BIO_FACTS])
    newest = max((m.updated_at for m in facts), default=None)
    return {
        "user_id": user_id,
        "bio": {"summary": bio, "generated_at": _iso(newest) if newest else None, "word_count": len(bio.split()),
                "source": "the user's lasting facts, newest first (no language model)"},
        "categories": categories,
        "insights": [],
        "traits": [],
        "stats": {"total_memories": len(facts), "by_category": {c: e["memory_count"] for c, e in categories.items()},
                  "by_type": by_type},
        "updated_at": _iso(newest) if newest else None,
    }
