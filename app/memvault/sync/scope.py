"""Which namespaces a device syncs: the whole vault (the default) or chosen namespaces.

The choice is a vault setting (inside the encrypted database). Outside the
scope, nothing goes out and nothing comes in:

- a local change of a memory outside the scope is not folded into its merge
  state and makes no op (see :func:`memvault.sync.replica.catch_up`);
- an incoming op (or a snapshot's state, or a wipe) of a namespace outside the
  scope is skipped, while the cursor still moves past its segment (see
  :func:`memvault.sync.incoming.apply`).

Skipped ops are not kept. When the scope widens (:func:`memvault.sync.replica.widen`),
the device compares every memory of the added namespaces with its merge state
and sends the difference (a full op for one it never sent), and it moves every
cursor back to the start: the next cycle reads every device's segments again
(or its snapshot, where they were compacted away) and applies what it skipped.
Applying an op twice is a join with what is already there, so the re-read
changes nothing the device already had. Narrowing only stores the new scope.

Namespaces shared with people (:mod:`memvault.sharing`) are never in device
sync's scope, whatever the choice says: they travel only to their members, each
device joining as a member device (memvault/sharing/FORMAT.md, "One vault, two
kinds of sync"). :func:`routing` tells, for one fold or apply, which of the two
a namespace's changes belong to; the list of shared namespaces is read from
sharing's settings, so a namespace joined later is out of device sync at once.

A snapshot records the scope it was written under. Its covers (how far it has
read each device) speak only for the namespaces of that scope, so a reader whose
scope is wider trusts only the cover of the device that wrote it (whose states
hold every op it ever sent) and reads the other devices' segments itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from memvault.domain.errors import InvalidInput
from memvault.vault import share_store
from memvault.vault import sync_store as store

log = logging.getLogger(__name__)

SCOPE = "sync_scope"
#: Device sync is set up (its key ring is kept): without it, a vault that shares namespaces folds only those.
_RING = "sync_ring"
#: The group name of device sync's changes; a shared namespace's group is ``SHARED_GROUP + namespace``.
DEVICE = ""
SHARED_GROUP = "share:"

#: ``None``: every namespace; else the namespaces that sync.
Scope = frozenset[str] | None


def normalize(namespaces: Iterable[str] | None, valid: Callable[[str], str] = str) -> Scope:
    """The scope chosen, each name checked by ``valid`` (a malformed one would match nothing and sync nothing)."""
    if namespaces is None:
        return None
    chosen = frozenset(n.strip() for n in namespaces)
    if not chosen or "" in chosen:
        raise InvalidInput("choose at least one namespace, or all of them", field="namespaces")
    return frozenset(map(valid, chosen))


def read(conn: Any) -> Scope:
    text = store.get_setting(conn, SCOPE)
    return None if text is None else frozenset(json.loads(text))


def write(conn: Any, scope: Scope) -> None:
    if scope is None:
        store.delete_settings(conn, SCOPE)
    else:
        store.set_setting(conn, SCOPE, json.dumps(sorted(scope)))


def includes(scope: Scope, namespace: str) -> bool:
    return scope is None or namespace in scope


def contains(outer: Scope, inner: Scope) -> bool:
    """Whether everything ``inner`` syncs is in ``outer``."""
    return outer is None or (inner is not None and inner <= outer)


def widened(old: Scope, new: Scope) -> bool:
    return not contains(old, new)


def encode(scope: Scope) -> list[str] | None:
    return None if scope is None else sorted(scope)


def decode(value: Any) -> Scope:
    """A snapshot head's ``scope`` (absent in snapshots written before scopes existed: every namespace)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise ValueError("scope")
    return frozenset(value)


def shared(conn: Any) -> frozenset[str]:
    """The namespaces this vault shares with people (never in device sync's scope)."""
    return share_store.shared_namespaces(conn)


class Routing:
    """Which group a namespace's changes belong to: :data:`DEVICE`, ``share:<namespace>``, or none.

    Device sync takes its chosen scope minus every shared namespace. It takes nothing in a vault that shares
    namespaces and has not set device sync up (there is no device-sync target to send to); a vault with
    neither keeps the old meaning (the scope alone), so folding without sharing works as it always did.
    """

    def __init__(self, chosen: Scope, shared_now: frozenset[str], device_on: bool) -> None:
        self.chosen, self.shared, self.device_on = chosen, shared_now, device_on

    def group(self, namespace: str) -> str | None:
        if namespace in self.shared:
            return SHARED_GROUP + namespace
        return DEVICE if self.device_on and includes(self.chosen, namespace) else None

    def folds(self, namespace: str) -> bool:
        return self.group(namespace) is not None

    def device(self, namespace: str) -> bool:
        return self.group(namespace) == DEVICE


def routing(conn: Any) -> Routing:
    found = shared(conn)
    return Routing(read(conn), found, not found or store.get_setting(conn, _RING) is not None)


def refuse_shared(conn: Any, ops: list[dict[str, Any]], device: str) -> tuple[list[dict[str, Any]], str | None]:
    """Device sync's incoming ``ops`` (from ``device``) without those that reach a shared namespace: ops of one,
    and ops naming a memory held here in one (they would move it out). Returns ``(kept, what to report)``: such
    ops come only from a stale or hostile peer (or the storage), and are reported, never applied."""
    names = shared(conn)
    if not names:
        return ops, None
    held = {u: row.fields["namespace"] for u, row in store.rows_for(conn, [op["u"] for op in ops if "u" in op]).items()}
    kept, refused = [], set()
    for op in ops:
        reached = {op.get("wipe", op.get("ns")), held.get(op.get("u", ""))} & names
        if reached:
            refused |= reached
        else:
            kept.append(op)
    if not refused:
        return kept, None
    log.warning("sync: refused %d change(s) of device %s to shared namespaces", len(ops) - len(kept), device[:8])
    return kept, (f"refused {len(ops) - len(kept)} change(s) from device {device[:8]} to namespace(s) shared with "
                  f"people ({', '.join(sorted(refused))}): a shared namespace travels only between its members, "
                  "never by device sync")
