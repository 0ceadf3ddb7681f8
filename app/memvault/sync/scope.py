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

A snapshot records the scope it was written under. Its covers (how far it has
read each device) speak only for the namespaces of that scope, so a reader whose
scope is wider trusts only the cover of the device that wrote it (whose states
hold every op it ever sent) and reads the other devices' segments itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from memvault.domain.errors import InvalidInput
from memvault.vault import sync_store as store

SCOPE = "sync_scope"

#: ``None``: every namespace; else the namespaces that sync.
Scope = frozenset[str] | None


def normalize(namespaces: Iterable[str] | None) -> Scope:
    if namespaces is None:
        return None
    chosen = frozenset(n.strip() for n in namespaces)
    if not chosen or "" in chosen:
        raise InvalidInput("choose at least one namespace, or all of them", field="namespaces")
    return chosen


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
