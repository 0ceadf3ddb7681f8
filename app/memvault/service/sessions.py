"""Sessions with versioned state and logged turns (the StateBase Sessions API's model).

A session holds a JSON state; every change of it is a new version (kept, so a
session can roll back to one or fork from one), and every turn logged to it is
numbered. Memories stay memories: a memory names its session by ``session_id``.
"""

from __future__ import annotations

import copy
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import InvalidInput, NotFound
from memvault.service import validation as v
from memvault.vault import profile_records as rows
from memvault.vault.engine import Database

SESSION, STATE, TURN = "session", "session_state", "turn"
#: A session's state is one JSON object; bounded like a memory's metadata is, times ten.
STATE_MAX_BYTES = 100_000
TTL_MAX_SECONDS = 10 * 365 * 86400
REASONING_MAX_CHARS = 10_000


class SessionNotFound(NotFound):
    code = "session_not_found"


@dataclass(frozen=True)
class Session:
    id: str
    agent_id: str
    user_id: str | None
    metadata: dict[str, Any] | None
    state: dict[str, Any]
    version: int
    turn_count: int
    created_at: float
    updated_at: float
    ttl_expires_at: float | None


@dataclass(frozen=True)
class StateVersion:
    session_id: str
    version: int
    state: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Turn:
    id: str
    session_id: str
    turn_number: int
    input: dict[str, Any]
    output: dict[str, Any]
    created_at: float
    metadata: dict[str, Any] | None = None
    reasoning: str | None = None
    state_before: dict[str, Any] | None = None
    state_after: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _session(record: dict[str, Any]) -> Session:
    b = record["body"]
    return Session(id=record["id"], agent_id=b["agent_id"], user_id=b.get("user_id"), metadata=b.get("metadata"),
                   state=b["state"], version=b["version"], turn_count=b.get("turn_count", 0),
                   created_at=record["created_at"], updated_at=record["updated_at"],
                   ttl_expires_at=b.get("ttl_expires_at"))


def _body(s: Session) -> dict[str, Any]:
    return {"agent_id": s.agent_id, "user_id": s.user_id, "metadata": s.metadata, "state": s.state,
            "version": s.version, "turn_count": s.turn_count, "ttl_expires_at": s.ttl_expires_at}


def _reasoning(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > REASONING_MAX_CHARS:
        raise InvalidInput(f"reasoning must be text of at most {REASONING_MAX_CHARS} characters", field="reasoning")
    return v.plain_text(value, "reasoning")


def _state(value: Any, field_name: str = "state") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field_name} must be a JSON object", field=field_name)
    v.check_json(value, field_name, max_depth=32)
    if len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")) > STATE_MAX_BYTES:
        raise InvalidInput(f"{field_name} is larger than {STATE_MAX_BYTES} bytes", field=field_name)
    return value


