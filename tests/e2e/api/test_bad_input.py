"""Every bad input is a 4xx in the profile's JSON envelope: never a 500, a dropped connection or a wrong action."""

import base64
import json
import socket

import httpx
import pytest

from memvault.domain import limits


def nested(depth: int, leaf: object = "x") -> dict:
    """``{"a": {"a": ... leaf}}`` with ``depth`` objects."""
    value: object = leaf
    for _ in range(depth):
        value = {"a": value}
    return value  # type: ignore[return-value]


def native_error(r: httpx.Response, status: int = 400) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    err = r.json()["error"]
    assert err["status"] == status and err["message"]
    return err


@pytest.fixture
def c(api):
    with api.client(api.alpha) as client:
        yield client


# -- metadata depth and size ------------------------------------------------------------------

@pytest.mark.seconds  # every write path twice: ~3 s
@pytest.mark.parametrize("depth", [limits.METADATA_MAX_DEPTH + 1, 300])
def test_deep_metadata_is_refused_on_every_write_path(c, api, depth):
    deep = nested(depth)
    assert "levels deep" in native_error(c.post("/v1/memories", json={"content": "deep", "metadata": deep}))["message"]
    batch = c.post("/v1/memories/batch", json={"memories": [{"content": "deep", "metadata": deep}]})
    if batch.status_code == 200:  # within the body's nesting limit: refused per item
        assert batch.json()["results"][0]["status"] == "error" and batch.json()["failed"] == 1
    else:
        native_error(batch)
    m = c.post("/v1/memories", json={"content": "shallow"}).json()
    # A content edit that also carries deep metadata changes nothing.
    native_error(c.patch(f"/v1/memories/{m['id']}", json={"content": "edited", "metadata": deep}))
    assert c.get(f"/v1/memories/{m['id']}").json()["content"] == "shallow"
    with api.client(**{"azen-api-key": api.alpha}) as az:
        r = az.post("/compat/azen/api/v1/memory", json={"text": "deep", "metadata": deep})
        assert r.status_code == 400 and r.json()["status"] == "invalid_request"
    r = c.post("/compat/sendryx/v1/memory", json={"content": "deep", "metadata": deep})
    assert r.status_code == 400 and r.json()["success"] is False
    r = c.post("/compat/memsync/v1/memories", json={"messages": [{"role": "user", "content": "deep"}],
                                                    "agent_id": "a", "thread_id": "t", "metadata": deep})
    assert r.status_code == 400 and r.json()["success"] is False
    r = c.post("/compat/statebase/v1/memory", json={"session_id": "s", "content": "deep", "metadata": deep})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
    assert c.get("/v1/memories", params={"limit": 100}).status_code == 200


def test_unknown_fields_in_native_bodies_are_refused_by_name_and_change_nothing(c, api):
    kept = c.post("/v1/memories", json={"content": "the berlin offsite is in may", "tags": ["travel"]}).json()
    before = c.get("/v1/memories", params={"limit": 100}).json()["total_count"]
    refused = [
        # A filter spelt as another service spells it would otherwise search every memory.
        c.post("/v1/memories/search", json={"query": "offsite", "filters": {"tags": ["travel"]}}),
        c.post("/v1/memories", json={"content": "secret plan", "tag": ["travel"]}),
        c.post("/v1/memories/batch", json={"memories": [{"content": "secret plan", "infer": True}]}),
        c.post("/v1/memories/batch", json={"memories": [{"content": "secret plan"}], "user": "u1"}),
        c.patch(f"/v1/memories/{kept['id']}", json={"content": "secret plan", "tagz": ["x"]}),
        c.post("/v1/conversations", json={"messages": [{"role": "user", "content": "secret plan"}], "thread": "t"}),
    ]
    for r, field in zip(refused, ["filters", "tag", "infer", "user", "tagz", "thread"]):
        message = native_error(r, 422)["message"]
        assert field in message and "not permitted" in message, message
        assert "secret plan" not in r.text
    assert c.get("/v1/memories", params={"limit": 100}).json()["total_count"] == before
    assert c.get(f"/v1/memories/{kept['id']}").json()["content"] == "the berlin offsite is in may"
    with api.client(api.admin) as admin:
        assert "scope" in native_error(admin.post("/v1/keys", json={"scope": ["read"]}), 422)["message"]
        assert "password" in native_error(admin.post("/v1/namespaces/default/export",
                                                     json={"password": "x" * 20}), 422)["message"]
    # The compatibility profiles keep their services' leniency: an extra field is ignored there.
    r = c.post("/compat/sendryx/v1/memory", json={"content": "via sendryx", "not_a_field": 1})
    assert r.status_code < 300, r.text[:300]


