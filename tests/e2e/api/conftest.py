"""A real uvicorn server on 127.0.0.1 over a real vault and the real model."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from memvault.api.server import ApiServer
from memvault.service.container import Services, create_vault
from tests.helpers import PASSPHRASE, fast_settings, wait_for


@dataclass
class Api:
    url: str
    services: Services
    admin: str      # read, write, admin on "default"
    alpha: str      # read, write on "alpha"
    alpha_ro: str   # read on "alpha"
    beta: str       # read, write on "beta"
    alpha_wo: str   # write only on "alpha"
    beta_admin: str  # read, write, admin on "beta"

    def client(self, key: str | None = None, **headers: str) -> httpx.Client:
        if key is not None:
            headers.setdefault("Authorization", f"Bearer {key}")
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def drain(self) -> None:
        """Wait until the background worker has embedded everything queued."""
        wait_for(lambda: self.services.jobs.depth() == 0, timeout=60)


@pytest.fixture(scope="module")
def api(request, tmp_path_factory) -> Api:
    # One vault serves the whole module: it gets the real model when any selected test in the module needs it.
    needs_model = any(item.get_closest_marker("slow") for item in request.session.items if item.module is request.module)
    embedder = request.getfixturevalue("real_embedder" if needs_model else "fake_embedder")
    settings = fast_settings(tmp_path_factory.mktemp("api") / "vault")
    services = create_vault(settings, PASSPHRASE, embedder, background=True)
    keys = services.keys
    made = Api(
        url="", services=services,
        admin=keys.create("default", "read,write,admin", "admin")[1],
        alpha=keys.create("alpha", "read,write", "alpha rw")[1],
        alpha_ro=keys.create("alpha", "read", "alpha ro")[1],
        beta=keys.create("beta", "read,write", "beta rw")[1],
        alpha_wo=keys.create("alpha", "write", "alpha wo")[1],
        beta_admin=keys.create("beta", "read,write,admin", "beta admin")[1],
    )
    server = ApiServer(services, port=0)
    server.start()
    made.url = server.url
    yield made
    server.stop()
    services.close()
