"""What the detail pane says about an extracted fact: kind, date, categories, whom it is about, where it came
from, what replaced it.

Facts extracted from conversations carry ``metadata.fact`` (see
``app/service/conversations.py``). The summary is rich text for a QLabel; a
link ``memory:<id>`` asks the browser to open that memory (the newer fact
that superseded this one, or the older one it replaced).
"""

from __future__ import annotations

from html import escape

from memvault.domain.models import Memory, successor_of

LINK_PREFIX = "memory:"
QUOTE_PREVIEW_CHARS = 160


def is_superseded(memory: Memory) -> bool:
    return successor_of(memory) is not None


def fact_summary(memory: Memory) -> str | None:
    """Rich text describing an extracted fact's kind and provenance; ``None`` for any other memory."""
    fact = memory.metadata.get("fact")
    if not isinstance(fact, dict):
        return None
    head = [escape(str(fact.get("kind", "fact")))]
    if fact.get("event_at"):
        head.append(escape(str(fact["event_at"])))
    if fact.get("categories"):
        head.append(escape(", ".join(str(c) for c in fact["categories"])))
    lines = [f"<b>Extracted fact</b> · {' · '.join(head)}", fact_person(fact)]
    source = fact.get("provenance")
    if isinstance(source, dict):
        span = source.get("span") or [None, None]
        where = f"message {int(source.get('message_index', 0)) + 1}"
        if len(span) == 2 and span[0] is not None:
            # The span is Python's [start, end) from 0; people count from 1, both ends included.
            where += f", characters {int(span[0]) + 1}–{int(span[1])}"
        lines.append(f"From conversation <i>{escape(str(source.get('conversation_id', '?')))}</i>, {where}")
        quote = str(source.get("quote", ""))
        if quote:
            if len(quote) > QUOTE_PREVIEW_CHARS:
                quote = quote[: QUOTE_PREVIEW_CHARS - 1] + "…"
            lines.append(f"“{escape(quote)}”")
    successor = successor_of(memory)
    if successor is not None:
        lines.append(f"<s>Superseded</s> by <a href=\"{LINK_PREFIX}{escape(successor)}\">a newer fact</a>")
    for older in fact.get("supersedes") or []:
        lines.append(f"Replaces <a href=\"{LINK_PREFIX}{escape(str(older))}\">an older fact</a>")
    return "<br>".join(lines)


def fact_person(fact: dict) -> str:
    """Whose fact it is: the display name given with it and the id its facts are kept apart by. Not "About …": a
    walkthrough read "Pepper sheds a lot in spring" as "About the user", the fact being about the user's cat."""
    name, person_id = fact.get("person"), fact.get("person_id")
    if not name and not person_id:
        return "One of <b>the user</b>’s facts (no name given)"
    shown = f"<b>{escape(str(name or person_id))}</b>"
    return f"One of {shown}’s facts" + (f" ({escape(str(person_id))})" if name and person_id and person_id != name
                                         else "")


def linked_memory(link: str) -> str | None:
    """The memory id a ``memory:<id>`` link names."""
    return link[len(LINK_PREFIX):] if link.startswith(LINK_PREFIX) else None
