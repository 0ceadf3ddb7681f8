"""A vault set up with sync format 1 is told how to move on, and doing so loses nothing: the first device
starts a format-2 group beside the old one, the others join it, every memory arrives."""

from __future__ import annotations

import json
import uuid

import pytest

from memvault.domain.errors import SyncKeyError
from memvault.domain.models import MemoryCreate
from memvault.sync.targets.factory import TargetConfig
from memvault.vault import sync_store as store
from tests.helpers.sync_hostile import contents
from tests.integration.sync.conftest import SYNC_PASSPHRASE


def test_a_format_1_setup_is_told_to_set_up_again_and_loses_nothing(make_vault, tmp_path):
    root = tmp_path / "target"
    old_group = str(uuid.uuid4())
    (root / old_group / "ops" / str(uuid.uuid4())).mkdir(parents=True)
    (root / old_group / "key").write_text(json.dumps({"v": 1, "group": old_group, "keys": {}, "kdf": {}}))
    folder = TargetConfig("folder", str(root))
    a, b = make_vault("a"), make_vault("b")
    a.memories.create(MemoryCreate(namespace="n", content="kept on a"))
    b.memories.create(MemoryCreate(namespace="n", content="kept on b"))
    with a.vault.db.write() as conn:  # what a format-1 setup left in the vault
        store.set_setting(conn, "sync_ring", json.dumps({"group": old_group, "keys": {"1": "00" * 32},
                                                         "removed": []}))
        store.set_setting(conn, "sync_target", json.dumps(folder.to_json()))
    with pytest.raises(SyncKeyError, match="sync format 1.*sync off.*sync setup"):
        a.sync.sync_now()
    assert "sync format 1" in a.sync.status().last_error
    a.sync.off()
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    assert not a.sync.sync_now().problems
    assert contents(a) == contents(b) == ["kept on a", "kept on b"]
    groups = {p.parent.name for p in root.glob("*/key")}
    assert old_group in groups and len(groups) == 2  # the old group is left alone, beside the new one
