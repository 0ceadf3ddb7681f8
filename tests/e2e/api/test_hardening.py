"""Issue 38: requests that cost a core, keys that do more than their scope, a damaged or vanished vault."""

from __future__ import annotations

import gc
import json
import re
import time

import httpx
import pytest

from memvault.domain import limits


def cpu_of(send, tries: int = 3) -> tuple[httpx.Response, float]:
    """The response and the CPU seconds the in-process server spent on it: the least of up to ``tries`` sends.

    A send's figure is the process's CPU less this (the client's) thread's:
    sending a body of 10 MB costs the client a tenth of a second that the server
    never spends. Other threads (the background worker, the first call of a
    route) only ever add to it, so the least of a few is the request's own cost;
    every request measured here is refused and changes nothing, so it may be
    sent again. The objects alive beforehand are frozen out of the garbage
    collector's sight: a full collection over the tests' own large bodies cost
    0.5 CPU-s in whichever thread triggered it, and a server holds no such bodies.
    """
    best: tuple[httpx.Response, float] | None = None
    for _ in range(tries):
        gc.collect()
        gc.freeze()
        try:
            started, client_started = time.process_time(), time.thread_time()
            r = send()
            cpu = (time.process_time() - started) - (time.thread_time() - client_started)
        finally:
            gc.unfreeze()
        if best is None or cpu < best[1]:
            best = (r, cpu)
        if cpu < 0.3:
            break
    assert best is not None
    return best


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
    # on a loaded machine (0.51 CPU-s once at load 10). The client's own thread is not counted.
    # Refused whole, not shortened: it said "at most 10,000 are taken".
    assert "tags is a list of 100,000 items; at most" in refused_cheaply(r, cpu)["message"]
    assert r.json()["error"]["message"].endswith("are accepted")
    # Under the body's item cap, the field's own limit speaks; items that are not text cost no more (a million
    # numbers cost 75 CPU-s once, one refusal built per item).
    r, cpu = post_raw(c, "/v1/memories", {"content": "tags", "tags": [f"tag-{i}" for i in range(5_000)]})
    assert f"at most {limits.TAGS_MAX} tags" in refused_cheaply(r, cpu)["message"]
    r, cpu = post_raw(c, "/v1/memories", {"content": "tags", "tags": [1] * 150_000})
    assert "tags is a list of 150,000 items" in refused_cheaply(r, cpu)["message"]
    r, cpu = post_raw(c, "/v1/memories", {"content": "keys", **{f"k{i}": i for i in range(150_000)}})
    assert "the request body is an object of 150,001 items" in refused_cheaply(r, cpu)["message"]
    created = c.post("/v1/memories", json={"content": "tags", "tags": [f"t{i}" for i in range(60)]})
    assert created.status_code == 400
    m = c.post("/v1/memories", json={"content": "tags", "tags": ["a", "a", " a ", "b"]}).json()
    raw = json.dumps({"tags": [f"t{i}" for i in range(100_000)]}).encode()
    r, cpu = cpu_of(lambda: c.patch(f"/v1/memories/{m['id']}", content=raw,
                                    headers={"content-type": "application/json"}))
    refused_cheaply(r, cpu)
    assert c.get(f"/v1/memories/{m['id']}").json()["tags"] == ["a", "b"]


# Bodies are built in the test (lambdas), not held by the parametrization for the whole session.
@pytest.mark.parametrize("path, body, field", [
    ("/v1/memories/batch", lambda: {"memories": [{"content": "a"}] * 60_000}, "memories"),
    ("/v1/memories/search", lambda: {"query": "q", "tags": [f"t{i}" for i in range(150_000)]}, "tags"),
    ("/v1/memories/search", lambda: {"query": "q", "memory_types": ["fact"] * 150_000}, "memory_types"),
    ("/v1/memories", lambda: {"content": "m", "metadata": {f"k{i}": i for i in range(150_000)}}, "metadata"),
    ("/v1/memories/search", lambda: {"query": "q", "metadata_filter": {f"k{i}": i for i in range(150_000)}},
     "metadata_filter"),
    ("/v1/conversations", lambda: {"messages": [{"role": "user", "content": "hi"}] * 20_000}, "messages"),
], ids=["batch", "tags", "memory_types", "metadata", "metadata_filter", "messages"])
def test_every_oversized_list_is_refused_before_its_items_are_read(c, path, body, field):
    r, cpu = post_raw(c, path, body())
    assert field in refused_cheaply(r, cpu)["message"]


MIB_24 = 24 * 1024 * 1024 - 64


