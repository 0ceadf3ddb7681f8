"""What the sharing tests ask of a member's vault: who it is and what the shared namespace holds."""

from __future__ import annotations

from memvault.domain.models import MemoryFilter
from memvault.sharing.person import PersonKey

NS = "team"


def person_id(services) -> str:
    return PersonKey.from_text(services.sharing.my_key()).person_id


def writer_of(services) -> str:
    """The writer id a member's device signs segments with: person and device."""
    return f"{person_id(services)}/{services.vault.device_id}"


def contents(services, **filters) -> set[str]:
    """The texts of :data:`NS` in the member's vault (``filters``: more of :class:`MemoryFilter`)."""
    page = services.memories.list(MemoryFilter(namespace=NS, **filters), limit=1000)
    return {m.content for m in page.items}
