"""Each deviation a conformance check found against the five API documents, tested from the document's text.

The quoted lines are the documents' own words (the seed documents beside the repository; copied here so that a bare clone runs them too).
"""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.slow  # the real model: classification, similarity scales and extraction

MR = "/compat/memoryrelay/v1/memories"
MR_TYPES = {"fact", "event", "insight", "task", "preference", "entity_reference", "system"}


def _key(api, namespace: str, scopes: str = "read,write") -> str:
    return api.services.keys.create(namespace, scopes)[1]


# -- MemoryRelay ---------------------------------------------------------------------------------------------

def test_memoryrelay_types_are_the_documents_seven(api):
    """"memory_type | string | No | Type: fact, event, insight, task, preference, entity_reference, system.
    Auto-classified if omitted"."""
    texts = ["The user prefers dark mode in all applications", "Meeting scheduled for March 20 at 2pm",
             "Always ask for confirmation before deleting data", "User tends to ask follow-up questions",
             "Project deadline moved to April 1", "The sky was grey this morning"]
    with _api_client(api, "mr-types") as c:
        made = [c.post(MR, json={"content": t, "agent_id": "my-assistant"}).json() for t in texts]
        assert {m["memory_type"] for m in made} <= MR_TYPES
        api.drain()
        shown = {c.get(f"{MR}/{m['id']}").json()["memory_type"] for m in made}
        assert shown <= MR_TYPES and len(shown) >= 2  # classified, not one default for all
        for t in shown:  # a filter on a shown type finds the memories shown as it
            page = c.get(MR, params={"memory_type": t}).json()["data"]
            assert page and {m["memory_type"] for m in page} == {t}
        refused = c.post(MR, json={"content": "x", "agent_id": "a", "memory_type": "policy"})
        assert refused.status_code == 422 and "fact, event" in refused.json()["detail"]


def test_memoryrelay_search_defaults_to_semantic_and_the_documents_example_finds_its_memory(api):
    """"search_mode | string | No | semantic (default), hybrid (vector + full-text + graph), keyword";
    the example: query "What are the user's UI preferences?", "limit": 10, "min_score": 0.5, answering
    "The user prefers dark mode in all applications"."""
    with _api_client(api, "mr-search") as c:
        c.post(MR, json={"content": "The user prefers dark mode in all applications", "agent_id": "my-assistant"})
        c.post(MR, json={"content": "The quarterly tax filing is due in April", "agent_id": "my-assistant"})
        api.drain()
        found = c.post(f"{MR}/search", json={"query": "What are the user's UI preferences?",
                                             "agent_id": "my-assistant", "limit": 10, "min_score": 0.5}).json()
        assert found["meta"]["mode"] == "semantic" and found["object"] == "search_results"
        assert [h["memory"]["content"] for h in found["data"]] == ["The user prefers dark mode in all applications"]
        assert all(0.5 <= h["score"] <= 1 for h in found["data"])


def test_memoryrelay_project_id_and_limits(api):
    """"project_id | string | No | Project UUID (takes precedence over project slug)"; "limit | integer | No |
    Number of results, 1-100" (search) and "Results per page, 1-100" (list)."""
    project = "0f8b5a52-3c1e-4d8e-9a51-2b1f9d6c7e10"
    with _api_client(api, "mr-limits") as c:
        made = c.post(MR, json={"content": "Sprint review on Friday", "agent_id": "a", "project": "web",
                                "project_id": project}).json()
        assert made["project_id"] == project and c.get(f"{MR}/{made['id']}").json()["project_id"] == project
        for r in (c.post(f"{MR}/search", json={"query": "review", "limit": 101}), c.get(MR, params={"limit": 101})):
            assert r.status_code == 422 and r.json()["detail"]  # refused, not silently capped
        assert c.post(MR, json={"content": "no agent"}).status_code == 422  # "agent_id | string | Yes"


# -- Sendryx -------------------------------------------------------------------------------------------------

def test_sendryx_rate_limit_is_the_documents_60_a_minute(api):
    """"Per minute | 60 requests | 429 Too Many Requests — includes retry_after_seconds"."""
    with api.client(_key(api, "sx-rate")) as c:
        answers = [c.get("/compat/sendryx/v1/memory").status_code for _ in range(61)]
        assert answers[:60] == [200] * 60 and answers[60] == 429
        refused = c.get("/compat/sendryx/v1/memory")
        assert refused.json()["success"] is False and refused.json()["retry_after_seconds"] >= 1
        assert c.get("/v1/memories").status_code == 200  # the key's own limit (600) is not used up


