"""SQL conditions for :class:`MemoryFilter`, shared by listing and search.

Conditions are written against ``memories`` aliased as ``m`` so that the
same filter narrows a list, the FTS5 match and the exact KNN's candidate set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from memvault.domain.enums import TagMatch, Visibility
from memvault.domain.models import MemoryFilter


@dataclass
class Where:
    """A conjunction of SQL conditions with their bound parameters."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def in_list(prefix: str, values) -> tuple[str, dict[str, Any]]:
    """``(:p0, :p1, ...)`` and its parameters, for an SQL ``IN`` over ``values``."""
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    return "(" + ", ".join(":" + k for k in params) + ")", params


#: Forces a candidate check (``memories m`` joined by id) onto the index by id that holds every column a
#: filter usually tests (schema v10): the rows themselves would cost a content-page decryption per miss.
BY_ID = "INDEXED BY ix_memories_filter_by_id"


def json_ids(ids) -> str:
    """Integer ids as one JSON array parameter, for ``json_each`` (one bound value however many ids)."""
    # A numpy array as a list first: str(int(x)) per numpy scalar cost 4x as much (100k ids: 50 ms).
    return "[" + ",".join(map(str, map(int, ids.tolist() if hasattr(ids, "tolist") else ids))) + "]"


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def narrowing(f: MemoryFilter, *, probe: bool = False) -> Where:
    """Conditions beyond namespace and lifecycle state (what schema 20's vec0 table could not hold; the planner counts them).

    ``probe``: for a statement that checks given memories (a search's candidates) rather than finds
    them. A tag is then tested on each memory's own tags; the list form (``m.id IN (SELECT ...)``)
    reads every memory carrying the tag first, ~2.5 ms for a tag on 20% of 100k memories, in every
    statement, however few the candidates.
    """
    w = Where()
    for name in ("agent_id", "user_id", "session_id", "project"):
        value = getattr(f, name)
        if value is None:
            continue
        if name == "agent_id" and f.agent_id_or_none:
            w.add("(m.agent_id = :f_agent_id OR m.agent_id IS NULL)", f_agent_id=value)
        else:
            w.add(f"m.{name} = :f_{name}", **{f"f_{name}": value})
    if f.memory_types:
        sql, names = in_list("f_type", [t.value for t in f.memory_types])
        w.add(f"m.memory_type IN {sql}", **names)
    if f.tier is not None:
        w.add("m.tier = :f_tier", f_tier=f.tier.value)
    if f.min_importance is not None:
        w.add("m.importance >= :f_min_imp", f_min_imp=f.min_importance)
    if f.created_after is not None:
        w.add("m.created_at >= :f_after", f_after=f.created_after)
    if f.created_before is not None:
        w.add("m.created_at < :f_before", f_before=f.created_before)
    if f.tags:
        sql, names = in_list("f_tag", f.tags)
        own = f"FROM memory_tags t WHERE t.memory_id = m.id AND t.tag IN {sql}"
        if probe and f.tag_match is TagMatch.ALL:
            # Tags are unique per memory (the primary key), so the count is of distinct tags matched.
            w.add(f"(SELECT count(*) {own}) = {len(set(f.tags))}", **names)
        elif probe:
            w.add(f"EXISTS (SELECT 1 {own})", **names)
        elif f.tag_match is TagMatch.ALL:
            w.add(
                f"m.id IN (SELECT memory_id FROM memory_tags WHERE tag IN {sql} "
                f"GROUP BY memory_id HAVING count(*) = {len(set(f.tags))})",
                **names,
            )
        else:
            w.add(f"m.id IN (SELECT memory_id FROM memory_tags WHERE tag IN {sql})", **names)
    if f.changed_by is not None:
        # A person id or its start (`share list` shows 8 characters): 32 bits tell a vault's few people apart.
        w.add("m.uuid IN (SELECT memory_uuid FROM share_changes WHERE substr(person, 1, :f_person_n) = :f_person)",
              f_person=f.changed_by, f_person_n=len(f.changed_by))
    for i, (key, value) in enumerate(sorted(f.metadata.items())):
        pname = f"f_meta{i}"
        if '"' in key:
            # A JSON path cannot name a key with a double quote in it (SQLite has no escape for it).
            w.add(_metadata_by_each(pname, value), **{f"{pname}k": key, pname: _each_value(value)})
            continue
        path = _json_path(key)
        if isinstance(value, bool):
            w.add(f"json_type(m.metadata, '{_sql_str(path)}') = :{pname}", **{pname: "true" if value else "false"})
        elif value is None:
            w.add(f"json_type(m.metadata, '{_sql_str(path)}') = 'null'")
        elif isinstance(value, (int, float, str)):
            # json_extract reads JSON true/false as 1/0: without the type test 0 would match false.
            w.add(f"json_type(m.metadata, '{_sql_str(path)}') NOT IN ('true', 'false') "
                  f"AND json_extract(m.metadata, '{_sql_str(path)}') = :{pname}", **{pname: value})
        else:
            w.add(f"json_extract(m.metadata, '{_sql_str(path)}') = json(:{pname})", **{pname: json.dumps(value)})
    return w


