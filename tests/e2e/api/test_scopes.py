"""Scopes mean what they say: write-only keys never read, admin keys stay in their namespace, revoke is immediate."""

import itertools
import re

import httpx
import pytest

from memvault.service.container import open_vault
from tests.helpers import PASSPHRASE

CONTENT_FIELDS = {"content", "metadata", "tags", "content_preview", "memory", "text"}


def assert_no_content(body: object, secret: str) -> None:
    """No field of ``body`` carries memory content (and the secret text appears nowhere)."""
    assert secret not in str(body)
    if isinstance(body, dict):
        for k, v in body.items():
            assert k not in CONTENT_FIELDS or v in (None, "", [], {}), (k, v)
            assert_no_content(v, secret)
    elif isinstance(body, list):
        for v in body:
            assert_no_content(v, secret)


def test_write_only_key_gets_ids_and_statuses_never_content(api):
    secret_text = "the vault combination is 31-41-59"
    with api.client(api.alpha) as rw, api.client(api.alpha_wo) as wo:
        original = rw.post("/v1/memories", json={"content": secret_text, "client_id": "wo-1",
                                                 "metadata": {"pin": "2653"}, "visibility": "confidential"}).json()
        # An existing client_id: "already stored", without the existing memory's id (another writer's).
        again = wo.post("/v1/memories", json={"content": "anything", "client_id": "wo-1"})
        assert again.status_code == 200
        assert again.json() == {"object": "write_receipt", "status": "already_stored", "created": False,
                                "namespace": "alpha", "id": None, "embedding_status": None}
        assert original["id"] not in again.text
        rw.delete(f"/v1/memories/{original['id']}")  # trashed: still must not leak
        assert wo.get(f"/v1/memories/{original['id']}").status_code == 403
        # Its client_id then stores nothing, and says so (409), still without its id or content.
        trashed = wo.post("/v1/memories", json={"content": "anything", "client_id": "wo-1"})
        assert trashed.status_code == 409 and "in the trash" in trashed.json()["error"]["message"]
        assert original["id"] not in trashed.text and secret_text not in trashed.text
        # An empty update answers with the memory as it is: ids and statuses only.
        empty = wo.patch(f"/v1/memories/{original['id']}", json={})
        assert empty.status_code == 200 and empty.json()["id"] == original["id"]
        assert_no_content(empty.json(), secret_text)
        restored = wo.post(f"/v1/memories/{original['id']}/restore")
        assert restored.status_code == 200 and restored.json()["deleted"] is False
        assert_no_content(restored.json(), secret_text)
        for path in ("archive", "unarchive", "history/1/restore"):
            r = wo.post(f"/v1/memories/{original['id']}/{path}")
            assert r.status_code == 200, (path, r.text)
            assert_no_content(r.json(), secret_text)
        # Dedup at the lowest threshold: "already stored", neither the duplicate's id nor its content.
        api.drain()
        dup = wo.post("/v1/memories", json={"content": secret_text, "deduplicate": True, "dedup_threshold": 0.5})
        assert dup.status_code == 200 and dup.json()["status"] == "already_stored"
        assert original["id"] not in dup.text and "duplicate_of" not in dup.json()
        assert_no_content(dup.json(), secret_text)
        batch = wo.post("/v1/memories/batch", json={"memories": [{"content": "x", "client_id": "wo-1"},
                                                                 {"content": "a new one"}]}).json()
        assert [i["status"] for i in batch["results"]] == ["duplicate", "success"]
        assert batch["results"][0]["memory_id"] is None and batch["results"][1]["memory_id"]
        assert original["id"] not in str(batch)
        assert_no_content(batch, secret_text)
        # A new memory: its own id and status.
        made = wo.post("/v1/memories", json={"content": "written blind"})
        assert made.status_code == 201 and made.json()["created"] is True and made.json()["status"] == "stored"
        assert made.json()["id"] and rw.get(f"/v1/memories/{made.json()['id']}").status_code == 200
        assert_no_content(made.json(), "written blind")
        # A read key still gets everything.
        assert rw.get(f"/v1/memories/{original['id']}").json()["content"] == secret_text


