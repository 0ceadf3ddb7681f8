"""Versioned schema migrations, tracked in ``PRAGMA user_version``.

Each migration runs in the writer's transaction; a failure rolls back the
whole step. Add new steps at the end; never edit a released one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import numpy as np
from sqlalchemy import Connection, text

from memvault.crypto.digest import random_bytes
from memvault.domain.errors import VaultCorrupt
from memvault.vault import compaction, fts, share_store
from memvault.vault import rows as rows_module
from memvault.vault.knn import layout
from memvault.vault.knn import log as knn_log
from memvault.vault.schema_v1 import create_version_1 as _v1

def _v2(conn: Connection, dim: int) -> None:
    # Counts of live memories (the sidebar, list totals, per-type totals) filter
    # on these columns only; covering them keeps the counts on a small index
    # instead of reading and decrypting every content page (and caching them:
    # ~65 MB per reader connection at 100k memories).
    conn.execute(text(
        "CREATE INDEX ix_memories_live ON memories(namespace, deleted_at, archived_at, memory_type, expires_at)"))
    # Finding vectors another model made (checked after every unlock) reads this instead of the table.
    conn.execute(text("CREATE INDEX ix_memories_model ON memories(model_id, embedding_status, namespace)"))


def _v3(conn: Connection, dim: int) -> None:
    # An oplog entry carries what another device needs to apply the change (the
    # changed fields, as JSON) and the namespace it happened in, not only the id.
    # Entries written before v3 keep a NULL payload: they name a memory and no more.
    conn.execute(text("ALTER TABLE oplog ADD COLUMN namespace TEXT"))
    conn.execute(text("ALTER TABLE oplog ADD COLUMN payload TEXT"))
    conn.execute(text("CREATE INDEX ix_oplog_memory ON oplog(memory_uuid, id)"))


def _v4(conn: Connection, dim: int) -> None:
    # Bundles: every vault gets an X25519 recipient private key (bundles can be encrypted to it
    # instead of a passphrase) and a random vault id that bundles name as their source. Both stay
    # inside the encrypted database; the public key is derived from the private one when needed.
    for key, value in (("recipient_private_key", random_bytes(32).hex()), ("vault_id", str(uuid.uuid4()))):
        conn.execute(text("INSERT OR IGNORE INTO settings(key, value) VALUES (:k, :v)"), {"k": key, "v": value})


def _v5(conn: Connection, dim: int) -> None:
    # The durable extraction queue: one row per submitted conversation. The request (the messages) is
    # kept until the job is done, then dropped; the result (facts stored, duplicates, superseded) stays
    # for GET /v1/extractions/{id}. Extracted facts are found again by their subject for dedup and
    # supersession, through an index on the metadata field the extractor writes.
    conn.execute(text(
        "CREATE TABLE extraction_jobs (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, status TEXT NOT NULL, "
        "request TEXT, result TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, "
        "leased_until REAL, leased_by TEXT, last_error TEXT, created_at REAL NOT NULL, finished_at REAL)"))
    conn.execute(text("CREATE INDEX ix_extraction_jobs_due ON extraction_jobs(status, next_attempt_at)"))
    conn.execute(text(
        "CREATE INDEX ix_memories_fact_subject ON memories(namespace, json_extract(metadata, '$.fact.subject'))"))


_V6 = """
CREATE TABLE sync_state (
    memory_uuid TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX ix_sync_state_ns ON sync_state(namespace);
CREATE TABLE sync_wipes (
    namespace TEXT PRIMARY KEY,
    hlc TEXT NOT NULL
);
CREATE TABLE sync_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL
);
CREATE TABLE sync_cursors (
    device_id TEXT PRIMARY KEY,
    segment INTEGER NOT NULL,
    last_hlc TEXT,
    seen_at REAL,
    skew_ms INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE memory_history ADD COLUMN conflict INTEGER NOT NULL DEFAULT 0
"""


def _v6(conn: Connection, dim: int) -> None:
    # Sync: the merge state of every memory (per field group clocks and values, the tag set with the
    # adds and removes each device made), namespace wipes, the ops this device has not shipped yet,
    # and how far each other device's segments have been applied. History versions that lost a
    # concurrent edit are marked as conflicts. Nothing here exists until sync is set up.
    # The outbox counts with AUTOINCREMENT: shipped ops are deleted, and a reused number would
    # look shipped already.
    raw = conn.connection.dbapi_connection
    for statement in _V6.split(";"):
        if statement.strip():
            raw.execute(statement)


def _v7(conn: Connection, dim: int) -> None:
    # Understanding: where a memory's type came from (NULL: the caller named it), the entity graph's
    # reverse index (memories of an entity), and a durable queue of memories whose entities are to be
    # extracted. Every memory already stored is queued, so an existing vault is backfilled in the background.
    conn.execute(text("ALTER TABLE memories ADD COLUMN memory_type_source TEXT"))
    conn.execute(text("CREATE INDEX ix_memory_entities_entity ON memory_entities(entity_id, memory_id)"))
    conn.execute(text("CREATE INDEX ix_entities_value ON entities(namespace, value)"))
    conn.execute(text(
        "CREATE TABLE entity_jobs (memory_id INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE, "
        "content_hash TEXT NOT NULL, forced INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, "
        "created_at REAL NOT NULL)"))
    conn.execute(text("INSERT INTO entity_jobs(memory_id, content_hash, created_at) "
                      "SELECT id, content_hash, created_at FROM memories"))


def _v8(conn: Connection, dim: int) -> None:
    # The approximate vector index (app/vault/knn) lives in memory; these keep it
    # inside the encrypted file. ``knn_log`` records every vector added to or
    # removed from vec0, in the same transaction, so that each process can bring
    # its index up to the committed state from a watermark (a NULL vector is a
    # removal). ``knn_snapshot`` holds each namespace's serialized index in parts
    # (SQLite caps one value near 1 GB) as of the log sequence number kept in
    # ``settings.knn_snapshot_seq``; log entries at or below it are deleted.
    conn.execute(text(
        "CREATE TABLE knn_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT, "
        "chunk_id INTEGER NOT NULL, vector BLOB)"))
    conn.execute(text(
        "CREATE TABLE knn_snapshot (namespace TEXT NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL, "
        "PRIMARY KEY (namespace, part))"))
    # Counting how many memories pass a filter (the planner's first step) stays on this index.
    conn.execute(text("CREATE INDEX ix_memories_ns_type ON memories(namespace, memory_type, deleted_at, "
                      "archived_at, visibility, expires_at)"))
    # A vault without vectors yet starts from an empty snapshot: its log will be its whole vector state.
    # One with vectors has none, so the first open rebuilds the index from vec0 (in the background).
    conn.execute(text("INSERT INTO settings(key, value) SELECT 'knn_snapshot_seq', '0' "
                      "WHERE NOT EXISTS (SELECT 1 FROM chunks)"))


#: A memory's own time (ISO minutes): the event it records, else its conversation's session date, else when it
#: was stored. Date questions in hybrid search select by it; ``app/vault/entities.py`` queries this expression
#: as it is written here, so that SQLite answers from the index below.
OWN_TIME = ("CASE WHEN json_type(metadata, '$.event_at') = 'text' THEN json_extract(metadata, '$.event_at') "
            "WHEN json_type(metadata, '$.session_date') = 'text' THEN json_extract(metadata, '$.session_date') "
            "ELSE strftime('%Y-%m-%dT%H:%M', created_at, 'unixepoch') END")


#: The time a memory's metadata states (its event's, else its conversation's session date), else NULL: the part of
#: :data:`OWN_TIME` the creation-time index does not order already (schema 22's own-time index holds only it).
STATED_TIME = ("CASE WHEN json_type(metadata, '$.event_at') = 'text' THEN json_extract(metadata, '$.event_at') "
               "WHEN json_type(metadata, '$.session_date') = 'text' THEN json_extract(metadata, '$.session_date') END")


def _v9(conn: Connection, dim: int) -> None:
    # Without it a date in a query ("deadlines in February") scanned every memory of the namespace:
    # 0.8 s per search at 100k memories.
    conn.execute(text(f"CREATE INDEX ix_memories_own_time ON memories(namespace, ({OWN_TIME}))"))


#: The columns every search filter tests (lifecycle state, then who and what): the index by id holding them
#: answers "which of these candidates pass?" (:mod:`memvault.vault.knn.planner`, keyword search) from small index
#: pages instead of the memory rows with their content (page decryptions, a cache miss each at 100k).
FILTER_COLUMNS = "namespace, deleted_at, archived_at, expires_at, visibility, agent_id, user_id, session_id, project, memory_type"
#: The filters by who wrote a memory, each with an index that also holds the lifecycle state.
OWNER_COLUMNS = ("agent_id", "user_id", "session_id", "project")


def _v10(conn: Connection, dim: int) -> None:
    # Filtered search at scale: a filter on user, session or project walked every memory of the
    # namespace, and one on an agent read each of its memories' rows for their lifecycle state
    # (a 1% filter at 100k: 1000 row reads). These indexes answer both from index pages alone.
    conn.execute(text("DROP INDEX IF EXISTS ix_memories_agent"))
    for column in OWNER_COLUMNS:
        conn.execute(text(f"CREATE INDEX ix_memories_{column} ON memories(namespace, {column}, deleted_at, "
                          "archived_at, visibility, expires_at)"))
    conn.execute(text(f"CREATE INDEX ix_memories_filter_by_id ON memories(id, {FILTER_COLUMNS})"))


def _v11(conn: Connection, dim: int) -> None:
    # Nothing looks memories up by content hash (duplicates are found by meaning, jobs by memory id), and
    # this was the one index whose new entries land at random places: each batch of 100 memories rewrote
    # ~50 of its pages, a fifth of the pages a store wrote to the WAL at 5,000 memories, and one page a
    # memory at 100k.
    conn.execute(text("DROP INDEX IF EXISTS ix_memories_hash"))


def _v12(conn: Connection, dim: int) -> None:
    # The entity loop claims the oldest jobs: without an index in that order each claim sorted the whole
    # queue, 0.13 s of a core per 64 jobs with 100k memories waiting (a large import), taken from the
    # embedder when a store arrived meanwhile.
    conn.execute(text("CREATE INDEX ix_entity_jobs_queue ON entity_jobs(created_at, memory_id, attempts)"))


def _v13(conn: Connection, dim: int) -> None:
    # What compatibility clients keep besides memories (StateBase sessions with their state versions and
    # turns, MemoryRelay agents, async-create receipts): small JSON records per namespace, kind and id;
    # ``parent`` and ``seq`` order a session's turns and state versions.
    conn.execute(text(
        "CREATE TABLE profile_records (namespace TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, "
        "parent TEXT, seq INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL, created_at REAL NOT NULL, "
        "updated_at REAL NOT NULL, PRIMARY KEY (namespace, kind, id))"))
    conn.execute(text("CREATE INDEX ix_profile_records_parent ON profile_records(namespace, kind, parent, seq)"))


#: Whose an extracted fact is: the person key the extractor writes, or (facts stored before it did) the
#: memory's user_id; "" for an unnamed user. Dedup and supersession compare only facts of one person.
FACT_PERSON = "coalesce(json_extract(metadata, '$.fact.person_id'), user_id, '')"
FACT_SUBJECT = "json_extract(metadata, '$.fact.subject')"
FACT_ATTRIBUTE = "json_extract(metadata, '$.fact.attribute')"


def _v14(conn: Connection, dim: int) -> None:
    # Dedup and supersession read the facts about one person and subject: with the index by subject
    # alone that was every fact about "user" in the namespace (all people's), each read whole. These
    # find the newest facts of one person and subject, and those that set one attribute, from the index;
    # only extracted facts are in them.
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_memories_fact_person ON memories(namespace, {FACT_PERSON}, "
                      f"{FACT_SUBJECT}) WHERE {FACT_SUBJECT} IS NOT NULL"))
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_memories_fact_attribute ON memories(namespace, {FACT_PERSON}, "
                      f"{FACT_SUBJECT}, {FACT_ATTRIBUTE}) WHERE {FACT_ATTRIBUTE} IS NOT NULL"))


def _v15(conn: Connection, dim: int) -> None:
    # Until v15 a session turn's vector was mixed with its predecessor's (order-dependent, kept a deleted
    # neighbour's meaning, travelled in bundles). Renaming those vectors' model makes them stale: the
    # re-embed path (vectors another model made) gives them their own text's vectors; until then they
    # are still searched. A sessionless memory's vectors were always its own.
    conn.execute(text("UPDATE memories SET model_id = model_id || '+previous-turn' "
                      "WHERE session_id IS NOT NULL AND model_id IS NOT NULL AND model_id NOT LIKE '%+previous-turn'"))


def _v16(conn: Connection, dim: int) -> None:
    # Keywords in every script: the stemmed index splits no Chinese, Japanese or Thai text into words and
    # breaks Hindi, Thai and vowelled Arabic words at their vowel signs. The segmented index beside it
    # (memvault.vault.fts) is filled from every memory's text; it is derived, so nothing else changes.
    fts.create_and_fill(conn)


def _v17(conn: Connection, dim: int) -> None:
    # The vector log in float16, the precision the index keeps (half of float32; vec0 stays the exact copy).
    # Its file pages are handed back by the one VACUUM that switches the file to incremental auto-vacuum
    # (:func:`memvault.vault.compaction.ensure_incremental`, run after the upgrade commits).
    raw, after = conn.connection.dbapi_connection, 0
    while rows := raw.execute("SELECT seq, vector FROM knn_log WHERE seq > ? AND length(vector) = ? ORDER BY seq "
                              "LIMIT 4096", (after, 4 * dim)).fetchall():
        raw.executemany("UPDATE knn_log SET vector = ? WHERE seq = ?",
                        [(np.frombuffer(v, dtype=np.float32).astype(np.float16).tobytes(), seq) for seq, v in rows])
        after = rows[-1][0]


def _v18(conn: Connection, dim: int) -> None:
    # Hybrid reads a user's sessionless memories as one stream of turns: neighbours by a seek, not a walk.
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_memories_user_stream ON memories(namespace, user_id, id) "
                      "WHERE session_id IS NULL AND user_id IS NOT NULL"))


def _v19(conn: Connection, dim: int) -> None:
    share_store.create_table(conn)  # who made each change that arrived in a namespace shared with other people


def _v20(conn: Connection, dim: int) -> None:
    # Issue 46: spent oplog entries and the oplog's unused indexes go, and both keyword indexes are refilled
    # without their own copies of the text (6,184 -> 4,488 bytes a short memory at 10k). Nothing is re-embedded.
    compaction.shrink_copies(conn)


def _v21_history(conn: Connection) -> None:
    # The current version's history entry keeps no copy of the fields the row holds (rows.CURRENT_SNAPSHOT),
    # and a first version made at the memory's created_at no entry at all (rows.with_first_version): an entry
    # is emptied or dropped only where its copy says exactly what the row says.
    from memvault.vault import memory_queries  # it imports vault.entities, which imports this module

    raw, after = conn.connection.dbapi_connection, 0
    while rows := raw.execute(
            "SELECT h.id, h.memory_id, h.snapshot, h.version = 1 AND h.change = ? AND h.changed_at = m.created_at "
            "AND NOT EXISTS (SELECT 1 FROM memory_history o WHERE o.memory_id = m.id AND o.id != h.id "
            "AND o.change != 'conflict') FROM memories m CROSS JOIN memory_history h ON h.memory_id = m.id "
            "AND h.version = m.version AND h.conflict = 0 AND h.change != 'conflict' WHERE m.id > ? "
            "ORDER BY m.id LIMIT 2000", (rows_module.FIRST_CHANGE, after)).fetchall():
        current = memory_queries.get_many(conn, [r[1] for r in rows], entities=False)
        same = [(entry, first) for entry, memory_id, snapshot, first in rows if snapshot and memory_id in current
                and json.loads(snapshot) == json.loads(rows_module.resolved_snapshot("", current[memory_id]))]
        raw.executemany("DELETE FROM memory_history WHERE id = ?", [(e,) for e, first in same if first])
        raw.executemany("UPDATE memory_history SET snapshot = '' WHERE id = ?", [(e,) for e, first in same if not first])
        after = rows[-1][1]


def _v21(conn: Connection, dim: int) -> None:
    # Issue 46: one stored copy of each vector, in the float16 the index searches. vec0's float32 copy becomes
    # ``chunk_vectors`` (float16, keyed by chunk id) and the index snapshot keeps only its graph; its vectors
    # are put back from the table when it is loaded (memvault.vault.knn.layout). Nothing is re-embedded.
    raw = conn.connection.dbapi_connection
    _v21_history(conn)
    # An owner index (v10) holds only the memories that name that owner: a filter by one (``m.user_id = :x``)
    # implies the column is not null, so SQLite still uses it, and a memory without a user, session or project
    # no longer costs ~30 bytes in each of those indexes.
    for column in OWNER_COLUMNS:
        conn.execute(text(f"DROP INDEX IF EXISTS ix_memories_{column}"))
        conn.execute(text(f"CREATE INDEX ix_memories_{column} ON memories(namespace, {column}, deleted_at, "
                          f"archived_at, visibility, expires_at) WHERE {column} IS NOT NULL"))
    raw.execute("CREATE TABLE IF NOT EXISTS chunk_vectors (chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) "
                "ON DELETE CASCADE, vector BLOB NOT NULL)")
    if not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'memory_vectors'").fetchone():
        return  # converted already (a schema number set back by hand)
    cursor = raw.execute("SELECT rowid, embedding FROM memory_vectors")
    while rows := cursor.fetchmany(4096):
        raw.executemany("INSERT INTO chunk_vectors(chunk_id, vector) SELECT ?, ? WHERE EXISTS "
                        "(SELECT 1 FROM chunks WHERE id = ?)",
                        [(c, np.frombuffer(b, dtype=np.float32).astype(np.float16).tobytes(), c) for c, b in rows])
    raw.execute("DROP TABLE memory_vectors")
    parts: dict[str, list[tuple[int, bytes]]] = {}
    for namespace, part, blob in raw.execute("SELECT namespace, part, bytes FROM knn_snapshot ORDER BY namespace, part"):
        parts.setdefault(namespace, []).append((part, blob))
    try:
        graphs = {ns: layout.without_vectors(b"".join(b for _, b in rows)) for ns, rows in parts.items()}
        for graph in graphs.values():
            layout.slot_keys(graph)
    except ValueError:
        # A snapshot this release cannot read: the first unlock rebuilds the graph from the stored vectors.
        raw.execute("DELETE FROM knn_snapshot")
        raw.execute("DELETE FROM settings WHERE key IN ('knn_snapshot_seq', 'knn_snapshot_graph')")
        return
    raw.execute("DELETE FROM knn_snapshot")
    for namespace, graph in graphs.items():
        raw.executemany("INSERT INTO knn_snapshot(namespace, part, bytes) VALUES (?, ?, ?)",
                        [(namespace, i, graph[at:at + knn_log.PART_BYTES])
                         for i, at in enumerate(range(0, len(graph), knn_log.PART_BYTES))])
    raw.execute("INSERT INTO settings(key, value) VALUES ('knn_snapshot_without_vectors', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    compaction.reclaim(conn)


def _v22(conn: Connection, dim: int) -> None:
    # Issue 46: one lifecycle index instead of two, no index by fact subject beside the one by person and subject,
    # and the creation-time indexes rebuilt ascending (their pages were half empty). Nothing is re-embedded.
    # The own-time index (v9) held the creation minute of every memory whose metadata states no time, in the order
    # ix_memories_ns_created keeps already: it now holds stated times only (vault.entities.dated_memories).
    conn.execute(text("DROP INDEX IF EXISTS ix_memories_own_time"))
    conn.execute(text(f"CREATE INDEX ix_memories_own_time ON memories(namespace, ({STATED_TIME})) "
                      f"WHERE {STATED_TIME} IS NOT NULL"))
    compaction.slim_memory_indexes(conn)


def _v23(conn: Connection, dim: int) -> None:
    # The segmented keyword index folds Greek accents, Hebrew points and "ё" (memvault.domain.language.fold): its
    # rows are rebuilt from every memory's text so that a bare query finds what was indexed accented. Derived only.
    fts.create_and_fill(conn)


MIGRATIONS: list[Callable[[Connection, int], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11,
                                                       _v12, _v13, _v14, _v15, _v16, _v17, _v18, _v19, _v20, _v21,
                                                       _v22, _v23]
LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def create_schema(conn: Connection, dim: int) -> None:
    """Create the whole schema in a brand-new, empty database (only :meth:`Vault.create` does this)."""
    if current_version(conn) != 0:
        raise VaultCorrupt("refusing to create a schema in a database that already has one")
    _apply(conn, dim, 0)


def needs_upgrade(conn: Connection) -> bool:
    """Whether :func:`upgrade` has steps to run; an empty or a newer schema is refused.

    A database without a schema is not an old vault but a damaged or foreign
    file (for example one emptied by a failed copy): it is refused, never
    filled with a fresh schema that would hide the loss.
    """
    version = current_version(conn)
    if version == 0:
        raise VaultCorrupt(
            "the database file holds no Memvault data (it is empty or was replaced); "
            "restore vault.db from a backup, or move the folder away and create a new vault"
        )
    if version > LATEST:
        raise VaultCorrupt(
            f"this vault has schema version {version}, newer than this Memvault ({LATEST}); "
            "upgrade Memvault to open it"
        )
    return version < LATEST


def upgrade(conn: Connection, dim: int) -> int:
    """Bring an existing vault's schema up to :data:`LATEST`; returns the version it started at."""
    start = current_version(conn)
    if needs_upgrade(conn):
        _apply(conn, dim, start)
    return start


def _apply(conn: Connection, dim: int, start: int) -> None:
    for version in range(start + 1, LATEST + 1):
        MIGRATIONS[version - 1](conn, dim)
        conn.execute(text(f"PRAGMA user_version = {version}"))
