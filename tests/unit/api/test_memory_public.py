"""The native memory object is built from a per-field plan; it must say what the field rules say."""

from __future__ import annotations

import dataclasses

import pytest

from memvault.api.schemas import _NATIVE_FIELDS, EntityRef, MemoryPublic, _native
from memvault.domain.entities import EntityMention, EntityType, TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.models import Memory

BASE = Memory(id="0193a2b4c5d6e7f8a9b0c1d2e3f4a5b6", rowid=7, namespace="ns", content="Dana owns billing.",
              memory_type=MemoryType.FACT, tags=("billing", "team"), metadata={"k": [1, {"x": None}]},
              importance=0.75, tier=Tier.HOT, visibility=list(Visibility)[-1], agent_id="a", user_id="u",
              session_id="s", project="p", client_id="c", created_at=1764000000.9, updated_at=1764000001.2,
              expires_at=1764999999.5, deleted_at=1764000002.7, archived_at=1764000003.1, version=3,
              embedding_status=list(EmbeddingStatus)[-1], model_id="m", memory_type_source=TypeSource.INFERRED,
              entities=(EntityMention(EntityType.PERSON, "dana", 0.85), EntityMention(EntityType.CONCEPT, "billing", 0.5)))


def _by_the_rules(m: Memory) -> MemoryPublic:
    """The object as the field rules build it, one field and one entity at a time."""
    return MemoryPublic(**{spec.api["native"]: _native(spec, getattr(m, spec.name)) for spec in _NATIVE_FIELDS},
                        entities=[EntityRef(type=e.type.value, value=e.value, confidence=e.confidence)
                                  for e in m.entities])


@pytest.mark.parametrize("memory", [
    BASE,
    dataclasses.replace(BASE, agent_id=None, user_id=None, session_id=None, project=None, client_id=None,
                        expires_at=None, deleted_at=None, archived_at=None, tags=(), metadata={}, entities=()),
])
def test_the_native_object_is_what_the_field_rules_make(memory):
    built = MemoryPublic.of(memory)
    assert built == _by_the_rules(memory)
    assert built.model_dump_json() == _by_the_rules(memory).model_dump_json()
