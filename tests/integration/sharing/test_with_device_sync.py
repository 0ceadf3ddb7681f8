"""One vault, two kinds of sync: a person's laptop and desktop sync their own namespaces through one target while
both belong to a namespace shared with another person through another (memvault/sharing/FORMAT.md, "One vault,
two kinds of sync"). Real SQLCipher vaults, a folder target for device sync, a moto S3 target for the team.

What is checked on the targets is what their files hold once decrypted with the keys the test's vaults hold:
no device-sync segment or snapshot carries an op of the shared namespace, no shared segment or snapshot an op
of another namespace.
"""

from __future__ import annotations

import json
import time

import pytest

from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.service.container import create_vault, open_vault
from memvault.sync import chains
from memvault.sync import snapshots as sync_snapshots
from memvault.sync.segments import SegmentHeader, digest, read_file, write_file
from memvault.sync.targets.base import seq_name
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

pytestmark = pytest.mark.slow

SYNC_PASSPHRASE = "the devices' sync passphrase"
KEY_FILE_PASSPHRASE = "moving my person key"
TEAM, MINE = "team", "mine"


class People:
    """Pia's laptop and desktop (one person, two devices) and Quinn (another person)."""

    def __init__(self, tmp_path, team_target: TargetConfig) -> None:
        self.tmp_path, self.team_target = tmp_path, team_target
        self.devices_target = TargetConfig("folder", str(tmp_path / "devices"))
        self.opened: dict[str, object] = {}

    def open(self, name: str, *, new: bool = True):
        make = create_vault if new else open_vault
        self.opened[name] = make(fast_settings(self.tmp_path / name, worker=False), f"vault passphrase {name}",
                                 FakeEmbedder(), background=False)
        return self.opened[name]

    def restart(self, name: str):
        self.opened.pop(name).close()
        return self.open(name, new=False)

    def close(self) -> None:
        for services in self.opened.values():
            services.close()


@pytest.fixture
def people(tmp_path, s3_target):
    found = People(tmp_path, s3_target)
    yield found
    found.close()


def add(services, namespace: str, content: str) -> str:
    return services.memories.create(MemoryCreate(namespace=namespace, content=content)).memory.id


def contents(services, namespace: str) -> set[str]:
    return {m.content for m in services.memories.list(MemoryFilter(namespace=namespace), limit=1000).items}


def device_sync_ops(services) -> list[dict]:
    """Every op in every device-sync segment and snapshot on the devices' target, decrypted with the ring."""
    engine = services.sync._engine()
    ops = []
    for device, seqs in engine.segments().items():
        for seq in seqs:
            ops += chains.read_ops(engine, device, seq)[1]
    for device in sync_snapshots.writers(engine):
        for seq in sync_snapshots._names(engine, "snapshots")[device]:
            ops += sync_snapshots._read_snapshot(engine, device, seq)[1]
    return ops


def shared_ops(services) -> list[dict]:
    """Every op in every segment and snapshot of the shared namespace on the team's target, decrypted."""
    sharing = services.sharing
    engine = sharing._engine(sharing._config(TEAM))
    roster = engine.roster()
    ops = []
    for kind, label in (("ops", "ops"), ("snapshots", "snapshot")):
        for writer, seqs in engine.listed(kind).items():
            signer = roster.known_key(writer.split("/")[0])
            for seq in seqs:
                data = engine.target.get(f"{engine.share}/{kind}/{writer}/{seq_name(seq)}")
                ops += read_file(data, SegmentHeader(engine.share, writer, label, seq, 0), roster.keys,
                                 signer.sign)[1:]
    return ops


def namespaces_of(ops: list[dict]) -> set[str]:
    return {op.get("wipe", op.get("ns")) for op in ops}


def set_up(people: People):
    """Pia shares the team namespace with Quinn (write) from her laptop, then turns device sync on there and on
    her desktop, which joins the team namespace as her second member device."""
    laptop, desktop, quinn = people.open("laptop"), people.open("desktop"), people.open("quinn")
    add(laptop, MINE, "my dentist is on Tuesday")
    add(laptop, TEAM, "the release is cut on Fridays")
    info = laptop.sharing.share(TEAM, with_key=quinn.sharing.my_key(), role="write", target=people.team_target)
    laptop.sync.setup(people.devices_target, SYNC_PASSPHRASE)
    desktop.sync.setup(people.devices_target, SYNC_PASSPHRASE)
    desktop.sharing.import_key_file(laptop.sharing.export_key_file(KEY_FILE_PASSPHRASE), KEY_FILE_PASSPHRASE)
    desktop.sharing.join(info.invite, people.team_target)
    quinn.sharing.join(info.invite, people.team_target)
    return laptop, desktop, quinn