def test_sendryx_usage_counts_bytes_as_the_document_does(api):
    """"Embedding bytes estimated at 1536 floats × 4 bytes per memory. Content bytes are exact character length"."""
    with api.client(_key(api, "sx-usage")) as c:
        texts = ["User's favourite editor is Helix", "Ünïcödé counts characters: 日本"]
        for t in texts:
            c.post("/compat/sendryx/v1/memory", json={"content": t})
        storage = c.get("/compat/sendryx/v1/memory/usage").json()["storage"]
        assert storage["embedding_bytes_estimate"] == 2 * 1536 * 4 == 12_288
        assert storage["content_bytes"] == sum(len(t) for t in texts)


# -- MemSync -------------------------------------------------------------------------------------------------

MS = "/compat/memsync/v1/memories"


def _conversation(text: str, **extra) -> dict:
    return {"messages": [{"role": "user", "content": text}], "agent_id": "companion", "thread_id": "t-1", **extra}


def test_memsync_rate_limit_is_the_documents_100_a_minute(api):
    """"100 requests per minute per authenticated user"; "RATE_LIMIT_EXCEEDED | Too many requests"."""
    with api.client(_key(api, "ms-rate")) as c:
        answers = [c.get(MS).status_code for _ in range(101)]
        assert answers[:100] == [200] * 100 and answers[100] == 429
        assert c.get(MS).json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"


def test_memsync_error_codes_keep_processing_error_for_extraction(api):
    """"PROCESSING_ERROR | Error occurred during memory extraction" (and nothing else)."""
    with api.client(_key(api, "ms-codes")) as c:
        wrong_method = c.delete(MS)
        assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] != "PROCESSING_ERROR"
        unknown = c.get("/compat/memsync/v1/nothing-here")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] != "PROCESSING_ERROR"


def test_memsync_facts_are_listed_profiled_and_searchable_when_the_store_answers(api):
    """"List Memories: Browse all stored memories for the user"; "Get User Profile: View how memories
    contribute to the user's profile"; "Storage: Stores memories with vector embeddings for semantic search"."""
    with api.client(_key(api, "ms-list")) as c:
        stored = c.post(MS, json=_conversation("I work as a nurse at the city hospital and I love climbing.")).json()
        assert stored["memories_extracted"] >= 1
        # No wait for the background worker: the answer comes once the facts are searchable by meaning.
        for fact_id in stored["memory_ids"]:
            assert api.services.memories.get(fact_id).embedding_status.value == "ready"
        hits = c.post(f"{MS}/search", json={"query": "what is the user's job"}).json()["memories"]
        assert hits and "nurse" in hits[0]["memory"]
        listed = c.get(MS, params={"limit": 10}).json()
        assert listed["success"] and {m["id"] for m in listed["memories"]} == set(stored["memory_ids"])
        profile = c.get("/compat/memsync/v1/profile").json()
        assert profile["stats"]["total_memories"] == len(stored["memory_ids"])
        assert "nurse" in profile["bio"]["summary"] and profile["categories"]


def test_memsync_profile_of_a_user_is_about_that_user_not_whoever_they_talked_with(api):
    """"Get User Profile: View how memories contribute to the user's profile": a chat between two named people
    sent for Anna keeps Ben's facts in Anna's store, and her profile leaves them out."""
    key = _key(api, "ms-pair")
    with api.client(key) as c:
        sent = c.post("/v1/conversations", json={
            "messages": [{"role": "user", "name": "Anna", "content": "I work as a nurse at the city hospital."},
                         {"role": "assistant", "name": "Ben", "content": "I work as a pilot for Lufthansa."}],
            "user_id": "anna-7", "conversation_id": "pair", "wait": True})
        assert sent.status_code == 200, sent.text
        facts = [api.services.memories.get(f["id"]) for f in sent.json()["result"]["facts"]]
        assert {(m.metadata["fact"]["person"], m.user_id) for m in facts} == {("Anna", "anna-7"), ("Ben", "anna-7")}
        profile = c.get("/compat/memsync/v1/profile", params={"user_id": "anna-7"}).json()
        assert profile["stats"]["total_memories"] == 1
        assert "nurse" in profile["bio"]["summary"] and "pilot" not in profile["bio"]["summary"]


