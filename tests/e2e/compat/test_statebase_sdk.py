"""The official StateBase SDK (``statebase`` 0.4.1 from PyPI), unpatched: only its base URL and key change.

Every public method is called once against a real server; the SDK parses each answer with its own models
(``SessionResponse``, ``TurnResponse``, ``MemoryResponse``, ``MemorySearchResult``, ``StateGetResponse``) and
raises on any HTTP error (``raise_for_status``).
"""

from __future__ import annotations

import httpx
import pytest
from statebase import StateBase

pytestmark = pytest.mark.slow  # the real model: memory search by meaning


@pytest.fixture
def sb(api):
    _, secret = api.services.keys.create("statebase-sdk", "read,write")
    with StateBase(api_key=secret, base_url=f"{api.url}/compat/statebase") as client:
        yield client


def test_every_method(api, sb):
    assert sb.health()["status"] == "ok"
    session = sb.sessions.create(agent_id="support-bot", user_id="u-42", metadata={"channel": "web"},
                                 initial_state={"step": "greeting", "cart": []}, ttl_seconds=3600)
    assert session.state == {"step": "greeting", "cart": []} and session.ttl_expires_at
    assert sb.sessions.get(session.id).agent_id == "support-bot"
    listed = sb.sessions.list(agent_id="support-bot")
    assert [s["id"] for s in listed["data"]] == [session.id]

    # The SDK sends "tags": null and "metadata": null when they are not given, to /v1/memories.
    bare = sb.memory.add("User's company is Acme Corp", session_id=session.id)
    assert bare.type == "fact" and bare.tags == [] and bare.id.startswith("mem_")
    # Without a session the SDK sends "session_id": null (its parameter is optional): a memory of no session.
    loose = sb.memory.add("The office closes at 6pm on Fridays")
    assert loose.session_id == "" and loose.content == "The office closes at 6pm on Fridays"
    dark = sb.memory.add("User prefers dark mode", type="preference", session_id=session.id,
                         tags=["ui"], metadata={"confidence": 0.9})
    api.drain()
    hits = sb.memory.search("What does the user like for the screen theme?", threshold=0.3)
    assert hits[0].id == dark.id and hits[0].score >= 0.3
    assert sb.memory.search("screen theme", types="fact", threshold=0.0) == [] or \
        all(h.type == "fact" for h in sb.memory.search("screen theme", types="fact", threshold=0.0))
    assert sb.memory.search("screen theme", tags="ui", threshold=0.0)[0].id == dark.id
    # A memory added to a session is that session's user's: the document's search by user_id (which the SDK
    # does not send) finds it; it found none before.
    _, reader = api.services.keys.create("statebase-sdk", "read")
    with api.client(reader) as raw:
        def by_user(user):
            found = raw.post("/compat/statebase/v1/memory/search",
                             json={"query": "screen theme", "user_id": user, "threshold": 0.0}).json()["data"]
            return {h["id"] for h in found}
        assert by_user("u-42") == {bare.id, dark.id} and by_user("someone-else") == set()

    turn = sb.sessions.add_turn(session.id, input="Hi, I want a refund", output="Sure, which order?",
                                metadata={"lang": "en"}, reasoning="refund intent")
    assert turn.turn_number == 1 and turn.input.content == "Hi, I want a refund"
    tool = sb.sessions.add_tool_call(session.id, "lookup_order", {"order": 7}, {"status": "shipped"},
                                     tool_call_id="call-1")
    assert tool.turn_number == 2 and tool.input.type == "tool_call"
    turns = sb.sessions.list_turns(session.id)
    assert [t.turn_number for t in turns] == [1, 2]
    assert [t.id for t in sb.sessions.list_turns(session.id, starting_after=turn.id)] == [tool.id]

    first = sb.sessions.get_state(session.id)
    changed = sb.sessions.update_state(session.id, {"step": "refund"}, reasoning="user asked")
    assert changed.version == first.version + 1 and changed.state == {"step": "refund", "cart": []}
    back = sb.sessions.rollback(session.id, first.version)
    assert back.state == first.state and back.version == changed.version + 1
    fork = sb.sessions.fork(session.id, version=changed.version)
    assert fork.id != session.id and fork.state == changed.state
    # The SDK's README: version=-1 rolls back to the previous version (it was a 404).
    undone = sb.sessions.rollback(session.id, -1)
    assert undone.state == changed.state and undone.version == back.version + 1
    with pytest.raises(httpx.HTTPStatusError) as gone:
        sb.sessions.rollback(session.id, -undone.version - 1)
    assert gone.value.response.status_code == 404

    ctx = sb.sessions.get_context(session.id, query="screen theme preference", memory_limit=3, turn_limit=1)
    assert ctx["state"] == undone.state and [t["id"] for t in ctx["recent_turns"]] == [tool.id]
    assert ctx["memories"][0]["id"] == dark.id

    sb.sessions.delete(fork.id)
    with pytest.raises(httpx.HTTPStatusError) as missing:
        sb.sessions.get(fork.id)
    assert missing.value.response.status_code == 404
    assert missing.value.response.json()["error"]["code"] == "session_not_found"


def test_a_write_only_key_adds_once_through_the_sdk_and_learns_no_other_memory(api):
    """The receipt lacked the fields the SDK's MemoryResponse requires: memory.add raised a pydantic error after
    the write succeeded, and a retry stored it again."""
    from memvault.domain.models import MemoryFilter

    _, write_only = api.services.keys.create("statebase-wo", "write")
    _, reader = api.services.keys.create("statebase-wo", "read,write")
    with StateBase(api_key=write_only, base_url=f"{api.url}/compat/statebase") as client:
        made = client.memory.add("The user's hotel is the Alfama Inn", type="preference", session_id="trip")
        bare = client.memory.add("The user's flight lands at 18:40")
    assert made.id.startswith("mem_") and made.content == "" and made.object == "memory_receipt"
    assert (made.type, made.session_id) == ("preference", "trip") and made.created_at
    assert (bare.type, bare.session_id, bare.content) == ("fact", "", "")  # what the SDK itself sent
    assert api.services.memories.count(MemoryFilter(namespace="statebase-wo")) == 2
    with api.client(reader) as raw:
        assert raw.get(f"/compat/statebase/v1/memory/{made.id}").json()["content"] == "The user's hotel is the Alfama Inn"
