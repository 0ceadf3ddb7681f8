"""A running server and its vault's files: a restore cannot swap them out, a vanished folder stops writes.

Issue 38 items 6 and 7: in both cases the server used to keep answering 201
while every write went into a file nobody would read again.
"""

from __future__ import annotations

import shutil

import pytest

from memvault.domain.errors import VaultBusy
from memvault.domain.models import MemoryFilter
from memvault.service.backups import restore_backup
from memvault.service.container import open_vault
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.cli import run

ALL = MemoryFilter(namespace="alpha")


def test_restore_backup_is_refused_while_the_server_has_the_vault_open(api, tmp_path, capsys, monkeypatch,
                                                                       fake_embedder):
    home = api.services.vault.home
    backup = tmp_path / "before.mvbackup"
    api.services.backups.backup(backup)
    with api.client(api.alpha) as c:
        acked = [c.post("/v1/memories", json={"content": f"acknowledged after the backup {i}"}) for i in range(5)]
    assert [r.status_code for r in acked] == [201] * 5
    files_before = sorted(p.name for p in home.iterdir())

    monkeypatch.setenv("MEMVAULT_HOME", str(home))
    code, out, err = run(capsys, "restore-backup", str(backup), "--yes")
    assert code != 0 and "open in another Memvault process" in err and "Traceback" not in err + out
    with pytest.raises(VaultBusy):
        restore_backup(backup, home, replace=True)
    assert sorted(p.name for p in home.iterdir()) == files_before  # no replaced-… folder: nothing moved

    with api.client(api.alpha) as c:
        assert c.post("/v1/memories", json={"content": "still served after the refusal"}).status_code == 201
    # A second process reads every acknowledged write from the vault's files.
    other = open_vault(fast_settings(home), PASSPHRASE, fake_embedder, background=False)
    try:
        stored = {m.content for m in other.memories.list(ALL, limit=100).items}
    finally:
        other.close()
    assert {r.json()["content"] for r in acked} <= stored and "still served after the refusal" in stored


def test_a_vault_folder_deleted_under_the_server_refuses_writes_and_health_says_so(api, tmp_path):
    """Last in this module: the vault is gone afterwards."""
    home = api.services.vault.home
    with api.client(api.alpha) as c:
        assert c.post("/v1/memories", json={"content": "before the folder went"}).status_code == 201
        assert c.get("/healthz").status_code == 200
        shutil.rmtree(home)
        attempts = [c.post("/v1/memories", json={"content": f"after the folder went {i}"}) for i in range(5)]
        assert [r.status_code for r in attempts] == [503] * 5, [r.text[:120] for r in attempts]
        codes = [r.json()["error"]["code"] for r in attempts]
        assert codes == ["vault_files_missing"] * 5, [r.text[:300] for r in attempts]
        assert "deleted or replaced" in attempts[0].json()["error"]["message"]
        health = c.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert [r["error"] for r in health.json()["reasons"] if r["code"] == "cannot_write"] == ["vault_files_missing"]
