"""Bounded clock skew: a device whose clock runs a day ahead cannot win an edit made later in real time, does not
date memories by its clock, is named, and corrects itself from its peers' signed readings, which the storage
cannot replay to shift its stamps. Real vault files, a folder target, one moved "real time" for all devices."""

from __future__ import annotations

import json
import time

import pytest

from memvault.domain.hlc import Hlc
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.service.container import create_vault, open_vault
from memvault.sync.skew import MAX_DRIFT_MS
from memvault.sync.targets.factory import TargetConfig
from memvault.vault import sync_store as store
from tests.helpers import fast_settings
from tests.helpers.cli import run
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.sync_hostile import ALL, Storage
from tests.integration.sync.conftest import SYNC_PASSPHRASE

DAY = 86400.0


class RealTime:
    """The one real time of the test; each device reads it through its own clock, ``ahead`` seconds off."""

    def __init__(self) -> None:
        self.now = time.time()
        self.ahead: dict[str, float] = {}

    def clock(self, name: str):
        return lambda: self.now + self.ahead.get(name, 0.0)

    def attach(self, name: str, services) -> None:
        # The device's hybrid clock reads the same skewed wall as its services.
        services.sync._clock._wall_ms = lambda: int((self.now + self.ahead.get(name, 0.0)) * 1000)


@pytest.fixture
def group(tmp_path):
    real = RealTime()
    config = TargetConfig("folder", str(tmp_path / "target"))
    opened: dict[str, object] = {}

    def open_device(name: str, ahead: float = 0.0, *, new: bool = True):
        real.ahead[name] = ahead
        settings = fast_settings(tmp_path / name, worker=False)
        make = create_vault if new else open_vault
        services = make(settings, f"vault passphrase {name}", FakeEmbedder(), background=False,
                        wall=real.clock(name))
        real.attach(name, services)
        if new:
            services.sync.setup(config, SYNC_PASSPHRASE)
        opened[name] = services
        return services

    yield real, open_device, config, opened
    for services in opened.values():
        services.close()


def _sync(*devices, times: int = 1) -> None:
    for _ in range(times):
        for d in devices:
            assert not d.sync.sync_now().problems


def _stamp(services, memory_id: str) -> str:
    with services.vault.db.read() as conn:
        return store.rows_for(conn, [memory_id])[memory_id].hlc


def _importance(services, memory_id: str) -> float:
    return services.memories.get(memory_id).importance


def _history(services, memory_id: str) -> list[float]:
    return [h.importance for h in services.memories.history(memory_id)]


def test_a_day_ahead_device_cannot_win_an_edit_made_later_in_real_time(group):
    real, open_device, _, _ = group
    a, b, c = open_device("a"), open_device("b"), open_device("c")
    memory = b.memories.create(MemoryCreate(namespace="n", content="shared", importance=0.5)).memory
    _sync(b, a, c)
    real.ahead["a"] = DAY  # a's clock jumps a day ahead; it edits offline, before any peer has seen a reading of it
    a.memories.update(memory.id, MemoryUpdate(importance=0.1))  # stamped a day ahead
    real.now += 10
    b.memories.update(memory.id, MemoryUpdate(importance=0.9))  # later in real time, not made over a's edit
    _sync(a, b)
    # a's change is stamped past every peer reading: it waits for an echo of a's clock instead of going out.
    assert a.sync.status().pending_ops == 1 and b.sync.status().held_changes == 0
    _sync(a, b, c)  # a reads b's echo, learns it runs a day ahead, stamps its change back and pushes it
    assert a.sync.status().clock_ahead_ms > DAY * 1000 - MAX_DRIFT_MS and a.sync.status().pending_ops == 0
    _sync(a, b, c)
    assert [_importance(d, memory.id) for d in (a, b, c)] == [0.9, 0.9, 0.9]  # now, not in a day
    assert [d.sync.status().held_changes for d in (a, b, c)] == [0, 0, 0]
    assert 0.1 in _history(a, memory.id)  # a's value is not lost: a version on a
    real.now += DAY  # nothing was left waiting for a's clock
    _sync(a, b, c)
    assert [_importance(d, memory.id) for d in (a, b, c)] == [0.9, 0.9, 0.9]


