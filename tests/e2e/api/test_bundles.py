"""Bundles over HTTP between two real servers on two vaults with different passphrases."""

from __future__ import annotations

import httpx
import pytest

from memvault.api.server import ApiServer
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.container import create_vault
from tests.conftest import embedder_for
from tests.helpers import fast_settings

BUNDLE_PASSPHRASE = "a passphrase for the bundle"


@pytest.fixture(scope="module")
def second(request, tmp_path_factory):
    """Another vault with its own passphrase and its own server."""
    services = create_vault(fast_settings(tmp_path_factory.mktemp("second") / "vault"), "the second passphrase",
                            embedder_for(request), background=True)
    admin = services.keys.create("inbox", "read,write,admin", "admin")[1]
    server = ApiServer(services, port=0)
    server.start()
    yield services, httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=60)
    server.stop()
    services.close()


@pytest.fixture(scope="module")
def source(api):
    for i in range(30):
        api.services.memories.create(MemoryCreate(content=f"exported over http, number {i} ✓", namespace="beta",
                                                  tags=["trip"], metadata={"i": i}))
    api.drain()
    with api.client(api.beta_admin) as client:
        yield client


def _contents(services, namespace):
    items = services.memories.list(MemoryFilter(namespace=namespace), limit=1000).items
    return {m.id: (m.content, m.tags, m.metadata, m.created_at, m.version) for m in items}