TINY_VALUES = {
    "empty lists": lambda: b"[" + b"[]," * (MIB_24 // 3) + b"[]]",  # 5 CPU-s in json.loads, mostly the collector's
    "zeros": lambda: b"[" + b"0," * (MIB_24 // 2) + b"0]",
    "empty strings": lambda: b'{"content": "x", "tags": [' + b'"",' * (MIB_24 // 3 - 20) + b'""]}',
    "keys": lambda: b"{" + b'"k": 0,' * (MIB_24 // 7 - 1) + b'"k": 0}',
}


@pytest.mark.seconds
@pytest.mark.parametrize("path, body", [
    *(("/v1/memories", body) for body in TINY_VALUES),
    ("/v1/memories/batch", "empty lists"), ("/compat/azen/api/v1/memory", "zeros"),
])
def test_a_body_of_millions_of_tiny_values_is_refused_before_it_is_parsed(c, path, body):
    raw = TINY_VALUES[body]()
    r, cpu = cpu_of(lambda: c.post(path, content=raw, headers={"content-type": "application/json"}))
    # ~0.13 CPU-s, as much as receiving 24 MiB costs; parsing the empty lists cost 5 s.
    assert r.status_code in (400, 422) and cpu < 0.6, (r.status_code, cpu)
    assert f"holds more than {limits.JSON_BODY_MAX_VALUES:,} JSON values" in r.text


@pytest.mark.parametrize("path, envelope", [
    ("/v1/memories", lambda body: body["error"]["code"] == "unauthorized"),
    ("/compat/sendryx/v1/memory", lambda body: body["success"] is False),
    ("/compat/memoryrelay/v1/memories", lambda body: "detail" in body or "error" in body),
])
@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_a_body_without_a_valid_key_is_refused_for_the_key_before_it_is_read(api, path, envelope, key):
    # Malformed, 9 MB of empty lists (counted and refused, with a key), valid: each is the key's 401 first.
    bodies = [b'{"content": ', b"[" + b"[]," * 3_000_000 + b"[]]", json.dumps({"content": "x"}).encode()]
    with api.client(key) as nobody:
        for raw in bodies:
            r = nobody.post(path, content=raw, headers={"content-type": "application/json"})
            assert r.status_code == 401 and envelope(r.json()), (raw[:20], r.status_code, r.text[:200])
    with api.client(api.alpha) as c:  # with the key, the same bodies are read and judged
        assert [c.post(path, content=raw, headers={"content-type": "application/json"}).status_code
                for raw in bodies[:2]] in ([400, 400], [422, 422], [400, 422], [422, 400])


@pytest.mark.seconds
@pytest.mark.parametrize("path", ["/v1/memories", "/v1/memories/search", "/compat/azen/api/v1/memory"])
def test_a_body_just_under_the_value_limit_that_passes_every_item_limit_is_refused_cheaply(c, path):
    # 20 lists of 9,900 empty lists: every check walks ~200,000 values (600,000 of them cost 0.7-0.9 CPU-s).
    body = {"content": "x", "metadata": {f"k{i}": [[]] * 9_900 for i in range(20)}}
    r, cpu = post_raw(c, path, body)
    assert r.status_code in (400, 422) and cpu < 0.6, (r.status_code, cpu, r.text[:200])


@pytest.mark.seconds
def test_the_mcp_endpoint_counts_a_body_before_the_sdk_parses_it(api):
    headers = {"Authorization": f"Bearer {api.alpha}", "accept": "application/json, text/event-stream",
               "content-type": "application/json"}
    with httpx.Client(base_url=api.url, timeout=60, headers=headers) as mcp:
        lists = b"[" + b"[]," * 1_300_000 + b"[]]"  # 4 MiB: pydantic spent 0.9 CPU-s on it
        r, cpu = cpu_of(lambda: mcp.post("/mcp", content=lists))
        assert r.status_code == 400 and cpu < 0.6, (r.status_code, cpu)
        error = r.json()["error"]
        assert r.json()["jsonrpc"] == "2.0"
        assert f"holds more than {limits.JSON_BODY_MAX_VALUES:,} JSON values" in error["message"]
        # Past the SDK's own cap the answer is in the JSON-RPC envelope too, not the SDK's plain text.
        r = mcp.post("/mcp", content=b'{"pad": "' + b"x" * (4 * 1024 * 1024) + b'"}')
        assert r.status_code == 413 and "larger than 4 MiB" in r.json()["error"]["message"]
        listed = mcp.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert listed.status_code == 200 and listed.json()["result"]["tools"]


@pytest.mark.seconds
def test_an_imported_file_of_one_record_of_millions_of_values_is_refused_within_a_second(api):
    raw = b"[[" + b"[]," * (MIB_24 // 3 - 10) + b"[]]]"  # one "conversation": 11 CPU-s before it was counted
    with api.client(api.admin) as admin:
        r, cpu = cpu_of(lambda: admin.post("/v1/imports/chatgpt", content=raw,
                                           headers={"content-type": "application/octet-stream"}))
        assert r.status_code == 400 and cpu < 1.0, (r.status_code, cpu, r.text[:200])
        assert "(record 1) holds more than 1,000,000 JSON values" in r.json()["error"]["message"]


def test_a_body_of_many_commas_inside_its_strings_is_not_refused_for_them(c):
    # 20 memories of 50,000 characters, mostly commas and brackets: 750,000 of them, all inside strings.
    batch = {"memories": [{"content": "a,[{" * 12_500, "tags": [f"t{j}" for j in range(50)],
                           "metadata": {"n": list(range(1_500))}} for _ in range(20)]}
    r = c.post("/v1/memories/batch", content=json.dumps(batch).encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["succeeded"] == 20, r.text[:300]


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
    # Out of range, the time was called no Unix time at all.
    for occurred_at, said in (("9999-12-31T23:59:59Z", "after the year 2999"), (-86400, "before 1970")):
        r = c.post("/v1/conversations", json={"messages": [turn], "occurred_at": occurred_at})
        assert r.status_code == 400 and said in r.json()["error"]["message"], r.text[:200]
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
