"""Who a conversation's people are, from the chat and from what its namespace already holds.

The user's name (the caller's, the one the chat gives, or the one the user's earlier facts give) and the
names of people the namespace already knows: a chat sent one session at a time mentions in its second
session the dog or the colleague named in its first ("Lupe did the stairs alone today!"), and the small
tagger often takes such a first name for a common noun or a place. Nothing is read for a submitter that may
not read the namespace: what is read must not tell it what the namespace holds.
"""

from __future__ import annotations

import re
from typing import Any

from memvault.extraction.facts import Extractor, Message, TurnDocs
from memvault.extraction.gazetteer import normalise
from memvault.vault import fact_links
from memvault.vault.engine import Database

#: Words that may be names: capitalised ones, a sentence's first word too (a cheap test before the one read).
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*\w")
#: Words a chat written in lower case may name someone with ("dev", "fergus"): three letters or more.
_LOWER_CASE = re.compile(r"\b[a-z][a-z'’-]+[a-z]\b")
#: Capitals a lower-case turn still has: a sentence's first letter, "I" and its contractions.
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)[A-Z]|\bI\b")
#: At most this many names are looked up per conversation (one indexed read each, in one statement).
KNOWN_PEOPLE_MAX = 600


class ConversationNames:
    """Reads the user's name and the namespace's known people for a conversation's extraction job."""

    def __init__(self, db: Database, extractor: Extractor) -> None:
        self._db = db
        self._extractor = extractor

    def with_user_name(self, request: dict[str, Any], docs: TurnDocs) -> dict[str, Any]:
        """``request`` with the user's name and where it came from: the caller's (``user_name``, or a name on
        the user's turns) always; else the name the chat itself gives the user, if it gives exactly one
        (:mod:`memvault.extraction.names`), so an unnamed user's facts name them as a named user's do; else
        the name the user's (``user_id``) earlier facts in the namespace give them."""
        if request.get("user_name") or any(m.get("name") for m in request["messages"] if m["role"] == "user"):
            return {**request, "user_name_source": "caller"}
        messages = [Message(m["role"], m["content"], m.get("name")) for m in request["messages"]]
        name = self._extractor.read_user_name(messages, docs, self._known_place(request))
        if name is not None:
            return {**request, "user_name": name, "user_name_source": "conversation"}
        if request.get("user_id") and request.get("reads_namespace", True):
            # A chat that does not name its user still names them as their earlier facts do.
            with self._db.read() as conn:
                name = fact_links.person_name(conn, request["namespace"], request["user_id"])
            if name is not None:
                return {**request, "user_name": name, "user_name_source": "person"}
        return {**request, "user_name_source": None}

    def known_people(self, request: dict[str, Any]) -> frozenset[str]:
        """The words of the chat that name a person the namespace already knows (its entities of type person),
        as the chat writes them; in a turn written in lower case, with their capital ("dev" → "Dev"), as
        extraction reads such a turn (:mod:`memvault.extraction.truecase`)."""
        if not request.get("reads_namespace", True):
            return frozenset()
        said: dict[str, set[str]] = {}
        for m in request["messages"]:
            content = m["content"]
            lower_case = not _CAPITALISED.search(_SENTENCE_START.sub("", content))
            for word in _CAPITALISED.findall(content) + (_LOWER_CASE.findall(content) if lower_case else []):
                key = normalise(word)
                if key and (key in said or len(said) < KNOWN_PEOPLE_MAX):
                    said.setdefault(key, set()).add(word[:1].upper() + word[1:])
        if not said:
            return frozenset()
        with self._db.read() as conn:
            known = fact_links.known_people(conn, request["namespace"], list(said))
        return frozenset(word for key in known for word in said[key])

    def _known_place(self, request: dict[str, Any]) -> Any:
        """Whether the namespace knows a name as a place (its entities): a name the tagger types as a place is
        then not read as the user's (:mod:`memvault.extraction.names`)."""
        if not request.get("reads_namespace", True):
            return None

        def known(name: str) -> bool:
            with self._db.read() as conn:
                return fact_links.known_place(conn, request["namespace"], normalise(name))
        return known
