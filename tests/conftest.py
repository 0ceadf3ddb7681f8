"""Shared fixtures: real SQLCipher vaults in temporary folders and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.embedding.model import Embedder
from app.service.container import Services, create_vault, load_embedder
from tests.helpers import PASSPHRASE, ManualClock, fast_settings


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(load_settings(environ={}))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path / "vault")


@pytest.fixture
def clock() -> ManualClock:
    """The wall clock of the ``services`` fixture; ``clock.advance(s)`` moves time (TTLs, trash age)."""
    return ManualClock()


@pytest.fixture
def services(settings: Settings, embedder: Embedder, clock: ManualClock) -> Services:
    svc = create_vault(settings, PASSPHRASE, embedder, background=False, wall=clock)
    yield svc
    svc.close()
