"""Every example request of the five seed documents, replayed against the running server."""

import pytest


def test_azen(api):
    with api.client(**{"azen-api-key": api.alpha}) as c:
        r = c.post("/compat/azen/api/v1/memory", json={"text": "I love hiking in the mountains on weekends"})
        assert r.status_code == 201
        body = r.json()
        # A short text is embedded as it is stored; a long one is queued and its embedding runs after.
        assert body["status"] == "success" and body["embedding"] == "completed"
        assert body["createdAt"].endswith("Z") and len(body["memoryId"]) == 36
        long_text = "Our trail notes from the Alps, day by day. " * 30
        queued = c.post("/compat/azen/api/v1/memory", json={"text": long_text}).json()
        assert queued["embedding"] == "processing"
        api.drain()
        for memory_id in (body["memoryId"], queued["memoryId"]):
            got = c.get(f"/compat/azen/api/v1/memory/{memory_id}").json()
            assert got["memory"]["embedded"] is True
        assert got["memory"]["content"] == long_text
        for bad in ({}, {"text": ""}):
            err = c.post("/compat/azen/api/v1/memory", json=bad)
            assert err.status_code == 400 and err.json()["status"] == "invalid_request" and err.json()["code"] == 400
        hits = c.post("/compat/azen/api/v1/memory/search", json={"query": "outdoor activities"}).json()
        assert hits["results"][0]["id"] == body["memoryId"]
        listed = c.get("/compat/azen/api/v1/memory", params={"limit": 5}).json()
        assert listed["status"] == "success" and listed["pagination"]["total"] >= 1
        usage = c.get("/compat/azen/api/v1/usage").json()["usage"]
        assert usage[-1]["memoryCount"] >= 1 and usage[-1]["errorCount"] >= 2
    unauth = api.client().post("/compat/azen/api/v1/memory", json={"text": "x"})
    assert unauth.status_code == 401 and unauth.json()["status"] == "unauthorized" and unauth.json()["code"] == 401
    # A request without a key is nobody's error: alpha's counters did not move.
    with api.client(**{"azen-api-key": api.alpha}) as c:
        assert c.get("/compat/azen/api/v1/usage").json()["usage"][-1]["errorCount"] == usage[-1]["errorCount"]


def test_memoryrelay(api):
    with api.client(api.alpha) as c:
        base = "/compat/memoryrelay/v1/memories"
        r = c.post(base, json={"content": "The user prefers dark mode in all applications", "agent_id": "my-assistant",
                               "metadata": {"source": "chat", "confidence": "high"}, "memory_type": "preference"})
        assert r.status_code == 201
        m = r.json()
        assert m["object"] == "memory" and m["is_duplicate"] is False and m["tier"] == "warm"
        batch = c.post(f"{base}/batch", json={"memories": [
            {"content": "The user prefers dark mode", "agent_id": "my-assistant", "metadata": {"category": "preference"}},
            {"content": "Meeting scheduled for March 20 at 2pm", "agent_id": "my-assistant",
             "metadata": {"category": "event"}}]}).json()
        assert batch["success"] and batch["succeeded"] == 2 and "per_memory_avg_ms" in batch["timing"]
        api.drain()
        # The seed's own example; MiniLM scores this pair lower than the hosted model did.
        strict = c.post(f"{base}/search", json={"query": "What are the user's UI preferences?",
                                                "agent_id": "my-assistant", "limit": 10, "min_score": 0.5})
        assert strict.status_code == 200 and all(h["score"] >= 0.5 for h in strict.json()["data"])
        found = c.post(f"{base}/search", json={"query": "What are the user's UI preferences?",
                                               "agent_id": "my-assistant", "limit": 10, "min_score": 0.3}).json()
        assert found["meta"]["threshold"] == 0.3 and all(h["score"] >= 0.3 for h in found["data"])
        assert "dark mode" in found["data"][0]["memory"]["content"]
        page = c.get(base, params={"agent_id": "my-assistant", "limit": 20, "offset": 0}).json()
        assert page["object"] == "list" and page["total_count"] == 3
        assert c.get(f"{base}/{m['id']}").json()["content"] == m["content"]
        updated = c.patch(f"{base}/{m['id']}", json={
            "content": "User strongly prefers dark mode in all applications and IDEs",
            "metadata": {"last_confirmed": "2026-03-17"}}).json()
        assert updated["metadata"] == {"source": "chat", "confidence": "high", "last_confirmed": "2026-03-17"}
        assert c.delete(f"{base}/{m['id']}").status_code == 204
        # "excluded from search results but can be recovered": gone from reads, back after a restore.
        gone = c.get(f"{base}/{m['id']}")
        assert gone.status_code == 404 and gone.json()["detail"]
        assert c.post(f"{base}/{m['id']}/restore").status_code == 200
        assert c.get(f"{base}/{m['id']}").json()["content"] == updated["content"]


