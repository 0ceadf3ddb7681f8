"""Who speaks each turn of a conversation, and whose facts a turn can state.

A user's turns and any turn whose speaker the caller named are a person's own (:func:`voices`); an unnamed
assistant's turns are context, except what they tell a single user about the user (:func:`telling`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memvault.extraction import language_gate
from memvault.extraction.voice import Voice

#: Roles whose turns are the user's.
SPEAKERS = frozenset({"user", "human"})


@dataclass(frozen=True)
class Message:
    """One turn; ``name`` is the speaker's display name as the caller gave it (a named turn is a person's)."""

    role: str
    content: str
    name: str | None = None


def voices(messages: Sequence[Message]) -> dict[int, Voice]:
    """Who speaks each person's turn: user turns, and any turn whose speaker the caller named.

    "We" is both people when the conversation is between two named people; in a chat with an
    assistant it is the user (the assistant is no party to the user's life).
    """
    names = list(dict.fromkeys(m.name for m in messages if m.name and m.role != "system"))
    found: dict[int, Voice] = {}
    for i, m in enumerate(messages):
        if m.role == "system" or not (m.role.lower() in SPEAKERS or m.name):
            continue
        others = [n for n in names if n != m.name]
        pair = m.name is not None and len(names) == 2 and len(others) == 1
        found[i] = Voice(m.name, f"{m.name} and {others[0]}" if pair else None)
    return found


def telling(messages: Sequence[Message], speaking: dict[int, Voice]) -> tuple[Voice, dict[int, str]] | None:
    """In a chat between one user and an unnamed assistant, the user's voice and the assistant's turns (by
    index) that the pipeline reads: what they say about the user is the user's
    (:mod:`~memvault.extraction.second_person`). ``None`` between two named people, or with no user: every
    person's turns are read in their own voice."""
    users = {v for i, v in speaking.items() if messages[i].role.lower() in SPEAKERS}
    if len(users) != 1 or any(messages[i].role.lower() not in SPEAKERS for i in speaking):
        return None
    return next(iter(users)), {i: m.content for i, m in enumerate(messages)
                               if m.role.lower() == "assistant" and not m.name and language_gate.reads(m.content)}
