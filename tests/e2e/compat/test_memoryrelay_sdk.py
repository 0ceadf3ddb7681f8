"""The official MemoryRelay SDK (``memoryrelay`` 0.4.0 from PyPI), unpatched: only its base URL and key change.

Every public method of the client is called once against a real server and its answer parsed by the SDK's
own types (the SDK does that itself: a method returns a model or raises).
"""

from __future__ import annotations

import pytest
from memoryrelay import MemoryRelay, NotFoundError, ValidationError
from memoryrelay.exceptions import IcmUnsupportedError, MemoryRelayError
from memoryrelay.models import (
    AgentCreate,
    AgentUpdate,
    BatchMemoryItem,
    BatchMemoryRequest,
    EntityCreate,
    EntityLinkCreate,
    EntityUpdate,
    MemoryContextRequest,
    MemoryCreate,
    MemorySearchRequest,
    MemoryUpdate,
)

from memvault.domain.models import MemoryFilter

pytestmark = pytest.mark.slow  # the real model: search and classification by meaning


@pytest.fixture
def secret(api):
    return api.services.keys.create("relay-sdk", "read,write")[1]


@pytest.fixture
def client(api, secret):
    with MemoryRelay(api_key=secret, base_url=f"{api.url}/compat/memoryrelay") as c:
        yield c


def test_memories(api, client, secret):
    agent = client.agents.create(AgentCreate(name="MyAgent", metadata={"team": "ui"}))
    made = client.memories.create(MemoryCreate(
        content="The user prefers dark mode in all applications", agent_id=agent.id,
        metadata={"source": "chat", "confidence": "high"}, memory_type="preference"))
    assert made.agent_id == agent.id and made.memory_type == "preference" and made.tier == "warm"
    batch = client.memories.batch_create(BatchMemoryRequest(memories=[
        BatchMemoryItem(content="Meeting scheduled for March 20 at 2pm", agent_id=agent.id),
        BatchMemoryItem(content="Project deadline moved to April 1", agent_id=agent.id, importance=0.9)]))
    assert batch.succeeded == 2 and all(r.id for r in batch.results)
    # A memory stored natively without an agent (agent_id null) must not break the SDK's list or search.
    with api.client(secret) as native:
        assert native.post("/v1/memories", json={"content": "The user's desk faces north"}).status_code == 201
    api.drain()
    listed = client.memories.list()
    assert {m.id for m in listed.data} >= {made.id, *(r.id for r in batch.results)} and len(listed.data) == 4
    assert len(client.memories.search(MemorySearchRequest(query="which way does the desk face")).data) == 4
    assert client.memories.list(agent_id=agent.id).total_count == 3
    found = client.memories.search(MemorySearchRequest(query="What are the user's UI preferences?",
                                                       agent_id=agent.id, min_score=0.5))
    assert found.data and found.data[0].memory.id == made.id
    assert client.memories.get(made.id).content == made.content
    updated = client.memories.update(made.id, MemoryUpdate(
        content="User strongly prefers dark mode in all applications and IDEs",
        metadata={"last_confirmed": "2026-03-17"}))
    assert updated.metadata == {"source": "chat", "confidence": "high", "last_confirmed": "2026-03-17"}
    promoted = client.memories.promote(made.id, 0.9)
    assert promoted.importance == 0.9 and promoted.tier == "hot"
    client.memories.promote(made.id, 0.1, tier="warm")
    assert client.memories.maintenance().demoted_count == 1 and client.memories.get(made.id).tier == "cold"
    api.drain()
    ctx = client.memories.context(MemoryContextRequest(query="What theme does the user like?", agent_id=agent.id))
    assert ctx.memories_used >= 1 and "dark mode" in ctx.context and ctx.total_chars == len(ctx.context)
    pending = client.memories.create_async(MemoryCreate(content="The user's cat is called Miso",
                                                        agent_id=agent.id))
    assert pending.status in ("pending", "ready")
    ready = client.memories.wait_until_ready(pending.id, poll_interval=0.05, timeout=60)
    assert client.memories.get_status(pending.id).status == "ready" and ready.content.endswith("Miso")
    queued = client.memories.extract_entities(made.id)
    assert queued["memory_id"] == made.id and queued["status"] == "queued"
    assert client.memories.get_extraction_status(made.id)["memory_id"] == made.id
    assert client.memories.backfill_entities(limit=10)["status"] == "queued"
    client.memories.delete(made.id)
    with pytest.raises(NotFoundError):
        client.memories.get(made.id)
    with pytest.raises(NotFoundError):  # deleted already: not found, as a read is (not a conflict)
        client.memories.delete(made.id)
    with pytest.raises(ValidationError):  # the SDK keys its ValidationError on 422
        client.memories.search(MemorySearchRequest.model_construct(query="x", limit=101))


