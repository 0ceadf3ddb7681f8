"""Readable export and imports over HTTP on a real server: admin with read or write (as bundles), consent
to plaintext, the key's namespace, uploads of other tools' files, one-line 4xx refusals that leave the vault as it
was."""

from __future__ import annotations

import json
import sqlite3

from memvault.domain.models import MemoryCreate, MemoryFilter
from tests.integration.transfer.test_importers import SAMPLES


def _count(api, namespace):
    return api.services.memories.count(MemoryFilter(namespace=namespace, include_deleted=True))


def test_jsonl_export_needs_admin_and_consent_and_imports_back_idempotently(api):
    for i in range(5):
        api.services.memories.create(MemoryCreate(content=f"readable over http {i} ✓", namespace="beta",
                                                  tags=["http"], metadata={"i": i}))
    with api.client(api.beta) as client:
        assert client.get("/v1/namespaces/beta/export.jsonl", params={"unencrypted_ok": "true"}).status_code == 403
    with api.client(api.beta_admin) as client:
        refused = client.get("/v1/namespaces/beta/export.jsonl")
        assert refused.status_code == 400 and "not encrypted" in refused.json()["error"]["message"]
        r = client.get("/v1/namespaces/beta/export.jsonl", params={"unencrypted_ok": "true"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.text.splitlines()]
        assert sorted(d["content"] for d in lines) == [f"readable over http {i} ✓" for i in range(5)]
        again = client.post("/v1/imports/jsonl", content=r.content, params={"filename": "beta.jsonl"})
        assert again.status_code == 200, again.text
        assert (again.json()["new"], again.json()["skipped"]) == (0, 5)


def test_admin_alone_neither_reads_by_export_nor_writes_by_import(api):
    # "admin alone manages and reads no content": the bundle routes asked for read or write as well, these did not.
    api.services.memories.create(MemoryCreate(content="a confidential line", namespace="beta"))
    line = json.dumps({"id": "0" * 32, "content": "imported by an admin key", "namespace": "beta"}).encode()
    before = _count(api, "beta")
    for scopes, lacks in (("admin", "read"), ("admin,write", "read")):
        with api.client(api.services.keys.create("beta", scopes, f"only {scopes}")[1]) as client:
            r = client.get("/v1/namespaces/beta/export.jsonl", params={"unencrypted_ok": "true"})
            assert r.status_code == 403 and lacks in r.json()["error"]["message"]
            assert "confidential" not in r.text
    for scopes in ("admin", "admin,read"):
        with api.client(api.services.keys.create("beta", scopes, f"only {scopes}")[1]) as client:
            r = client.post("/v1/imports/jsonl", content=line, params={"filename": "x.jsonl"})
            assert r.status_code == 403 and "write" in r.json()["error"]["message"]
    assert _count(api, "beta") == before


def test_uploads_of_other_tools_files_go_into_the_keys_namespace(api, tmp_path):
    with api.client(api.admin) as client:
        data = (SAMPLES / "mem0" / "export.json").read_bytes()
        dry = client.post("/v1/imports/mem0", content=data, params={"dry_run": "true"})
        assert dry.status_code == 200 and dry.json()["new"] == 3 and _count(api, "default") == 0
        done = client.post("/v1/imports/mem0", content=data)
        assert done.json()["new"] == 3 and done.json()["namespaces"] == ["default"] and _count(api, "default") == 3
        db = tmp_path / "sqlite_vec.db"
        conn = sqlite3.connect(db)
        conn.executescript((SAMPLES / "mcp-memory-service" / "memories.sql").read_text("utf-8"))
        conn.commit()
        conn.close()
        r = client.post("/v1/imports/mcp-memory-service", content=db.read_bytes())
        assert r.status_code == 200 and r.json()["new"] == 2 and _count(api, "default") == 5


def test_bad_uploads_are_refused_with_one_line_and_nothing_written(api):
    before = _count(api, "default")
    with api.client(api.admin) as client:
        cut = (SAMPLES / "chatgpt" / "conversations.json").read_bytes()[:2000]
        r = client.post("/v1/imports/chatgpt", content=cut, params={"filename": "conversations.json"})
        assert r.status_code == 400
        message = r.json()["error"]["message"]
        assert message.startswith("conversations.json line 2 (record 1)") and "\n" not in message
        r = client.post("/v1/imports/obsidian", content=b"# a note")
        assert r.status_code == 400 and "folder" in r.json()["error"]["message"]
        assert client.post("/v1/imports/evernote", content=b"x").status_code in (400, 422)
        assert client.post("/v1/imports/mem0", content=b"").status_code == 400
    assert _count(api, "default") == before
