"""The conflicts sync lists: concurrent content edits (a version put aside, marked in the history) and a memory
deleted on one device while edited on another (read from its merge state, see ``merge.edit_that_met_delete``)."""

from __future__ import annotations

import json
from typing import Any

from memvault.service.sync_info import ConflictInfo
from memvault.sync import merge
from memvault.vault import sync_store as store

#: ``{memory id: the edit's stamp}``: deleted-while-edited conflicts dismissed here (the memory stays in the trash).
#: Keyed by the edit, so a later edit that meets a delete again is listed again.
DISMISSED = "sync_dismissed_deletes"


def deleted_while_edited(conn: Any) -> list[ConflictInfo]:
    dismissed = json.loads(store.get_setting(conn, DISMISSED) or "{}")
    found = []
    for row in store.trashed_with_unseen_content(conn):
        met = merge.edit_that_met_delete(row.state)
        if met is None or dismissed.get(row.memory_uuid) == met[2]:
            continue
        deleter, editor, _edit = met
        found.append(ConflictInfo(
            row.memory_uuid, row.namespace, row.version, row.deleted_at, row.content,
            f"in the trash: deleted on device {deleter[:8]} while edited on device {editor[:8]}", kind="deleted",
            deleted_on=deleter, edited_on=editor))
    return found


def all_conflicts(conn: Any) -> list[ConflictInfo]:
    edits = [ConflictInfo(r.memory_uuid, r.namespace, r.version, r.changed_at, r.content, r.current)
             for r in store.conflicts(conn)]
    return deleted_while_edited(conn) + edits


def dismiss_deleted(conn: Any, memory_id: str) -> int:
    """Leave a deleted-while-edited memory in the trash and stop listing it here; how many were dismissed."""
    rows = store.trashed_with_unseen_content(conn, memory_id)
    found = merge.edit_that_met_delete(rows[0].state) if rows else None
    if found is None:
        return 0
    dismissed = json.loads(store.get_setting(conn, DISMISSED) or "{}")
    dismissed[memory_id] = found[2]
    store.set_setting(conn, DISMISSED, json.dumps(dismissed, sort_keys=True))
    return 1
