"""Chat exports: ChatGPT's ``conversations.json`` and Claude's, as conversations of turns.

ChatGPT keeps each conversation as a tree of message nodes (``mapping``; edits
and regenerations branch it); the turns read here are the branch that ends at
``current_node``, the one the user last saw, in order. Claude keeps a list of
``chat_messages`` with ``sender`` ``human`` or ``assistant``. Tool calls,
hidden system messages and empty turns are left out. Either file may be given
as the export's ``.zip``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from memvault.domain.errors import InvalidInput
from memvault.service.importers.items import Conversation, Turn, optional_time, unix_time
from memvault.service.importers.streams import Input, iter_json_array

_CHATGPT_ROLES = {"user": "user", "assistant": "assistant"}
_CLAUDE_ROLES = {"human": "user", "user": "user", "assistant": "assistant"}
#: A reply chain longer than this is a loop in a damaged file, not a conversation.
_MAX_DEPTH = 100_000


def _object(value: Any, place: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{place}: {what} is not an object")
    return value


def _chatgpt_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if not isinstance(content, dict) or content.get("content_type") not in ("text", "multimodal_text"):
        return ""
    parts = content.get("parts")
    if not isinstance(parts, list):
        return ""
    return "\n".join(p for p in parts if isinstance(p, str)).strip()


def _chatgpt_branch(mapping: dict[str, Any], current: Any, place: str) -> list[dict[str, Any]]:
    """The message nodes from the root to ``current`` (or, without one, to the last leaf), in order."""
    if not isinstance(current, str) or current not in mapping:
        leaves = [k for k, n in mapping.items() if isinstance(n, dict) and not n.get("children")]
        if not leaves:
            return []
        current = leaves[-1]
    chain: list[dict[str, Any]] = []
    node_id: Any = current
    while node_id is not None:
        node = mapping.get(node_id)
        if not isinstance(node, dict):
            raise InvalidInput(f"{place}: message node {str(node_id)[:40]!r} is named but missing")
        chain.append(node)
        if len(chain) > _MAX_DEPTH:
            raise InvalidInput(f"{place}: the message tree loops")
        node_id = node.get("parent")
    return chain[::-1]


def chatgpt_conversation(doc: Any, place: str) -> Conversation:
    conv = _object(doc, place, "a conversation")
    source_id = conv.get("conversation_id") or conv.get("id")
    if not isinstance(source_id, str) or not source_id:
        raise InvalidInput(f"{place}: the conversation has no id")
    mapping = conv.get("mapping")
    if not isinstance(mapping, dict):
        raise InvalidInput(f"{place}: the conversation has no message mapping (not a ChatGPT conversations.json?)")
    created = unix_time(conv.get("create_time"), place, "create_time")
    turns = []
    for node in _chatgpt_branch(mapping, conv.get("current_node"), place):
        message = node.get("message")
        if not isinstance(message, dict):
            continue
        author = message.get("author") if isinstance(message.get("author"), dict) else {}
        role = _CHATGPT_ROLES.get(author.get("role"))
        meta = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
        if role is None or meta.get("is_visually_hidden_from_conversation"):
            continue
        text = _chatgpt_text(message)
        if text:
            turns.append(Turn(role, text, optional_time(message.get("create_time"), place, "create_time")))
    title = conv.get("title") if isinstance(conv.get("title"), str) else ""
    return Conversation(source_id, title, created, tuple(turns))


def _claude_text(message: dict[str, Any]) -> str:
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    blocks = message.get("content")
    if not isinstance(blocks, list):
        return ""
    return "\n".join(b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text"
                     and isinstance(b.get("text"), str)).strip()


def claude_conversation(doc: Any, place: str) -> Conversation:
    conv = _object(doc, place, "a conversation")
    source_id = conv.get("uuid")
    if not isinstance(source_id, str) or not source_id:
        raise InvalidInput(f"{place}: the conversation has no uuid")
    messages = conv.get("chat_messages")
    if not isinstance(messages, list):
        raise InvalidInput(f"{place}: the conversation has no chat_messages (not a Claude conversations.json?)")
    created = unix_time(conv.get("created_at"), place, "created_at")
    turns = []
    for i, raw in enumerate(messages):
        message = _object(raw, place, f"message {i}")
        role = _CLAUDE_ROLES.get(message.get("sender"))
        text = _claude_text(message)
        if role is not None and text:
            turns.append(Turn(role, text, optional_time(message.get("created_at"), place, f"message {i} created_at")))
    title = conv.get("name") if isinstance(conv.get("name"), str) else ""
    return Conversation(source_id, title, created, tuple(turns))


def read_chatgpt(path: Input) -> Iterator[tuple[str, Conversation]]:
    for place, doc in iter_json_array(path, member="conversations.json"):
        yield place, chatgpt_conversation(doc, place)


def read_claude(path: Input) -> Iterator[tuple[str, Conversation]]:
    for place, doc in iter_json_array(path, member="conversations.json"):
        yield place, claude_conversation(doc, place)
