"""The merge rules of sync, pure: a memory's sync state, how two states join, and what a state shows.

A memory's state is a dict (stored as JSON) of field groups, each with the
hybrid-logical-clock stamp of the change that set it:

- ``born``: ``[hlc, {client_id, created_at, origin_device}]``; the memory exists once born;
- ``content``: ``[hlc, content, ancestors]`` (the stamps of the contents it was made over, newest
  first, a few of them: two contents are concurrent edits when neither is an ancestor of the other);
- ``f``: ``{field: [hlc, value]}``, one last-writer-wins register per field (memory_type, importance,
  tier, visibility, agent_id, user_id, session_id, project, expires_at): an edit of one field never
  overwrites a concurrent edit of another;
- ``meta``: ``{key: [hlc, present, value]}``, one last-writer-wins register per key;
- ``tags``: ``{tag: [adds, removes]}``, each ``{device: hlc}``: an add-wins set (a remove
  cancels only the adds its device had seen, so a concurrent add survives it);
- ``trash`` / ``archive``: ``[hlc, deleted_at | archived_at]``;
- ``ts``: ``[trash hlc, content hlc | None]``, the content a delete was made over (the device had seen that
  content, and no later one): any other content in the trash was made without knowing of the delete;
- ``gone``: the stamp of a hard delete;
- ``n``: ``{device: count}``, the versioned changes each device made (the memory's version is their sum);
- ``t``: ``[hlc, updated_at]``, the change time the device of the latest op gave the memory.

An op shipped to other devices is a partial state of the same shape (a delta),
so applying an op is :func:`join`, which is commutative, associative and
idempotent: every device that has seen the same ops holds the same states, in
whatever order and however often they arrived. A namespace wipe is a separate
register per namespace (``wipes``): it removes the memories of the namespace
born before it. A memory shows (:func:`render`) when it is born after its
hard delete and after its namespace's wipe.
"""

from __future__ import annotations

import json
import re
from typing import Any

from memvault.domain.entities import TypeSource
from memvault.domain.errors import DamagedData
from memvault.domain.fields import Merge, historic, merge_group
from memvault.domain.hlc import Hlc

GROUPS = ("born", "content", "trash", "archive", "t", "ts")
# The fields of each group come from the field table (``domain/fields.py``); the attrs and context fields
# have a register each (an edit of one never overwrites a later edit of another).
ATTRS = merge_group(Merge.ATTRS)
CONTEXT = merge_group(Merge.CONTEXT)
#: The fields with a register each (in ``f``).
FIELDS = ATTRS + CONTEXT
BORN = merge_group(Merge.BORN)
_HLC = re.compile(r"^\d{13}-\d{5}-[A-Za-z0-9._:-]{1,80}$")
_MAX_COUNTER = 99_999
#: Content stamps an edit remembers as made over (telling a concurrent edit from a later one).
ANCESTORS = 8
#: History versions an op carries at most (``hv``: the versions the changes it counts made on their device).
MAX_HISTORY = 200
HISTORY_KEYS = frozenset(f.name for f in historic())

State = dict[str, Any]


def check_hlc(stamp: Any) -> str:
    """``stamp`` if it is a well-formed clock stamp (they are compared as text), else :class:`DamagedData`."""
    if not isinstance(stamp, str) or not _HLC.match(stamp):
        raise DamagedData("a sync op carries a malformed clock stamp")
    return stamp


def successor(stamp: str, device_id: str) -> str:
    """The smallest stamp of ``device_id`` after ``stamp``."""
    h = Hlc.parse(stamp)
    if h.counter >= _MAX_COUNTER:
        return str(Hlc(h.ms + 1, 0, device_id))
    return str(Hlc(h.ms, h.counter + 1, device_id))


def _tie_key(register: list[Any]) -> tuple[str, str]:
    # Two registers with one stamp are the same change; the text of the value breaks a tie only
    # so that even a forged duplicate cannot make two devices disagree.
    return register[0], json.dumps(register[1:], sort_keys=True, ensure_ascii=False)