def cycle(*vaults) -> None:
    """A sync of every kind each vault runs, twice round (what one wrote, the others read)."""
    for _ in range(2):
        for services in vaults:
            if services.sync.enabled():
                assert not services.sync.sync_now().problems
            if services.sharing.any_shared():
                result = services.sharing.sync_now()
                assert not result.refused and not result.problems


def test_private_changes_reach_my_devices_and_team_changes_reach_the_team(people):
    laptop, desktop, quinn = set_up(people)
    # The desktop got the private namespace by device sync and the team namespace as a member device.
    assert contents(desktop, MINE) == {"my dentist is on Tuesday"}
    assert contents(desktop, TEAM) == {"the release is cut on Fridays"}
    add(laptop, MINE, "renew the passport")
    add(quinn, TEAM, "quinn owns the changelog")
    cycle(laptop, quinn, desktop)
    assert contents(desktop, MINE) == {"my dentist is on Tuesday", "renew the passport"}
    assert contents(laptop, TEAM) == contents(desktop, TEAM) == contents(quinn, TEAM) == {
        "the release is cut on Fridays", "quinn owns the changelog"}
    assert quinn.memories.count(MemoryFilter(namespace=MINE)) == 0  # nothing private reached the team
    # On the targets: device sync carried only the private namespace, the team's target only the team's (a
    # device-sync snapshot too, which holds every merge state the laptop keeps for its devices).
    laptop.sync._engine().write_snapshot()
    assert namespaces_of(device_sync_ops(laptop)) == {MINE}
    assert namespaces_of(shared_ops(quinn)) == {TEAM}
    assert not any(ns for ns in namespaces_of(device_sync_ops(desktop)) if ns == TEAM)
    # Nothing is left waiting in either group (each dropped only what it sent).
    assert laptop.sync.status().pending_ops == desktop.sync.status().pending_ops == 0
    assert laptop.sync.status().shared_with_people == desktop.sync.status().shared_with_people == (TEAM,)


def test_each_kind_keeps_its_own_position_across_a_restart(people):
    laptop, desktop, quinn = set_up(people)
    cycle(laptop, desktop, quinn)
    laptop, desktop = people.restart("laptop"), people.restart("desktop")
    # A private edit and a team edit on the laptop: each kind sends its own one op, and leaves the other's.
    add(laptop, TEAM, "the staging database moves to eu-west")  # (before the private one in the outbox)
    private = add(laptop, MINE, "call the plumber")
    laptop.memories.update(private, MemoryUpdate(content="call the plumber on Monday"))
    assert laptop.sync.sync_now().pushed_ops == 1  # the private edit only; the team's waits for its share
    assert laptop.sharing.sync_now().pushed_ops == 1
    add(laptop, MINE, "book the car service")
    add(laptop, TEAM, "retro notes go in the team wiki")
    assert laptop.sharing.sync_now().pushed_ops == 1  # the team edit only; the private one waits for device sync
    assert laptop.sync.status().pending_ops == 1
    assert laptop.sync.sync_now().pushed_ops == 1
    assert laptop.sharing.sync_now().pushed_ops == 0
    cycle(desktop, quinn)
    assert "call the plumber on Monday" in contents(desktop, MINE)
    assert "the staging database moves to eu-west" in contents(desktop, TEAM)
    assert "the staging database moves to eu-west" in contents(quinn, TEAM)
    assert {"book the car service", "call the plumber on Monday"} <= contents(desktop, MINE)
    assert "retro notes go in the team wiki" in contents(quinn, TEAM)
    assert quinn.memories.count(MemoryFilter(namespace=MINE)) == 0
    # After restarting the desktop, its cursors in both kinds were kept: nothing is read or applied twice.
    desktop = people.restart("desktop")
    assert desktop.sync.sync_now().applied_segments == 0
    assert desktop.sharing.sync_now().applied_segments == 0
    assert namespaces_of(device_sync_ops(laptop)) == {MINE}
    assert namespaces_of(shared_ops(quinn)) == {TEAM}