def _epoch(value) -> int:
    return value if isinstance(value, int) else int(value.timestamp())


def test_agents_entities_extraction(api, client):
    agent = client.agents.create(AgentCreate(name="Planner"))
    assert agent.id in {a.id for a in client.agents.list().data}
    assert client.agents.get(agent.id).name == "Planner"
    renamed = client.agents.update(agent.id, AgentUpdate(name="Planner 2", metadata={"v": 2}))
    assert renamed.name == "Planner 2" and renamed.metadata == {"v": 2}
    memory = client.memories.create(MemoryCreate(content="Greg Mahler joined Siemens in Munich last spring",
                                                 agent_id=agent.id))
    entity = client.entities.create(EntityCreate(name="Project Falcon", entity_type="project"))
    link = client.entities.link_to_memory(EntityLinkCreate(entity_id=entity.id, memory_id=memory.id))
    assert link.memory_id == memory.id
    assert client.entities.get(entity.id).memory_count == 1
    assert client.entities.update(entity.id, EntityUpdate(name="Falcon")).name == "Falcon"
    assert client.entities.get_relationships(entity.id)["relationships"][0]["memory_id"] == memory.id
    assert client.entities.get_neighborhood(entity.id)["memories"][0]["id"] == memory.id
    api.services.entities.drain()
    listed = client.entities.list()
    names = {e.name.lower() for e in listed.data}
    assert "falcon" in names and names & {"greg mahler", "siemens", "munich"}
    extracted = next(e for e in listed.data if e.name.lower() in ("greg mahler", "siemens", "munich"))
    got = client.entities.get(extracted.id)
    assert got.memory_count >= 1
    # Dated from the memory that mentions it, not the epoch.
    stored = api.services.memories.get(memory.id).created_at
    for e in (extracted, got):
        assert _epoch(e.created_at) == int(stored) and _epoch(e.updated_at) >= int(stored)
    with pytest.raises(MemoryRelayError) as refused:
        client.entities.delete(extracted.id)
    assert refused.value.status_code == 409
    client.entities.delete(entity.id)
    with pytest.raises(NotFoundError):
        client.entities.get(entity.id)
    client.agents.delete(agent.id)
    with pytest.raises(NotFoundError):
        client.agents.get(agent.id)
    settings = client.extraction.get_settings()
    assert settings.extractor == "on_device" and settings.keys == []
    with pytest.raises(ValidationError):
        client.extraction.create_key(__import__("memoryrelay").ByokKeyCreate(provider="openai", api_key="sk-x",
                                                                            model="gpt"))
    assert client.extraction.deactivate_all_keys()["deactivated"] == 0
    for call in (client.extraction.activate_key, client.extraction.delete_key):
        with pytest.raises(MemoryRelayError) as missing:
            call("k1")
        assert missing.value.status_code == 404


