"""Errors that are not the caller's: storage trouble gets a clear status, a bug a 500 envelope, old data reads."""

import logging
import threading
import time

import httpx
import pytest

from memvault.api.server import ApiServer
from memvault.domain import errors as e
from memvault.domain import limits
from memvault.domain.models import FieldChanges
from memvault.service.container import create_vault, open_vault
from memvault.vault import memory_queries, sqlite_errors
from memvault.vault import memories as repo
from memvault.vault.rows import TOO_DEEP
from tests.helpers import PASSPHRASE, fast_settings


@pytest.mark.parametrize("error,status,code", [
    (e.VaultBusy("the vault is busy", retry_after_seconds=3), 503, "vault_busy"),
    (e.StorageFull("the disk is full"), 507, "storage_full"),
    (e.VaultReadOnly("the vault folder is read-only"), 503, "vault_read_only"),
    (e.StorageError("an I/O error"), 503, "storage_error"),
    (e.VaultCorrupt("the vault file is damaged"), 500, "vault_corrupt"),
])
def test_storage_errors_get_a_clear_status_and_message(api, monkeypatch, error, status, code):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(api.services.memories, "create", fail)
    with api.client(api.alpha) as c:
        r = c.post("/v1/memories", json={"content": "x"})
        assert r.status_code == status
        body = r.json()["error"]
        assert body["code"] == code and body["message"] == error.message
        if isinstance(error, e.VaultBusy):
            assert r.headers["retry-after"] == "3" and body["retry_after_seconds"] == 3
        r = c.post("/compat/sendryx/v1/memory", json={"content": "x"})
        assert r.status_code == status and r.json()["success"] is False


def test_a_write_waiting_on_another_process_lock_gets_503_with_retry_after(tmp_path, fake_embedder, monkeypatch):
    """Another process (here: a second Services over the same vault) holds the write lock past the busy timeout."""
    monkeypatch.setattr(sqlite_errors, "BUSY_TIMEOUT_MS", 300)
    settings = fast_settings(tmp_path / "vault")
    services = create_vault(settings, PASSPHRASE, fake_embedder, background=False)
    _, secret = services.keys.create("busy", "read,write")
    server = ApiServer(services, port=0)
    server.start()
    other = open_vault(settings, PASSPHRASE, fake_embedder, background=False)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with other.vault.db.write():
            holding.set()
            release.wait(20)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(10)
        headers = {"Authorization": f"Bearer {secret}"}
        r = httpx.post(f"{server.url}/v1/memories", json={"content": "waits for the lock"}, headers=headers)
        assert r.status_code == 503 and r.json()["error"]["code"] == "vault_busy"
        assert int(r.headers["retry-after"]) >= 1 and "try again" in r.json()["error"]["message"]
        assert httpx.get(f"{server.url}/v1/memories", headers=headers).status_code == 200  # reads go on
    finally:
        release.set()
        holder.join(20)
        other.close()
    try:
        ok = httpx.post(f"{server.url}/v1/memories", json={"content": "after the lock"}, headers=headers)
        assert ok.status_code == 201
    finally:
        server.stop()
        services.close()


def test_a_bug_answers_500_in_the_envelope_and_logs_no_memory_text(api, monkeypatch, caplog):
    marker = "BUGMARKER-7f3e memory text"

    def broken(memory_id, namespace=None):
        content = f"{marker} {memory_id}"  # a local holding memory text
        raise RuntimeError(f"failed on {content}")

    monkeypatch.setattr(api.services.memories, "get", broken)
    for name in ("uvicorn", "uvicorn.error"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    caplog.set_level(logging.DEBUG)
    with api.client(api.alpha) as c:
        r = c.get("/v1/memories/some-id")
        assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
        assert r.json()["error"]["code"] == "internal_error" and marker not in r.text
        r = c.get("/compat/azen/api/v1/memory/some-id", headers={"azen-api-key": api.alpha})
        assert r.status_code == 500 and r.json()["status"] == "internal_server_error"
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "RuntimeError" in logged and "broken" in logged  # the stack is there...
    assert marker not in logged and "BUGMARKER" not in logged  # ...the text is not


def test_memories_stored_with_deep_metadata_by_old_versions_still_read(api):
    """A memory written before the depth limit (300 levels) lists, gets, searches and shows history."""
    with api.client(api.alpha) as c:
        m = c.post("/v1/memories", json={"content": "an old memory about tangerine kites"}).json()
        deep: object = "leaf"
        for _ in range(300):
            deep = {"a": deep}
        # What the old code did: write the metadata through the one write path, unchecked.
        with api.services.vault.db.write() as conn:
            current = memory_queries.get_by_uuid(conn, m["id"])
            repo.update(conn, current, FieldChanges(metadata_set={"deep": deep, "kept": 1}),
                        api.services.memories._stamp(time.time()))
        got = c.get(f"/v1/memories/{m['id']}")
        assert got.status_code == 200
        meta = got.json()["metadata"]
        assert meta["kept"] == 1
        node, depth = meta["deep"], 1
        while isinstance(node, dict):
            node, depth = node["a"], depth + 1
        assert node == TOO_DEEP and depth == limits.METADATA_MAX_DEPTH
        assert c.get("/v1/memories", params={"limit": 100}).status_code == 200
        hits = c.post("/v1/memories/search", json={"query": "tangerine kites", "search_mode": "keyword"})
        assert hits.status_code == 200 and hits.json()["data"][0]["memory"]["id"] == m["id"]
        assert c.get(f"/v1/memories/{m['id']}/history").status_code == 200
        # A later edit (content, or a metadata patch) works too.
        assert c.patch(f"/v1/memories/{m['id']}", json={"content": "an edited old memory"}).status_code == 200
        fixed = c.patch(f"/v1/memories/{m['id']}", json={"metadata": {"deep": None}})
        assert fixed.status_code == 200 and fixed.json()["metadata"] == {"kept": 1}
        assert httpx.get(f"{api.url}/healthz").status_code == 200
