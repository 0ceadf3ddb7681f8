"""What the sharing use case hands to surfaces: members, shared namespaces, cycle results, attribution; and the
two texts people paste (an invitation, a target)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from memvault.domain.errors import InvalidInput
from memvault.sync.targets.factory import TargetConfig

INVITE_PREFIX = "mvshare1:"


@dataclass(frozen=True)
class MemberInfo:
    person: str
    key: str
    role: str
    added_by: str
    name: str | None
    this_person: bool


@dataclass(frozen=True)
class ShareInfo:
    namespace: str
    share_id: str
    invite: str
    target: str
    role: str | None
    members: tuple[MemberInfo, ...]
    removed: tuple[str, ...]
    refused: tuple[str, ...]
    problems: tuple[str, ...]
    last_sync_at: float | None
    #: This person is among ``removed`` (an admin took them off the roster).
    this_person_removed: bool = False


@dataclass(frozen=True)
class ShareResult:
    pushed_ops: int
    applied_segments: int
    changes: int
    refused: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ChangeBy:
    """Who made one change of a memory in a shared namespace."""

    person: str
    device: str
    at: float
    name: str | None
    this_person: bool


def parse_invite(invite: str) -> tuple[str, str]:
    parts = invite.strip().split(":")
    if len(parts) != 3 or f"{parts[0]}:" != INVITE_PREFIX or len(parts[2]) != 32:
        raise InvalidInput("an invitation looks like mvshare1:<share id>:<creator id> (`memvault share list` "
                           "on an admin's vault prints it)", field="invite")
    try:
        uuid.UUID(parts[1])
        int(parts[2], 16)
    except ValueError:
        raise InvalidInput("the invitation is damaged; copy it again", field="invite") from None
    return parts[1], parts[2]


def target_from_text(where: str, endpoint: str | None = None, credentials: Mapping[str, str] | None = None
                     ) -> TargetConfig:
    """A target from what a person types: ``s3://bucket/prefix`` (``endpoint``: MinIO, R2 …), a WebDAV
    ``http(s)://`` URL, or a folder path; ``credentials`` are kept inside the vault."""
    text = where.strip()
    if text.startswith("s3://"):
        if len(text) <= 5:
            raise InvalidInput("an S3 target is s3://bucket or s3://bucket/prefix", field="target")
        return TargetConfig("s3", text, endpoint, dict(credentials or {}))
    if text.startswith(("http://", "https://")):
        return TargetConfig("webdav", text, None, dict(credentials or {}))
    if not text:
        raise InvalidInput("give a target: a folder, s3://bucket/prefix or a WebDAV URL", field="target")
    return TargetConfig("folder", str(Path(text).expanduser().resolve()))
