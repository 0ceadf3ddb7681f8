"""Shared fixtures: real SQLCipher vaults in temporary folders and the real model."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.embedding.model import Embedder
from app.service.container import Services, create_vault, load_embedder

PASSPHRASE = "correct horse battery staple"


def fast_settings(home: Path, **overrides: object) -> Settings:
    """Settings for tests: cheap Argon2id (the KDF is not under test everywhere)."""
    values = dict(home=str(home), kdf_memory_kib=1024, kdf_iterations=1, reader_cache_mib=32)
    values.update(overrides)
    return load_settings(environ={}, **values)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(load_settings(environ={}))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path / "vault")


@pytest.fixture
def services(settings: Settings, embedder: Embedder) -> Services:
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    yield svc
    svc.close()


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