def test_with_silent_peers_a_day_ahead_change_goes_out_held_and_an_edit_over_it_wins(group):
    real, open_device, _, _ = group
    a, b, c = open_device("a"), open_device("b"), open_device("c")
    memory = b.memories.create(MemoryCreate(namespace="n", content="shared", importance=0.5)).memory
    _sync(b, a, c)
    real.ahead["a"] = DAY
    a.memories.update(memory.id, MemoryUpdate(importance=0.1))  # stamped a day ahead
    _sync(a)
    assert a.sync.status().pending_ops == 1  # asks first
    _sync(a, times=3)  # nobody answers: the peers are silent, so the change goes out as it is
    assert a.sync.status().pending_ops == 0
    _sync(b)
    status = b.sync.status()
    assert status.held_changes == 1 and a.vault.device_id in status.skewed_devices
    assert any(a.vault.device_id[:8] in note and "24.0 h ahead" in note and "held" in note
               for note in status.clock_notes)
    assert _importance(b, memory.id) == 0.5  # held: not applied, not lost
    real.now += 10
    b.memories.update(memory.id, MemoryUpdate(importance=0.9))  # later in real time, made over the held change
    _sync(b, c, a)
    assert _importance(b, memory.id) == 0.9
    assert c.sync.status().held_changes == 2 and _importance(c, memory.id) == 0.5
    # a has corrected its clock by now: b's edit, stamped after a's change, is a day ahead of it too.
    assert a.sync.status().clock_ahead_ms > 0 and a.sync.status().held_changes == 1
    real.now += DAY  # the held changes come within the drift of every clock: applied everywhere, same result
    _sync(a, b, c, times=2)
    assert [_importance(d, memory.id) for d in (a, b, c)] == [0.9, 0.9, 0.9]
    assert [d.sync.status().held_changes for d in (b, c)] == [0, 0]


