"""Issue 38: requests that cost a core, keys that do more than their scope, a damaged or vanished vault."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from memvault.domain import limits


def cpu_of(send) -> tuple[httpx.Response, float]:
    """The response and the CPU seconds this process (server threads included: it runs in-process) spent."""
    started = time.process_time()
    r = send()
    return r, time.process_time() - started


def refused_cheaply(r: httpx.Response, cpu: float, budget: float = 0.6) -> dict:
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert cpu < budget, f"refusing it cost {cpu:.2f} CPU-s"
    return r.json()["error"]


@pytest.fixture
def c(api):
    with api.client(api.alpha) as client:
        yield client


def post_raw(c: httpx.Client, path: str, body: object) -> tuple[httpx.Response, float]:
    """The response to ``body`` and the CPU seconds spent from sending it (encoded beforehand) to the answer."""
    raw = json.dumps(body).encode()
    return cpu_of(lambda: c.post(path, content=raw, headers={"content-type": "application/json"}))


@pytest.mark.seconds
def test_a_hundred_thousand_tags_are_refused_in_milliseconds(c):
    body = {"content": "tags", "tags": [f"tag-{i}" for i in range(100_000)]}
    r, cpu = post_raw(c, "/v1/memories", body)
    # ~0.1 CPU-s on a quiet machine (it was 317 s before the early check). The budget is the file's common
    # one: the figure is the whole process's CPU, and the in-process server's background threads add to it
    # on a loaded machine (0.51 CPU-s once at load 10).
    assert "tags is a list of 100,000 items" in refused_cheaply(r, cpu)["message"]
    # Under the body's item cap, the field's own limit speaks; items that are not text cost no more (a million
    # numbers cost 75 CPU-s once, one refusal built per item).
    r, cpu = post_raw(c, "/v1/memories", {"content": "tags", "tags": [f"tag-{i}" for i in range(5_000)]})
    assert f"at most {limits.TAGS_MAX} tags" in refused_cheaply(r, cpu)["message"]
    r, cpu = post_raw(c, "/v1/memories", {"content": "tags", "tags": [1] * 1_000_000})
    assert "tags is a list of 1,000,000 items" in refused_cheaply(r, cpu)["message"]
    r, cpu = post_raw(c, "/v1/memories", {"content": "keys", **{f"k{i}": i for i in range(200_000)}})
    assert "the request body is an object of 200,001 items" in refused_cheaply(r, cpu)["message"]
    created = c.post("/v1/memories", json={"content": "tags", "tags": [f"t{i}" for i in range(60)]})
    assert created.status_code == 400
    m = c.post("/v1/memories", json={"content": "tags", "tags": ["a", "a", " a ", "b"]}).json()
    raw = json.dumps({"tags": [f"t{i}" for i in range(100_000)]}).encode()
    r, cpu = cpu_of(lambda: c.patch(f"/v1/memories/{m['id']}", content=raw,
                                    headers={"content-type": "application/json"}))
    refused_cheaply(r, cpu)
    assert c.get(f"/v1/memories/{m['id']}").json()["tags"] == ["a", "b"]


@pytest.mark.parametrize("path, body, field", [
    ("/v1/memories/batch", {"memories": [{"content": "a"}] * 300_000}, "memories"),
    ("/v1/memories/search", {"query": "q", "tags": [f"t{i}" for i in range(300_000)]}, "tags"),
    ("/v1/memories/search", {"query": "q", "memory_types": ["fact"] * 300_000}, "memory_types"),
    ("/v1/memories", {"content": "m", "metadata": {f"k{i}": i for i in range(300_000)}}, "metadata"),
    ("/v1/memories/search", {"query": "q", "metadata_filter": {f"k{i}": i for i in range(300_000)}},
     "metadata_filter"),
    ("/v1/conversations", {"messages": [{"role": "user", "content": "hi"}] * 300_000}, "messages"),
])
def test_every_oversized_list_is_refused_before_its_items_are_read(c, path, body, field):
    r, cpu = post_raw(c, path, body)
    assert field in refused_cheaply(r, cpu)["message"]


def test_an_admin_only_key_manages_but_reads_no_content(api):
    """Item 3: admin manages keys and the namespace; content needs read (REST; MCP in test_mcp)."""
    secret = "admin-only-secret 90210"
    _, admin_only = api.services.keys.create("adm-only", "admin", "admin only")
    _, read_write = api.services.keys.create("adm-only", "read,write", "rw")
    with api.client(read_write) as rw, api.client(admin_only) as adm:
        memory_id = rw.post("/v1/memories", json={"content": secret}).json()["id"]
        reads = [
            adm.get("/v1/memories"),
            adm.get(f"/v1/memories/{memory_id}"),
            adm.get(f"/v1/memories/{memory_id}/history"),
            adm.post("/v1/memories/search", json={"query": "admin-only-secret", "search_mode": "keyword"}),
            adm.get("/v1/namespaces/adm-only/export"),
            adm.post("/v1/namespaces/adm-only/export", json={"passphrase": "long enough passphrase"}),
            adm.post("/v1/memories", json={"content": "admin writes nothing"}),
            # Nor can it mint a key that would read for it.
            adm.post("/v1/keys", json={"scopes": ["read"]}),
            # The compatibility profiles ask for the same read scope.
            adm.get("/compat/sendryx/v1/memory/search", params={"query": "admin-only-secret"}),
            adm.post("/compat/memsync/v1/memories/search", json={"query": "admin-only-secret"}),
        ]
        assert [r.status_code for r in reads] == [403] * len(reads), [r.text[:80] for r in reads]
        assert all(secret not in r.text for r in reads)
        # What admin is for still works.
        listed = adm.get("/v1/keys")
        assert listed.status_code == 200 and {k["name"] for k in listed.json()["data"]} >= {"rw", "admin only"}
        minted = adm.post("/v1/keys", json={"scopes": ["admin"], "name": "second admin"})
        assert minted.status_code == 201 and minted.json()["scopes"] == ["admin"]
        assert rw.get(f"/v1/memories/{memory_id}").json()["content"] == secret


def test_a_nul_in_a_metadata_filter_key_is_a_400_not_a_500(c):
    """Item 9: the key becomes a JSON path, which SQLite cut at the NUL (the probe's only 5xx)."""
    listed = c.get("/v1/memories", params={"metadata_filter": json.dumps({"a\u0000b": "x"})})
    searched = c.post("/v1/memories/search", json={"query": "q", "metadata_filter": {"a\u0000b": "x"}})
    for r in (listed, searched):
        assert r.status_code == 400, r.text[:200]
        assert "NUL" in r.json()["error"]["message"]


def test_the_native_api_is_strict_where_it_was_lax(api, c):
    """Item 12: each of these was accepted (or read as something else) before."""
    turn = {"role": "user", "content": "I moved to Porto last spring"}
    for occurred_at in (True, "10"):  # neither a number nor an ISO 8601 time
        r = c.post("/v1/conversations", json={"messages": [turn], "occurred_at": occurred_at})
        assert r.status_code in (400, 422) and "occurred_at" in r.text, (occurred_at, r.text[:200])
    r = c.post("/v1/conversations", json={"messages": [{**turn, "speaker": "me"}]})
    assert r.status_code == 422 and "speaker" in r.json()["error"]["message"]
    r = c.post("/v1/conversations", json={"messages": [turn], "agent_id": "a\u0000b"})
    assert r.status_code == 400 and "NUL" in r.json()["error"]["message"]
    for spelling in ("1.0", "+1", " 1", "01", "１"):
        r = c.get(f"/v1/entities/{spelling}/memories")
        assert r.status_code in (400, 422), (spelling, r.status_code, r.text[:200])
    assert c.get("/v1/entities/1/memories").status_code in (200, 404)
    with api.client(api.admin) as admin:
        for content_type in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
            r = admin.post("/v1/import", content=b"MVBUNDLE not really", headers={"content-type": content_type})
            assert r.status_code == 415, (content_type, r.text[:200])
            assert r.json()["error"]["code"] == "unsupported_media_type"
        r = admin.post("/v1/import", content=b"MVBUNDLE not really",
                       headers={"content-type": "application/octet-stream", "X-Bundle-Passphrase": "x" * 10})
        assert r.status_code not in (415, 500)


def test_the_openapi_document_says_an_export_recipient_is_an_mvpub1_key(api):
    """Item 13 (schemathesis ST202): the document now states the rule the service enforces."""
    with api.client() as anonymous:
        doc = anonymous.get("/openapi.json").json()
    export = doc["paths"]["/v1/namespaces/{namespace}/export"]
    query = next(p for p in export["get"]["parameters"] if p["name"] == "recipient")
    pattern = query["schema"]["anyOf"][0]["items"]["pattern"]
    body = doc["components"]["schemas"]["ExportIn"]["properties"]["recipients"]["items"]["pattern"]
    assert pattern == body == r"^mvpub1[a-z2-7]{58}$"
    key = api.services.bundles.recipient_key()
    assert re.fullmatch(pattern, key)
