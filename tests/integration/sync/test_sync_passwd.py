"""Changing the sync passphrase at the service level: the key file on the target is re-wrapped (same sync key,
grants to devices kept), devices that already sync go on, and a new device joins only with the new one."""

from __future__ import annotations

import pytest

from memvault.domain.errors import InvalidInput, SyncKeyError
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

NEW = "the new sync passphrase"
ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


def _contents(services) -> list[str]:
    return sorted(m.content for m in services.memories.list(ALL, limit=1000).items)


def _segments(root):
    return {p: p.read_bytes() for p in root.glob("*/ops/*/*")}


def test_a_new_passphrase_rewraps_the_key_and_the_others_go_on(make_vault, tmp_path):
    root = tmp_path / "target"
    folder = TargetConfig("folder", str(root))
    a, b = make_vault("a"), make_vault("b")
    a.memories.create(MemoryCreate(namespace="n", content="before the change"))
    a.sync.setup(folder, SYNC_PASSPHRASE)
    b.sync.setup(folder, SYNC_PASSPHRASE)
    key_file = next(root.glob("*/key"))
    before, segments = key_file.read_bytes(), _segments(root)

    with pytest.raises(SyncKeyError):
        a.sync.change_passphrase("not the passphrase", NEW)
    with pytest.raises(InvalidInput):
        a.sync.change_passphrase(SYNC_PASSPHRASE, "")
    assert key_file.read_bytes() == before
    a.sync.change_passphrase(SYNC_PASSPHRASE, NEW)
    assert key_file.read_bytes() != before
    assert _segments(root) == segments  # nothing was re-encrypted

    a.memories.create(MemoryCreate(namespace="n", content="after the change, from a"))
    b.memories.create(MemoryCreate(namespace="n", content="after the change, from b"))
    for s in (a, b, a):
        assert not s.sync.sync_now().problems
    assert _contents(a) == _contents(b) == ["after the change, from a", "after the change, from b",
                                            "before the change"]
    late = make_vault("late")
    with pytest.raises(SyncKeyError):
        late.sync.setup(folder, SYNC_PASSPHRASE)
    late.sync.setup(folder, NEW)
    assert _contents(late) == _contents(a)


def test_grants_to_remaining_devices_survive_a_new_passphrase(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    a, b, c = make_vault("a"), make_vault("b"), make_vault("c")
    for s in (a, b, c):
        s.sync.setup(folder, SYNC_PASSPHRASE)
    for s in (a, b, c):
        s.sync.sync_now()
    a.sync.remove_device(c.vault.device_id, SYNC_PASSPHRASE)
    a.sync.change_passphrase(SYNC_PASSPHRASE, NEW)
    a.memories.create(MemoryCreate(namespace="n", content="under the new key generation"))
    a.sync.sync_now()
    # b never saw the rotation: it learns the new generation from its grant, without any passphrase.
    result = b.sync.sync_now()
    assert not result.problems and _contents(b) == ["under the new key generation"]


def test_the_sync_passphrase_meets_the_vault_minimum(make_vault, tmp_path):
    a = make_vault("a")
    folder = TargetConfig("folder", str(tmp_path / "target"))
    with pytest.raises(InvalidInput, match="at least 8"):
        a.sync.setup(folder, "7 chars")
    assert not (tmp_path / "target").exists() or not any((tmp_path / "target").iterdir())
    a.sync.setup(folder, SYNC_PASSPHRASE)
    with pytest.raises(InvalidInput, match="at least 8"):
        a.sync.change_passphrase(SYNC_PASSPHRASE, "short")