def test_held_changes_survive_a_restart_and_apply_when_the_clock_reaches_them(group, tmp_path, capsys,
                                                                              monkeypatch):
    real, open_device, _, opened = group
    a, b = open_device("a", ahead=3600), open_device("b")
    a.memories.create(MemoryCreate(namespace="n", content="from an hour ahead"))
    _sync(a, b)
    assert b.sync.status().held_changes == 1
    b.close()
    # `memvault sync status` names the device, in text and in --json.
    fake = FakeEmbedder()
    # vault_commands first: importing it copies common's name, so patched after common it would keep the fake
    # as its "original" and get it back at teardown (every later test in the process then used the fake).
    for where in ("memvault.cli.vault_commands.lazy_embedder", "memvault.cli.common.lazy_embedder"):
        monkeypatch.setattr(where, lambda _settings: fake)
    (tmp_path / "b.pass").write_text("vault passphrase b\n")
    common = ["--vault", str(tmp_path / "b"), "sync", "status", "--passphrase-file", str(tmp_path / "b.pass")]
    code, out, _ = run(capsys, *common)
    assert code == 0 and f"The clock of device {a.vault.device_id[:8]} runs " in out and "1 of its changes are held" in out
    code, out, _ = run(capsys, *common, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["skewed_devices"] == [a.vault.device_id] and doc["held_changes"] == 1
    b = open_device("b", new=False)
    assert b.sync.status().held_changes == 1
    assert b.memories.list(ALL, limit=10).items == ()
    real.now += 3600 - MAX_DRIFT_MS / 1000 + 1
    _sync(b)
    assert [m.content for m in b.memories.list(ALL, limit=10).items] == ["from an hour ahead"]
    assert b.sync.status().held_changes == 0 and b.sync.status().skewed_devices == ()
    opened["b"] = b


def _corrected(a, b, c) -> None:
    """Sync until device a has learnt from b's and c's readings how far its clock runs ahead (a few cycles)."""
    for _ in range(5):
        _sync(a, b, c)
        if a.sync.status().clock_ahead_ms:
            return
    raise AssertionError("device a never learnt that its clock runs ahead")


def test_a_device_a_day_ahead_corrects_itself_and_a_1_hour_ttl_lives_1_hour(group):
    real, open_device, _, _ = group
    a, b, c = open_device("a", ahead=DAY), open_device("b"), open_device("c")
    _corrected(a, b, c)
    status = a.sync.status()
    assert abs(status.clock_ahead_ms - DAY * 1000) < MAX_DRIFT_MS
    assert any("This device's clock runs" in note for note in status.clock_notes)
    memory = a.memories.create(MemoryCreate(namespace="n", content="short-lived", expires_in_seconds=3600)).memory
    assert abs(memory.created_at - real.now) < MAX_DRIFT_MS / 1000  # dated by the group's time, not a day ahead
    assert abs(Hlc.parse(_stamp(a, memory.id)).ms / 1000 - real.now) < MAX_DRIFT_MS / 1000
    _sync(a, b)
    arrived = b.memories.get(memory.id)  # not held: its stamp is within the drift
    assert abs(arrived.expires_at - (real.now + 3600)) < MAX_DRIFT_MS / 1000
    assert b.sync.status().held_changes == 0 and b.sync.status().skewed_devices == ()
    real.now += 2 * 3600
    assert b.memories.list(MemoryFilter(namespace=None), limit=10).items == ()  # expired an hour ago, not in a day


def test_replayed_clock_readings_cannot_shift_a_devices_stamps(group):
    real, open_device, config, _ = group
    storage = Storage(config)
    a, b, c = open_device("a", ahead=DAY), open_device("b"), open_device("c")
    _corrected(a, b, c)
    old = {d.vault.device_id: storage.target.get(f"{storage.group}/devices/{d.vault.device_id}") for d in (b, c)}
    real.ahead["a"] = 0.0  # a's clock is set right: the readings echoed while it ran ahead are no evidence now
    real.now += 60
    _sync(a, b, c, times=2)
    assert a.sync.status().clock_ahead_ms == 0
    for device, data in old.items():  # the storage puts the old readings back
        storage.target.put(f"{storage.group}/devices/{device}", data)
    real.now += 60
    _sync(a)
    assert a.sync.status().clock_ahead_ms == 0
    memory = a.memories.create(MemoryCreate(namespace="n", content="stamped now")).memory
    assert abs(Hlc.parse(_stamp(a, memory.id)).ms / 1000 - real.now) < 1
    assert abs(memory.created_at - real.now) < 1


def test_an_edit_on_a_clock_behind_that_meets_a_delete_is_a_conflict_on_both_devices(group):
    """It sorted before the delete, which read as a delete made over it: in the trash, unreported."""
    real, open_device, _config, _opened = group
    a, b = open_device("a"), open_device("b", ahead=-120.0)
    memory = a.memories.create(MemoryCreate(namespace="notes", content="the plan")).memory
    _sync(a, b, a)
    real.now += 10
    a.lifecycle.delete(memory.id)
    _sync(a)
    real.now += 10
    b.memories.update(memory.id, MemoryUpdate(content="the plan (edited on B)"))
    assert _stamp(b, memory.id) < _stamp(a, memory.id)  # made after the delete, stamped before it
    _sync(b, a, b)
    for device in (a, b):
        kept = device.memories.get(memory.id)
        assert kept.content == "the plan (edited on B)" and kept.deleted_at is not None
        [conflict] = device.sync.conflicts()
        assert (conflict.kind, conflict.memory_id, conflict.kept_content) == \
            ("deleted", memory.id, "the plan (edited on B)")
