"""What the sync service reports: its status, one run's result, the devices and the conflicts it lists.

Plain values the surfaces show (CLI, HTTP, the Sync page); :mod:`memvault.service.sync` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncStatus:
    enabled: bool
    target: str | None = None
    group: str | None = None
    device_id: str | None = None
    last_sync_at: float | None = None
    last_error: str | None = None
    pending_ops: int = 0
    devices_seen: int = 0
    conflicts: int = 0
    problems: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    #: What the target lost or broke that sync put right (and refusals got past since), each saying so; kept a while.
    repaired: tuple[str, ...] = ()
    skewed_devices: tuple[str, ...] = ()
    #: Changes of other devices held until this clock reaches their time (stamped too far ahead).
    held_changes: int = 0
    #: How far this device's own clock runs ahead, by its peers' signed readings (its stamps are corrected).
    clock_ahead_ms: int = 0
    #: What is known about clocks that run ahead: which device, how far, what happens (one line each).
    clock_notes: tuple[str, ...] = ()
    #: The namespaces that sync; ``None``: all of them.
    namespaces: tuple[str, ...] | None = None
    #: Namespaces shared with people: never device-synced, whatever ``namespaces`` says (each device joins them).
    shared_with_people: tuple[str, ...] = ()
    #: Set by setup only: the target held no sync group, so this device started one (a mistyped path shows here).
    group_started: bool = False


@dataclass(frozen=True)
class SyncResult:
    pushed_ops: int
    applied_segments: int
    #: Memories this cycle changed here (one arriving edit that also brought vectors is one).
    changes: int
    conflicts: int
    problems: tuple[str, ...]
    waiting: tuple[str, ...]
    #: What the target lost or broke that this cycle put right: said, with nothing left to do.
    repaired: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    name: str | None
    this_device: bool
    last_seen: float | None
    segments: int
    applied_here: int | None
    clock_ahead_ms: int = 0
    removed: bool = False
    #: Neither a member nor removed: files under an id the group's key file does not list (planted, or a device
    #: whose joining this device has not read yet); nothing it writes is applied.
    unknown: bool = False


@dataclass(frozen=True)
class ConflictInfo:
    memory_id: str
    namespace: str
    version: int
    changed_at: float
    kept_content: str
    current_content: str
    #: ``edit``: two concurrent content edits (``version`` is the one put aside); ``deleted``: deleted on one device
    #: while edited on another (``version`` is the memory's current one, in the trash with the edit).
    kind: str = "edit"
    deleted_on: str | None = None
    edited_on: str | None = None