def test_icm_is_reported_unsupported(client):
    # The SDK's own contract for a server without ICM: capabilities() says so, every other call raises
    # IcmUnsupportedError and sends nothing else (no fallback to memory search).
    assert client.icm.capabilities() == {"supported": False}
    icm, ws = client.icm, "ws-1"
    calls = [lambda: icm.list_workspaces(), lambda: icm.get_release(ws, "r1"),
             lambda: icm.build_context(ws, target={"kind": "entry", "id": "e1"}), lambda: icm.root(),
             lambda: icm.list_repositories(ws), lambda: icm.list_relationships(ws), lambda: icm.get_receipt(ws, "x"),
             lambda: icm.get_run(ws, "run"), lambda: icm.get_source(ws), lambda: icm.configure_source(ws, "o/r"),
             lambda: icm.sync_source(ws),
             lambda: icm.import_files(ws, {"a.md": "text"}, client={"name": "t"}, origin={"kind": "k", "id": "1"}),
             lambda: icm.get_draft(ws), lambda: icm.check_draft(ws), lambda: icm.propose_draft(ws, "0" * 64),
             lambda: icm.refresh_proposal(ws)]
    for call in calls:
        with pytest.raises(IcmUnsupportedError):
            call()


def test_native_root_accepts_put_and_parallel_embeddings(api):
    _, secret = api.services.keys.create("relay-root", "read,write")
    with MemoryRelay(api_key=secret, base_url=api.url) as root:
        made = root.memories.create(MemoryCreate(content="The user likes green tea", agent_id="a1"))
        assert root.memories.update(made.id, MemoryUpdate(content="The user likes jasmine tea")).content.endswith(
            "jasmine tea")
        assert root.memories.batch_create(BatchMemoryRequest(memories=[
            BatchMemoryItem(content="The user runs on Sundays", agent_id="a1")])).succeeded == 1


def test_a_write_only_key_creates_once_through_the_sdk_and_reads_no_content(api):
    """The receipt lacked the fields the SDK's Memory requires: create() raised a pydantic error after the write
    succeeded, and a retry wrapper stored the memory again on every attempt."""
    _, write_only = api.services.keys.create("relay-wo", "write")
    with MemoryRelay(api_key=write_only, base_url=f"{api.url}/compat/memoryrelay") as client:
        made = client.memories.create(MemoryCreate(agent_id="wo-agent", content="The user's flight lands at 18:40"))
    assert made.id and made.content == "" and made.object == "memory_receipt" and made.agent_id == "wo-agent"
    assert api.services.memories.count(MemoryFilter(namespace="relay-wo")) == 1
    assert api.services.memories.get(made.id).content == "The user's flight lands at 18:40"


def test_the_agent_id_shown_for_a_memory_of_no_agent_finds_it_again(api):
    from memvault.domain.models import MemoryCreate as NativeCreate

    _, secret = api.services.keys.create("relay-agentless", "read,write")
    # Stored without an agent (as MCP, the CLI and the desktop app store), and one by an agent of the profile.
    plain = api.services.memories.create(NativeCreate(content="The user prefers dark mode",
                                                      namespace="relay-agentless"))
    with MemoryRelay(api_key=secret, base_url=f"{api.url}/compat/memoryrelay") as client, api.client(secret) as raw:
        bot = client.memories.create(MemoryCreate(content="The user's laptop is a ThinkPad", agent_id="support-bot"))
        api.drain()
        shown = client.memories.get(plain.memory.id).agent_id
        assert shown == "relay-agentless"
        assert [m.id for m in client.memories.list(agent_id=shown).data] == [plain.memory.id]
        assert [m.id for m in client.memories.list(agent_id="support-bot").data] == [bot.id]
        found = client.memories.search(MemorySearchRequest(query="dark mode", agent_id=shown))
        assert [r.memory.id for r in found.data] == [plain.memory.id]
        # "" (the SDK sends what it is given) is every agent, as the document's "omit to search all agents".
        assert len(client.memories.search(MemorySearchRequest(query="dark mode", agent_id="")).data) == 2
        assert raw.get("/compat/memoryrelay/v1/memories", params={"agent_id": ""}).json()["total_count"] == 2