def test_metadata_at_the_depth_limit_is_stored_and_read_back(c):
    ok = nested(limits.METADATA_MAX_DEPTH, leaf=1)
    m = c.post("/v1/memories", json={"content": "exactly at the limit", "metadata": ok})
    assert m.status_code == 201 and m.json()["metadata"] == ok
    assert c.get(f"/v1/memories/{m.json()['id']}").json()["metadata"] == ok


def test_oversized_metadata_is_refused(c):
    err = native_error(c.post("/v1/memories", json={"content": "x", "metadata": {"k": "v" * 20_000}}))
    assert str(limits.METADATA_MAX_BYTES) in err["message"]


# -- lone surrogates ----------------------------------------------------------------------------

SURROGATE = "\ud800"


def raw_post(api, path: str, body: str, key: str, extra: dict | None = None) -> httpx.Response:
    """POST ``body`` as written (json.dumps escapes a lone surrogate as ``\\ud800``)."""
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json", **(extra or {})}
    return httpx.post(f"{api.url}{path}", content=body.encode("ascii"), headers=headers, timeout=30)


@pytest.mark.parametrize("path,body", [
    ("/v1/memories", {"content": f"a{SURROGATE}b"}),
    ("/v1/memories", {"content": "ok", "tags": [SURROGATE]}),
    ("/v1/memories", {"content": "ok", "agent_id": SURROGATE}),
    ("/v1/memories", {"content": "ok", "metadata": {SURROGATE: 1}}),
    ("/v1/memories", {"content": "ok", "metadata": {"k": [SURROGATE]}}),
    ("/v1/memories", {"content": "ok", "memory_type": SURROGATE}),
    ("/v1/memories/batch", {"memories": [{"content": SURROGATE}]}),
    ("/v1/memories/search", {"query": SURROGATE}),
    ("/v1/memories/search", {"query": "q", "metadata_filter": {"k": SURROGATE}}),
    ("/compat/azen/api/v1/memory", {"text": SURROGATE}),
    ("/compat/sendryx/v1/memory", {"content": SURROGATE}),
    ("/compat/sendryx/v1/memory/forget", {"id": SURROGATE}),
    ("/compat/memsync/v1/memories", {"messages": [{"role": "user", "content": SURROGATE}], "agent_id": "a",
                                     "thread_id": "t"}),
    ("/compat/statebase/v1/memory", {"session_id": SURROGATE, "content": "x"}),
    ("/compat/statebase/v1/memory/search", {"query": SURROGATE}),
    ("/v1/keys", {"namespace": "alpha", "name": SURROGATE}),
])
def test_lone_surrogates_get_a_4xx_envelope(api, path, body):
    r = raw_post(api, path, json.dumps(body), api.alpha)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()  # a body in an envelope, not a dropped connection


def test_lone_surrogate_in_a_query_string_is_harmless(c):
    # %ED%A0%80 is a surrogate encoded as UTF-8, which the server decodes with replacement characters.
    assert c.get("/v1/memories?agent_id=%ED%A0%80").status_code == 200
    r = c.get("/compat/sendryx/v1/memory/search?query=%ED%A0%80")
    assert r.status_code in (200, 400) and r.json()


# -- nesting, huge numbers and non-numbers --------------------------------------------------------

def test_deeply_nested_cursor_is_refused(c):
    evil = base64.urlsafe_b64encode(("[" * 5000 + "]" * 5000).encode()).decode().rstrip("=")
    native_error(c.get("/v1/memories", params={"cursor": evil}))
    for raw in (b"[[[[[[[[[[1]]]]]]]]]]", b"[1, 99999999999999999999]", b"[NaN, 1]", b"[1e400, 1]", b'["a", 1]',
                b"[1, 2, 3]", b"{}"):
        token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        native_error(c.get("/v1/memories", params={"cursor": token}))
    page = c.get("/v1/memories", params={"limit": 1}).json()
    if page["next_cursor"]:
        assert c.get("/v1/memories", params={"limit": 1, "cursor": page["next_cursor"]}).status_code == 200


