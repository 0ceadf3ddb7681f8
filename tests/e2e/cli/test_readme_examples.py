"""The README's example request bodies for the compatibility profiles work against a real server."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from memvault.api.server import ApiServer
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, ROOT, fast_settings

ROW = re.compile(r"^\| `(?P<profile>[a-z]+)` \|.*\| `POST (?P<path>/[^`]+)` `(?P<body>\{.*?\})` \|", re.MULTILINE)


def examples() -> list[tuple[str, str, dict]]:
    text = (ROOT / "README.md").read_text("utf-8")
    return [(m["profile"], m["path"], json.loads(m["body"])) for m in ROW.finditer(text)]


def test_every_profile_has_an_example():
    assert sorted(p for p, _, _ in examples()) == ["azen", "memoryrelay", "memsync", "sendryx", "statebase"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_embedder):
    services = create_vault(fast_settings(tmp_path_factory.mktemp("readme") / "vault"), PASSPHRASE, fake_embedder)
    api = ApiServer(services, port=0)
    api.start()
    yield api, services
    api.stop()
    services.close()


REQUIRED = {"memsync": ("agent_id", "thread_id"), "statebase": ("session_id",)}


@pytest.mark.parametrize("profile,path,body", examples(), ids=lambda x: x if isinstance(x, str) else "")
def test_the_example_body_stores_a_memory(server, profile, path, body):
    api, services = server
    _, secret = services.keys.create(f"readme-{profile}", "read,write")

    def post(payload: dict) -> httpx.Response:
        return httpx.post(f"{api.url}/compat/{profile}{path}", json=payload,
                          headers={"Authorization": f"Bearer {secret}"}, timeout=60)

    r = post(body)
    assert r.status_code in (200, 201), r.text
    for field in REQUIRED.get(profile, ()):
        # The fields the README calls required are: without one the profile answers 4xx.
        assert 400 <= post({k: v for k, v in body.items() if k != field}).status_code < 500, field
