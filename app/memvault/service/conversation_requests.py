"""A submitted conversation checked and made a job's request (:mod:`memvault.service.conversations`)."""

from __future__ import annotations

from typing import Any

from memvault.domain import limits
from memvault.domain.clock import Clock
from memvault.domain.conversations import ConversationSubmission
from memvault.domain.errors import InvalidInput
from memvault.domain.ids import uuid7
from memvault.service import validation as v

MESSAGES_MAX = 500
#: All messages together, in characters: parsing takes about a second per 50,000.
CONVERSATION_MAX_CHARS = 500_000
#: Metadata keys the facts' own fields use; a client's metadata cannot set them.
RESERVED_METADATA = frozenset({"fact", "conversation_id", "source", "superseded_by", "superseded_at"})
ROLES = ("user", "assistant", "system")
NAME_MAX_CHARS = 100
#: A conversation that took place longer ago than this is dated by its own time, whichever surface sends it: its
#: facts replace only what was true before it. Nearer than this, a caller's clock a few minutes off must not
#: reorder a live chat's facts against those stored around it, so they take the time they arrive.
PAST_CONVERSATION_SECONDS = 3600.0


def _name(value: Any, what: str, field: str) -> str:
    """A display name as the caller gave it: one line of text, trimmed."""
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX_CHARS or any(
            ord(c) < 32 for c in value):
        raise InvalidInput(f"{what} must be one line of 1 to {NAME_MAX_CHARS} characters", field=field)
    return v.plain_text(value.strip(), field)


#: 1 January 3000, 00:00 UTC: no conversation is dated later.
_YEAR_3000 = 32_503_680_000


def validated(s: ConversationSubmission, wall: Clock) -> dict[str, Any]:
    """A submission as the job's request: checked, trimmed, with its defaults (``wall`` for a missing time)."""
    if not 1 <= len(s.messages) <= MESSAGES_MAX:
        raise InvalidInput(f"a conversation holds 1 to {MESSAGES_MAX} messages (got {len(s.messages)})",
                           field="messages")
    messages = []
    for i, m in enumerate(s.messages):
        if m.role not in ROLES:
            raise InvalidInput(f"message {i}: role must be one of {', '.join(ROLES)}", field="messages")
        if not isinstance(m.content, str) or len(m.content) > limits.CONTENT_MAX_CHARS:
            raise InvalidInput(f"message {i}: content must be text of at most {limits.CONTENT_MAX_CHARS} "
                               "characters", field="messages")
        message = {"role": m.role, "content": v.plain_text(m.content, "messages")}
        if m.name is not None:
            message["name"] = _name(m.name, f"message {i}: name", "messages")
        messages.append(message)
    if sum(len(m["content"]) for m in messages) > CONVERSATION_MAX_CHARS:
        raise InvalidInput(f"a conversation holds at most {CONVERSATION_MAX_CHARS:,} characters", field="messages")
    if not any(m["role"] == "user" and m["content"].strip() for m in messages):
        raise InvalidInput("messages must contain at least one non-empty user message", field="messages")
    metadata = {k: val for k, val in v.metadata(s.metadata).items() if k not in RESERVED_METADATA}
    if len(metadata) > limits.METADATA_MAX_KEYS - 3:
        raise InvalidInput(f"metadata may have at most {limits.METADATA_MAX_KEYS - 3} keys here (the facts add "
                           "conversation_id, source and fact)", field="metadata")
    now = wall()
    occurred = now if s.occurred_at is None else s.occurred_at
    if not isinstance(occurred, (int, float)) or isinstance(occurred, bool):
        raise InvalidInput("occurred_at must be a Unix time in seconds", field="occurred_at")
    if not 0 <= occurred < _YEAR_3000:
        # A time past the year 2999 (ISO 9999-12-31 read) or before 1970 read as if it were no time at all.
        raise InvalidInput(f"occurred_at is {'before 1970' if occurred < 0 else 'after the year 2999'}: a "
                           f"conversation's time is a Unix time in seconds from 0 to {_YEAR_3000 - 1:,}",
                           field="occurred_at")
    dated = s.dated_by_conversation or occurred < now - PAST_CONVERSATION_SECONDS
    source = None if s.source is None else v.tags([s.source])[0]
    return {"namespace": v.namespace(s.namespace), "messages": messages,
            "conversation_id": v.optional_id(s.conversation_id, "conversation_id") or uuid7(),
            "occurred_at": float(occurred), "agent_id": v.optional_id(s.agent_id, "agent_id"),
            "user_id": v.optional_id(s.user_id, "user_id"),
            "user_name": None if s.user_name is None else _name(s.user_name, "user_name", "user_name"),
            "source": source, "metadata": metadata,
            "origin": {"kind": s.origin.kind.value, "key_id": s.origin.key_id},
            "dated_by_conversation": bool(dated), "reads_namespace": bool(s.reads_namespace)}
