"""Authentication, scopes, namespaces, rate limits, usage and localhost safety."""


import httpx
import pytest

from memvault.api.server import ApiServer
from memvault.domain.errors import InvalidInput
from tests.helpers import wait_for


def test_health_needs_no_key(api):
    r = httpx.get(f"{api.url}/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer mv_nope"}, {"X-API-Key": "wrong"},
                                     {"Authorization": "Basic abc"}])
def test_missing_or_unknown_key_is_401_with_the_envelope(api, headers):
    r = httpx.get(f"{api.url}/v1/memories", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"


def test_key_in_query_string_is_not_accepted(api):
    r = httpx.get(f"{api.url}/v1/memories", params={"api_key": api.alpha, "key": api.alpha})
    assert r.status_code == 401


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key", "azen-api-key"])
def test_each_documented_header_works(api, header):
    value = f"Bearer {api.alpha}" if header == "Authorization" else api.alpha
    assert httpx.get(f"{api.url}/v1/memories", headers={header: value}).status_code == 200


def test_scope_and_namespace_matrix(api):
    with api.client(api.alpha) as alpha, api.client(api.alpha_ro) as ro, api.client(api.beta) as beta, \
            api.client(api.admin) as admin:
        created = alpha.post("/v1/memories", json={"content": "alpha's secret plan"})
        assert created.status_code == 201
        memory_id = created.json()["id"]
        assert created.json()["namespace"] == "alpha"
        assert ro.get(f"/v1/memories/{memory_id}").status_code == 200
        denied = ro.post("/v1/memories", json={"content": "read-only keys cannot write"})
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
        assert ro.delete(f"/v1/memories/{memory_id}").status_code == 403
        # Another namespace's key cannot see, change or delete it, nor name alpha.
        assert beta.get(f"/v1/memories/{memory_id}").status_code == 404
        assert beta.patch(f"/v1/memories/{memory_id}", json={"content": "x"}).status_code == 404
        assert beta.delete(f"/v1/memories/{memory_id}").status_code == 404
        assert beta.get("/v1/memories", params={"namespace": "alpha"}).status_code == 403
        assert beta.post("/v1/memories", json={"content": "x", "namespace": "alpha"}).status_code == 403
        hits = beta.post("/v1/memories/search", json={"query": "secret plan", "search_mode": "keyword"}).json()
        assert hits["data"] == []
        # Admin-only routes.
        assert alpha.get("/v1/keys").status_code == 403
        assert alpha.post("/v1/keys", json={"namespace": "alpha"}).status_code == 403
        # Admin keys are bound to their namespace like every other key.
        assert admin.get("/v1/memories", params={"namespace": "alpha"}).status_code == 403
        assert admin.get(f"/v1/memories/{memory_id}").status_code == 404


def test_revoked_key_stops_working_at_once(api):
    with api.client(api.admin) as admin:
        made = admin.post("/v1/keys", json={"namespace": "default", "scopes": ["read"], "name": "temp"})
        assert made.status_code == 201
        secret, key_id = made.json()["key"], made.json()["id"]
        assert secret.startswith("mv_") and made.json()["prefix"] == secret[:10]
        listed = admin.get("/v1/keys").json()["data"]
        assert all("key" not in k for k in listed), "secrets are never listed"
        assert httpx.get(f"{api.url}/v1/memories", headers={"X-API-Key": secret}).status_code == 200
        assert admin.delete(f"/v1/keys/{key_id}").status_code == 204
        assert httpx.get(f"{api.url}/v1/memories", headers={"X-API-Key": secret}).status_code == 401


def test_rate_limit_answers_429_with_retry_after(api):
    _, secret = api.services.keys.create("ratelimited", "read", per_minute=3)
    with api.client(secret) as c:
        assert [c.get("/v1/memories").status_code for _ in range(3)] == [200, 200, 200]
        r = c.get("/v1/memories")
        assert r.status_code == 429
        body = r.json()["error"]
        assert body["code"] == "rate_limited" and 1 <= body["retry_after_seconds"] <= 61
        assert int(r.headers["retry-after"]) == int(body["retry_after_seconds"])
        sendryx = c.get("/compat/sendryx/v1/memory")
        assert sendryx.status_code == 429
        assert sendryx.json()["success"] is False and sendryx.json()["retry_after_seconds"] >= 1


def test_usage_counts_calls_errors_creations_and_searches(api):
    key, secret = api.services.keys.create("usage", "read,write")
    with api.client(secret) as c:
        c.post("/v1/memories", json={"content": "counted"})
        c.post("/v1/memories/batch", json={"memories": [{"content": "a"}, {"content": "b"}]})
        c.post("/v1/memories/search", json={"query": "counted"})
        c.get("/v1/memories/does-not-exist")
        rows = c.get("/v1/usage").json()["data"]
    [today] = [r for r in rows if r["key_id"] == key.id]
    assert today["memories_created"] == 3 and today["searches"] == 1
    assert today["errors"] == 1 and today["calls"] == 5


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.nip.io", "192.168.1.5"])
def test_foreign_host_header_is_refused(api, host):
    r = httpx.get(f"{api.url}/healthz", headers={"Host": host})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_host"
    assert httpx.post(f"{api.url}/mcp", headers={"Host": host, "Authorization": f"Bearer {api.alpha}"},
                      json={}).status_code == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_are_accepted(api, host):
    port = api.url.rsplit(":", 1)[1]
    assert httpx.get(f"{api.url}/healthz", headers={"Host": f"{host}:{port}"}).status_code == 200


def test_no_wildcard_cors(api):
    r = httpx.options(f"{api.url}/v1/memories", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(f"{api.url}/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_oversized_body_is_413(api):
    with api.client(api.alpha) as c:
        big = b'{"content": "' + b"x" * (25 * 1024 * 1024) + b'"}'
        r = c.post("/v1/memories", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_binding_beyond_loopback_needs_an_explicit_flag(api):
    with pytest.raises(InvalidInput, match="allow-remote"):
        ApiServer(api.services, host="0.0.0.0", port=0)


def test_server_log_never_contains_memory_text(api, caplog, monkeypatch):
    import logging

    # uvicorn configures its loggers not to propagate; let caplog see them.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    caplog.set_level("DEBUG")
    marker = "LOGMARKER-93a1"

    # The canary: a bug whose exception quotes memory text. The server must log it (so this test sees the
    # server's log at all), with its stack and without its message.
    def broken_history(memory_id, namespace=None):
        raise RuntimeError(f"{marker} quoted by a bug")

    monkeypatch.setattr(api.services.memories, "history", broken_history)
    with api.client(api.alpha) as c:
        made = c.post("/v1/memories", json={"content": f"{marker} body"}).json()
        c.get("/compat/sendryx/v1/memory/search", params={"query": marker})
        c.post("/v1/memories", json={"content": 5})
        assert c.get(f"/v1/memories/{made['id']}/history").status_code == 500
    server_side = ("memvault", "uvicorn", "fastapi", "starlette", "mcp", "sqlalchemy", "onnxruntime")

    def server_records():
        return [r for r in caplog.records if r.name.split(".")[0] in server_side]

    # The 500 is answered after its log line is written, so it is there already; poll in case a handler lags.
    wait_for(lambda: any("unexpected error" in r.getMessage() for r in server_records()), timeout=10)
    canary = [r for r in server_records() if "unexpected error" in r.getMessage()]
    assert "/history" in canary[0].getMessage() and "RuntimeError" in canary[0].getMessage()
    records = server_records()
    assert not [r for r in records if marker in r.getMessage() or marker in (r.exc_text or "")]
