"""Optional fact extraction by a local language model behind an OpenAI-compatible endpoint.

Off by default. With ``MEMVAULT_EXTRACTION_LLM_URL`` set (Ollama, llama.cpp's
server, LM Studio: ``http://127.0.0.1:11434/v1`` and the like) conversations go
to ``POST {url}/chat/completions`` with a JSON schema for the answer
(``response_format: json_schema``), temperature 0. The endpoint must be on a
loopback address unless ``MEMVAULT_EXTRACTION_LLM_ALLOW_REMOTE`` is true: the
conversation leaves this process, and by default it does not leave the machine.

Whatever the model answers is checked: kinds and categories from the fixed
sets, the message index of a user turn, the quoted words found in that turn
(they give the character span). Facts that fail a check are dropped; an
endpoint that fails (refused, timed out, not JSON, not the schema, no usable
fact while the on-device extractor finds some) hands the conversation to the
on-device extractor, which stays the default and the fallback. Nothing about
the conversation is logged, only the kind of failure.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Sequence
from urllib.parse import urlsplit

from memvault.domain.errors import InvalidInput
from memvault.extraction.categories import CATEGORIES
from memvault.extraction.facts import EPISODIC, SEMANTIC, Fact, FactExtractor, Message, TurnDocs

log = logging.getLogger(__name__)

FACT_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["facts"],
    "properties": {"facts": {"type": "array", "items": {
        "type": "object", "additionalProperties": False,
        "required": ["text", "kind", "categories", "message_index", "quote", "subject", "event_at"],
        "properties": {
            "text": {"type": "string", "description": "the fact in the third person, about 'the user'"},
            "kind": {"type": "string", "enum": [SEMANTIC, EPISODIC]},
            "categories": {"type": "array", "items": {"type": "string", "enum": list(CATEGORIES)}},
            "message_index": {"type": "integer", "description": "index of the user message it comes from"},
            "quote": {"type": "string", "description": "the exact words of that message it comes from"},
            "subject": {"type": "string", "description": "'user', or 'user's sister' and the like"},
            "event_at": {"type": ["string", "null"], "description": "ISO date of a time-bound fact"},
        }}}},
}

PROMPT = """You extract lasting or time-bound facts about the user from a conversation.
Rules: only the user's own messages state facts; assistant messages are context only. Ignore greetings,
questions, thanks and small talk. Write each fact in the third person about "the user" ("The user moved to
Zurich in March 2026"), resolve pronouns and relative dates (the conversation took place on {when}).
kind is "episodic" for time-bound events (with event_at as YYYY-MM-DD) and "semantic" for lasting facts.
categories come only from: {categories}. quote must be copied exactly from the user message at
message_index. Answer with JSON only."""


def _is_loopback(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


class LlmExtractor:
    """Facts from an OpenAI-compatible chat endpoint, with ``fallback`` when it fails."""

    def __init__(self, url: str, model: str, fallback: FactExtractor, *, timeout: float = 30.0,
                 api_key: str = "", allow_remote: bool = False) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput("MEMVAULT_EXTRACTION_LLM_URL must be an http(s) URL such as http://127.0.0.1:11434/v1")
        if not allow_remote and not _is_loopback(parts.hostname):
            raise InvalidInput("MEMVAULT_EXTRACTION_LLM_URL is not a loopback address; set "
                               "MEMVAULT_EXTRACTION_LLM_ALLOW_REMOTE=true to send conversations to another machine")
        if not model:
            raise InvalidInput("MEMVAULT_EXTRACTION_LLM_MODEL must name the model to ask")
        self._endpoint = url.rstrip("/") + "/chat/completions"
        self._model = model
        self._fallback = fallback
        self._timeout = timeout
        self._api_key = api_key

    @property
    def extractor_id(self) -> str:
        return f"llm/{self._model}"

    def extract(self, messages: Sequence[Message], now: dt.datetime) -> list[Fact]:
        return self.extract_with_id(messages, now)[0]

    def read_user_name(self, messages: Sequence[Message], docs: TurnDocs | None = None,
                       known_place: Callable[[str], bool] | None = None) -> str | None:
        """The user's name as the chat gives it: read on the device, whichever extractor gives the facts."""
        return self._fallback.read_user_name(messages, docs, known_place)

    def extract_with_id(self, messages: Sequence[Message], now: dt.datetime, docs: TurnDocs | None = None,
                        known: Collection[str] = ()) -> tuple[list[Fact], str]:
        """The facts and which extractor found them (the endpoint, or the on-device fallback).

        A conversation with named speakers goes to the on-device extractor: the prompt knows only "the user".
        """
        if any(m.name for m in messages):
            return self._fallback.extract_with_id(messages, now, docs, known)
        try:
            facts = self._ask(messages, now)
        except (OSError, ValueError, KeyError, TypeError, IndexError, urllib.error.URLError) as exc:
            log.warning("the extraction endpoint failed (%s); using the on-device extractor", exc.__class__.__name__)
            facts = None
        if facts is None:
            return self._fallback.extract_with_id(messages, now, docs, known)
        return facts, self.extractor_id

    def _ask(self, messages: Sequence[Message], now: dt.datetime) -> list[Fact] | None:
        conversation = "\n".join(f"[{i}] {m.role}: {m.content}" for i, m in enumerate(messages))
        body = {"model": self._model, "temperature": 0, "messages": [
            {"role": "system", "content": PROMPT.format(when=now.date().isoformat(), categories=", ".join(CATEGORIES))},
            {"role": "user", "content": conversation}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "facts", "strict": True,
                                                                        "schema": FACT_SCHEMA}}}
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self._endpoint, data=json.dumps(body).encode("utf-8"), headers=headers,
                                         method="POST")
        with urllib.request.urlopen(request, timeout=self._timeout) as response:
            answer = json.loads(response.read().decode("utf-8"))
        content = answer["choices"][0]["message"]["content"]
        items = json.loads(content)["facts"]
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError("facts is not a list of objects")
        facts = [f for f in (self._checked(item, messages) for item in items) if f is not None]
        return facts if facts or not items else None

    @staticmethod
    def _checked(item: dict, messages: Sequence[Message]) -> Fact | None:
        index = item.get("message_index")
        text, quote = item.get("text"), item.get("quote")
        if not isinstance(index, int) or not 0 <= index < len(messages) or messages[index].role != "user":
            return None
        if not isinstance(text, str) or not text.strip() or not isinstance(quote, str):
            return None
        kind = item.get("kind") if item.get("kind") in (SEMANTIC, EPISODIC) else SEMANTIC
        categories = tuple(c for c in item.get("categories") or [] if c in CATEGORIES)
        source = messages[index].content
        start = source.find(quote) if quote else -1
        start, end = (start, start + len(quote)) if start >= 0 else (0, len(source))
        event_at = item.get("event_at") if kind == EPISODIC else None
        try:
            event_at = dt.date.fromisoformat(event_at).isoformat() if isinstance(event_at, str) else None
        except ValueError:
            event_at = None
        subject = item.get("subject") if isinstance(item.get("subject"), str) and item["subject"].strip() else "user"
        return Fact(text=" ".join(text.split())[:1000], kind=kind, categories=categories, subject=subject.lower(),
                    message_index=index, start=start, end=end, quote=source[start:end], event_at=event_at,
                    event_precision="day" if event_at else None)