class SessionService:
    """Create, read, change and delete sessions of one namespace at a time."""

    def __init__(self, db: Database, wall: Clock = system_clock) -> None:
        self._db = db
        self._wall = wall

    def create(self, namespace: str, agent_id: str, *, user_id: str | None = None,
               metadata: dict[str, Any] | None = None, initial_state: dict[str, Any] | None = None,
               ttl_seconds: int | None = None, session_id: str | None = None) -> Session:
        agent_id = v.optional_id(agent_id, "agent_id")
        if not agent_id:
            raise InvalidInput("agent_id is required", field="agent_id")
        if ttl_seconds is not None:
            v.int_range(ttl_seconds, "ttl_seconds", 1, TTL_MAX_SECONDS)
        now = self._wall()
        s = Session(id=session_id or f"sess_{uuid.uuid4().hex[:16]}", agent_id=agent_id,
                    user_id=v.optional_id(user_id, "user_id"), metadata=_state(metadata, "metadata") or None,
                    state=_state(initial_state, "initial_state"), version=1, turn_count=0, created_at=now,
                    updated_at=now, ttl_expires_at=None if ttl_seconds is None else now + ttl_seconds)
        with self._db.write() as conn:
            rows.put(conn, namespace, SESSION, s.id, _body(s), now)
            rows.put(conn, namespace, STATE, f"{s.id}:1", {"state": s.state, "reasoning": None}, now,
                     parent=s.id, seq=1)
        return s

    def _live(self, conn, namespace: str, session_id: str) -> Session:
        record = rows.get(conn, namespace, SESSION, session_id)
        if record is None:
            raise SessionNotFound(f"session {session_id} not found")
        s = _session(record)
        if s.ttl_expires_at is not None and s.ttl_expires_at <= self._wall():
            raise SessionNotFound(f"session {session_id} has expired")
        return s

    def get(self, namespace: str, session_id: str) -> Session:
        with self._db.read() as conn:
            return self._live(conn, namespace, session_id)

    def list(self, namespace: str, *, agent_id: str | None = None, limit: int = 20,
             starting_after: str | None = None, created_after: float | None = None) -> tuple[list[Session], bool]:
        """Sessions newest first; the bool says whether more follow."""
        v.int_range(limit, "limit", 1, 100)
        now = self._wall()
        out: list[Session] = []
        with self._db.read() as conn:
            after = None
            if starting_after is not None:
                anchor = self._live(conn, namespace, starting_after)
                after = (anchor.created_at, anchor.id)
            while len(out) <= limit:
                batch = rows.page(conn, namespace, SESSION, limit=200, after=after)
                if not batch:
                    break
                for record in batch:
                    s = _session(record)
                    if (agent_id is None or s.agent_id == agent_id) and \
                            (created_after is None or s.created_at > created_after) and \
                            (s.ttl_expires_at is None or s.ttl_expires_at > now):
                        out.append(s)
                after = (batch[-1]["created_at"], batch[-1]["id"])
        return out[:limit], len(out) > limit

    def delete(self, namespace: str, session_id: str) -> None:
        with self._db.write() as conn:
            self._live(conn, namespace, session_id)
            rows.delete(conn, namespace, SESSION, session_id)
            rows.delete_children(conn, namespace, STATE, session_id)
            rows.delete_children(conn, namespace, TURN, session_id)

    def _set_state(self, conn, namespace: str, s: Session, state: dict[str, Any], reasoning: str | None,
                   now: float, *, turn_count: int | None = None) -> Session:
        changed = Session(**{**s.__dict__, "state": state, "version": s.version + 1, "updated_at": now,
                             "turn_count": s.turn_count if turn_count is None else turn_count})
        rows.put(conn, namespace, SESSION, s.id, _body(changed), now)
        rows.put(conn, namespace, STATE, f"{s.id}:{changed.version}", {"state": state, "reasoning": reasoning}, now,
                 parent=s.id, seq=changed.version)
        return changed

    def state(self, namespace: str, session_id: str) -> StateVersion:
        s = self.get(namespace, session_id)
        return StateVersion(s.id, s.version, s.state, s.created_at, s.updated_at)

    def update_state(self, namespace: str, session_id: str, changes: dict[str, Any],
                     reasoning: str | None = None) -> StateVersion:
        """Merge ``changes`` into the state's top level, as a new version."""
        changes = _state(changes)
        now = self._wall()
        with self._db.write() as conn:
            s = self._live(conn, namespace, session_id)
            merged = _state({**s.state, **changes})
            s = self._set_state(conn, namespace, s, merged, _reasoning(reasoning), now)
        return StateVersion(s.id, s.version, s.state, s.created_at, s.updated_at)

    def _version(self, conn, namespace: str, s: Session, version: int) -> dict[str, Any]:
        """The state of ``version``; a negative one counts back from the current (-1: the one before it), as
        StateBase's SDK documents ``rollback(version=-1)``."""
        asked = version
        if isinstance(version, int) and version < 0:
            version = s.version + version
        record = rows.get(conn, namespace, STATE, f"{s.id}:{version}") if isinstance(version, int) else None
        if record is None:
            # Said as asked: -5 of a session at version 1 read "no state version -4".
            back = f" ({-asked} back from version {s.version})" if isinstance(asked, int) and asked < 0 else ""
            raise NotFound(f"session {s.id} has no state version {asked}{back}")
        return record["body"]["state"]

    def rollback(self, namespace: str, session_id: str, version: int) -> StateVersion:
        """Make an earlier version's state current again (recorded as a new version)."""
        now = self._wall()
        with self._db.write() as conn:
            s = self._live(conn, namespace, session_id)
            old = self._version(conn, namespace, s, version)
            number = s.version + version if version < 0 else version
            s = self._set_state(conn, namespace, s, copy.deepcopy(old), f"rollback to version {number}", now)
        return StateVersion(s.id, s.version, s.state, s.created_at, s.updated_at)

    def fork(self, namespace: str, session_id: str, version: int | None = None) -> Session:
        with self._db.read() as conn:
            s = self._live(conn, namespace, session_id)
            state = s.state if version is None else self._version(conn, namespace, s, version)
        metadata = {**(s.metadata or {}), "forked_from": s.id}
        # A fork of a session that expires ends when it does: a copy of a short-lived session was kept for ever.
        left = None if s.ttl_expires_at is None else max(1, math.ceil(s.ttl_expires_at - self._wall()))
        return self.create(namespace, s.agent_id, user_id=s.user_id, metadata=metadata, initial_state=state,
                           ttl_seconds=left)

    def add_turn(self, namespace: str, session_id: str, turn_input: dict[str, Any], output: dict[str, Any], *,
                 metadata: dict[str, Any] | None = None, reasoning: str | None = None) -> Turn:
        turn_input, output = _state(turn_input, "input"), _state(output, "output")
        now = self._wall()
        with self._db.write() as conn:
            s = self._live(conn, namespace, session_id)
            number = rows.last_seq(conn, namespace, TURN, s.id) + 1
            t = Turn(id=f"turn_{uuid.uuid4().hex[:16]}", session_id=s.id, turn_number=number, input=turn_input,
                     output=output, created_at=now, metadata=_state(metadata, "metadata") or None,
                     reasoning=_reasoning(reasoning), state_before=s.state, state_after=s.state)
            rows.put(conn, namespace, TURN, t.id, {k: getattr(t, k) for k in (
                "input", "output", "metadata", "reasoning", "state_before", "state_after")}, now,
                parent=s.id, seq=number)
            changed = Session(**{**s.__dict__, "turn_count": number, "updated_at": now})
            rows.put(conn, namespace, SESSION, s.id, _body(changed), now)
        return t

    def turns(self, namespace: str, session_id: str, *, limit: int = 20, starting_after: str | None = None,
              newest_first: bool = False) -> list[Turn]:
        v.int_range(limit, "limit", 1, 100)
        with self._db.read() as conn:
            s = self._live(conn, namespace, session_id)
            after = -1
            if starting_after is not None:
                anchor = rows.get(conn, namespace, TURN, starting_after)
                if anchor is None or anchor["parent"] != s.id:
                    raise NotFound(f"turn {starting_after} not found in session {s.id}")
                after = anchor["seq"]
            found = rows.children(conn, namespace, TURN, s.id, after_seq=after if not newest_first else -1,
                                  limit=limit, newest_first=newest_first)
        return [Turn(id=r["id"], session_id=s.id, turn_number=r["seq"], created_at=r["created_at"], **r["body"])
                for r in found]
