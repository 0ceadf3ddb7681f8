"""The engine's helpers (snapshots, membership) see it through :class:`SyncParts`: the engine must have every part."""

import inspect

from memvault.sync import chains, membership, snapshots
from memvault.sync.engine import SyncEngine
from memvault.sync.parts import SyncParts


def _parts() -> set[str]:
    own = set(vars(object)) | {"__protocol_attrs__", "__non_callable_proto_members__"}
    return {name for name in vars(SyncParts) if not name.startswith("_")} | set(SyncParts.__annotations__) - own


def test_the_engine_has_every_part_its_helpers_use():
    engine_methods = {name for name, _ in inspect.getmembers(SyncEngine)}
    init = inspect.signature(SyncEngine.__init__).parameters
    source = inspect.getsource(SyncEngine.__init__)
    for name in _parts():
        assert name in engine_methods or f"self.{name} =" in source, name
    assert "db" in init and "target" in init


def test_the_helpers_name_no_private_part_of_the_engine():
    for module in (snapshots, membership, chains):
        assert "engine._" not in inspect.getsource(module), module.__name__