def test_device_sync_ops_for_a_shared_namespace_are_refused_and_reported(people):
    laptop, desktop, quinn = people.open("laptop"), people.open("desktop"), people.open("quinn")
    team_memory = add(laptop, TEAM, "the on-call phone PIN is with the lead")
    info = laptop.sharing.share(TEAM, with_key=quinn.sharing.my_key(), role="write", target=people.team_target)
    laptop.sync.setup(people.devices_target, SYNC_PASSPHRASE)
    desktop.sync.setup(people.devices_target, SYNC_PASSPHRASE)
    # A stale device of the same person (it has not joined the team namespace) writes there: device sync
    # carries it, and the laptop, a member device, refuses it.
    add(desktop, TEAM, "written by a device that is not a member")
    desktop.sync.sync_now()
    result = laptop.sync.sync_now()
    assert any("refused 1 change(s)" in p and TEAM in p for p in result.problems)
    assert "written by a device that is not a member" not in contents(laptop, TEAM)
    assert any(TEAM in p for p in laptop.sync.status().problems)
    # The next cycle has nothing to refuse: what was refused stays in the status, with when.
    assert not any("refused" in p for p in laptop.sync.sync_now().problems)
    assert any(p.startswith("refused 1 change(s)") and TEAM in p and " UTC)" in p for p in laptop.sync.status().problems)
    # The storage plants a segment signed with the desktop's keys (the test holds them) that edits the team's
    # memory and moves it to another namespace: neither is applied.
    engine = desktop.sync._engine()
    seq = max(engine.segments()[desktop.device_id])
    last = engine.target.get(engine.ops_name(desktop.device_id, seq))
    now = int(time.time() * 1000)  # later than anything the laptop holds, not far enough ahead to be held
    ops = [{"u": team_memory, "ns": TEAM, "content": [f"{now:013d}-00000-{desktop.device_id}", "forged", []]},
           {"u": team_memory, "ns": MINE, "content": [f"{now:013d}-00001-{desktop.device_id}", "moved out", []]}]
    header = SegmentHeader(engine.group, desktop.device_id, "ops", seq + 1, engine.ring.current)
    data = write_file(header, engine.ring.key, {"first": 1, "last": 2, "count": 2, "prev": [seq, digest(last)]},
                      (json.dumps(op, sort_keys=True) for op in ops), engine.me.sign_private)
    engine.target.put_new(engine.ops_name(desktop.device_id, seq + 1), data)
    result = laptop.sync.sync_now()
    assert result.applied_segments == 1
    assert any("refused 2 change(s)" in p and TEAM in p for p in result.problems)
    assert laptop.memories.get(team_memory).content == "the on-call phone PIN is with the lead"
    assert laptop.memories.get(team_memory).namespace == TEAM
    # The team never saw any of it; once the desktop joins as a member device, what it wrote there goes to the
    # team through the shared namespace (and nothing further is refused).
    quinn.sharing.join(info.invite, people.team_target)
    desktop.sharing.import_key_file(laptop.sharing.export_key_file(KEY_FILE_PASSPHRASE), KEY_FILE_PASSPHRASE)
    # Its team memories (the laptop's, and the one it wrote) are shared on its word: joining asks for it.
    desktop.sharing.join(info.invite, people.team_target, share_existing=True)
    laptop.sharing.sync_now()
    quinn.sharing.sync_now()
    assert "written by a device that is not a member" in contents(quinn, TEAM)
    assert contents(quinn, TEAM) == contents(laptop, TEAM)
    assert "forged" not in contents(quinn, TEAM)
    # Joined later, the namespace left the desktop's device sync at once: its next team edit goes only to the team.
    add(desktop, TEAM, "written by the desktop as a member device")
    assert desktop.sync.sync_now().pushed_ops == 0
    assert not laptop.sync.sync_now().problems
    assert desktop.sharing.sync_now().pushed_ops == 1
    laptop.sharing.sync_now()
    assert "written by the desktop as a member device" in contents(laptop, TEAM)


def test_turning_device_sync_off_and_on_again_leaves_the_shared_namespace_alone(people):
    laptop, desktop, quinn = set_up(people)
    cycle(laptop, desktop, quinn)
    add(laptop, TEAM, "written just before device sync was turned off")
    laptop.sync.sync_now()  # folds it (for the share, which has not run since)
    laptop.sync.off()
    assert laptop.sharing.sync_now().pushed_ops == 1
    add(laptop, TEAM, "written just before device sync was set up again")
    add(laptop, MINE, "written while device sync was off")
    laptop.sync.setup(people.devices_target, SYNC_PASSPHRASE)
    assert laptop.sharing.sync_now().pushed_ops == 1
    cycle(quinn, desktop)
    assert {"written just before device sync was turned off",
            "written just before device sync was set up again"} <= contents(quinn, TEAM)
    assert "written while device sync was off" in contents(desktop, MINE)
    # (cycle() checked that the desktop's device sync refused nothing: no team op came that way.)
    assert contents(desktop, TEAM) == contents(quinn, TEAM) == contents(laptop, TEAM)
