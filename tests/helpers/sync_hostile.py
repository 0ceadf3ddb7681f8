"""A hostile party that can write the sync target but does not know the sync passphrase: helpers that read and
change the target's files through the target's own client, and check what honest devices end up with."""

from __future__ import annotations

import json
from typing import Any

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.sync.targets.base import seq_name
from memvault.sync.targets.factory import TargetConfig, open_target

ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)
SECRET = "secret memory text"


class Storage:
    """The target as its operator sees it: names and bytes."""

    def __init__(self, config: TargetConfig) -> None:
        self.target = open_target(config)

    @property
    def group(self) -> str:
        return next(n.split("/")[0] for n in self.target.list("") if n.endswith("/key"))

    def key(self) -> bytes:
        return self.target.get(f"{self.group}/key")

    def set_key(self, data: bytes) -> None:
        self.target.put(f"{self.group}/key", data)

    def key_doc(self) -> tuple[dict[str, Any], dict[str, Any]]:
        outer = json.loads(self.key())
        return outer, json.loads(outer["doc"])

    def set_key_doc(self, outer: dict[str, Any], doc: dict[str, Any]) -> None:
        """Write ``doc`` back inside the signed envelope it came from (the signature no longer matches)."""
        self.set_key(json.dumps(dict(outer, doc=json.dumps(doc, sort_keys=True, indent=1))).encode())

    def ops(self, device: str, seq: int) -> str:
        return f"{self.group}/ops/{device}/{seq_name(seq)}"

    def seqs(self, device: str) -> list[int]:
        prefix = f"{self.group}/ops/{device}/"
        return sorted(int(n[len(prefix):]) for n in self.target.list(prefix))

    def everything(self) -> bytes:
        return b"".join(self.target.get(n) for n in self.target.list(""))


def contents(services) -> list[str]:
    return sorted(m.content for m in services.memories.list(ALL, limit=1000).items)


def write(services, text: str) -> None:
    services.memories.create(MemoryCreate(namespace="n", content=text))


def rounds(*devices, times: int = 3) -> list[Any]:
    """Sync every device ``times`` times in turn; every result."""
    return [d.sync.sync_now() for _ in range(times) for d in devices]


def problems(results) -> list[str]:
    return [p for r in results for p in r.problems]


def repaired(results) -> list[str]:
    return [p for r in results for p in r.repaired]


def assert_converged(storage: Storage, *devices, expected: list[str]) -> None:
    """Every honest device holds exactly ``expected``; no memory text is readable on the target."""
    for d in devices:
        assert contents(d) == sorted(expected), d.vault.device_id
    assert SECRET.encode() not in storage.everything()