def test_write_only_key_on_statebase_gets_receipts(api):
    with api.client(api.alpha) as rw, api.client(api.alpha_wo) as wo:
        base = "/compat/statebase/v1/memory"
        made = wo.post(base, json={"session_id": "s", "content": "statebase secret 8812"})
        assert made.status_code == 201 and made.json()["id"].startswith("mem_")
        assert_no_content(made.json(), "statebase secret 8812")
        patched = wo.patch(f"{base}/{made.json()['id']}", json={})
        assert patched.status_code == 200
        assert_no_content(patched.json(), "statebase secret 8812")
        assert rw.get(f"{base}/{made.json()['id']}").json()["content"] == "statebase secret 8812"


def test_write_only_key_on_sendryx_gets_the_id_only(api):
    with api.client(api.alpha) as rw, api.client(api.alpha_wo) as wo:
        made = wo.post("/compat/sendryx/v1/memory", json={"content": "sendryx secret 5521", "metadata": {"k": "v"}})
        assert made.status_code == 201 and made.json() == {"success": True, "memory": {"id": made.json()["memory"]["id"]}}
        assert "sendryx secret 5521" not in made.text and "metadata" not in made.text
        mine = rw.post("/compat/sendryx/v1/memory", json={"content": "read-write sees its memory"}).json()
        assert mine["memory"]["content"] == "read-write sees its memory"


def test_write_only_key_on_memoryrelay_learns_no_duplicates_id_agent_or_times(api):
    """An outside QA pass: the profile answered a write-only key's near-duplicate with the existing memory's id
    and creation time, and its batch named a duplicate's id; the native routes say only "already stored"."""
    secret_text = "The user's locker code is 4471"
    base = "/compat/memoryrelay/v1/memories"
    with api.client(api.alpha) as rw, api.client(api.alpha_wo) as wo:
        original = rw.post(base, json={"content": secret_text, "agent_id": "owner"}).json()
        api.drain()
        dup = wo.post(base, json={"content": secret_text, "agent_id": "blind", "deduplicate": True})
        assert dup.status_code == 200 and dup.json()["is_duplicate"] is True, dup.text
        assert dup.json()["id"] == "" and original["id"] not in dup.text
        assert dup.json()["agent_id"] == "blind"
        assert_no_content(dup.json(), secret_text)
        batch = wo.post(f"{base}/batch", json={"agent_id": "blind", "memories": [
            {"content": secret_text, "deduplicate": True}, {"content": "a new relay note"}]})
        assert batch.status_code == 200, batch.text
        results = batch.json()["results"]
        assert [r["status"] for r in results] == ["duplicate", "success"]
        assert results[0]["memory_id"] is None and results[0]["id"] is None and results[1]["id"]
        assert original["id"] not in batch.text
        made = wo.post(base, json={"content": "a blind relay note", "agent_id": "blind"})
        assert made.status_code == 201 and made.json()["id"] and made.json()["is_duplicate"] is False
        # The asynchronous create likewise.
        queued = wo.post("/compat/memoryrelay/v2/memories", json={"content": secret_text, "agent_id": "blind",
                                                                 "deduplicate": True})
        assert queued.status_code == 202 and queued.json()["id"] == "" and original["id"] not in queued.text
        fresh = wo.post("/compat/memoryrelay/v2/memories", json={"content": "another blind note", "agent_id": "b"})
        assert fresh.json()["id"] and fresh.json()["status"] in ("pending", "ready")