def test_deeply_nested_metadata_filter_is_refused(c):
    deep = '{"a":' + "[" * 3000 + "]" * 3000 + "}"
    native_error(c.get("/v1/memories", params={"metadata_filter": deep}))
    native_error(c.get("/v1/memories", params={"metadata_filter": json.dumps(nested(40))}))
    native_error(c.post("/v1/memories/search", json={"query": "x", "metadata_filter": nested(40)}))


def test_deeply_nested_bodies_are_refused(api):
    deep = '{"content": "x", "metadata": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}"
    native_error(raw_post(api, "/v1/memories", deep, api.alpha))
    r = raw_post(api, "/compat/sendryx/v1/memory/forget", '{"id": ' + "[" * 5000 + "]" * 5000 + "}", api.alpha)
    assert r.status_code == 400 and r.json()["success"] is False


def test_metadata_filter_with_too_many_keys_is_refused(c):
    many = {f"k{i}": i for i in range(1001)}
    assert "1001 keys" in native_error(c.get("/v1/memories", params={"metadata_filter": json.dumps(many)}))["message"]
    native_error(c.post("/v1/memories/search", json={"query": "x", "metadata_filter": many}))


@pytest.mark.parametrize("big", [2**63, -(2**63) - 1, 10**30])
def test_integers_beyond_64_bits_never_reach_sql(c, big):
    """JSON allows them: stored metadata keeps them exactly, filters compare them, ids and offsets refuse them."""
    made = c.post("/v1/memories", json={"content": f"big number {big}", "metadata": {"n": big}})
    assert made.status_code == 201 and made.json()["metadata"] == {"n": big}
    assert c.get(f"/v1/memories/{made.json()['id']}").json()["metadata"] == {"n": big}
    listed = c.get("/v1/memories", params={"metadata_filter": json.dumps({"n": big})})
    assert listed.status_code == 200 and made.json()["id"] in [m["id"] for m in listed.json()["data"]]
    found = c.post("/v1/memories/search", json={"query": "big number", "search_mode": "keyword",
                                                "metadata_filter": {"n": big}})
    assert found.status_code == 200 and made.json()["id"] in [h["memory"]["id"] for h in found.json()["data"]]
    native_error(c.get("/v1/memories", params={"offset": big}))
    assert c.post(f"/v1/memories/x/history/{big}/restore").status_code == 422
    r = c.post("/compat/sendryx/v1/memory/forget", json={"id": big})
    assert r.status_code == 400 and r.json()["success"] is False
    r = c.post("/v1/memories/search", json={"query": "x", "limit": big})
    assert r.status_code == 400


def test_an_integer_of_thousands_of_digits_is_refused(api):
    native_error(raw_post(api, "/v1/memories", '{"content": "x", "metadata": {"n": ' + "9" * 5000 + "}}", api.alpha))


def test_nan_and_infinity_are_refused(api):
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        native_error(raw_post(api, "/v1/memories", f'{{"content": "x", "importance": {literal}}}', api.alpha))
        r = raw_post(api, "/compat/sendryx/v1/memory/forget", f'{{"id": {literal}}}', api.alpha)
        assert r.status_code == 400 and r.json()["success"] is False, literal


def test_sendryx_forget_refuses_a_fractional_id_and_keeps_the_memory(c):
    made = c.post("/compat/sendryx/v1/memory", json={"content": "I must survive a float id"}).json()["memory"]
    for bad in (made["id"] + 0.9, made["id"] + 0.5, str(made["id"]) + ".9", True, -made["id"], "0x10", [made["id"]]):
        r = c.post("/compat/sendryx/v1/memory/forget", json={"id": bad})
        assert r.status_code == 400 and r.json()["success"] is False, bad
        r = c.delete("/compat/sendryx/v1/memory", params={"id": str(bad)})
        assert r.status_code == 400, bad
    listed = c.get("/compat/sendryx/v1/memory", params={"limit": 200}).json()["memories"]
    assert made["id"] in [m["id"] for m in listed]
    assert c.post("/compat/sendryx/v1/memory/forget", json={"id": made["id"]}).json()["deleted"] == 1


@pytest.mark.parametrize("namespace", ["../x", "a/b", "", " ", "x" * 65])
def test_purge_validates_the_namespace(api, namespace):
    with api.client(api.admin) as admin:
        r = admin.post("/v1/purge", params={"namespace": namespace})
        assert r.status_code in (400, 403), r.text


