"""The SDKs' asynchronous clients send the same requests as the synchronous ones; a round through each."""

from __future__ import annotations

import asyncio

import pytest
from memoryrelay import AsyncMemoryRelay
from memoryrelay.models import AgentCreate, MemoryCreate, MemorySearchRequest, MemoryUpdate
from statebase import AsyncStateBase

pytestmark = pytest.mark.slow  # the real model: search by meaning


def test_async_memoryrelay(api):
    _, secret = api.services.keys.create("relay-async", "read,write")

    async def run() -> None:
        async with AsyncMemoryRelay(api_key=secret, base_url=f"{api.url}/compat/memoryrelay") as c:
            agent = await c.agents.create(AgentCreate(name="AsyncAgent"))
            made = await c.memories.create(MemoryCreate(content="The user drinks oat milk", agent_id=agent.id))
            assert (await c.memories.update(made.id, MemoryUpdate(metadata={"k": 1}))).metadata == {"k": 1}
            await asyncio.to_thread(api.drain)
            found = await c.memories.search(MemorySearchRequest(query="what milk does the user like"))
            assert found.data[0].memory.id == made.id
            assert [m.id for m in (await c.memories.list(agent_id=agent.id)).data] == [made.id]
            assert (await c.agents.list()).data[0].id == agent.id
            await c.entities.list()
            await c.memories.delete(made.id)

    asyncio.run(run())


def test_async_statebase(api):
    _, secret = api.services.keys.create("statebase-async", "read,write")

    async def run() -> None:
        async with AsyncStateBase(api_key=secret, base_url=f"{api.url}/compat/statebase") as sb:
            assert (await sb.health())["status"] == "ok"
            session = await sb.sessions.create(agent_id="bot", initial_state={"n": 0})
            memory = await sb.memory.add("User's dog is called Bruno", session_id=session.id)
            await sb.sessions.update_state(session.id, {"n": 1})
            assert (await sb.sessions.get_state(session.id)).state == {"n": 1}
            turn = await sb.sessions.add_turn(session.id, input="hi", output="hello")
            assert [t.id for t in await sb.sessions.list_turns(session.id)] == [turn.id]
            await asyncio.to_thread(api.drain)
            hits = await sb.memory.search("what is the name of the user's dog", threshold=0.3)
            assert hits[0].id == memory.id
            assert (await sb.sessions.get_context(session.id, query="dog"))["state"] == {"n": 1}
            await sb.sessions.delete(session.id)

    asyncio.run(run())
