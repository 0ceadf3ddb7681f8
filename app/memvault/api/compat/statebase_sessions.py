"""StateBase's Sessions API under ``/compat/statebase``: sessions, their versioned state, turns and context.

What the official SDK (``statebase`` 0.4.1) calls: ``/v1/sessions`` (create,
get, list, delete), ``/state`` (get, partial update, rollback), ``/fork``,
``/turns`` (log, list) and ``/context`` (state, the memories relevant to a
query, the recent turns); and ``/health``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from memvault.api import admin
from memvault.api import documented as d
from memvault.api.compat.statebase import DEFAULT_THRESHOLD, id_permutation, memory_out
from memvault.api.deps import ReadKey, ServicesDep, WriteKey
from memvault.api.routes import StrictJsonRoute
from memvault.domain.enums import SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import ApiKey, MemoryFilter, SearchQuery
from memvault.ranking import good_match
from memvault.service import validation as v
from memvault.service.container import Services
from memvault.service.sessions import Session, SessionService, StateVersion, Turn

router = APIRouter(prefix="/compat/statebase", tags=["compat: statebase"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.StatebaseError))


def iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SessionIn(Lenient):
    agent_id: Annotated[str, d.doc(**d.ID_FIELD)]
    user_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    metadata: dict[str, Any] | None = None
    initial_state: dict[str, Any] | None = None
    ttl_seconds: d.Int | None = None


class ContextIn(Lenient):
    query: Annotated[str | None, d.doc(**d.QUERY)] = None
    memory_limit: Annotated[d.Int, d.doc(minimum=0, maximum=50)] = 5
    turn_limit: Annotated[d.Int, d.doc(minimum=0, maximum=100)] = 5


class TurnIn(Lenient):
    input: dict[str, Any]
    output: dict[str, Any]
    metadata: dict[str, Any] | None = None
    reasoning: Annotated[str | None, d.doc(maxLength=10_000)] = None


class StateIn(Lenient):
    state: dict[str, Any]
    reasoning: Annotated[str | None, d.doc(maxLength=10_000)] = None


class RollbackIn(Lenient):
    version: d.Int


class ForkIn(Lenient):
    version: d.Int | None = None


def _sessions(services: Services) -> SessionService:
    return services.profiles.sessions


def _session(s: Session, key: ApiKey, services: Services) -> dict:
    count = services.memories.count(MemoryFilter(namespace=key.namespace, session_id=s.id))
    return {"object": "session", "id": s.id, "agent_id": s.agent_id, "user_id": s.user_id,
            "created_at": iso(s.created_at), "updated_at": iso(s.updated_at), "metadata": s.metadata,
            "state": s.state, "version": s.version, "memory_count": count, "turn_count": s.turn_count,
            "ttl_expires_at": iso(s.ttl_expires_at)}


def _state(sv: StateVersion) -> dict:
    return {"object": "state", "session_id": sv.session_id, "version": sv.version, "state": sv.state,
            "created_at": iso(sv.created_at), "updated_at": iso(sv.updated_at)}


def _text_part(part: dict[str, Any]) -> dict[str, Any]:
    # The SDK's TurnInput/TurnOutput need a type and a text content; the part is kept whole beside them.
    return {**part, "type": str(part.get("type") or "text"), "content": str(part.get("content") or "")}


def _turn(t: Turn) -> dict:
    return {"object": "turn", "id": t.id, "session_id": t.session_id, "turn_number": t.turn_number,
            "input": _text_part(t.input), "output": _text_part(t.output), "metadata": t.metadata,
            "reasoning": t.reasoning, "state_before": t.state_before, "state_after": t.state_after,
            "created_at": iso(t.created_at)}


@router.get("/health")
def health(services: ServicesDep) -> Response:
    """The native ``/healthz`` at the path the SDK asks (no key needed, as for ``/healthz``)."""
    return admin.healthz(services)


@router.post("/v1/sessions", status_code=201)
def create_session(body: SessionIn, key: WriteKey, services: ServicesDep) -> dict:
    s = _sessions(services).create(key.namespace, body.agent_id, user_id=body.user_id, metadata=body.metadata,
                                   initial_state=body.initial_state, ttl_seconds=body.ttl_seconds)
    return _session(s, key, services)


@router.get("/v1/sessions")
def list_sessions(key: ReadKey, services: ServicesDep, agent_id: str | None = None,
                  limit: Annotated[int, d.doc_query(minimum=1, maximum=100)] = 20,
                  starting_after: str | None = None, created_after: str | None = None) -> dict:
    after = None
    if created_after is not None:
        try:
            after = dt.datetime.fromisoformat(created_after.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise InvalidInput("created_after must be an ISO 8601 time", field="created_after") from None
    found, more = _sessions(services).list(key.namespace, agent_id=agent_id, limit=limit,
                                           starting_after=starting_after, created_after=after)
    return {"object": "list", "data": [_session(s, key, services) for s in found], "has_more": more}


@router.get("/v1/sessions/{session_id}")
def get_session(session_id: str, key: ReadKey, services: ServicesDep) -> dict:
    return _session(_sessions(services).get(key.namespace, session_id), key, services)


@router.delete("/v1/sessions/{session_id}")
def delete_session(session_id: str, key: WriteKey, services: ServicesDep) -> dict:
    """The session, its state versions and turns go; memories that name it stay (they outlive sessions)."""
    _sessions(services).delete(key.namespace, session_id)
    return {"id": session_id, "object": "session", "deleted": True}


@router.post("/v1/sessions/{session_id}/context")
def context(session_id: str, body: ContextIn, key: ReadKey, services: ServicesDep) -> dict:
    sessions = _sessions(services)
    s = sessions.get(key.namespace, session_id)
    memories: list[dict] = []
    if body.query and body.memory_limit:
        result = services.search.search(SearchQuery(
            # The memory_limit most relevant, ranked as memory search ranks them; the call takes no threshold.
            body.query, mode=SearchMode.HYBRID, limit=body.memory_limit,
            filter=MemoryFilter(namespace=key.namespace, include_confidential=False)))
        services.usage.record(key.id, searches=1)
        ids = id_permutation(services)
        memories = [memory_out(h.memory, ids,
                               score=round(good_match.provider_score(h.score, DEFAULT_THRESHOLD, SearchMode.HYBRID), 6))
                    for h in result.hits]
    turns = sessions.turns(key.namespace, s.id, limit=body.turn_limit, newest_first=True) if body.turn_limit else []
    return {"session_id": s.id, "state": s.state, "memories": memories,
            "recent_turns": [_turn(t) for t in reversed(turns)]}


@router.post("/v1/sessions/{session_id}/turns", status_code=201)
def add_turn(session_id: str, body: TurnIn, key: WriteKey, services: ServicesDep) -> dict:
    t = _sessions(services).add_turn(key.namespace, session_id, body.input, body.output, metadata=body.metadata,
                                     reasoning=body.reasoning)
    return _turn(t)


@router.get("/v1/sessions/{session_id}/turns")
def list_turns(session_id: str, key: ReadKey, services: ServicesDep,
               limit: Annotated[int, d.doc_query(minimum=1, maximum=100)] = 20,
               starting_after: str | None = None) -> dict:
    v.int_range(limit, "limit", 1, 100)
    # One more than asked says whether more follow (at the largest page, a full page says so).
    found = _sessions(services).turns(key.namespace, session_id, limit=min(limit + 1, 100),
                                      starting_after=starting_after)
    more = len(found) > limit or len(found) == 100
    return {"object": "list", "data": [_turn(t) for t in found[:limit]], "has_more": more}


@router.get("/v1/sessions/{session_id}/state")
def get_state(session_id: str, key: ReadKey, services: ServicesDep) -> dict:
    return _state(_sessions(services).state(key.namespace, session_id))


@router.patch("/v1/sessions/{session_id}/state")
def update_state(session_id: str, body: StateIn, key: WriteKey, services: ServicesDep) -> dict:
    """Merge the given keys into the state (a new version)."""
    return _state(_sessions(services).update_state(key.namespace, session_id, body.state, body.reasoning))


@router.post("/v1/sessions/{session_id}/state/rollback")
def rollback(session_id: str, body: RollbackIn, key: WriteKey, services: ServicesDep) -> dict:
    return _state(_sessions(services).rollback(key.namespace, session_id, body.version))


@router.post("/v1/sessions/{session_id}/fork", status_code=201)
def fork(session_id: str, body: ForkIn, key: WriteKey, services: ServicesDep) -> dict:
    return _session(_sessions(services).fork(key.namespace, session_id, body.version), key, services)
