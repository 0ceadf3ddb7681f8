"""Conversations submitted for fact extraction, and what their extraction job reports.

A :class:`ConversationSubmission` is what a surface hands the conversation
service (validated there); an :class:`ExtractionJob` is the durable job's state
as ``GET /v1/extractions/{id}`` shows it. Names are the ones a caller gives
(``ChatMessage.name``, ``user_name``), else the user's as the chat's own words give it (or the user's
earlier facts), never read out of an id. The job's ``result`` is plain JSON:
``memories_extracted``, ``categories``, ``facts`` (id, content, kind,
categories, event_at, message_index, span, person, person_id), ``duplicates`` (content,
duplicate_of), ``superseded`` (id, superseded_by), ``user_name`` and ``user_name_source`` ("caller",
"conversation", "person" or ``None``), ``renamed`` (the ids of the user's earlier facts given their name
by this chat; left out for a submitter that may not read the namespace) and ``processing_time_ms``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from memvault.domain.changes import USER, ChangeOrigin


#: Speakers that name a role, not a person: a turn said by "user" or "assistant" is nobody's by name.
ROLE_SPEAKERS = frozenset({"user", "assistant", "system", "tool", "human", "ai", "bot", "model"})


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class ChatMessage:
    """One turn; ``name`` is the speaker's display name (a named turn is a person's, whatever its role)."""

    role: str
    content: str
    name: str | None = None


@dataclass(frozen=True)
class ConversationSubmission:
    """A conversation to extract facts from, and where its facts go."""

    messages: tuple[ChatMessage, ...]
    namespace: str
    conversation_id: str | None = None
    #: When the conversation took place (Unix seconds); relative dates resolve against it. Default: now.
    occurred_at: float | None = None
    agent_id: str | None = None
    user_id: str | None = None
    #: The user's display name: facts about the user name them ("Anna moved ...") instead of "the user".
    user_name: str | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    origin: ChangeOrigin = USER
    #: The facts' own time is ``occurred_at`` rather than now, however near it is (an import of a past
    #: conversation). An ``occurred_at`` over an hour back dates them anyway (``conversation_requests``).
    dated_by_conversation: bool = False
    #: Whether the submitter may read the namespace: only then may an unnamed user's facts take the name the
    #: user's earlier facts give (a write-only key must not learn it from its own chat's facts).
    reads_namespace: bool = True


@dataclass(frozen=True)
class ExtractionJob:
    id: str
    namespace: str
    status: JobStatus
    attempts: int
    created_at: float
    finished_at: float | None
    result: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True)
class Person:
    """Someone a namespace's facts are about.

    ``person_id`` is what the facts are kept apart by (the user's ``user_id``, else the speaker's name; "" for
    an unnamed user), ``name`` the display name given with them, if any; ``facts`` counts the live facts,
    ``last_seen`` is the newest one's time (Unix seconds).
    """

    namespace: str
    person_id: str
    name: str | None
    facts: int
    last_seen: float
