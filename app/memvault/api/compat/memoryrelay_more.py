"""MemoryRelay's agents, entities and extraction calls under ``/compat/memoryrelay`` (the official SDK's).

Entities are those Memvault extracts from memories (ids are digits; they
change with their memories, so they cannot be edited or deleted here) plus
those a client creates and links to memories by hand. Extraction runs on the
device with no provider: the settings say so, and a provider key is refused
rather than kept unused.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from memvault.api import documented as d
from memvault.api.compat import memoryrelay_view as view
from memvault.api.compat.limits import profile_limit
from memvault.api.compat.memoryrelay import PREFIX
from memvault.api.deps import ReadKey, ServicesDep, WriteKey
from memvault.api.routes import StrictJsonRoute
from memvault.domain.entities import Entity
from memvault.domain.errors import Conflict, InvalidInput, NotFound
from memvault.domain.models import ApiKey, MemoryFilter
from memvault.service import validation as v
from memvault.service.agents import Agent, AgentService
from memvault.service.container import Services
from memvault.service.entity_requests import EntityRequests
from memvault.service.records import RecordService

router = APIRouter(prefix=PREFIX, tags=["compat: memoryrelay"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.NativeError), dependencies=[profile_limit("memoryrelay")])
ENTITY, LINK = "entity", "entity_link"


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AgentIn(Lenient):
    name: Annotated[str, d.doc(**d.ID_FIELD)]
    description: Annotated[str | None, d.doc(maxLength=2000)] = None
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class AgentChange(Lenient):
    name: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    description: Annotated[str | None, d.doc(maxLength=2000)] = None
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class EntityIn(Lenient):
    name: Annotated[str, d.doc(**d.ID_FIELD)]
    entity_type: Annotated[str, d.doc(**d.ID_FIELD)]
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class EntityChange(Lenient):
    name: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class LinkIn(Lenient):
    entity_id: Annotated[str, d.doc(**d.ID_FIELD)]
    memory_id: Annotated[str, d.doc(**d.ID_FIELD)]
    relationship: Annotated[str | None, d.doc(**d.ID_FIELD)] = "mentioned_in"


# -- agents ----------------------------------------------------------------------------------------------------

def _agents(services: Services) -> AgentService:
    return services.profiles.agents


def _agent(services: Services, key: ApiKey, a: Agent) -> dict:
    return {"id": a.id, "name": a.name, "description": a.description, "metadata": a.metadata,
            "memory_count": services.memories.count(
                MemoryFilter(namespace=key.namespace, **view.agent_filter(a.id, key.namespace))),
            "created_at": int(a.created_at), "updated_at": int(a.updated_at)}


@router.post("/v1/agents", status_code=201)
def create_agent(body: AgentIn, key: WriteKey, services: ServicesDep) -> dict:
    a = _agents(services).create(key.namespace, body.name, description=body.description, metadata=body.metadata)
    return _agent(services, key, a)


@router.get("/v1/agents")
def list_agents(key: ReadKey, services: ServicesDep) -> dict:
    found, total = _agents(services).list(key.namespace)
    return {"object": "list", "data": [_agent(services, key, a) for a in found], "has_more": total > len(found),
            "next_cursor": None, "total_count": total}


@router.get("/v1/agents/{agent_id}")
def get_agent(agent_id: str, key: ReadKey, services: ServicesDep) -> dict:
    return _agent(services, key, _agents(services).get(key.namespace, agent_id))


@router.put("/v1/agents/{agent_id}")
def update_agent(agent_id: str, body: AgentChange, key: WriteKey, services: ServicesDep) -> dict:
    a = _agents(services).update(key.namespace, agent_id, name=body.name, description=body.description,
                                 metadata=body.metadata)
    return _agent(services, key, a)


@router.delete("/v1/agents/{agent_id}", status_code=204)
def delete_agent(agent_id: str, key: WriteKey, services: ServicesDep) -> Response:
    """The agent goes; its memories stay (delete them by id)."""
    _agents(services).delete(key.namespace, agent_id)
    return Response(status_code=204)


# -- entities --------------------------------------------------------------------------------------------------

def _records(services: Services) -> RecordService:
    return services.profiles.records


def _extracted(e: Entity) -> dict:
    # An extracted entity keeps no dates of its own: it dates from the memories that mention it (0 when none is
    # live: the SDK's fields are not optional).
    first, last = e.first_mentioned_at or 0, e.last_mentioned_at or 0
    return {"id": str(e.id), "name": e.value, "entity_type": e.type.value, "metadata": {"source": "extracted"},
            "memory_count": e.memory_count, "relationship_count": e.memory_count,
            "created_at": int(first), "updated_at": int(last)}


def _created(record: dict, links: int) -> dict:
    b = record["body"]
    return {"id": record["id"], "name": b["name"], "entity_type": b["entity_type"], "metadata": b.get("metadata") or {},
            "memory_count": links, "relationship_count": links, "created_at": int(record["created_at"]),
            "updated_at": int(record["updated_at"])}


def _entity(services: Services, key: ApiKey, entity_id: str) -> dict:
    if entity_id.isascii() and entity_id.isdigit() and len(entity_id) <= 18:
        return _extracted(services.entities.entity(int(entity_id), key.namespace))
    record = _records(services).get(key.namespace, ENTITY, entity_id)
    return _created(record, len(_records(services).children(key.namespace, LINK, entity_id)))


@router.get("/v1/entities")
def list_entities(key: ReadKey, services: ServicesDep, agent_id: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> dict:
    """The namespace's entities: hand-made ones first, then extracted ones, most mentioned first.

    ``agent_id`` is accepted and not applied: entities belong to the namespace, not to one agent.
    """
    created = [_created(r, len(_records(services).children(key.namespace, LINK, r["id"])))
               for r in _records(services).page(key.namespace, ENTITY, limit=500)]
    page = services.entities.list(key.namespace, limit=limit, offset=offset)
    data = created + [_extracted(e) for e in page.items]
    return {"object": "list", "data": data, "total_count": page.total + len(created),
            "has_more": offset + len(page.items) < page.total}


@router.post("/v1/entities", status_code=201)
def create_entity(body: EntityIn, key: WriteKey, services: ServicesDep) -> dict:
    entity_id = f"ent_{uuid.uuid4().hex[:16]}"
    records = _records(services)
    records.put(key.namespace, ENTITY, entity_id, {"name": v.optional_id(body.name, "name"),
                                                   "entity_type": v.optional_id(body.entity_type, "entity_type"),
                                                   "metadata": v.metadata(body.metadata or {})})
    return _created(records.get(key.namespace, ENTITY, entity_id), 0)


def _editable(entity_id: str) -> None:
    if entity_id.isdigit():
        raise Conflict("this entity was extracted from memories and changes with them; it cannot be edited")


@router.get("/v1/entities/{entity_id}")
def get_entity(entity_id: str, key: ReadKey, services: ServicesDep) -> dict:
    return _entity(services, key, entity_id)


@router.put("/v1/entities/{entity_id}")
def update_entity(entity_id: str, body: EntityChange, key: WriteKey, services: ServicesDep) -> dict:
    _editable(entity_id)
    records = _records(services)
    body_now = dict(records.get(key.namespace, ENTITY, entity_id)["body"])
    if body.name is not None:
        body_now["name"] = v.optional_id(body.name, "name")
    if body.metadata is not None:
        body_now["metadata"] = v.metadata({**(body_now.get("metadata") or {}), **body.metadata})
    records.put(key.namespace, ENTITY, entity_id, body_now)
    return _entity(services, key, entity_id)


@router.delete("/v1/entities/{entity_id}", status_code=204)
def delete_entity(entity_id: str, key: WriteKey, services: ServicesDep) -> Response:
    _editable(entity_id)
    _records(services).delete(key.namespace, ENTITY, entity_id, children_kind=LINK)
    return Response(status_code=204)


@router.post("/v1/entities/links", status_code=201)
def link_entity(body: LinkIn, key: WriteKey, services: ServicesDep) -> dict:
    _editable(body.entity_id)
    records = _records(services)
    records.get(key.namespace, ENTITY, body.entity_id)
    memory = services.memories.get(body.memory_id, key.namespace)
    link_id = f"{body.entity_id}:{memory.id}"
    relationship = v.optional_id(body.relationship, "relationship") or "mentioned_in"
    records.put(key.namespace, LINK, link_id, {"memory_id": memory.id, "relationship": relationship},
                parent=body.entity_id)
    made = records.get(key.namespace, LINK, link_id)
    return {"entity_id": body.entity_id, "memory_id": memory.id, "relationship": relationship,
            "relevance_score": 1.0, "created_at": int(made["created_at"])}


def _memory_ids(services: Services, key: ApiKey, entity_id: str) -> list[tuple[str, str]]:
    """(memory id, relationship) of every memory the entity is linked to or mentioned in."""
    if entity_id.isdigit():
        memories, _ = services.entities.memories(int(entity_id), key.namespace, limit=100)
        return [(m.id, "mentioned_in") for m in memories]
    _records(services).get(key.namespace, ENTITY, entity_id)
    return [(r["body"]["memory_id"], r["body"].get("relationship") or "mentioned_in")
            for r in _records(services).children(key.namespace, LINK, entity_id)]


@router.get("/v1/entities/{entity_id}/relationships")
def relationships(entity_id: str, key: ReadKey, services: ServicesDep) -> dict:
    links = _memory_ids(services, key, entity_id)
    return {"entity_id": entity_id, "relationships": [
        {"type": rel, "memory_id": mid} for mid, rel in links], "total": len(links)}


@router.get("/v1/entities/{entity_id}/neighborhood")
def neighborhood(entity_id: str, key: ReadKey, services: ServicesDep) -> dict:
    entity = _entity(services, key, entity_id)
    memories = []
    for mid, _ in _memory_ids(services, key, entity_id):
        try:
            memories.append(view.memory(services.memories.get(mid, key.namespace)))
        except NotFound:
            continue  # deleted since it was linked
    return {"entity": entity, "memories": memories, "entities": []}


# -- extraction --------------------------------------------------------------------------------------------------

def _requests(services: Services) -> EntityRequests:
    return services.profiles.entity_requests


_METHOD = {"extraction_method": "on_device", "extraction_model": "spacy"}


@router.post("/v1/memories/{memory_id}/extract-entities", status_code=202)
def extract_entities(memory_id: str, key: WriteKey, services: ServicesDep) -> dict:
    memory = services.memories.get(memory_id, key.namespace)
    _requests(services).extract(memory.rowid)
    return {"status": "queued", "memory_id": memory.id, **_METHOD}


@router.get("/v1/memories/{memory_id}/extraction-status")
def extraction_status(memory_id: str, key: ReadKey, services: ServicesDep) -> dict:
    memory = services.memories.get(memory_id, key.namespace)
    pending = _requests(services).pending(memory.rowid)
    return {"status": "pending" if pending else "completed", "memory_id": memory.id, **_METHOD,
            "updated_at": int(memory.updated_at), "entity_count": len(memory.entities)}


@router.post("/v1/memories/backfill-entities", status_code=202)
def backfill_entities(key: WriteKey, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                      agent_id: str | None = None) -> dict:
    return {"status": "queued", "queued": _requests(services).backfill(key.namespace, agent_id=agent_id,
                                                                      limit=limit)}


@router.get("/v1/extraction/settings")
def extraction_settings(key: ReadKey) -> dict:
    return {"tier": "local", "extractor": "on_device", "byok_enabled_globally": False, "byok_configured": False,
            "byok_active": False, "masked_api_key": None, "preferred_model": "spacy", "base_url": "",
            "last_validated_at": None, "plan_limits": {}, "keys": []}


@router.post("/v1/extraction/keys")
def create_extraction_key(key: WriteKey) -> dict:
    raise InvalidInput("Memvault extracts entities on this device and sends nothing to a provider: "
                       "no provider key is needed, and none is stored")


@router.post("/v1/extraction/keys/deactivate-all")
def deactivate_extraction_keys(key: WriteKey) -> dict:
    return {"status": "ok", "deactivated": 0}


@router.post("/v1/extraction/keys/{key_id}/activate")
def activate_extraction_key(key_id: str, key: WriteKey) -> dict:
    raise NotFound(f"no extraction key {key_id}: Memvault keeps no provider keys")


@router.delete("/v1/extraction/keys/{key_id}")
def delete_extraction_key(key_id: str, key: WriteKey) -> dict:
    raise NotFound(f"no extraction key {key_id}: Memvault keeps no provider keys")
