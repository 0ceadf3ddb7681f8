"""The entity graph's SQL: entities, a memory's links to them, the extraction queue, and graph reads.

Links are derived from a memory's content, like its FTS entry: they are written
inside the caller's write transaction by :mod:`memvault.vault.memories` (or by the
extraction worker through :func:`link`), are not oplog entries (each device
extracts for itself, as it embeds for itself), and go with the memory: the
links cascade on a hard delete, and entities no memory mentions any more are
pruned in the same transaction (:func:`prune_orphans`), so nothing dangles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from memvault.domain.entities import Entity, EntityMention, EntitySummary, EntityType
from memvault.vault import filters
from memvault.vault.connect import driver_rows
from memvault.vault.migrations import STATED_TIME

#: Entities of a namespace read for its gazetteer at most (the oldest first).
GAZETTEER_MAX = 500_000


@dataclass(frozen=True)
class EntityJob:
    """A memory whose entities are to be extracted, with what extraction needs to know about it."""

    memory_id: int
    content_hash: str
    forced: bool
    namespace: str
    content: str
    metadata: str
    created_at: float


# --- links ---------------------------------------------------------------------------------------------------


def _entity_ids(conn: Connection, namespace: str, mentions: Iterable[EntityMention]) -> dict[tuple[str, str], int]:
    """The entity of each ``(type, value)``: the namespace's oldest one of that name, whatever its type
    (the tagger may call a name a place in one memory and a person in the next), or a new one."""
    ids: dict[tuple[str, str], int] = {}
    for t, v in dict.fromkeys((m.type.value, m.value) for m in mentions):
        row = conn.execute(text("SELECT id, type FROM entities WHERE namespace = :ns AND value = :v ORDER BY id "
                                "LIMIT 1"), {"ns": namespace, "v": v}).first()
        found = None if row is None else row.id
        if row is not None and row.type == EntityType.CONCEPT.value and t != row.type:
            # A noun read first ("Luna only eats …") is the name a later memory says it is ("our cat Luna"): read
            # with the row, so the write happens only then, not for every name linked.
            conn.execute(text("UPDATE entities SET type = :t WHERE id = :e"), {"t": t, "e": found})
        if found is None:
            found = conn.execute(text("INSERT INTO entities(namespace, type, value) VALUES (:ns, :t, :v) RETURNING id"),
                                 {"ns": namespace, "t": t, "v": v}).scalar_one()
        ids[(t, v)] = found
    return ids


def link(conn: Connection, memory_id: int, namespace: str, mentions: Sequence[EntityMention]) -> None:
    """Make ``mentions`` the memory's links (replacing any it had); entities are created as needed."""
    before = unlink(conn, [memory_id], prune=False)
    ids = _entity_ids(conn, namespace, mentions)
    best: dict[int, float] = {}
    for m in mentions:
        eid = ids[(m.type.value, m.value)]
        best[eid] = max(best.get(eid, 0.0), m.confidence)
    if best:
        conn.execute(text("INSERT INTO memory_entities(memory_id, entity_id, confidence) VALUES (:m, :e, :c)"),
                     [{"m": memory_id, "e": e, "c": c} for e, c in best.items()])
    prune_orphans(conn, before - best.keys())


def unlink(conn: Connection, memory_ids: Sequence[int], *, prune: bool = True) -> set[int]:
    """Remove the links of ``memory_ids``; returns the entities they linked to."""
    if not memory_ids:
        return set()
    sql, params = filters.in_list("m", memory_ids)
    linked = set(conn.execute(text(f"SELECT DISTINCT entity_id FROM memory_entities WHERE memory_id IN {sql}"),
                              params).scalars())
    conn.execute(text(f"DELETE FROM memory_entities WHERE memory_id IN {sql}"), params)
    if prune:
        prune_orphans(conn, linked)
    return linked


def prune_orphans(conn: Connection, entity_ids: Iterable[int]) -> None:
    """Delete those of ``entity_ids`` that no memory links to any more."""
    ids = list(entity_ids)
    for start in range(0, len(ids), 500):
        sql, params = filters.in_list("e", ids[start:start + 500])
        conn.execute(text(f"DELETE FROM entities WHERE id IN {sql} AND NOT EXISTS "
                          "(SELECT 1 FROM memory_entities me WHERE me.entity_id = entities.id)"), params)