@pytest.mark.slow  # score thresholds are the real model's (mapped onto its similarity scale)
def test_sendryx(api):
    _, secret = api.services.keys.create("sendryx-ns", "read,write")
    with api.client(**{"X-API-Key": secret}) as c:
        base = "/compat/sendryx/v1/memory"
        stored = c.post(base, json={"content": "  User's favourite editor is Helix  ", "metadata": {"src": "t"}})
        assert stored.status_code == 201
        mem = stored.json()["memory"]
        assert isinstance(mem["id"], int) and mem["content"] == "User's favourite editor is Helix"
        short = c.post(base, json={"content": "temporary reminder", "expires_in_seconds": 3600}).json()["memory"]
        assert short["expires_at"] - short["created_at"] == 3600
        api.drain()
        hits = c.get(f"{base}/search", params={"query": "which text editor does the user like"}).json()
        assert hits["success"] and hits["results"][0]["id"] == mem["id"] and hits["results"][0]["similarity"] >= 0.3
        strict = c.get(f"{base}/search", params={"query": "which text editor", "threshold": 0.99}).json()
        assert strict["results"] == []
        listed = c.get(base, params={"limit": 50, "offset": 0, "include_expired": "true"}).json()
        assert listed["total"] == 2
        stats = c.get(f"{base}/stats").json()["stats"]
        assert (stats["permanent"], stats["active_ttl"], stats["expired"]) == (1, 1, 0)
        assert c.get(f"{base}/usage").json()["storage"]["memories"] == 2
        assert c.delete(base).status_code == 400
        assert c.delete(base, params={"id": -3}).status_code == 400
        missing = c.request("DELETE", base, json={"id": 424242})
        assert missing.status_code == 404 and missing.json() == {"success": False,
                                                                 "message": "Memory 424242 not found in this namespace"}
        assert c.request("DELETE", base, json={"id": mem["id"]}).json()["deleted"] == 1
        assert c.post(f"{base}/forget", params={"wipe": "true"}).status_code == 403  # wipe needs admin
        with api.client(api.services.keys.create("sendryx-ns", "read,write,admin")[1]) as admin:
            assert admin.post(f"{base}/forget", params={"wipe": "true"}).json()["deleted"] == 1
        assert c.get(base).json()["total"] == 0
        assert c.post(base, json={"content": "x" * 8192}).status_code == 400
        assert c.post(base, json={}).json()["success"] is False
    unauth = api.client().get("/compat/sendryx/v1/memory")
    assert unauth.status_code == 401 and unauth.json()["success"] is False


