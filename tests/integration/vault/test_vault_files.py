"""A real vault whose files are damaged, foreign or old (issue 9 items 13 and 15).

Vaults here are made with ``Vault.create`` and a small vector dimension: what
is under test is the files, not the model.
"""

from __future__ import annotations

import base64
import json
import os
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlalchemy import text

from memvault.domain.errors import VaultCorrupt, WrongPassphrase
from memvault.vault import migrations
from memvault.vault.engine import Database
from memvault.vault.vault import Vault, db_path, header_path
from tests.helpers import PASSPHRASE

DIM = 8


@pytest.fixture
def vault_home(settings):
    vault = Vault.create(settings.home_path, PASSPHRASE, settings, dim=DIM, model_id="test-model")
    device_id, data_key = vault.device_id, vault.data_key
    vault.lock()
    return settings.home_path, device_id, data_key


def _unlock(settings, passphrase=PASSPHRASE) -> Vault:
    return Vault.unlock(settings.home_path, passphrase, settings, dim=DIM)


def _remove_wal(home) -> None:
    for suffix in ("-wal", "-shm"):
        (home / f"vault.db{suffix}").unlink(missing_ok=True)


def test_a_zero_byte_database_beside_a_valid_header_is_refused_and_left_alone(settings, vault_home):
    home, _, _ = vault_home
    db_path(home).write_bytes(b"")
    _remove_wal(home)
    with pytest.raises(VaultCorrupt, match=r"vault\.db is empty \(0 bytes\)"):
        _unlock(settings)
    assert db_path(home).stat().st_size == 0
    assert not (home / "vault.db-wal").exists()


def test_a_database_without_a_schema_is_never_given_one_at_unlock(settings, vault_home):
    # The vault's own key opens it (as after a botched copy or restore), but it holds nothing.
    home, _, data_key = vault_home
    db_path(home).unlink()
    _remove_wal(home)
    stranger = Database(db_path(home), data_key, readers=1, reader_cache_mib=1)
    with stranger.write() as conn:
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    stranger.dispose()
    with pytest.raises(VaultCorrupt, match="holds no Memvault data"):
        _unlock(settings)
    check = Database(db_path(home), data_key, readers=1, reader_cache_mib=1)
    try:
        with check.read() as conn:
            assert migrations.current_version(conn) == 0
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        assert tables == ["unrelated"]
    finally:
        check.dispose()


def test_a_database_missing_its_identity_is_corrupt_not_a_key_error(settings, vault_home):
    home, _, data_key = vault_home
    db = Database(db_path(home), data_key, readers=1, reader_cache_mib=1)
    with db.write() as conn:
        conn.execute(text("DELETE FROM settings WHERE key = 'device_id'"))
    db.dispose()
    with pytest.raises(VaultCorrupt, match="device_id"):
        _unlock(settings)


def test_a_flipped_byte_in_the_wrapped_key_is_damage_not_a_wrong_passphrase(settings, vault_home):
    home, _, _ = vault_home
    hp = header_path(home)
    doc = json.loads(hp.read_text())
    raw = bytearray(base64.b64decode(doc["wrapped_key"]["data"]))
    raw[20] ^= 0x10
    doc["wrapped_key"]["data"] = base64.b64encode(bytes(raw)).decode()
    hp.write_text(json.dumps(doc))
    with pytest.raises(VaultCorrupt, match="header .* is damaged"):
        _unlock(settings)
    with pytest.raises(VaultCorrupt):
        _unlock(settings, "a wrong passphrase")


def test_a_wrong_passphrase_is_still_wrong_passphrase(settings, vault_home):
    with pytest.raises(WrongPassphrase):
        _unlock(settings, "a wrong passphrase")


def test_a_header_asking_for_a_billion_iterations_fails_at_once(settings, vault_home):
    home, _, _ = vault_home
    hp = header_path(home)
    doc = json.loads(hp.read_text())
    doc["kdf"]["iterations"] = 10**9
    hp.write_text(json.dumps(doc))
    start = time.process_time()  # CPU: what a refusal may cost, whatever else the machine runs
    with pytest.raises(VaultCorrupt, match="out of range"):
        _unlock(settings)
    assert time.process_time() - start < 1.0


def test_a_vault_with_a_version_1_header_opens_and_gets_a_version_2_header(settings, vault_home):
    home, device_id, data_key = vault_home
    hp = header_path(home)
    # The first release's header, written the way it wrote it.
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = Argon2id(salt=salt, length=32, iterations=1, lanes=4, memory_cost=1024).derive(PASSPHRASE.encode())
    hp.write_text(json.dumps({
        "format": "memvault-key-header", "version": 1,
        "kdf": {"name": "argon2id", "salt": base64.b64encode(salt).decode(), "memory_kib": 1024,
                "iterations": 1, "lanes": 4},
        "wrapped_key": {"cipher": "aes-256-gcm", "nonce": base64.b64encode(nonce).decode(),
                        "data": base64.b64encode(AESGCM(kek).encrypt(nonce, data_key, b"memvault data key v1")).decode()},
        "updated_at": time.time(),
    }))
    vault = _unlock(settings)
    assert vault.device_id == device_id and vault.data_key == data_key
    vault.lock()
    assert json.loads(hp.read_text())["version"] == 2
    vault = _unlock(settings)
    assert vault.device_id == device_id
    vault.change_passphrase(PASSPHRASE, "another long passphrase", settings)
    vault.lock()
    vault = _unlock(settings, "another long passphrase")
    assert vault.device_id == device_id
    vault.lock()
