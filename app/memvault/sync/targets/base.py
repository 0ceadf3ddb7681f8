"""The :class:`Target` protocol: a flat store of named files with create-only writes.

Names are ``/``-separated paths relative to the target's root. Files that sync
writes once (segments, snapshots) go through :meth:`Target.put_new`, which never
replaces an existing file, so two devices can never overwrite each other; only
a device's own record and the key file are replaced. Listing may return names
sync did not write (a sync tool's conflict copies, partial files): readers match
names against strict patterns and ignore everything else.
"""

from __future__ import annotations

import re
from typing import Protocol

#: Names sync writes: sequence numbers are ten digits, device and group ids are UUIDs.
SEQ = re.compile(r"^\d{10}$")
ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Target(Protocol):
    """Storage that sync writes to and reads from. Every method raises :class:`SyncTargetError` on failure."""

    def describe(self) -> str:
        """Where the target is, for status lines (no credentials)."""

    def list(self, prefix: str) -> list[str]:
        """Every file name under ``prefix`` (a folder name ending in ``/``), at any depth."""

    def get(self, name: str) -> bytes:
        """A file's bytes; :class:`NotFound` if it does not exist."""

    def put_new(self, name: str, data: bytes) -> bool:
        """Create ``name`` with ``data`` unless it exists; returns whether it was created."""

    def put(self, name: str, data: bytes) -> None:
        """Create or replace ``name`` atomically (readers see the old or the new file, never a part)."""

    def delete(self, name: str) -> None:
        """Remove ``name`` (no error if it is already gone)."""


def seq_name(seq: int) -> str:
    return f"{seq:010d}"
