"""The native /v1 API: every service feature is reachable over HTTP."""

import httpx
import pytest

from memvault.domain.enums import DEFAULT_SEARCH_MODE


@pytest.fixture
def c(api):
    with api.client(api.alpha) as client:
        yield client


def test_create_with_every_field_get_and_idempotency(c, api):
    body = {"content": "Deploys happen on Tuesdays", "agent_id": "ops-bot", "user_id": "u1", "session_id": "s1",
            "project": "infra", "memory_type": "policy", "tags": ["ops", "deploy"], "metadata": {"source": "chat"},
            "importance": 0.9, "visibility": "private", "client_id": "native-1", "expires_in_seconds": 3600}
    r = c.post("/v1/memories", json=body)
    assert r.status_code == 201
    m = r.json()
    assert m["object"] == "memory" and m["tier"] == "hot" and m["embedding_status"] == "ready"
    assert {k: m[k] for k in ("agent_id", "user_id", "session_id", "project", "memory_type", "tags")} == {
        "agent_id": "ops-bot", "user_id": "u1", "session_id": "s1", "project": "infra", "memory_type": "policy",
        "tags": ["ops", "deploy"]}
    assert m["expires_at"] - m["created_at"] in (3599, 3600)
    again = c.post("/v1/memories", json=body)
    assert again.status_code == 200 and again.json()["id"] == m["id"] and again.json()["created"] is False
    assert c.get(f"/v1/memories/{m['id']}").json()["content"] == "Deploys happen on Tuesdays"


@pytest.mark.parametrize("body,status", [
    ({"content": ""}, 400), ({"content": "x" * 50_001}, 400), ({"content": "x", "importance": 2}, 400),
    ({"content": "x", "memory_type": "gossip"}, 400), ({"content": "x", "metadata": {"k": "v" * 11_000}}, 400),
    ({"content": 5}, 422), ({}, 422), ({"content": "x", "tags": "notalist"}, 422),
])
def test_bad_input_gets_the_error_envelope(c, body, status):
    r = c.post("/v1/memories", json=body)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["status"] == status and err["code"] in ("invalid_input",) and err["message"]


def test_a_missing_field_is_named_even_when_it_is_called_query(c):
    """The location parts (body, query string) were dropped by name, and so was the search's own field "query"."""
    assert c.post("/v1/memories/search", json={}).json()["error"]["message"] == "query: Field required"
    assert c.post("/v1/memories", json={}).json()["error"]["message"] == "content: Field required"


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_malformed_requests_never_500(c):
    for raw, ctype in ((b"{not json", "application/json"), (b"\xff\xfe", "application/json"),
                       (b"[1,2,3]", "application/json"), (b"content=x", "application/x-www-form-urlencoded")):
        assert c.post("/v1/memories", content=raw, headers={"content-type": ctype}).status_code in (400, 422)
    assert c.get("/v1/memories", params={"limit": "many"}).status_code == 422
    assert c.get("/v1/memories", params={"cursor": "%%%"}).status_code == 400
    r = c.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert r.json()["error"]["message"] == "no route GET /v1/nothing-here (the routes are listed at /docs)"
    assert c.put("/v1/memories").status_code == 405
    # A body missing or not an object is said so ("Field required" alone named nothing).
    missing = c.post("/v1/memories")
    assert missing.status_code == 422 and missing.json()["error"]["message"].startswith("the request body is missing")
    listed = c.post("/v1/memories", content=b"[1,2,3]", headers={"content-type": "application/json"})
    assert listed.json()["error"]["message"] == "this route takes a JSON object as its request body"
    # A JSON object sent as something else (curl -d without a header sends a form's type) is told so.
    for ctype in ("text/plain", "application/x-www-form-urlencoded"):
        plain = c.post("/v1/memories", content=b'{"content": "x"}', headers={"content-type": ctype})
        assert plain.status_code == 422 and plain.json()["error"]["message"] == (
            "this route takes a JSON object as its request body: send it with Content-Type: application/json "
            f"(this request said {ctype})")