def test_chunked_body_over_the_limit_is_413(api):
    def chunks():
        piece = b"x" * (1024 * 1024)
        yield b'{"content": "'
        for _ in range(25):
            yield piece
        yield b'"}'

    with api.client(api.alpha) as c:
        r = c.post("/v1/memories", content=chunks(), headers={"content-type": "application/json"})
        assert "content-length" not in r.request.headers  # really sent chunked
        err = native_error(r, 413)
        assert err["code"] == "payload_too_large"


@pytest.mark.parametrize("method,path,allowed", [
    ("PUT", "/v1/memories", {"GET", "POST"}),
    ("TRACE", "/v1/stats", {"GET"}),
    ("PUT", "/compat/sendryx/v1/memory", {"GET", "POST", "DELETE"}),
    ("POST", "/v1/keys/1", {"DELETE"}),
    # Literal paths that also fit a route taking an id: the wrong method is no lookup of "search" or "batch".
    ("GET", "/v1/memories/search", {"POST"}),
    ("DELETE", "/v1/memories/batch", {"POST"}),
    ("GET", "/compat/azen/api/v1/memory/search", {"POST"}),
    ("GET", "/compat/memoryrelay/v1/memories/search", {"POST"}),
    ("OPTIONS", "/v1/memories", {"GET", "POST"}),
])
def test_405_names_the_allowed_methods(c, method, path, allowed):
    r = c.request(method, path)
    err = native_error(r, 405) if not path.startswith("/compat/") else r.json()
    assert r.status_code == 405 and err
    assert allowed <= {m.strip() for m in r.headers["allow"].split(",")}
    if not path.startswith("/compat/"):  # the message says it too, whichever layer refused
        assert err["message"].startswith(f"{path} takes ") and err["message"].endswith(f", not {method}"), err


def test_a_half_sent_json_body_does_not_hang_or_500(api):
    with socket.create_connection(("127.0.0.1", int(api.url.rsplit(":", 1)[1])), timeout=30) as s:
        body = b'{"content": "\\ud800'
        s.sendall(b"POST /v1/memories HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + api.alpha.encode()
                  + b"\r\ncontent-type: application/json\r\ncontent-length: " + str(len(body)).encode()
                  + b"\r\n\r\n" + body)
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 4"), answer[:100]


# -- the list's query string ------------------------------------------------------------------

@pytest.mark.parametrize("params,says", [
    ({"tag": "work"}, "unknown query parameter 'tag'"),  # misspelt: it was ignored, and every memory listed
    ({"agent": "a1"}, "unknown query parameter 'agent'"),
    ({"limit": "0"}, "between 1 and 100"), ({"limit": "101"}, "between 1 and 100"),
    ({"limit": "1000000000"}, "between 1 and 100"),
    ({"created_after": "nan"}, "created_after must be a finite"), ({"created_before": "inf"}, "finite"),
    ({"min_importance": "nan"}, "min_importance"),
    ({"tags": ",".join(f"t{i}" for i in range(limits.TAGS_MAX + 10))}, f"at most {limits.TAGS_MAX} tags"),
])
def test_the_lists_query_string_is_checked_as_a_body_is(c, params, says):
    c.post("/v1/memories", json={"content": "a memory to list", "tags": ["work"]})
    assert says in native_error(c.get("/v1/memories", params=params))["message"]


@pytest.mark.parametrize("path", ["/v1/entities", "/v1/people", "/v1/stats", "/v1/usage", "/v1/namespaces",
                                  "/v1/namespaces/alpha/export.jsonl"])
def test_every_native_route_refuses_a_query_parameter_it_does_not_declare(c, path):
    assert native_error(c.get(path, params={"tag": "x"}))["message"].startswith("unknown query parameter 'tag'")


def test_the_health_check_asks_no_key_and_the_entity_list_takes_what_memoryrelays_sdk_sends(api, c):
    with httpx.Client(base_url=api.url) as anonymous:
        assert anonymous.get("/healthz").status_code == 200
    assert c.get("/v1/entities", params={"agent_id": "a1", "limit": 5}).status_code == 200


