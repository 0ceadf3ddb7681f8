"""Entity routes under ``/v1/entities``: the namespace's entities with counts, and the memories of one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from memvault.api import documented as d
from memvault.api.deps import ReadKey, ReadWriteKey, ServicesDep, declared_query_only, namespace_for
from memvault.api.routes import StrictJsonRoute
from memvault.api.schemas import IntId, MemoryPublic
from memvault.domain.entities import SETTABLE_TYPES, Entity, EntityType

router = APIRouter(prefix="/v1/entities", tags=["entities"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.NativeError), dependencies=[Depends(declared_query_only)])


class EntityOut(BaseModel):
    id: int
    object: Literal["entity"] = "entity"
    namespace: str
    type: str
    value: str
    memory_count: int


class EntityListOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[EntityOut]
    total_count: int
    has_more: bool


SETTABLE = [t.value for t in SETTABLE_TYPES]


class EntityUpdate(d.RequestBody):
    type: Annotated[str, Field(description="What the entity is: " + ", ".join(SETTABLE),
                               json_schema_extra={"enum": SETTABLE})]


class EntityMemoriesOut(BaseModel):
    object: Literal["list"] = "list"
    entity: dict[str, Any]
    data: list[MemoryPublic]
    total_count: int
    has_more: bool


def _entity_out(e: Entity) -> EntityOut:
    return EntityOut(id=e.id, namespace=e.namespace, type=e.type.value, value=e.value, memory_count=e.memory_count)


@router.get("", response_model=EntityListOut)
def list_entities(
    key: ReadKey, services: ServicesDep,
    namespace: Annotated[str | None, d.doc_query(**d.NAMESPACE)] = None,
    type: Annotated[str | None, Query(description=", ".join(t.value for t in EntityType),
                                      json_schema_extra={"enum": [t.value for t in EntityType]})] = None,
    min_count: Annotated[int, Query(ge=1, le=10**9, description="Only entities this many live memories mention")] = 1,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    agent_id: Annotated[str | None, Query(description="Accepted and not applied (MemoryRelay's SDK sends it): "
                                                      "entities belong to the namespace, not to one agent")] = None,
) -> EntityListOut:
    """The key's namespace's entities, most mentioned first, with how many live memories mention each."""
    page = services.entities.list(namespace_for(key, namespace), type, limit=limit, offset=offset,
                                  min_count=min_count)
    return EntityListOut(data=[_entity_out(e) for e in page.items],
                         total_count=page.total, has_more=offset + len(page.items) < page.total)


@router.get("/{entity_id}/memories", response_model=EntityMemoriesOut)
def entity_memories(entity_id: IntId, key: ReadKey, services: ServicesDep,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20,
                    offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> EntityMemoriesOut:
    """The live memories that mention an entity of the key's namespace, newest first."""
    eid, namespace, etype, value = services.entities.get(entity_id, key.namespace)
    memories, total = services.entities.memories(eid, namespace, limit=limit, offset=offset)
    return EntityMemoriesOut(entity={"id": eid, "namespace": namespace, "type": etype.value, "value": value},
                             data=[MemoryPublic.of(m) for m in memories], total_count=total,
                             has_more=offset + len(memories) < total)


@router.patch("/{entity_id}", response_model=EntityOut)
def update_entity(entity_id: IntId, body: EntityUpdate, key: ReadWriteKey, services: ServicesDep) -> EntityOut:
    """Say what an entity is, where the on-device tagger guessed wrong (a pet typed an organisation): later
    mentions of the name keep the type given. Entities are derived on each device: the type is this vault's."""
    services.entities.retype([entity_id], body.type, key.namespace)
    e = services.entities.entity(entity_id, key.namespace)
    return _entity_out(e)
