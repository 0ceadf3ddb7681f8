"""The data-key header: a wrong passphrase, a damaged header, impossible parameters and an old version
are four different answers (issue 9 item 15)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import VaultCorrupt, WrongPassphrase
from memvault.vault import header

PASSPHRASE = "correct horse battery staple"
V1_FIXTURE = Path(__file__).parents[2] / "data" / "vault" / "header-v1.json"
V1_DATA_KEY = bytes(range(100, 132))  # what tests/data/vault/header-v1.json wraps (made by the first release)


@pytest.fixture
def written(tmp_path) -> tuple[Path, bytes]:
    path, key = tmp_path / "vault.header", os.urandom(32)
    header.write_header(path, header.wrap(key, PASSPHRASE, KdfParams.fresh(1024, 1)))
    return path, key


def edit(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def flip_b64(text: str, index: int) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_round_trip_writes_version_2_with_a_checksum(written):
    path, key = written
    doc = json.loads(path.read_text())
    assert doc["version"] == 2 and doc["checksum"].startswith("sha256:")
    assert header.unlock(path, PASSPHRASE) == key
    assert path.stat().st_mode & 0o777 == 0o600


def test_wrong_passphrase_is_wrong_passphrase(written):
    path, _ = written
    with pytest.raises(WrongPassphrase):
        header.unlock(path, PASSPHRASE + "!")


@pytest.mark.parametrize("field, damage", [
    ("wrapped key first byte", lambda d: d["wrapped_key"].update(data=flip_b64(d["wrapped_key"]["data"], 0))),
    ("wrapped key middle", lambda d: d["wrapped_key"].update(data=flip_b64(d["wrapped_key"]["data"], 30))),
    ("wrapped key tag", lambda d: d["wrapped_key"].update(data=flip_b64(d["wrapped_key"]["data"], 59))),
    ("salt", lambda d: d["kdf"].update(salt=flip_b64(d["kdf"]["salt"], 3))),
    ("memory", lambda d: d["kdf"].update(memory_kib=d["kdf"]["memory_kib"] + 1)),
    ("iterations", lambda d: d["kdf"].update(iterations=2)),
    ("lanes", lambda d: d["kdf"].update(lanes=3)),
    ("checksum", lambda d: d.update(checksum=d["checksum"][:-1] + ("0" if d["checksum"][-1] != "0" else "1"))),
    ("checksum missing", lambda d: d.pop("checksum")),
    ("kdf name", lambda d: d["kdf"].update(name="scrypt")),
    ("cipher", lambda d: d["wrapped_key"].update(cipher="chacha")),
    ("format", lambda d: d.update(format="other")),
    ("salt not base64", lambda d: d["kdf"].update(salt="***")),
    ("iterations a string", lambda d: d["kdf"].update(iterations="1")),
    ("version unknown", lambda d: d.update(version=0)),
])
def test_a_damaged_field_is_vault_corrupt_not_wrong_passphrase(written, field, damage):
    path, _ = written
    edit(path, damage)
    with pytest.raises(VaultCorrupt, match="damaged") as info:
        header.unlock(path, PASSPHRASE)
    assert str(path) in str(info.value)


def test_every_flipped_byte_of_the_file_is_vault_corrupt(written):
    # Accidental damage anywhere in the file says "damaged"; it never passes for a wrong passphrase.
    path, _ = written
    original = path.read_bytes()
    meaningful = original.index(b'"updated_at"')  # informational, outside the checksum
    for i in range(meaningful):
        damaged = bytearray(original)
        damaged[i] ^= 0x01
        path.write_bytes(bytes(damaged))
        try:
            header.unlock(path, PASSPHRASE)
        except VaultCorrupt:
            continue
        except WrongPassphrase:
            pytest.fail(f"a flipped byte at {i} ({chr(original[i])!r}) was reported as a wrong passphrase")
        # Only changes JSON ignores (whitespace to another whitespace, key order) may still unlock.
        assert json.loads(bytes(damaged)) == json.loads(original), f"byte {i} changed the header yet unlocked"


def test_deliberately_changed_parameters_with_a_recomputed_checksum_still_do_not_unwrap(written):
    path, _ = written
    doc = json.loads(path.read_text())
    params = KdfParams.from_untrusted(base64.b64decode(doc["kdf"]["salt"]), 2048, 1, 4)
    wrapped = base64.b64decode(doc["wrapped_key"]["data"])
    doc["kdf"]["memory_kib"] = 2048
    doc["checksum"] = "sha256:" + hashlib.sha256(header._fields(2, params, wrapped)).hexdigest()
    path.write_text(json.dumps(doc))
    with pytest.raises(WrongPassphrase):
        header.unlock(path, PASSPHRASE)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("kdf", [{"iterations": 10**9}, {"memory_kib": 2**40}, {"lanes": 10**6},
                                 {"memory_kib": 4 * 1024 * 1024, "iterations": 64}])
def test_impossible_kdf_parameters_fail_fast(tmp_path, version, kdf):
    path = tmp_path / "vault.header"
    if version == 1:
        shutil.copy(V1_FIXTURE, path)
        edit(path, lambda d: d["kdf"].update(kdf))
    else:
        header.write_header(path, header.wrap(os.urandom(32), PASSPHRASE, KdfParams.fresh(1024, 1)))

        def change(d):
            d["kdf"].update(kdf)
            # A consistent checksum where the field encoding can hold the values: the bounds must stop it.
            p = KdfParams(base64.b64decode(d["kdf"]["salt"]), d["kdf"]["memory_kib"], d["kdf"]["iterations"],
                          d["kdf"]["lanes"])
            if max(p.memory_kib, p.iterations, p.lanes) < 2**32:
                d["checksum"] = "sha256:" + hashlib.sha256(
                    header._fields(2, p, base64.b64decode(d["wrapped_key"]["data"]))).hexdigest()
        edit(path, change)
    start = time.process_time()  # CPU: what a refusal may cost, whatever else the machine runs
    with pytest.raises(VaultCorrupt, match="out of range.*damaged or was written by something else"):
        header.unlock(path, PASSPHRASE)
    assert time.process_time() - start < 1.0


def test_a_newer_header_version_asks_for_a_newer_memvault(written):
    path, _ = written
    edit(path, lambda d: d.update(version=3))
    with pytest.raises(VaultCorrupt, match="version 3, newer than this Memvault"):
        header.unlock(path, PASSPHRASE)


def test_an_oversized_header_is_refused_without_parsing(tmp_path):
    path = tmp_path / "vault.header"
    path.write_bytes(b" " * (1024 * 1024))
    with pytest.raises(VaultCorrupt, match="far more than any header"):
        header.unlock(path, PASSPHRASE)


def test_a_version_1_header_from_the_first_release_unlocks_and_is_upgraded(tmp_path):
    path = tmp_path / "vault.header"
    shutil.copy(V1_FIXTURE, path)
    with pytest.raises(WrongPassphrase):
        header.unlock(path, "not the passphrase")
    assert path.read_bytes() == V1_FIXTURE.read_bytes(), "a failed unlock must not touch the header"
    assert header.unlock(path, PASSPHRASE) == V1_DATA_KEY
    doc = json.loads(path.read_text())
    assert doc["version"] == 2 and "checksum" in doc
    assert doc["kdf"] == json.loads(V1_FIXTURE.read_text())["kdf"], "same salt and parameters: no new KDF run"
    assert header.unlock(path, PASSPHRASE) == V1_DATA_KEY
    with pytest.raises(WrongPassphrase):
        header.unlock(path, "not the passphrase")


def test_a_version_1_header_that_cannot_be_rewritten_still_unlocks(tmp_path, monkeypatch, caplog):
    path = tmp_path / "vault.header"
    shutil.copy(V1_FIXTURE, path)

    def read_only(*_args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(header, "write_header", read_only)
    assert header.unlock(path, PASSPHRASE) == V1_DATA_KEY
    assert json.loads(path.read_text())["version"] == 1
    assert "could not upgrade the vault header" in caplog.text


def test_a_malformed_version_1_header_is_corrupt(tmp_path):
    path = tmp_path / "vault.header"
    shutil.copy(V1_FIXTURE, path)
    edit(path, lambda d: d["wrapped_key"].update(nonce="AAAA"))  # a 3-byte nonce cannot be a GCM nonce
    with pytest.raises(VaultCorrupt, match="wrapped key has 51 bytes"):
        header.unlock(path, PASSPHRASE)


def test_a_damaged_version_1_wrapped_key_can_only_be_a_wrong_passphrase(tmp_path):
    # Version 1 has no checksum: this is the ambiguity version 2 removes (and why v1 is upgraded at unlock).
    path = tmp_path / "vault.header"
    shutil.copy(V1_FIXTURE, path)
    edit(path, lambda d: d["wrapped_key"].update(data=flip_b64(d["wrapped_key"]["data"], 5)))
    with pytest.raises(WrongPassphrase):
        header.unlock(path, PASSPHRASE)


COMPOSED = "Mädchen-пароль-密码-é"  # ä and é as one character each
DECOMPOSED = "Ma\u0308dchen-пароль-密码-e\u0301"  # the same typed as a letter and a combining mark


def test_a_passphrase_opens_the_vault_however_its_accents_were_typed(tmp_path):
    path, key = tmp_path / "vault.header", os.urandom(32)
    header.write_header(path, header.wrap(key, DECOMPOSED, KdfParams.fresh(1024, 1)))
    assert header.unlock(path, COMPOSED) == key
    assert header.unlock(path, DECOMPOSED) == key
    with pytest.raises(WrongPassphrase):
        header.unlock(path, COMPOSED.replace("é", "è"))


def test_a_header_wrapped_from_the_text_as_typed_still_opens(tmp_path):
    """Before passphrases were composed, the key came from the text as typed: a vault made then with a
    decomposed passphrase opens with it, and with its composed form."""
    path, key = tmp_path / "vault.header", os.urandom(32)
    params = KdfParams.fresh(1024, 1)
    header.write_header(path, header._wrap_with_kek(key, params.derive(DECOMPOSED.encode("utf-8")), params))
    assert header.unlock(path, DECOMPOSED) == key
    assert header.unlock(path, COMPOSED) == key