def test_the_list_still_takes_every_declared_filter(c):
    c.post("/v1/memories", json={"content": "filed under work", "tags": ["work"], "agent_id": "a1"})
    listed = c.get("/v1/memories", params={"tags": "work", "agent_id": "a1", "limit": 100, "offset": 0,
                                          "created_after": 0, "min_importance": 0.1, "include_archived": "true"})
    assert listed.status_code == 200 and [m["content"] for m in listed.json()["data"]] == ["filed under work"]


def test_time_filters_take_iso_8601_as_well_as_unix_seconds_in_the_list_and_in_search(c):
    c.post("/v1/memories", json={"content": "a note about green tea, filed today"})
    for after, found in (("2001-01-01", 1), ("2001-01-01T00:00:00Z", 1), ("978307200", 1), ("9999-01-01", 0)):
        listed = c.get("/v1/memories", params={"created_after": after, "limit": 100})
        assert listed.status_code == 200 and len(listed.json()["data"]) >= found, listed.text
        if not found:
            assert listed.json()["data"] == []
    body = {"query": "green tea", "mode": "keyword", "created_after": "2001-01-01", "created_before": "9999-01-01"}
    hits = c.post("/v1/memories/search", json=body)
    assert hits.status_code == 200 and hits.json()["data"], hits.text
    assert c.post("/v1/memories/search", json={**body, "created_before": "2001-01-02"}).json()["data"] == []
    # A string means the same in a query string and in a body: ISO 8601 ("20011231" is that day). A query
    # string has no numbers, so there digits are seconds too; a body gives seconds as a JSON number.
    for before, found in (("20011231", False), ("99990101", True)):
        listed = c.get("/v1/memories", params={"created_before": before}).json()["data"]
        searched = c.post("/v1/memories/search", json={**body, "created_before": before}).json()["data"]
        assert bool(listed) is found and bool(searched) is found, before
    assert c.get("/v1/memories", params={"created_before": "978307200"}).json()["data"] == []
    assert c.post("/v1/memories/search", json={**body, "created_before": 978307200}).json()["data"] == []
    for bad in ("last tuesday", "2026-13-45"):
        assert "created_after must be an ISO 8601 time or Unix seconds" in native_error(
            c.get("/v1/memories", params={"created_after": bad}))["message"]
        assert "created_after must be an ISO 8601 time or Unix seconds" in native_error(
            c.post("/v1/memories/search", json={"query": "tea", "created_after": bad}))["message"]


def test_search_refuses_what_the_list_refuses_and_a_setting_named_twice(c):
    c.post("/v1/memories", json={"content": "green tea in the morning"})
    assert "min_importance must be between 0.0 and 1.0" in native_error(
        c.post("/v1/memories/search", json={"query": "tea", "min_importance": 5}))["message"]
    assert "give one" in native_error(c.post("/v1/memories/search", json={
        "query": "tea", "mode": "keyword", "search_mode": "semantic"}))["message"]
    same = c.post("/v1/memories/search", json={"query": "tea", "mode": "keyword", "search_mode": "keyword"})
    assert same.status_code == 200 and same.json()["meta"]["mode"] == "keyword"


def test_a_profiles_threshold_is_checked_as_the_client_sent_it(api, c):
    for path in ("/compat/statebase/v1/memory?query=tea&threshold=2", "/compat/sendryx/v1/memory/search?query=tea&threshold=5"):
        r = c.get(path)
        assert r.status_code == 400 and "threshold must be between 0.0 and 1.0 (got " in r.text, r.text
        assert "min_score" not in r.text


@pytest.mark.parametrize("version", ["0", "01", "+1", "1.0"])
def test_a_version_that_is_no_id_says_what_one_is(c, version):
    """"0" read "without sign, spaces or leading zeros", which it has none of: versions start at 1."""
    made = c.post("/v1/memories", json={"content": "versioned"}).json()
    r = c.post(f"/v1/memories/{made['id']}/history/{version}/restore")
    assert r.status_code == 422 and "a whole number from 1" in r.text, r.text


def test_a_context_budget_without_compress_is_refused_not_ignored(c):
    """Native bodies refuse what they would ignore; "max_context_tokens" alone returned the hits whole."""
    r = c.post("/v1/memories/search", json={"query": "x", "max_context_tokens": 30})
    assert r.status_code == 400 and "compress" in r.json()["error"]["message"], r.text
    assert c.post("/v1/memories/search", json={"query": "x", "max_context_tokens": 30, "compress": True}
                  ).status_code == 200