def test_batch_reports_per_item_with_timing(c):
    r = c.post("/v1/memories/batch", json={"agent_id": "batcher", "memories": [
        {"content": "The user prefers dark mode"}, {"content": ""},
        {"content": "Meeting scheduled for March 20 at 2pm", "client_id": "b1"}]})
    assert r.status_code == 200
    out = r.json()
    assert (out["total"], out["succeeded"], out["failed"]) == (3, 2, 1) and out["success"] is False
    assert [i["status"] for i in out["results"]] == ["success", "error", "success"]
    assert set(out["timing"]) == {"total_ms", "embedding_ms", "database_ms", "per_memory_avg_ms"}
    assert c.post("/v1/memories/batch", json={"memories": []}).status_code == 400


@pytest.mark.slow  # depends on meaning: the real model
def test_search_modes_filters_debug_and_pending_memories(c, api):
    c.post("/v1/memories", json={"content": "The office plant is a fiddle-leaf fig", "tags": ["office"],
                                 "agent_id": "plants"})
    pending = c.post("/v1/memories", json={"content": "Pending note about the zeppelin", "tags": ["office"]}).json()
    kw = c.post("/v1/memories/search", json={"query": "zeppelin", "search_mode": "keyword"}).json()
    assert kw["data"][0]["memory"]["id"] == pending["id"] and "**zeppelin**" in kw["data"][0]["snippet"]
    api.drain()
    sem = c.post("/v1/memories/search", json={"query": "what kind of houseplant is at work", "limit": 3,
                                              "debug": True}).json()
    # No mode named: the one default of every surface.
    assert sem["object"] == "search_results" and sem["meta"]["mode"] == DEFAULT_SEARCH_MODE.value
    assert "fiddle-leaf" in sem["data"][0]["memory"]["content"]
    assert sem["data"][0]["score_breakdown"]["semantic_rank"] == 1
    hybrid = c.post("/v1/memories/search", json={"query": "fig plant", "mode": "hybrid", "agent_id": "plants",
                                                 "tags": ["office"], "min_score": 0.1}).json()
    assert [h["memory"]["agent_id"] for h in hybrid["data"]] == ["plants"]
    # Each hit says whether it is a good match, as MCP's and the CLI's do: REST agents need not know the cut.
    from memvault.ranking.good_match import GOOD_MATCH, GOOD_MATCH_SIMILARITY
    assert all(h["good_match"] == (h["score"] >= GOOD_MATCH) for h in sem["data"]) and sem["data"][0]["good_match"]
    semantic = c.post("/v1/memories/search", json={"query": "houseplant", "mode": "semantic"}).json()["data"]
    assert all(h["good_match"] == (h["score"] >= GOOD_MATCH_SIMILARITY) for h in semantic)
    assert all(h["good_match"] for h in kw["data"])
    assert c.post("/v1/memories/search", json={"query": "x", "limit": 500}).status_code == 400
    assert c.post("/v1/memories/search", json={"query": "x", "search_mode": "psychic"}).status_code == 422


