"""Targets from their description: ``folder``, ``s3`` or ``webdav``, as stored inside the vault."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from memvault.domain.errors import InvalidInput
from memvault.sync.targets.base import Target
from memvault.sync.targets.folder import FolderTarget
from memvault.sync.targets.webdav import WebDavTarget


@dataclass(frozen=True)
class TargetConfig:
    """Where a target is and how to reach it; ``credentials`` live only inside the encrypted vault."""

    kind: str
    location: str
    endpoint: str | None = None
    credentials: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TargetConfig:
        return cls(doc["kind"], doc["location"], doc.get("endpoint"), dict(doc.get("credentials") or {}))

    def describe(self) -> str:
        where = f" via {self.endpoint}" if self.endpoint else ""
        return f"{self.kind} {self.location}{where}"


def open_target(config: TargetConfig) -> Target:
    if config.kind == "folder":
        return FolderTarget(Path(config.location))
    if config.kind == "s3":
        from memvault.sync.targets.s3 import S3Target  # boto3 is an optional extra
        return S3Target.from_config(config)
    if config.kind == "webdav":
        return WebDavTarget.from_config(config)
    raise InvalidInput(f"unknown sync target kind {config.kind!r} (folder, s3 or webdav)")


def open_new_target(config: TargetConfig) -> Target:
    """A target being set up (a sync group, a shared namespace): a folder is made when only its last part is
    missing (:meth:`FolderTarget.make_root`); every later use of the target needs it to be there."""
    target = open_target(config)
    if isinstance(target, (FolderTarget, WebDavTarget)):
        target.make_root()
    return target


def files_before_setup(config: TargetConfig) -> tuple[Target, list[str]]:
    """The target opened and the files it holds (none: setting up here starts the group), reading and creating
    nothing."""
    target = open_target(config)
    if isinstance(target, FolderTarget) and not target.root.is_dir():
        target.make_root(check_only=True)
        return target, []
    if isinstance(target, WebDavTarget) and not target.exists_root():
        return target, []
    return target, target.list("")
