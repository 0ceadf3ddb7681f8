"""Vaults that sync: each with its own passphrase and device, a fake embedder, no background loops."""

from __future__ import annotations

import pytest

from memvault.service.container import create_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

SYNC_PASSPHRASE = "sync passphrase for tests"


@pytest.fixture
def make_vault(tmp_path):
    opened = []

    def make(name: str, **overrides):
        settings = fast_settings(tmp_path / name, **({"worker": False} | overrides))
        services = create_vault(settings, f"vault passphrase {name}", FakeEmbedder(), background=False)
        opened.append(services)
        return services

    yield make
    for services in opened:
        services.close()


@pytest.fixture
def make_synced(make_vault, tmp_path):
    """``make_synced("a", "b")``: vaults set up to sync through one folder, in that order."""

    def make(*names: str):
        folder = TargetConfig("folder", str(tmp_path / "target"))
        devices = tuple(make_vault(name) for name in names)
        for device in devices:
            device.sync.setup(folder, SYNC_PASSPHRASE)
        return devices

    return make