def _each_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _metadata_by_each(pname: str, value: Any) -> str:
    """The same test as the JSON-path conditions, over ``json_each`` rows (any key)."""
    each = f"SELECT 1 FROM json_each(m.metadata) e WHERE e.key = :{pname}k AND "
    if isinstance(value, bool):
        return f"EXISTS ({each}e.type = '{'true' if value else 'false'}')"
    if value is None:
        return f"EXISTS ({each}e.type = 'null')"
    if isinstance(value, (int, float, str)):
        return f"EXISTS ({each}e.type NOT IN ('true', 'false', 'null') AND e.value = :{pname})"
    return f"EXISTS ({each}json(e.value) = json(:{pname}))"


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def full(f: MemoryFilter, now: float, *, probe: bool = False) -> Where:
    """Every condition of ``f``, including namespace and lifecycle state (``probe``: see :func:`narrowing`)."""
    w = narrowing(f, probe=probe)
    if f.namespace is not None:
        w.add("m.namespace = :f_ns", f_ns=f.namespace)
    # With an agent, user, session or project named, its index (namespace, owner, lifecycle columns) is the
    # narrow one, but SQLite prefers the lifecycle index for its three equality columns and walks every live
    # memory (an agent with 1% of 100k memories: 350 ms). The unary + keeps the lifecycle columns out of
    # index choice; the owner's index still holds them, so the state is read from it, not from the rows.
    state = "+m" if any(getattr(f, c) is not None for c in ("agent_id", "user_id", "session_id", "project")) else "m"
    if f.only_deleted:
        w.add(f"{state}.deleted_at IS NOT NULL")
    elif not f.include_deleted:
        w.add(f"{state}.deleted_at IS NULL")
    if not f.include_archived:
        w.add(f"{state}.archived_at IS NULL")
    if not f.include_expired:
        w.add("(m.expires_at IS NULL OR m.expires_at > :f_now)", f_now=now)
    if not f.include_confidential:
        w.add("m.visibility != :f_conf", f_conf=Visibility.CONFIDENTIAL.value)
    if f.only_conflicts:
        w.add("EXISTS (SELECT 1 FROM memory_history h WHERE h.memory_id = m.id AND h.conflict = 1 AND "
              f"{STILL_LOST})")
    return w


#: A version a conflict set aside that is the memory's content again (chosen on another device, or here) left
#: nothing lost: no longer a conflict (it stayed listed on every device but the one that chose). ``h``: the
#: history row, ``m``: its memory.
STILL_LOST = "h.snapshot != '' AND json_extract(h.snapshot, '$.content') IS NOT m.content"


def state_parts(f: MemoryFilter, now: float) -> list[Where]:
    """:func:`full` as disjoint parts by lifecycle state, when a type filter also shows archived or trashed memories.

    The lifecycle index (schema 22) holds namespace, trashed, archived, then type: a type is one seek among live
    memories, but among live and archived (or trashed) ones together it is a walk over the namespace's entries (4x
    at 100k). Each state part is a seek; callers add their counts or join their rows (``UNION ALL``). One part
    (``full`` itself) otherwise: without a namespace or with an owner there is nothing to seek past.
    """
    w = full(f, now)
    owners = any(getattr(f, c) is not None for c in ("agent_id", "user_id", "session_id", "project"))
    shown = f.include_deleted or f.include_archived
    if not f.memory_types or f.namespace is None or owners or f.only_deleted or not shown:
        return [w]
    states = [["m.deleted_at IS NULL"]] + ([["m.deleted_at IS NOT NULL"]] if f.include_deleted else [])
    if f.include_archived:
        states[0:1] = [states[0] + ["m.archived_at IS NULL"], states[0] + ["m.archived_at IS NOT NULL"]]
    return [Where(w.clauses + extra, dict(w.params)) for extra in states]
