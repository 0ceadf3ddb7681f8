"""The environment most CLI tests run in: a vault folder of their own, the passphrase, a cheap KDF."""

import pytest

from tests.helpers import PASSPHRASE


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("MEMVAULT_KDF_MEMORY_KIB", "1024")
    monkeypatch.setenv("MEMVAULT_KDF_ITERATIONS", "1")
    return tmp_path
