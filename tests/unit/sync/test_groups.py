"""Device sync and shared namespaces in one vault: each group's own ops, positions and scope (a real SQLCipher vault,
the fake embedder). The oplog is folded once; each op goes to its namespace's group, and each reader takes and
drops only its own."""

from __future__ import annotations

import json

import pytest

from memvault.domain.models import MemoryCreate
from memvault.sync import replica, scope
from memvault.sync.replica import Models
from memvault.vault import sync_store as store

TEAM, MINE = "team", "mine"


@pytest.fixture
def vault(services):
    return services


def share(conn, namespace: str) -> None:
    """What sharing keeps for a shared namespace (scope.shared reads it)."""
    store.set_setting(conn, f"share_config:{namespace}-id", json.dumps({"namespace": namespace, "share": "x"}))


def fold(services) -> None:
    with services.vault.db.write() as conn:
        replica.catch_up(conn, services.device_id, Models(services.embedder.model_id, services.embedder.dimension))


def namespaces(rows) -> list[str]:
    return [json.loads(text).get("wipe", json.loads(text).get("ns")) for _, text in rows]


def test_a_shared_namespace_is_never_device_syncs_whatever_its_scope_says(vault):
    with vault.vault.db.write() as conn:
        scope.write(conn, frozenset({MINE, TEAM}))
        store.set_setting(conn, "sync_ring", "set up")
        share(conn, TEAM)
        route = scope.routing(conn)
    assert route.group(TEAM) == "share:team" and route.group(MINE) == scope.DEVICE and route.group("other") is None
    assert route.device(MINE) and not route.device(TEAM)


def test_without_device_sync_a_sharing_vault_folds_only_its_shared_namespaces(vault):
    with vault.vault.db.write() as conn:
        share(conn, TEAM)
    vault.memories.create(MemoryCreate(namespace=MINE, content="private note"))
    vault.memories.create(MemoryCreate(namespace=TEAM, content="team note"))
    fold(vault)
    with vault.vault.db.read() as conn:
        assert namespaces(store.outbox_after(conn, 0, 100)) == [TEAM]


def test_each_group_reads_and_drops_only_its_own_ops(vault):
    with vault.vault.db.write() as conn:
        store.set_setting(conn, "sync_ring", "set up")
        share(conn, TEAM)
    for ns, text in ((TEAM, "team one"), (MINE, "mine one"), (TEAM, "team two"), (MINE, "mine two")):
        vault.memories.create(MemoryCreate(namespace=ns, content=text))
    fold(vault)
    shared = frozenset({TEAM})
    with vault.vault.db.write() as conn:
        device = store.outbox_after(conn, 0, 100, without=shared)
        team = store.outbox_after(conn, 0, 100, only=TEAM)
        assert namespaces(device) == [MINE, MINE] and namespaces(team) == [TEAM, TEAM]
        # Device sync pushed everything it had: its position is past the team's ops, which stay for the share.
        store.outbox_drop_upto(conn, device[-1][0], without=shared)
        assert store.outbox_count_after(conn, 0, without=shared) == 0
        assert store.outbox_after(conn, 0, 100, only=TEAM) == team
    vault.memories.create(MemoryCreate(namespace=MINE, content="mine three"))
    fold(vault)
    with vault.vault.db.write() as conn:
        # The share sent its ops: device sync's new one stays.
        store.outbox_drop_upto(conn, team[-1][0] + 100, only=TEAM)
        assert store.outbox_after(conn, 0, 100, only=TEAM) == []
        assert namespaces(store.outbox_after(conn, device[-1][0], 100, without=shared)) == [MINE]


def test_turning_device_sync_off_keeps_a_shares_states_wipes_and_unsent_ops(vault):
    with vault.vault.db.write() as conn:
        store.set_setting(conn, "sync_ring", "set up")
        share(conn, TEAM)
    team = vault.memories.create(MemoryCreate(namespace=TEAM, content="team note")).memory.id
    mine = vault.memories.create(MemoryCreate(namespace=MINE, content="private note")).memory.id
    fold(vault)
    with vault.vault.db.write() as conn:
        store.set_wipe(conn, TEAM, "0000000000001-00000-x")
        store.set_wipe(conn, MINE, "0000000000001-00000-x")
        store.forget_sync(conn, keep=frozenset({TEAM}))
        assert set(store.load_states(conn, [team, mine])) == {team}
        assert set(store.wipes(conn)) == {TEAM}
        assert namespaces(store.outbox_after(conn, 0, 100)) == [TEAM]


def test_device_sync_refuses_ops_that_reach_a_shared_namespace(vault):
    team = vault.memories.create(MemoryCreate(namespace=TEAM, content="team note")).memory.id
    with vault.vault.db.write() as conn:
        share(conn, TEAM)
    ops = [{"u": "a", "ns": MINE}, {"u": "b", "ns": TEAM}, {"wipe": TEAM, "h": "x"}, {"u": team, "ns": MINE}]
    with vault.vault.db.read() as conn:
        kept, why = scope.refuse_shared(conn, ops, "d" * 32)
    assert kept == [{"u": "a", "ns": MINE}]
    assert why is not None and "refused 3 change(s)" in why and TEAM in why