def test_list_filters_and_cursor_pagination(c):
    for i in range(7):
        c.post("/v1/memories", json={"content": f"page item {i}", "agent_id": "pager", "memory_type": "event",
                                     "metadata": {"i": i}})
    seen, cursor = [], None
    while True:
        params = {"agent_id": "pager", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = c.get("/v1/memories", params=params).json()
        assert page["total_count"] == 7
        seen += [m["id"] for m in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 7
    assert c.get("/v1/memories", params={"agent_id": "pager", "metadata_filter": '{"i": 3}'}).json()["total_count"] == 1
    assert c.get("/v1/memories", params={"agent_id": "pager", "memory_type": "fact"}).json()["total_count"] == 0
    assert c.get("/v1/memories", params={"metadata_filter": "[1]"}).status_code == 400


def test_update_history_restore_delete_archive(c):
    m = c.post("/v1/memories", json={"content": "v1", "tags": ["a"], "metadata": {"keep": 1}}).json()
    u = c.patch(f"/v1/memories/{m['id']}", json={"content": "v2", "tags": ["b"], "metadata": {"new": 2}}).json()
    assert u["version"] == 2 and u["tags"] == ["b"] and u["metadata"] == {"keep": 1, "new": 2}
    history = c.get(f"/v1/memories/{m['id']}/history").json()["data"]
    assert [h["version"] for h in history] == [1, 2]
    back = c.post(f"/v1/memories/{m['id']}/history/1/restore").json()
    assert back["content"] == "v1" and back["version"] == 3
    assert c.post(f"/v1/memories/{m['id']}/archive").json()["archived_at"] is not None
    assert c.post(f"/v1/memories/{m['id']}/archive").status_code == 409
    assert c.post(f"/v1/memories/{m['id']}/unarchive").status_code == 200
    assert c.delete(f"/v1/memories/{m['id']}").status_code == 204
    trashed = c.get(f"/v1/memories/{m['id']}").json()
    # A retried delete (its answer lost) is done, not a conflict, and changes nothing more.
    assert c.delete(f"/v1/memories/{m['id']}").status_code == 204
    assert c.get(f"/v1/memories/{m['id']}").json() == trashed
    assert c.get("/v1/memories", params={"only_deleted": True}).json()["total_count"] >= 1
    assert c.post(f"/v1/memories/{m['id']}/restore").json()["deleted_at"] is None
    assert c.delete(f"/v1/memories/{m['id']}", params={"hard": True}).status_code == 204
    assert c.get(f"/v1/memories/{m['id']}").status_code == 404


def test_stats_namespaces_and_wipe(api):
    with api.client(api.beta_admin) as admin, api.client(api.beta) as beta:
        beta.post("/v1/memories/batch", json={"memories": [{"content": f"beta {i}"} for i in range(3)]})
        stats = beta.get("/v1/stats").json()
        assert stats["by_namespace"] == {"beta": stats["total"]} and stats["total"] >= 3
        assert admin.get("/v1/namespaces").json()["data"] == [{"name": "beta", "memory_count": stats["total"]}]
        assert admin.delete("/v1/namespaces/beta", params={"confirm": "nope"}).status_code == 400
        assert beta.delete("/v1/namespaces/beta", params={"confirm": "beta"}).status_code == 403
        wiped = admin.delete("/v1/namespaces/beta", params={"confirm": "beta"}).json()
        assert wiped["deleted"] >= 3 and beta.get("/v1/stats").json()["total"] == 0


@pytest.mark.seconds  # builds the whole OpenAPI document: ~2 s
def test_openapi_is_served(api):
    spec = httpx.get(f"{api.url}/openapi.json", timeout=60).json()
    assert "/v1/memories" in spec["paths"] and "/v1/memories/search" in spec["paths"]


def test_admin_purge_empties_the_trash(api):
    with api.client(api.admin) as admin:
        m = admin.post("/v1/memories", json={"content": "to the trash and beyond"}).json()
        admin.delete(f"/v1/memories/{m['id']}")
        out = admin.post("/v1/purge", params={"trash": True}).json()
        assert out["trash_emptied"] >= 1 and admin.get(f"/v1/memories/{m['id']}").status_code == 404
    with api.client(api.alpha) as alpha:
        assert alpha.post("/v1/purge").status_code == 403


def test_healthz_lists_background_work_under_way_without_degrading(api):
    api.services.health.report_progress("vector-index", 3, 10)
    try:
        r = httpx.get(f"{api.url}/healthz")
        assert r.status_code == 200
        assert r.json()["progress"] == [{"task": "vector-index", "done": 3, "total": 10}]
    finally:
        api.services.health.report_progress("vector-index", 10, 10)
    assert httpx.get(f"{api.url}/healthz").json()["progress"] == []