def _lww(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if _tie_key(a) >= _tie_key(b) else b


def _max(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _join_clocks(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    out = dict(a)
    for device, stamp in b.items():
        if stamp > out.get(device, ""):
            out[device] = stamp
    return out


def join(a: State | None, b: State) -> State:
    """The least state that holds both ``a`` and ``b``.

    Neither is modified, and the result may share parts with them: states and
    ops are never modified in place anywhere (a join makes a new state).
    """
    if a is None:
        return b
    if a["ns"] != b["ns"]:
        raise DamagedData("a sync op names a memory of another namespace than the one it lives in")
    out: State = {"ns": a["ns"]}
    for group in GROUPS:
        chosen = _lww(a.get(group), b.get(group))
        if chosen is not None:
            out[group] = chosen
    gone = _max(a.get("gone"), b.get("gone"))
    if gone is not None:
        out["gone"] = gone
    fields = dict(a.get("f", {}))
    for name, register in b.get("f", {}).items():
        fields[name] = _lww(fields.get(name), register)
    if fields:
        out["f"] = fields
    meta = dict(a.get("meta", {}))
    for key, register in b.get("meta", {}).items():
        meta[key] = _lww(meta.get(key), register)
    if meta:
        out["meta"] = meta
    counts = dict(a.get("n", {}))
    for device, count in b.get("n", {}).items():
        counts[device] = max(count, counts.get(device, 0))
    if counts:
        out["n"] = counts
    tags = {t: [dict(adds), dict(removes)] for t, (adds, removes) in a.get("tags", {}).items()}
    for tag, (adds, removes) in b.get("tags", {}).items():
        mine = tags.get(tag, [{}, {}])
        tags[tag] = [_join_clocks(mine[0], adds), _join_clocks(mine[1], removes)]
    if tags:
        out["tags"] = tags
    return out


def clocks(state: State | None) -> list[str]:
    """Every stamp in ``state``."""
    if not state:
        return []
    found = [state[g][0] for g in GROUPS if g in state]
    if "gone" in state:
        found.append(state["gone"])
    found += [r[0] for r in state.get("meta", {}).values()]
    found += [r[0] for r in state.get("f", {}).values()]
    for adds, removes in state.get("tags", {}).values():
        found += list(adds.values()) + list(removes.values())
    return found


def latest(state: State | None) -> str | None:
    """The latest stamp in ``state`` (the max of :func:`clocks`, without building the list: a join asks this of
    every memory it applies)."""
    if not state:
        return None
    best = state.get("gone") or ""
    for group in GROUPS:
        register = state.get(group)
        if register is not None and register[0] > best:
            best = register[0]
    for register in state.get("meta", {}).values():
        best = max(best, register[0])
    for register in state.get("f", {}).values():
        best = max(best, register[0])
    for adds, removes in state.get("tags", {}).values():
        for stamp in (*adds.values(), *removes.values()):
            best = max(best, stamp)
    return best or None


def version_of(state: State | None) -> int | None:
    """The memory's version: how many versioned changes every device made to it (``n``, a grow-only counter per
    device, joined by max), so every device that holds the same state shows the same version."""
    counts = (state or {}).get("n")
    return sum(counts.values()) if counts else None


def updated_of(state: State | None) -> float | None:
    """When the memory last changed (``t``: the change time its device gave the latest op, a register like any
    other; else by the stamp of its latest change): the same on every device."""
    if state and "t" in state:
        return state["t"][1]
    stamp = latest(state)
    return Hlc.parse(stamp).ms / 1000 if stamp else None


def exists(state: State | None, wipe: str | None) -> bool:
    """Whether the memory of ``state`` shows, given its namespace's wipe stamp."""
    if not state or "born" not in state:
        return False
    born = state["born"][0]
    return born > state.get("gone", "") and (wipe is None or born > wipe)


def deleted_while_edited(state: State | None) -> tuple[str, str] | None:
    """``(deleting device, editing device)`` when ``state`` holds a memory in the trash that another device edited
    without knowing of the delete (:func:`edit_that_met_delete`), else ``None``."""
    found = edit_that_met_delete(state)
    return None if found is None else (found[0], found[1])


def edit_that_met_delete(state: State | None) -> tuple[str, str, str] | None:
    """``(deleting device, editing device, the edit's stamp)`` when ``state`` holds a memory in the trash whose
    content, or any field, metadata key or tag, another device stamped after the delete. A trashed memory cannot
    be edited (it is restored first, which stamps the trash), so that edit did not know of the delete: a conflict,
    read from the state alone so that every device holding it agrees (see FORMAT.md, Deleted while edited). A
    content edit is that whichever edit came later; a type the system inferred is no one's edit."""
    if not state or "trash" not in state or state["trash"][1] is None:
        return None
    trashed = state["trash"][0]
    deleter = Hlc.parse(trashed).device_id
    if "content" in state:
        edited = state["content"][0]
        editor = Hlc.parse(edited).device_id
        seen = state.get("ts")
        if seen is not None and seen[0] == trashed:
            # The delete names the content it was made over: any other was made without knowing of it, even one
            # stamped before it (an edit on a clock behind, synced after the delete).
            unseen = edited != seen[1]
        else:
            unseen = edited > trashed  # a delete from before ``ts`` existed
        if unseen and editor != deleter:
            return deleter, editor, edited
    later = [stamp for stamp in _edit_stamps(state) if stamp > trashed and Hlc.parse(stamp).device_id != deleter]
    if not later:
        return None
    edited = max(later)
    return deleter, Hlc.parse(edited).device_id, edited


def _edit_stamps(state: State) -> list[str]:
    """The stamps of the field, metadata and tag changes of ``state``, but for a type the system inferred (its
    source register, stamped with it, says "inferred")."""
    fields = state.get("f", {})
    source = fields.get("memory_type_source")
    inferred = source is not None and source[1] == TypeSource.INFERRED.value
    stamps = [register[0] for name, register in fields.items()
              if not (inferred and name in ("memory_type", "memory_type_source") and register[0] == source[0])]
    stamps += [register[0] for register in state.get("meta", {}).values()]
    stamps += [stamp for adds, removes in state.get("tags", {}).values() for stamp in (*adds.values(), *removes.values())]
    return stamps


def tags_of(state: State) -> list[str]:
    return sorted(tag for tag, (adds, removes) in state.get("tags", {}).items()
                  if any(stamp > removes.get(device, "") for device, stamp in adds.items()))


def metadata_of(state: State) -> dict[str, Any]:
    return {key: value for key, (_, present, value) in sorted(state.get("meta", {}).items()) if present}


def _fields_of(state: State) -> dict[str, Any]:
    """Whatever fields ``state`` holds, shown or not."""
    fields: dict[str, Any] = {"namespace": state["ns"]}
    if "content" in state:
        fields["content"] = state["content"][1]
    if "born" in state:
        fields.update({k: state["born"][1][k] for k in BORN})
    fields.update({k: register[1] for k, register in state.get("f", {}).items()})
    fields["metadata"] = metadata_of(state)
    fields["tags"] = tags_of(state)
    fields["deleted_at"] = state["trash"][1] if "trash" in state else None
    fields["archived_at"] = state["archive"][1] if "archive" in state else None
    return fields


def render(state: State | None, wipe: str | None) -> dict[str, Any] | None:
    """The memory's fields as ``state`` decides them, or ``None`` when it does not exist."""
    if not exists(state, wipe):
        return None
    assert state is not None
    if "content" not in state or len(state.get("f", ())) != len(FIELDS):
        raise DamagedData("a sync state holds a memory without its fields")
    return _fields_of(state)


def delta(state: State | None, wipe: str | None, row: dict[str, Any] | None, stamp: str,
          changed: dict[str, str] | None = None) -> State | None:
    """The op that brings ``state`` to what the local ``row`` now holds, stamped ``stamp``; ``None``: no change.

    ``stamp`` must sort after every stamp of ``state`` (and its namespace's wipe),
    because the row shows a local change made over all of them. ``changed`` (field name -> stamp of the local
    edit that last changed it): a register of those fields takes that stamp instead, made after the register it
    replaces, so that an edit of one field does not carry another field edited earlier past a change another
    device made in between.
    """
    device = Hlc.parse(stamp).device_id

    def at(names: tuple[str, ...], replaced: str | None) -> str:
        found = [changed[n] for n in names if changed and n in changed]
        chosen = max(found) if found else stamp
        return successor(replaced, device) if replaced is not None and chosen <= replaced else chosen

    shown = render(state, wipe)
    if row is None:
        if shown is None:
            return None
        return {"ns": state["ns"], "gone": stamp}  # type: ignore[index]
    op: State = {"ns": row["namespace"]}
    if shown is None:
        # Born (again): every group the state holds, even hidden, must come out as the row has it.
        op["born"] = [stamp, {k: row[k] for k in BORN}]
        shown = _fields_of(state) if state else {}
    if shown.get("content") != row["content"] or _edited(changed, "content", (state or {}).get("content")):
        had = state["content"] if state and "content" in state else None
        ancestors = [had[0], *(had[2] or [])][:ANCESTORS] if had else []
        # Stamped when the content was edited, not when the op is written: a later edit of another field on
        # this device must not carry an earlier content past another device's content edit made in between.
        op["content"] = [stamp if "born" in op else at(("content",), had[0] if had else None), row["content"],
                         ancestors]
    registers = (state or {}).get("f", {})
    fields = {name: [stamp if "born" in op else at((name,), registers[name][0] if name in registers else None),
                     row[name]] for name in FIELDS
              if shown.get(name, _ABSENT) != row[name] or _edited(changed, name, registers.get(name))}
    if fields:
        op["f"] = fields
    for group, name in (("trash", "deleted_at"), ("archive", "archived_at")):
        if shown.get(name, _ABSENT) != row[name]:
            op[group] = [stamp, row[name]]
    if op.get("trash", [None, None])[1] is not None:
        # Folded before any other device's op met the row (replica.catch_up): the state's content is what this
        # device had seen when it deleted.
        seen = op["content"] if "content" in op else (state or {}).get("content")
        op["ts"] = [stamp, seen[0] if seen else None]
    meta_before = shown.get("metadata", {})
    meta = {k: [stamp, True, v] for k, v in row["metadata"].items() if meta_before.get(k, _ABSENT) != v}
    meta.update({k: [stamp, False, None] for k in meta_before if k not in row["metadata"]})
    if meta:
        op["meta"] = meta
    tags = _tag_delta(state, set(shown.get("tags", ())), set(row["tags"]), stamp)
    if tags:
        op["tags"] = tags
    return op if len(op) > 1 else None


_ABSENT = object()


def _edited(changed: dict[str, str] | None, name: str, register: list[Any] | None) -> bool:
    """Whether a local edit of ``name`` came after its register, even one that set the value it already showed
    (set and set back before syncing: the edit still happened after another device's concurrent one)."""
    return bool(changed) and name in changed and (register is None or changed[name] > register[0])


def _tag_delta(state: State | None, before: set[str], after: set[str], stamp: str) -> dict[str, list[dict[str, str]]]:
    device = Hlc.parse(stamp).device_id
    known = (state or {}).get("tags", {})
    out: dict[str, list[dict[str, str]]] = {}
    for tag in sorted(after - before):
        out[tag] = [{device: stamp}, {}]
    for tag in sorted(before - after):
        # A remove cancels exactly the adds this device has seen.
        out[tag] = [{}, dict(known[tag][0])]
    return out