def test_memsync_says_which_turns_it_did_not_read(api):
    """A turn in another language gave nothing and the answer said only "memories_extracted": 1."""
    with api.client(_key(api, "ms-lang")) as c:
        stored = c.post(MS, json={"messages": [
            {"role": "user", "content": "Ich bin gestern nach Köln umgezogen und arbeite jetzt bei Ford."},
            {"role": "user", "content": "Yesterday I started working at Telefónica."}],
            "agent_id": "a", "thread_id": "t-lang"}).json()
        assert stored["memories_extracted"] == 1
        assert [(t["message_index"], "'de'" in t["reason"]) for t in stored["not_read"]] == [(0, True)]


def test_memsync_keeps_the_conversations_date(api):
    """Issue 47 item 6: "Yesterday I adopted a puppy" sent for a 2023 conversation is dated in 2023."""
    with api.client(_key(api, "ms-date")) as c:
        when = dt.datetime(2023, 5, 8, 15, 0, tzinfo=dt.timezone.utc)
        stored = c.post(MS, json=_conversation("Yesterday I adopted a puppy named Rex.",
                                               occurred_at=when.isoformat())).json()
        fact = stored["memories"][0]
        assert fact["event_at"].startswith("2023-05-07"), fact
        assert "2023" in fact["memory"] and "2026" not in fact["memory"]
        as_seconds = c.post(MS, json=_conversation("Yesterday I bought a red bicycle.",
                                                   occurred_at=when.timestamp())).json()
        assert as_seconds["memories"][0]["event_at"].startswith("2023-05-07")
        assert c.post(MS, json=_conversation("hi", occurred_at="last tuesday")).status_code == 400
        assert c.post(MS, json=_conversation("hi", occurred_at=True)).status_code == 400


# -- StateBase -----------------------------------------------------------------------------------------------

def test_statebase_nulls_sessions_and_not_found_codes(api):
    """"tags | array | No"; "metadata | object | No"; "404 | memory_not_found | Memory doesn't exist";
    "404 | session_not_found | Session doesn't exist"."""
    with api.client(_key(api, "sb-docs")) as c:
        made = c.post("/compat/statebase/v1/memory", json={"session_id": "s1", "content": "User likes tea",
                                                           "tags": None, "metadata": None, "type": "preference"})
        assert made.status_code == 201 and made.json()["tags"] == [] and made.json()["metadata"] == {}
        assert c.get("/compat/statebase/v1/memory/mem_000000000000").json()["error"]["code"] == "memory_not_found"
        assert c.get("/compat/statebase/v1/sessions/sess_nope").json()["error"]["code"] == "session_not_found"
        unknown = c.get("/compat/statebase/v1/no-such-route")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


# -- Azen ----------------------------------------------------------------------------------------------------

def test_azen_stores_long_text_chunked(api):
    """"Maximum: No hard limit, but optimal performance under 2,000 characters"; "Longer memories are
    automatically chunked during embedding to maintain search quality"."""
    paragraphs = [f"Paragraph {i}: the user's notes about trip number {i} to the mountains." for i in range(900)]
    paragraphs[700] = "Paragraph 700: the user keeps the spare house key under the blue flower pot."
    text = "\n\n".join(paragraphs)
    assert len(text) > 60_000
    with api.client(**{"azen-api-key": _key(api, "azen-long")}) as c:
        made = c.post("/compat/azen/api/v1/memory", json={"text": text})
        assert made.status_code == 201
        memory_id = made.json()["memoryId"]
        assert c.get(f"/compat/azen/api/v1/memory/{memory_id}").json()["memory"]["content"] == text
        listed = c.get("/compat/azen/api/v1/memory").json()
        assert listed["pagination"]["total"] == 1 and [m["id"] for m in listed["memories"]] == [memory_id]
        api.drain()
        hits = c.post("/compat/azen/api/v1/memory/search", json={"query": "where is the spare house key"}).json()
        assert [h["id"] for h in hits["results"]][:1] == [memory_id] and len(hits["results"]) == 1
        assert c.delete(f"/compat/azen/api/v1/memory/{memory_id}").status_code == 200
        assert c.get("/compat/azen/api/v1/memory").json()["pagination"]["total"] == 0


class _api_client:
    """A client with a fresh key of its own namespace (each test sees only its own memories)."""

    def __init__(self, api, namespace: str) -> None:
        self._client = api.client(_key(api, namespace))

    def __enter__(self):
        return self._client.__enter__()

    def __exit__(self, *exc):
        return self._client.__exit__(*exc)