def test_export_with_a_passphrase_imports_into_another_vault(api, source, second):
    services, client = second
    r = source.post("/v1/namespaces/beta/export", json={"passphrase": BUNDLE_PASSPHRASE})
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.memvault.bundle"
    assert 'filename="beta.mvbundle"' in r.headers["content-disposition"]
    bundle = r.content
    dry = client.post("/v1/import?dry_run=true", content=bundle, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert dry.status_code == 200 and dry.json()["new"] == 30 and _contents(services, "inbox") == {}
    done = client.post("/v1/import", content=bundle, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert done.status_code == 200, done.text
    assert (done.json()["new"], done.json()["to_embed"]) == (30, 0)
    assert _contents(services, "inbox") == _contents(api.services, "beta")  # into the key's namespace
    again = client.post("/v1/import?on_conflict=copy&into=inbox", content=bundle,
                        headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert again.json()["skipped"] == 30  # the same versions: nothing to copy
    elsewhere = client.post("/v1/import?into=beta", content=bundle, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert elsewhere.status_code == 403  # an admin key reaches its own namespace only


def test_a_passphrase_in_any_script_opens_over_http_as_it_was_exported(source, second):
    """The export takes its passphrase in JSON (UTF-8); the import's header is read as the UTF-8 bytes sent."""
    _services, client = second
    for passphrase in ("пароль-тайный-2026", "pässwört-ünïcode", "密码是一只黑色的猫"):
        exported = source.post("/v1/namespaces/beta/export", json={"passphrase": passphrase})
        assert exported.status_code == 200, exported.text
        bundle = exported.content
        r = client.post("/v1/import?dry_run=true", content=bundle,
                        headers={"X-Bundle-Passphrase": passphrase.encode("utf-8")})
        assert r.status_code == 200 and r.json()["memories"] == 30, r.text
    wrong = client.post("/v1/import?dry_run=true", content=bundle, headers={"X-Bundle-Passphrase": "密码是一只白色的猫".encode()})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_bundle_passphrase"


def test_recipient_exports_need_no_passphrase_and_open_only_there(api, source, second):
    _services, client = second
    key = client.get("/v1/bundles/recipient").json()["recipient"]
    for_second = source.get("/v1/namespaces/beta/export", params={"recipient": key}).content
    own = source.get("/v1/namespaces/beta/export").content  # for the source vault's own key
    r = client.post("/v1/import?dry_run=true", content=for_second)
    assert r.status_code == 200 and r.json()["memories"] == 30
    refused = client.post("/v1/import", content=own)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "wrong_recipient"
    assert source.post("/v1/import?dry_run=true", content=own).json()["skipped"] == 30


def test_bad_uploads_and_requests_get_the_error_envelope(api, source, second):
    services, client = second
    bundle = source.post("/v1/namespaces/beta/export", json={"passphrase": BUNDLE_PASSPHRASE}).content
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
    assert source.get("/v1/namespaces/alpha/export").json()["error"]["code"] == "forbidden"
    assert source.post("/v1/namespaces/beta/export", json={}).status_code == 400
    assert source.post("/v1/namespaces/beta/export", json={"passphrase": "short"}).status_code == 400
    assert client.post("/v1/import?on_conflict=sometimes", content=bundle).status_code == 422


def test_only_admin_keys_move_bundles(api, source):
    bundle = source.get("/v1/namespaces/beta/export").content
    with api.client(api.beta) as writer:
        assert writer.get("/v1/namespaces/beta/export").status_code == 403
        assert writer.post("/v1/import", content=bundle).status_code == 403
    with api.client() as nobody:
        assert nobody.get("/v1/namespaces/beta/export").status_code == 401


def _spooled(services):
    return sorted(p.name for p in services.vault.home.glob(".import-*"))


def test_bundle_uploads_pass_the_24_mib_cap_of_other_bodies(api):
    junk = b"\x00" * (25 * 1024 * 1024)
    with api.client(api.admin) as client:
        refused = client.post("/v1/memories", content=junk, headers={"Content-Type": "application/json"})
        assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"
        # The whole body reaches the import, which finds it is no bundle (a 4xx of its own, not 413).
        r = client.post("/v1/import", content=junk)
    assert 400 <= r.status_code < 500 and r.status_code != 413, r.text
    assert r.json()["error"]["code"] != "payload_too_large"
    assert _spooled(api.services) == []


def test_bundle_uploads_over_their_own_limit_are_413_in_the_envelope(tmp_path, fake_embedder):
    settings = fast_settings(tmp_path / "small", api_bundle_upload_max_mib=1)
    services = create_vault(settings, "a passphrase for the small one", fake_embedder, background=False)
    admin = services.keys.create("default", "read,write,admin", "admin")[1]
    server = ApiServer(services, port=0)
    server.start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=60) as client:
            declared = client.post("/v1/import", content=b"\x01" * (1024 * 1024 + 1))
            streamed = client.post("/v1/import", content=(b"\x01" * 65536 for _ in range(40)))  # chunked, 2.5 MiB
            for r in (declared, streamed):
                assert r.status_code == 413
                error = r.json()["error"]
                assert (error["code"], error["status"]) == ("payload_too_large", 413) and "1 MiB" in error["message"]
            small = client.post("/v1/import", content=b"\x01" * 1000)
            assert small.status_code != 413
        assert _spooled(services) == []
    finally:
        server.stop()
        services.close()


def test_a_bundle_asking_more_key_derivation_than_a_request_may_spend_is_refused_before_deriving(
        source, second, monkeypatch, tmp_path):
    from memvault.crypto import kdf as kdf_module
    from memvault.domain import limits
    from memvault.domain.errors import WrongBundlePassphrase
    from memvault.service.bundle_import import ImportOptions
    from tests.unit.bundle.test_kdf_caps import rewrite_kdf

    services, client = second
    bundle = source.post("/v1/namespaces/beta/export", json={"passphrase": BUNDLE_PASSPHRASE}).content
    derived = []
    monkeypatch.setattr(kdf_module.KdfParams, "derive", lambda self, p: derived.append(self) or b"\0" * 32)
    # The most any export writes (256 MiB x 8 passes, ~3 CPU-s): a 1 KB upload must not buy that per request.
    costly = rewrite_kdf(bundle, memory_kib=256 * 1024, iterations=8, lanes=4)
    r = client.post("/v1/import?dry_run=true", content=costly, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "bundle_too_demanding"), r.text
    assert "memvault import" in r.json()["error"]["message"] and derived == []
    # At the request's budget the passphrase is checked (here against the stubbed derivation: a wrong key).
    budget = rewrite_kdf(bundle, memory_kib=limits.REQUEST_KDF_WORK_KIB // 4, iterations=4, lanes=4)
    r = client.post("/v1/import?dry_run=true", content=budget, headers={"X-Bundle-Passphrase": BUNDLE_PASSPHRASE})
    assert r.json()["error"]["code"] == "wrong_bundle_passphrase" and len(derived) == 1
    # The CLI and the desktop app, run by the user, open what any export writes.
    path = tmp_path / "costly.mvbundle"
    path.write_bytes(costly)
    with pytest.raises(WrongBundlePassphrase):
        services.bundles.import_bundle(path, ImportOptions(dry_run=True), passphrase=BUNDLE_PASSPHRASE)
    assert len(derived) == 2