@pytest.mark.slow  # score thresholds are the real model's
def test_memsync(api):
    _, secret = api.services.keys.create("memsync-ns", "read,write")
    with api.client(secret) as c:
        r = c.post("/compat/memsync/v1/memories", json={
            "messages": [{"role": "user", "content": "I just started a new job at Acme as a data engineer"},
                         {"role": "assistant", "content": "Congratulations! How is it going?"},
                         {"role": "user", "content": "Great, and I am training for a marathon in May"}],
            "agent_id": "companion", "thread_id": "t-42", "source": "chat", "metadata": {"app": "test"}})
        assert r.status_code == 200
        out = r.json()
        assert out["success"] and out["memories_extracted"] == 2 and "career" in out["categories"]
        assert out["processing_time"].endswith("s")  # the first one may include loading the pipeline
        job, marathon = out["memories"]
        assert job["memory"] == "The user just started a new job at Acme as a data engineer"
        assert job["type"] == "episodic" and marathon["memory"].startswith("The user is training for a marathon in May")
        again = c.post("/compat/memsync/v1/memories", json={
            "messages": [{"role": "user", "content": "I just started a new job at Acme as a data engineer!"}],
            "agent_id": "companion", "thread_id": "t-43"}).json()
        assert again["memories_extracted"] == 0 and again["duplicates"][0]["duplicate_of"] == job["id"]
        assert float(again["processing_time"][:-1]) < 1.0
        api.drain()
        hits = c.post("/compat/memsync/v1/memories/search", json={"query": "where does the user work",
                                                                          "agent_id": "companion"}).json()
        assert "Acme" in hits["memories"][0]["memory"] and hits["memories"][0]["thread_id"] == "t-42"
        bad = c.post("/compat/memsync/v1/memories", json={"messages": [], "agent_id": "a", "thread_id": "t"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    unauth = api.client().post("/compat/memsync/v1/memories", json={})
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_memsync_dates_an_old_chat_by_its_occurred_at_so_it_replaces_nothing_said_since(api):
    _, secret = api.services.keys.create("memsync-dated", "read,write")
    with api.client(secret) as c:
        def stored(text: str, thread: str, **when) -> dict:
            r = c.post("/compat/memsync/v1/memories", json={
                "messages": [{"role": "user", "content": text}], "agent_id": "companion", "thread_id": thread, **when})
            assert r.status_code == 200, r.text
            return r.json()

        porto = stored("I live in Porto now.", "t-now")["memory_ids"][0]
        lisbon = stored("I live in Lisbon.", "t-2023", occurred_at="2023-05-01T10:00:00Z")
        assert lisbon["superseded"] == [{"id": lisbon["memory_ids"][0], "superseded_by": porto}]
        listed = {m["id"]: m for m in c.get("/compat/memsync/v1/memories").json()["memories"]}
    assert listed[lisbon["memory_ids"][0]]["created_at"] == 1682935200  # 2023-05-01T10:00:00Z
    assert api.services.memories.get(porto).metadata.get("superseded_by") is None


@pytest.mark.slow  # score thresholds are the real model's
def test_statebase(api):
    _, secret = api.services.keys.create("statebase-ns", "read,write")
    with api.client(secret) as c:
        base = "/compat/statebase/v1/memory"
        made = []
        for content, kind, tags in [("User's company is Acme Corp", "fact", ["work"]),
                                    ("User prefers dark mode", "preference", ["ui", "preferences"]),
                                    ("User completed onboarding on 2026-01-15", "event", ["history"])]:
            r = c.post(base, json={"session_id": "sess-1", "content": content, "type": kind, "tags": tags,
                                   "metadata": {"confidence": 0.9}})
            assert r.status_code == 201
            made.append(r.json())
        assert all(len(m["id"]) == 16 and m["id"].startswith("mem_") for m in made)
        api.drain()
        found = c.post(f"{base}/search", json={"query": "What does the user like for the screen theme?",
                                               "threshold": 0.3}).json()
        assert found["query"].startswith("What") and found["data"][0]["id"] == made[1]["id"]
        assert all(d["score"] >= 0.3 for d in found["data"])
        default = c.post(f"{base}/search", json={"query": "favourite colour of the moon"}).json()
        assert all(d["score"] >= 0.7 for d in default["data"])
        assert c.post(f"{base}/search", json={"query": "x", "limit": 51}).status_code == 400
        got = c.get(f"{base}/{made[0]['id']}").json()
        assert got["vector_available"] is True and got["embedding_id"]
        patched = c.patch(f"{base}/{made[0]['id']}", json={"tags": ["employer"], "metadata": {"source": "hr"}}).json()
        assert patched["tags"] == ["employer"] and patched["metadata"] == {"confidence": 0.9, "source": "hr"}
        first = c.get(base, params={"limit": 2}).json()
        assert len(first["data"]) == 2 and first["has_more"] is True
        rest = c.get(base, params={"limit": 2, "starting_after": first["data"][-1]["id"]}).json()
        assert len(rest["data"]) == 1 and rest["has_more"] is False
        assert {m["id"] for m in first["data"] + rest["data"]} == {m["id"] for m in made}
        assert c.get(base, params={"tags": "ui,history"}).json()["data"].__len__() == 2
        too_big = c.post(base, json={"session_id": "s", "content": "x" * 10_001})
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "content_too_large"
        assert c.delete(f"{base}/{made[2]['id']}").json()["deleted"] is True
        gone = c.get(f"{base}/{made[2]['id']}")
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "memory_not_found"
        assert c.get(f"{base}/not-an-id").status_code == 404
        assert c.post(base, json={"content": "no session"}).json()["error"]["code"] == "invalid_request"


def test_azen_forgets_a_deleted_memory_and_checks_the_search_limit_it_was_given(api):
    """Azen's shape has no deletion field: a deleted memory reads back as not found, not as a live one; and a
    search limit out of range is reported as the caller wrote it."""
    with api.client(**{"azen-api-key": api.alpha}) as c:
        memory_id = c.post("/compat/azen/api/v1/memory", json={"text": "Zebra crossing preference"}).json()["memoryId"]
        assert c.get(f"/compat/azen/api/v1/memory/{memory_id}").status_code == 200
        assert c.delete(f"/compat/azen/api/v1/memory/{memory_id}").status_code == 200
        for gone in (c.get(f"/compat/azen/api/v1/memory/{memory_id}"),
                     c.delete(f"/compat/azen/api/v1/memory/{memory_id}")):
            assert gone.status_code == 404 and gone.json()["status"] == "not_found"
        for limit in (-1, 0, 101, 10**9):
            err = c.post("/compat/azen/api/v1/memory/search", json={"query": "zebra", "limit": limit})
            assert err.status_code == 400 and f"got {limit})" in err.json()["message"], err.json()
        assert c.post("/compat/azen/api/v1/memory/search", json={"query": "zebra", "limit": 100}).status_code == 200


def test_an_id_deleted_for_good_is_never_given_to_another_memory(api):
    """StateBase and Sendryx show rowids (StateBase permuted): the newest memory's, deleted for good, went to
    the next memory stored, and a retried delete of the first removed the second."""
    _, secret = api.services.keys.create("ids-ns", "read,write")
    with api.client(secret) as c:
        base = "/compat/statebase/v1/memory"
        first = c.post(base, json={"session_id": "s-x", "content": "temporary scratch note"}).json()["id"]
        assert c.delete(f"{base}/{first}").json()["deleted"] is True
        second = c.post(base, json={"session_id": "s-x", "content": "User is allergic to penicillin"}).json()["id"]
        assert second != first
        retried = c.delete(f"{base}/{first}")
        assert retried.status_code == 404 and retried.json()["error"]["code"] == "memory_not_found"
        assert c.get(f"{base}/{second}").json()["content"] == "User is allergic to penicillin"
    with api.client(**{"X-API-Key": secret}) as c:
        base = "/compat/sendryx/v1/memory"
        first = c.post(base, json={"content": "temporary reminder"}).json()["memory"]["id"]
        assert c.request("DELETE", base, json={"id": first}).json()["deleted"] == 1
        second = c.post(base, json={"content": "User is allergic to peanuts"}).json()["memory"]["id"]
        assert second > first
        assert c.request("DELETE", base, json={"id": first}).status_code == 404
        assert {m["content"] for m in c.get(base).json()["memories"]} == {"User is allergic to penicillin",
                                                                          "User is allergic to peanuts"}
