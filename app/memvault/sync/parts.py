"""What the sync engine's helpers use of it: one cycle's report, and the engine seen through its parts.

:mod:`memvault.sync.snapshots`, :mod:`memvault.sync.membership` and :mod:`memvault.sync.chains` hold steps of a
cycle that would make the engine too long to read. They take a :class:`SyncParts`
(the engine, typed by the attributes and methods those steps use) instead of the
engine class, which imports them; ``tests/unit/sync/test_parts.py`` checks that the
engine has every part the protocol names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from memvault.sync.identity import DeviceIdentity, KeyRing
from memvault.sync.replica import Models
from memvault.sync.targets.base import Target
from memvault.vault.engine import Database

if TYPE_CHECKING:
    from memvault.sync.own_clock import Clocks


@dataclass
class CycleReport:
    """What one cycle did."""

    pushed_ops: int = 0
    pushed_segments: int = 0
    applied_segments: int = 0
    changes: list[tuple[Any, str, str]] = field(default_factory=list)
    conflicts: int = 0
    problems: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    #: What the target lost or broke that this cycle already put right (said, but nothing is left to do).
    repaired: list[str] = field(default_factory=list)
    stuck: dict[str, list[Any]] = field(default_factory=dict)
    #: Memories this cycle's pull brought here first: deleting one of them takes nothing from the user.
    arrived: set[str] = field(default_factory=set)


@runtime_checkable
class SyncParts(Protocol):
    """The engine as its snapshot and membership steps see it."""

    db: Database
    me: DeviceIdentity
    target: Target
    ring: KeyRing
    device_id: str
    models: Models
    wall: Callable[[], float]
    #: What this cycle read of clocks before pushing (``None`` outside a cycle).
    clocks: Clocks | None
    #: Every device's segment numbers as this cycle's pull listed them (``None`` outside a cycle).
    listed: dict[str, list[int]] | None

    @property
    def group(self) -> str: ...

    def new_report(self) -> CycleReport: ...

    def key_name(self) -> str: ...

    def ops_name(self, device: str, seq: int) -> str: ...

    def device_name(self, device: str) -> str: ...

    def segments(self) -> dict[str, list[int]]: ...

    def records(self) -> dict[str, dict[str, Any]]: ...

    def publish_record(self, record: dict[str, Any]) -> None: ...

    def adopt(self, ring: KeyRing) -> None: ...

    def refresh_keys(self, report: CycleReport) -> None: ...

    def correct_clock(self, offset_ms: int) -> None: ...

    def apply_ops(self, ops: list[dict[str, Any]], device: str, seq: int, report: CycleReport,
                  allow_mass_delete: bool, covers: dict[str, int] | None = None,
                  link: list[Any] | None = None) -> None: ...
