"""Agents: named owners of memories (MemoryRelay's ``/v1/agents``).

An agent is a record with a name; a memory belongs to it through its
``agent_id``. Memories may also name an agent that was never created (any
string is an agent namespace), so an agent's memory count is counted from the
memories, not kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import InvalidInput, NotFound
from memvault.service import validation as v
from memvault.vault import profile_records as rows
from memvault.vault.engine import Database

AGENT = "agent"
AGENTS_MAX_PER_PAGE = 100
DESCRIPTION_MAX_CHARS = 2000


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    description: str | None
    metadata: dict[str, Any]
    created_at: float
    updated_at: float


def _agent(record: dict[str, Any]) -> Agent:
    b = record["body"]
    return Agent(id=record["id"], name=b["name"], description=b.get("description"), metadata=b.get("metadata") or {},
                 created_at=record["created_at"], updated_at=record["updated_at"])


def _description(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > DESCRIPTION_MAX_CHARS:
        raise InvalidInput(f"description must be text of at most {DESCRIPTION_MAX_CHARS} characters",
                           field="description")
    return v.plain_text(value, "description")


def _name(value: Any) -> str:
    name = v.optional_id(value, "name")
    if name is None:
        raise InvalidInput("name is required", field="name")
    return name


class AgentService:
    def __init__(self, db: Database, wall: Clock = system_clock) -> None:
        self._db = db
        self._wall = wall

    def create(self, namespace: str, name: str, *, description: str | None = None,
               metadata: dict[str, Any] | None = None) -> Agent:
        now = self._wall()
        agent = Agent(id=str(uuid.uuid4()), name=_name(name), description=_description(description),
                      metadata=v.metadata(metadata or {}), created_at=now, updated_at=now)
        with self._db.write() as conn:
            rows.put(conn, namespace, AGENT, agent.id, {"name": agent.name, "description": agent.description,
                                                        "metadata": agent.metadata}, now)
        return agent

    def get(self, namespace: str, agent_id: str) -> Agent:
        with self._db.read() as conn:
            record = rows.get(conn, namespace, AGENT, agent_id)
        if record is None:
            raise NotFound(f"agent {agent_id} not found")
        return _agent(record)

    def list(self, namespace: str, *, limit: int = AGENTS_MAX_PER_PAGE) -> tuple[list[Agent], int]:
        with self._db.read() as conn:
            found = rows.page(conn, namespace, AGENT, limit=limit)
            total = rows.count(conn, namespace, AGENT)
        return [_agent(r) for r in found], total

    def update(self, namespace: str, agent_id: str, *, name: str | None = None, description: str | None = None,
               metadata: dict[str, Any] | None = None) -> Agent:
        now = self._wall()
        with self._db.write() as conn:
            record = rows.get(conn, namespace, AGENT, agent_id)
            if record is None:
                raise NotFound(f"agent {agent_id} not found")
            body = dict(record["body"])
            if name is not None:
                body["name"] = _name(name)
            if description is not None:
                body["description"] = _description(description)
            if metadata is not None:
                body["metadata"] = v.metadata({**(body.get("metadata") or {}), **metadata})
            rows.put(conn, namespace, AGENT, agent_id, body, now)
        return self.get(namespace, agent_id)

    def delete(self, namespace: str, agent_id: str) -> None:
        with self._db.write() as conn:
            if not rows.delete(conn, namespace, AGENT, agent_id):
                raise NotFound(f"agent {agent_id} not found")