def linked_entities(conn: Connection, memory_ids: Sequence[int]) -> set[int]:
    """The entities ``memory_ids`` link to (read before a hard delete, pruned after it)."""
    out: set[int] = set()
    for start in range(0, len(memory_ids), 500):
        sql, params = filters.in_list("m", memory_ids[start:start + 500])
        out.update(conn.execute(text(f"SELECT DISTINCT entity_id FROM memory_entities WHERE memory_id IN {sql}"),
                                params).scalars())
    return out


def mentions_of(conn: Connection, memory_ids: Sequence[int]) -> dict[int, tuple[EntityMention, ...]]:
    """Each memory's entities, most confident first (memories without any are absent)."""
    if not memory_ids:
        return {}
    # Through the driver: every search's page reads it.
    rows = conn.connection.dbapi_connection.execute(
        f"SELECT me.memory_id, e.type, e.value, me.confidence, {_SURFACE} AS surface FROM memory_entities me "
        "JOIN entities e ON e.id = me.entity_id JOIN memories m ON m.id = me.memory_id "
        "WHERE me.memory_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY me.memory_id, me.confidence DESC, e.value", (filters.json_ids(memory_ids),)).fetchall()
    out: dict[int, list[EntityMention]] = defaultdict(list)
    for memory_id, kind, value, confidence, surface in rows:
        out[memory_id].append(EntityMention(EntityType(kind), value, round(float(confidence), 3),
                                            display_name(value, surface)))
    return {k: tuple(v) for k, v in out.items()}


# --- display names ---------------------------------------------------------------------------------------------
# An entity is keyed by its normalised value ("alice chen"); people read the name as a memory writes it
# ("Alice Chen"). That name is read from the mentioning memory's text, not stored: it needs no column,
# follows an edit of the text, and costs one scan of the memories already being read.

#: Types whose names are written with capitals; a concept is a lemma and a date an ISO value, shown as they are.
NAMED_TYPES = tuple(t.value for t in EntityType if t not in (EntityType.DATE, EntityType.CONCEPT))
#: Where ``e.value`` first occurs in ``m.content``, as written (SQLite's lower() folds ASCII only, so the
#: offsets of the folded text are those of the text); NULL when it does not occur.
_SURFACE = (f"CASE WHEN e.type IN ({', '.join(repr(t) for t in NAMED_TYPES)}) THEN "
            "substr(m.content, nullif(instr(lower(m.content), e.value), 0), length(e.value)) END")
#: Memories read for a listed entity's display name at most (the first that writes it with capitals wins):
#: bounded, so a name known by an alias in thousands of memories costs no more than one written out.
DISPLAY_SAMPLE = 16


def display_name(value: str, surface: str | None) -> str | None:
    """``surface`` when it is ``value`` as written with capitals ("Alice Chen" for "alice chen"), else ``None``."""
    if not surface or surface == value or surface.lower() != value:
        return None
    return surface


def display_names(conn: Connection, entities: Sequence[tuple[EntityType, Sequence[int], str]]) -> list[str | None]:
    """The display name of each ``(type, entity ids, value)``, read from a few of the memories mentioning it."""
    out: list[str | None] = []
    for etype, ids, value in entities:
        if etype.value not in NAMED_TYPES:
            out.append(None)
            continue
        sql, params = filters.in_list("dn", list(ids))
        surfaces = conn.execute(text(
            f"SELECT {_SURFACE} AS surface FROM memory_entities me JOIN entities e ON e.id = me.entity_id "
            f"JOIN memories m ON m.id = me.memory_id WHERE me.entity_id IN {sql} LIMIT :dn_lim"),
            dict(params, dn_lim=DISPLAY_SAMPLE)).scalars()
        out.append(next((d for s in surfaces if (d := display_name(value, s)) is not None), None))
    return out


# --- the extraction queue ------------------------------------------------------------------------------------