def test_write_only_key_on_memsync_learns_no_superseded_ids(api):
    base = "/compat/memsync/v1/memories"
    with api.client(api.alpha) as rw, api.client(api.alpha_wo) as wo:
        first = rw.post(base, json={"messages": [{"role": "user", "content": "I live in Rome."}], "agent_id": "a",
                                    "thread_id": "r1", "user_id": "u77"})
        assert first.status_code == 200, first.text
        rome = first.json()["memory_ids"]
        moved = wo.post(base, json={"messages": [{"role": "user", "content": "I live in Paris now."}],
                                    "agent_id": "a", "thread_id": "r2", "user_id": "u77"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["superseded"] == [] and moved.json()["memory_ids"]
        assert not set(rome) & set(re.findall(r"[0-9a-f-]{36}", moved.text))
        # The same move told to a key that reads names what it replaced.
        again = rw.post(base, json={"messages": [{"role": "user", "content": "I live in Oslo now."}],
                                    "agent_id": "a", "thread_id": "r3", "user_id": "u77"})
        assert again.json()["superseded"]


def test_statebase_ids_are_not_sequential_or_guessable(api):
    with api.client(api.alpha) as c:
        base = "/compat/statebase/v1/memory"
        ids = [c.post(base, json={"session_id": "seq", "content": f"note {i}"}).json()["id"] for i in range(6)]
        assert all(re.fullmatch(r"mem_[0-9a-f]{12}", i) for i in ids)
        values = [int(i[4:], 16) for i in ids]
        steps = {b - a for a, b in itertools.pairwise(values)}
        assert len(steps) > 1 and max(values) > 2**32, ids  # not a counter, not small
        for memory_id in ids:
            assert c.get(f"{base}/{memory_id}").json()["id"] == memory_id
        # Neighbouring values of a real id name nothing.
        for guess in (values[0] + 1, values[0] - 1, values[-1] + 1):
            assert c.get(f"{base}/mem_{guess % 2**48:012x}").status_code == 404
        listed = c.get(base, params={"session_id": "seq", "limit": 3}).json()
        page2 = c.get(base, params={"session_id": "seq", "limit": 3, "starting_after": listed["data"][-1]["id"]}).json()
        assert [m["id"] for m in listed["data"] + page2["data"]] == list(reversed(ids))


def test_admin_keys_stay_within_their_namespace(api):
    """The cross-namespace matrix: an admin key of beta against alpha."""
    with api.client(api.alpha) as alpha, api.client(api.beta_admin) as admin:
        memory_id = alpha.post("/v1/memories", json={"content": "alpha only"}).json()["id"]
        alpha_key = next(k for k in api.services.keys.list("alpha") if k.name == "alpha rw")
        attempts = [
            admin.get(f"/v1/memories/{memory_id}"),
            admin.patch(f"/v1/memories/{memory_id}", json={"content": "changed by beta admin"}),
            admin.post(f"/v1/memories/{memory_id}/archive"),
            admin.get(f"/v1/memories/{memory_id}/history"),
            admin.delete(f"/v1/memories/{memory_id}"),
            admin.delete(f"/v1/memories/{memory_id}", params={"hard": True}),
            admin.get("/v1/memories", params={"namespace": "alpha"}),
            admin.post("/v1/memories", json={"content": "into alpha", "namespace": "alpha"}),
            admin.post("/v1/memories/search", json={"query": "alpha", "namespace": "alpha"}),
            admin.get("/v1/stats", params={"namespace": "alpha"}),
            admin.delete("/v1/namespaces/alpha", params={"confirm": "alpha"}),
            admin.post("/v1/purge", params={"namespace": "alpha", "trash": True}),
            admin.post("/v1/keys", json={"namespace": "alpha", "scopes": ["read", "write", "admin"]}),
            admin.delete(f"/v1/keys/{alpha_key.id}"),
        ]
        assert [r.status_code for r in attempts] == [404] * 6 + [403] * 7 + [404], [r.text[:80] for r in attempts]
        assert all(k["namespace"] == "beta" for k in admin.get("/v1/keys").json()["data"])
        assert [n["name"] for n in admin.get("/v1/namespaces").json()["data"]] == ["beta"]
        usage_keys = {row["key_id"] for row in admin.get("/v1/usage").json()["data"]}
        assert usage_keys <= {k.id for k in api.services.keys.list("beta")}
        assert admin.get("/v1/stats").json()["by_namespace"].keys() <= {"beta"}
        # Nothing in alpha changed, and the alpha key still works.
        got = alpha.get(f"/v1/memories/{memory_id}").json()
        assert got["content"] == "alpha only" and got["deleted_at"] is None and got["archived_at"] is None
        # Within its own namespace the admin key manages keys.
        made = admin.post("/v1/keys", json={"scopes": ["read"]})
        assert made.status_code == 201 and made.json()["namespace"] == "beta"
        assert admin.delete(f"/v1/keys/{made.json()['id']}").status_code == 204


def test_a_key_revoked_by_another_process_stops_working_at_once(api):
    """Two Services over one vault: the CLI revoking while the server serves."""
    key, secret = api.services.keys.create("alpha", "read", "revoked elsewhere")
    headers = {"Authorization": f"Bearer {secret}"}
    for _ in range(3):  # warm whatever the server might keep
        assert httpx.get(f"{api.url}/v1/memories", headers=headers).status_code == 200
    other = open_vault(api.services.settings, PASSPHRASE, api.services.embedder, background=False)
    try:
        other.keys.revoke(key.id)
    finally:
        other.close()
    r = httpx.get(f"{api.url}/v1/memories", headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = httpx.post(f"{api.url}/mcp", headers={**headers, "Accept": "application/json, text/event-stream"},
                   json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert r.status_code == 401


@pytest.mark.parametrize("scopes,status", [("read", 403), ("write", 201)])
def test_scope_checks_on_create(api, scopes, status):
    _, secret = api.services.keys.create("alpha", scopes)
    with api.client(secret) as c:
        assert c.post("/v1/memories", json={"content": f"scope {scopes}"}).status_code == status


def test_a_key_revoked_over_http_takes_its_client_credential_with_it(api, tmp_path):
    """A stdio client's credential wraps the vault's data key under its key's secret: revoking the key through the
    API (not only the CLI or the app) must delete that wrapped copy, or the old secret still opens the vault file."""
    from memvault.service import mcp_config

    key = mcp_config.issue_credential(api.services, "cursor", "default", tmp_path / "cursor.secret")
    folder = api.services.settings.home_path / mcp_config.CREDENTIALS_FOLDER
    assert len(list(folder.glob("*.json"))) == 1
    with api.client(api.admin) as c:
        assert c.delete(f"/v1/keys/{key.id}").status_code == 204
    assert list(folder.glob("*.json")) == []


def test_write_only_key_is_not_told_a_users_name_from_their_earlier_facts(api):
    """The name an unnamed user's earlier facts give is read data: a write-only key's chat does not get it."""
    turns = lambda *texts: [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(texts)]
    with api.client(api.alpha) as rw, api.client(api.alpha_wo) as wo:
        named = rw.post("/v1/conversations", json={"messages": turns("I live in Tartu.", "Tartu is lovely, Liisa!"),
                                                   "user_id": "u-scope", "wait": True})
        assert named.status_code == 200 and named.json()["result"]["user_name"] == "Liisa", named.text
        blind = wo.post("/v1/conversations", json={"messages": turns("I work at a library.", "Nice."),
                                                   "user_id": "u-scope", "wait": True})
        assert blind.status_code == 200, blind.text
        assert "Liisa" not in blind.text
        seen = rw.post("/v1/conversations", json={"messages": turns("I cycle to work.", "Good."),
                                                  "user_id": "u-scope", "wait": True})
        assert seen.json()["result"]["user_name_source"] == "person" and "Liisa" in seen.text
