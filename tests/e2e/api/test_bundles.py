"""Bundles over HTTP between two real servers on two vaults with different passphrases."""

from __future__ import annotations

import httpx
import pytest

from app.api.server import ApiServer
from app.domain.models import MemoryCreate, MemoryFilter
from app.service.container import create_vault
from tests.conftest import embedder_for
from tests.helpers import fast_settings

BUNDLE_PASSPHRASE = "a passphrase for the bundle"


@pytest.fixture(scope="module")
def second(request, tmp_path_factory):
    """Another vault with its own passphrase and its own server."""
    services = create_vault(fast_settings(tmp_path_factory.mktemp("second") / "vault"), "the second passphrase",
                            embedder_for(request), background=True)
    admin = services.keys.create("default", "read,write,admin", "admin")[1]
    server = ApiServer(services, port=0)
    server.start()
    yield services, httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=60)
    server.stop()
    services.close()


@pytest.fixture(scope="module")
def source(api):
    for i in range(30):
        api.services.memories.create(MemoryCreate(content=f"exported over http, number {i} ✓", namespace="travel",
                                                  tags=["trip"], metadata={"i": i}))
    api.drain()
    with api.client(api.admin) as client:
        yield client


def _contents(services, namespace):
    items = services.memories.list(MemoryFilter(namespace=namespace), limit=1000).items
    return {m.id: (m.content, m.tags, m.metadata, m.created_at, m.version) for m in items}


def test_export_with_a_passphrase_imports_into_another_vault(api, source, second):
    services, client = second
    r = source.post("/v1/namespaces/travel/export", json={"passphrase": BUNDLE_PASSPHRASE})
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.memvault.bundle"
    assert 'filename="travel.mvbundle"' in r.headers["content-disposition"]
    bundle = r.content
    dry = client.post("/v1/import?dry_run=true", content=bundle, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert dry.status_code == 200 and dry.json()["new"] == 30 and _contents(services, "travel") == {}
    done = client.post("/v1/import", content=bundle, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert done.status_code == 200, done.text
    assert (done.json()["new"], done.json()["to_embed"]) == (30, 0)
    assert _contents(services, "travel") == _contents(api.services, "travel")
    again = client.post("/v1/import?on_conflict=copy&into=copies", content=bundle,
                        headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert again.json()["new"] == 30 and len(_contents(services, "copies")) == 30


def test_recipient_exports_need_no_passphrase_and_open_only_there(api, source, second):
    _services, client = second
    key = client.get("/v1/bundles/recipient").json()["recipient"]
    for_second = source.get("/v1/namespaces/travel/export", params={"recipient": key}).content
    own = source.get("/v1/namespaces/travel/export").content  # for the source vault's own key
    r = client.post("/v1/import?dry_run=true&into=other", content=for_second)
    assert r.status_code == 200 and r.json()["memories"] == 30
    refused = client.post("/v1/import", content=own)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "wrong_recipient"
    assert source.post("/v1/import?dry_run=true", content=own).json()["skipped"] == 30


def test_bad_uploads_and_requests_get_the_error_envelope(api, source, second):
    services, client = second
    bundle = source.post("/v1/namespaces/travel/export", json={"passphrase": BUNDLE_PASSPHRASE}).content
    before = services.memories.count(MemoryFilter(namespace=None, include_deleted=True, include_archived=True))
    cases = [
        (bundle[:-100], {"X-Bundle-Passphrase": BUNDLE_PASSPHRASE}, 422, "tampered_data"),  # its only segment
        (bundle, {"X-Bundle-Passphrase": "not the one"}, 422, "wrong_bundle_passphrase"),
        (bundle, {}, 400, "passphrase_required"),
        (b"not a bundle at all", {}, 422, "damaged_data"),
        (b"", {}, 400, "invalid_input"),
    ]
    for body, headers, status, code in cases:
        r = client.post("/v1/import", content=body, headers=headers)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert services.memories.count(MemoryFilter(namespace=None, include_deleted=True,
                                                include_archived=True)) == before
    assert source.get("/v1/namespaces/nowhere/export").json()["error"]["code"] == "not_found"
    assert source.post("/v1/namespaces/travel/export", json={}).status_code == 400
    assert source.post("/v1/namespaces/travel/export", json={"passphrase": "short"}).status_code == 400
    assert client.post("/v1/import?on_conflict=sometimes", content=bundle).status_code == 422


def test_only_admin_keys_move_bundles(api, source):
    bundle = source.get("/v1/namespaces/travel/export").content
    with api.client(api.alpha) as writer:
        assert writer.get("/v1/namespaces/alpha/export").status_code == 403
        assert writer.post("/v1/import", content=bundle).status_code == 403
    with api.client() as nobody:
        assert nobody.get("/v1/namespaces/travel/export").status_code == 401