def enqueue(conn: Connection, items: Sequence[tuple[int, str]], now: float, *, forced: bool = False) -> None:
    """Queue ``(memory_id, content_hash)`` pairs for extraction (a newer hash replaces a queued one)."""
    if items:
        conn.execute(text(
            "INSERT INTO entity_jobs(memory_id, content_hash, forced, attempts, created_at) "
            "VALUES (:m, :h, :f, 0, :now) ON CONFLICT(memory_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, forced = excluded.forced, attempts = 0"),
            [{"m": m, "h": h, "f": int(forced), "now": now} for m, h in items])


#: The oldest jobs first, read in ``ix_entity_jobs_queue``'s order (a sort would read the whole queue).
CLAIM_SQL = ("SELECT j.memory_id, j.content_hash, j.forced, m.namespace, m.content, m.metadata, m.created_at "
             "FROM entity_jobs j JOIN memories m ON m.id = j.memory_id WHERE j.attempts < :a "
             "ORDER BY j.created_at, j.memory_id LIMIT :n")


def claim(conn: Connection, limit: int, max_attempts: int) -> list[EntityJob]:
    """The oldest queued jobs (each counted as one more attempt, so a poisonous one is given up on)."""
    rows = conn.execute(text(CLAIM_SQL), {"a": max_attempts, "n": limit}).all()
    if rows:
        sql, params = filters.in_list("m", [r.memory_id for r in rows])
        conn.execute(text(f"UPDATE entity_jobs SET attempts = attempts + 1 WHERE memory_id IN {sql}"), params)
    return [EntityJob(r.memory_id, r.content_hash, bool(r.forced), r.namespace, r.content, r.metadata,
                      r.created_at) for r in rows]


def release(conn: Connection, jobs: Sequence[EntityJob]) -> None:
    """Give claimed jobs back unread: the attempt :func:`claim` counted is taken back (a job queued again for new
    content since has its count started afresh, and keeps it)."""
    for job in jobs:
        conn.execute(text("UPDATE entity_jobs SET attempts = attempts - 1 "
                          "WHERE memory_id = :m AND content_hash = :h AND attempts > 0"),
                     {"m": job.memory_id, "h": job.content_hash})


def complete(conn: Connection, job: EntityJob, mentions: Sequence[EntityMention] | None) -> bool:
    """Store a job's result if the memory still has that content (``None``: it needs no entities)."""
    current = conn.execute(text("SELECT content_hash FROM memories WHERE id = :m"), {"m": job.memory_id}).first()
    if current is None or current.content_hash != job.content_hash:
        return False
    if mentions is not None:
        link(conn, job.memory_id, job.namespace, mentions)
    else:
        unlink(conn, [job.memory_id])  # the links of its earlier content, kept until now (an update keeps them)
    conn.execute(text("DELETE FROM entity_jobs WHERE memory_id = :m AND content_hash = :h"),
                 {"m": job.memory_id, "h": job.content_hash})
    return True


def has_due(conn: Connection, max_attempts: int) -> bool:
    """Whether :func:`claim` would find a job."""
    return conn.execute(text("SELECT 1 FROM entity_jobs j JOIN memories m ON m.id = j.memory_id "
                             "WHERE j.attempts < :a LIMIT 1"), {"a": max_attempts}).first() is not None


