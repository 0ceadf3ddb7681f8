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
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from memvault.crypto.stream import read_exact
from memvault.domain.errors import DamagedData

#: Names sync writes: sequence numbers are ten digits, device and group ids are UUIDs.
SEQ = re.compile(r"^\d{10}$")
ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: The most bytes a reader takes of a file of each kind (``limit`` of :meth:`Target.get`): the storage may plant
#: a file of any size where sync reads, and one larger than sync ever writes there is refused after this many
#: bytes instead of read whole into memory. A segment holds up to ~8 MiB of ops (``sync.engine``) plus its
#: last op (a memory of at most a few MiB, with its history); a key file, a device record and a share's
#: membership entry hold keys, names and counters.
SEGMENT_MAX_BYTES = 64 << 20
SMALL_FILE_MAX_BYTES = 1 << 20
#: How long a network target may stay silent on one request before sync gives up on it. A request streams:
#: this bounds a pause between bytes, not a whole upload, so a large snapshot over a slow link still goes.
ANSWER_SECONDS = 30.0


def silent_server(where: str, what: str, seconds: float, tries: int = 1) -> str:
    """What to say when a server took the connection and then did not answer: it refused nothing."""
    times = f", asked {tries} times" if tries > 1 else ""
    unit = "second" if seconds == 1 else "seconds"
    return (f"{where} did not answer within {seconds:g} {unit} when asked to {what}{times} (it took the connection, "
            "then sent nothing back): check that the server is running and not stuck or overloaded, and the network "
            "in between, then sync again")


@dataclass(frozen=True)
class SizedByHead:
    """The ``limit`` of a file whose size no format cap can bound (a snapshot holds a whole namespace) but whose
    first bytes state it: ``head`` bytes are read first, ``size`` returns the whole file's size from them (or
    raises, refusing the file), and no byte past that size is read. ``size`` trusts a stated size only once it
    authenticates, so the storage cannot make a reader download more than ``head`` bytes of a file it planted."""

    head: int
    size: Callable[[bytes], int]


#: How much of a file a reader may take: a byte count, a size its head states, or all of it.
Limit = int | SizedByHead | None


class Target(Protocol):
    """Storage that sync writes to and reads from. Every method raises :class:`SyncTargetError` on failure."""

    def describe(self) -> str:
        """Where the target is, for status lines (no credentials)."""

    def list(self, prefix: str) -> list[str]:
        """Every file name under ``prefix`` (a folder name ending in ``/``), at any depth."""

    def get(self, name: str, limit: Limit = None) -> bytes:
        """A file's bytes; :class:`NotFound` if it does not exist, :class:`DamagedData` (:func:`too_large`) if
        it holds more than ``limit`` allows (read no further)."""

    def put_new(self, name: str, data: bytes) -> bool:
        """Create ``name`` with ``data`` unless it exists; returns whether it was created."""

    def put(self, name: str, data: bytes) -> None:
        """Create or replace ``name`` atomically (readers see the old or the new file, never a part)."""

    def delete(self, name: str) -> None:
        """Remove ``name`` (no error if it is already gone)."""


def seq_name(seq: int) -> str:
    return f"{seq:010d}"


def too_large(name: str, limit: int, stated: bool = False) -> DamagedData:
    if stated:
        return DamagedData(f"{name} holds more than the {limit:,} bytes its header states (appended to on the "
                           "target): not read further")
    return DamagedData(f"{name} holds more than {limit:,} bytes, more than sync ever writes there (planted on the "
                       "target): not read")


def read_limited(source: BinaryIO, name: str, limit: Limit) -> bytes:
    """A file's bytes from ``source`` (an open file, a download's body), taking no more than ``limit`` allows plus
    one byte to tell a file that holds more."""
    if limit is None:
        return source.read()
    if isinstance(limit, int):
        data = read_exact(source, limit + 1)
        if len(data) > limit:
            raise too_large(name, limit)
        return data
    first = read_exact(source, limit.head)
    if len(first) < limit.head:
        return first  # the whole file, smaller than a head: the reader checks it like any other
    size = limit.size(first)
    data = first + read_exact(source, max(size - len(first), 0) + 1)
    if len(data) > size:
        raise too_large(name, size, stated=True)
    return data