def queue_depth(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM entity_jobs")).scalar_one())


# --- reads for the gazetteer, the API and the graph ----------------------------------------------------------


def names(conn: Connection, namespace: str | None) -> list[tuple[int, str, str]]:
    """``(id, type, value)`` of a namespace's entities (every namespace's for ``None``), oldest first."""
    where, params = ("WHERE namespace = :ns", {"ns": namespace}) if namespace is not None else ("", {})
    rows = conn.execute(text(f"SELECT id, type, value FROM entities {where} ORDER BY id LIMIT :lim"),
                        dict(params, lim=GAZETTEER_MAX)).all()
    return [(r.id, r.type, r.value) for r in rows]


def generation(conn: Connection, namespace: str | None) -> tuple[int, int]:
    """Changes when a namespace gains or loses entities: ``(count, max id)`` (gazetteer caches key on it)."""
    where, params = ("WHERE namespace = :ns", {"ns": namespace}) if namespace is not None else ("", {})
    row = conn.execute(text(f"SELECT count(*) AS n, coalesce(max(id), 0) AS top FROM entities {where}"),
                       params).one()
    return int(row.n), int(row.top)


#: Entities joined to the live memories that mention them (``:now`` decides expiry).
_LIVE_MENTIONS = ("FROM entities e JOIN memory_entities me ON me.entity_id = e.id JOIN memories m ON m.id = me.memory_id "
                  "AND m.deleted_at IS NULL AND (m.expires_at IS NULL OR m.expires_at > :now)")


def _entity_conditions(namespace: str | None, entity_type: EntityType | None, now: float) -> tuple[str, dict]:
    conds, params = ["1"], {"now": now}
    if namespace is not None:
        conds.append("e.namespace = :ns")
        params["ns"] = namespace
    if entity_type is not None:
        conds.append("e.type = :t")
        params["t"] = entity_type.value
    return " AND ".join(conds), params


def list_entities(conn: Connection, namespace: str | None, entity_type: EntityType | None, now: float, *,
                  limit: int, offset: int, min_count: int = 1, entity_id: int | None = None) -> tuple[list[Entity], int]:
    """Entities with how many live memories mention them (and when), most mentioned first, and how many there
    are; ``entity_id``: that one only."""
    where, params = _entity_conditions(namespace, entity_type, now)
    if entity_id is not None:
        where, params["eid"] = f"{where} AND e.id = :eid", entity_id
    params["mc"] = min_count
    counted = (f"SELECT e.id, e.namespace, e.type, e.value, count(m.id) AS n, min(m.created_at) AS first_at, "
               f"max(m.updated_at) AS last_at {_LIVE_MENTIONS} WHERE {where} GROUP BY e.id HAVING count(m.id) >= :mc")
    total = int(conn.execute(text(f"SELECT count(*) FROM ({counted})"), params).scalar_one())
    rows = conn.execute(text(f"{counted} ORDER BY n DESC, e.value LIMIT :lim OFFSET :off"),
                        dict(params, lim=limit, off=offset)).all()
    names = display_names(conn, [(EntityType(r.type), (r.id,), r.value) for r in rows])
    return [Entity(r.id, r.namespace, EntityType(r.type), r.value, r.n, name, r.first_at, r.last_at)
            for r, name in zip(rows, names, strict=True)], total


def summarise_entities(conn: Connection, namespace: str | None, entity_type: EntityType | None, now: float, *,
                       limit: int, offset: int, concept_min: int, keep: str | None = None,
                       ) -> tuple[list[EntitySummary], int, int]:
    """Entities grouped by type and value across namespaces, with the live memories mentioning them, most
    mentioned first; how many groups there are; and how many concepts are left out. Concepts need
    ``concept_min`` memories (``keep``, a value, is listed whatever its count)."""
    where, params = _entity_conditions(namespace, entity_type, now)
    params.update(cmin=concept_min, keep=keep)
    grouped = (
        "SELECT e.type, e.value, count(m.id) AS n, group_concat(DISTINCT e.namespace) AS namespaces, "
        f"group_concat(DISTINCT e.id) AS ids {_LIVE_MENTIONS} WHERE {where} GROUP BY e.type, e.value"
    )
    below = "(g.type = 'concept' AND g.n < :cmin AND g.value IS NOT :keep)"
    # The page, the count of groups listed and the count left out, from one grouping of every live mention (it
    # is most of the page's cost); only a page past the end has no row to carry the counts, and counts again.
    marked = f"SELECT g.*, {below} AS below, sum({below}) OVER () AS hidden FROM ({grouped}) g"
    rows = conn.execute(text(f"SELECT *, count(*) OVER () AS total FROM ({marked}) WHERE NOT below "
                             "ORDER BY n DESC, value, type LIMIT :lim OFFSET :off"),
                        dict(params, lim=limit, off=offset)).all()
    if rows:
        total, hidden = int(rows[0].total), int(rows[0].hidden or 0)
    else:
        counted = conn.execute(text(f"SELECT count(*) - coalesce(sum({below}), 0) AS total, "
                                    f"coalesce(sum({below}), 0) AS hidden FROM ({grouped}) g"), params).one()
        total, hidden = int(counted.total), int(counted.hidden)
    # Namespace names hold no commas (letters, digits, '_', '-', '.'), so the default separator is safe.
    ids = [tuple(sorted(int(i) for i in r.ids.split(","))) for r in rows]
    names = display_names(conn, [(EntityType(r.type), group, r.value) for r, group in zip(rows, ids, strict=True)])
    return [EntitySummary(EntityType(r.type), r.value, r.n, tuple(sorted(r.namespaces.split(","))), group, name)
            for r, group, name in zip(rows, ids, names, strict=True)], total, hidden


def get_entity(conn: Connection, entity_id: int) -> tuple[int, str, str, str] | None:
    row = conn.execute(text("SELECT id, namespace, type, value FROM entities WHERE id = :e"),
                       {"e": entity_id}).first()
    return None if row is None else (row.id, row.namespace, row.type, row.value)


def retype(conn: Connection, entity_ids: Sequence[int], entity_type: EntityType) -> list[str]:
    """Give ``entity_ids`` the type a person said they are; returns the namespaces they belong to.

    The row keeps its id and links: a name is one entity of its namespace whatever its type
    (:func:`_entity_ids`), so later mentions link to it and the gazetteer hands the type on.
    """
    sql, params = filters.in_list("e", entity_ids)
    conn.execute(text(f"UPDATE entities SET type = :t WHERE id IN {sql}"), dict(params, t=entity_type.value))
    return list(conn.execute(text(f"SELECT DISTINCT namespace FROM entities WHERE id IN {sql} ORDER BY namespace"),
                             params).scalars())



def memories_of(conn: Connection, entity_ids: Sequence[int], where: filters.Where,
                limit: int | None = None) -> list[tuple[int, int, float]]:
    """``(memory_id, entity_id, confidence)`` of the memories passing ``where`` that link to ``entity_ids``."""
    if not entity_ids:
        return []
    sql, params = filters.in_list("ge", entity_ids)
    tail = "" if limit is None else " LIMIT :glim"
    rows = conn.execute(text(
        "SELECT me.memory_id, me.entity_id, me.confidence FROM memory_entities me "
        f"JOIN memories m ON m.id = me.memory_id WHERE me.entity_id IN {sql} AND {where.sql()} "
        f"ORDER BY m.created_at DESC, m.id DESC{tail}"),
        dict(where.params, **params, **({} if limit is None else {"glim": limit}))).all()
    return [(r.memory_id, r.entity_id, float(r.confidence)) for r in rows]


def recent_links(conn: Connection, entity_ids: Sequence[int], where: filters.Where,
                 limit: int) -> dict[int, list[tuple[int, float]]]:
    """Per entity of ``entity_ids``, ``(memory_id, confidence)`` of the last ``limit`` memories stored that link
    to it and pass ``where``, read in the link index's order (no sort) and tested on the index by id.

    One statement for all the entities, through the driver: a query's entities and their one-hop neighbours
    are ~7 reads, and each through SQLAlchemy cost more in parameter handling and row objects than the seek."""
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return {}
    one = (f"SELECT * FROM (SELECT me.entity_id, me.memory_id, me.confidence FROM memory_entities me "
           f"CROSS JOIN memories m {filters.BY_ID} ON m.id = me.memory_id WHERE me.entity_id = :re{{i}} AND "
           f"{where.sql()} ORDER BY me.memory_id DESC LIMIT :rlim)")
    params = dict(where.params, rlim=limit, **{f"re{i}": e for i, e in enumerate(ids)})
    links: dict[int, list[tuple[int, float]]] = {e: [] for e in ids}
    for entity_id, memory_id, confidence in conn.connection.dbapi_connection.execute(
            " UNION ALL ".join(one.format(i=i) for i in range(len(ids))), params):
        links[entity_id].append((memory_id, float(confidence)))
    return links


def frequencies(conn: Connection, entity_ids: Sequence[int]) -> dict[int, int]:
    """How many memories link to each of ``entity_ids`` (entities belong to one namespace), counted on the
    link index alone: the count that passes a filter would test every link (a common name: 7,000 a query)."""
    if not entity_ids:
        return {}
    sql, params = filters.in_list("fe", entity_ids)
    rows = conn.execute(text(
        f"SELECT entity_id, count(*) AS n FROM memory_entities WHERE entity_id IN {sql} GROUP BY entity_id"),
        params).all()
    return {r.entity_id: int(r.n) for r in rows}


def count_in_scope(conn: Connection, where: filters.Where) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM memories m WHERE {where.sql()}"), where.params).scalar_one())


def cooccurring(conn: Connection, memory_ids: Sequence[int], exclude: Iterable[int],
                limit: int) -> list[tuple[int, int]]:
    """``(entity_id, memories)`` of the entities most often linked from ``memory_ids``, but not ``exclude``."""
    if not memory_ids:
        return []
    skip = set(exclude)
    # Ties go by the entity's normalised value, not its id: two vaults holding the same memories number
    # their entities in the order each happened to extract them, and must still agree on the hop. The ids
    # as one JSON parameter, through the driver: a hundred bound names cost SQLAlchemy ~2 ms to compile.
    rows = conn.connection.dbapi_connection.execute(
        "SELECT me.entity_id, count(*) AS n FROM json_each(?) j CROSS JOIN memory_entities me "
        "ON me.memory_id = j.value JOIN entities e ON e.id = me.entity_id "
        "GROUP BY me.entity_id ORDER BY n DESC, e.value, e.type, me.entity_id LIMIT ?",
        (filters.json_ids(memory_ids), limit + len(skip))).fetchall()
    return [(e, int(n)) for e, n in rows if e not in skip][:limit]


def _epoch(minute: str) -> float:
    """The Unix time an ISO minute (``2026-02-13T10:00``, UTC as strftime writes it) starts at."""
    return datetime.strptime(minute, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC).timestamp()


def own_time_sql(where: str) -> str:
    """The memories passing ``where`` whose own time (:data:`memvault.vault.migrations.OWN_TIME`) is in
    [``:d_start``, ``:d_end``) (ISO minutes; ``:d_from``, ``:d_to`` the same as Unix times), at most ``:d_lim``.

    Two reads, each on its index: the time the metadata states (ix_memories_own_time holds only those), else the
    creation minute, whose range is the same range of created_at (ix_memories_ns_created). One statement, the
    LIMIT the compound's; the date's range first, as SQLite seeks the first of two ranges on created_at (a
    filter's own is often wider)."""
    return (f"SELECT m.id FROM memories m WHERE {where} AND {STATED_TIME} >= :d_start AND {STATED_TIME} < :d_end "
            f"AND {STATED_TIME} IS NOT NULL UNION ALL SELECT m.id FROM memories m WHERE m.created_at >= :d_from "
            f"AND m.created_at < :d_to AND {where} AND {STATED_TIME} IS NULL LIMIT :d_lim")


def dated_memories(conn: Connection, start: str, end: str, where: filters.Where, limit: int, *,
                   days: Sequence[str] = (), prefix: str | tuple[str, ...] | None = None) -> set[int]:
    """Memories passing ``where`` whose own time is in [``start``, ``end``) (ISO minutes), or that mention a
    date entity among ``days`` or starting with ``prefix`` (or one of several)."""
    own = own_time_sql(where.sql())
    # Through the driver: SQLAlchemy's handling of the statement's parameters cost ~0.09 ms, 4x the two seeks.
    found = {r[0] for r in conn.connection.dbapi_connection.execute(own, dict(
        where.params, d_start=start, d_end=end, d_from=_epoch(start), d_to=_epoch(end), d_lim=limit))}
    if days:
        test, params = filters.in_list("d_day", days)
        test = f"e.value IN {test}"
    else:
        starts = (prefix,) if isinstance(prefix, str) or prefix is None else prefix
        test = "(" + " OR ".join(f"e.value LIKE :d_prefix{i}" for i in range(len(starts))) + ")"
        params = {f"d_prefix{i}": (value or "") + "%" for i, value in enumerate(starts)}
    mentioned = ("SELECT me.memory_id FROM entities e JOIN memory_entities me ON me.entity_id = e.id "
                 f"CROSS JOIN memories m {filters.BY_ID} ON m.id = me.memory_id "
                 f"WHERE e.type = 'date' AND {test} AND {where.sql()} "
                 "LIMIT :d_lim")
    found.update(r[0] for r in driver_rows(conn, mentioned, dict(where.params, **params, d_lim=limit)))
    return found
