"""The one write path, checked as a whole: random sequences of service calls on a real vault.

After every step the row, its tags, FTS entry, history, vectors and oplog
must agree, and replaying the oplog's payloads from nothing must rebuild every
memory's fields: that is what another device will do with them. Bundles exported
from the vault and imported again (under every conflict policy, into any
namespace) are steps like any other.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import text

from memvault.domain.errors import Conflict
from memvault.domain.models import Memory, MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.domain.transfer import ConflictPolicy
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest
from memvault.service.container import create_vault
from memvault.vault import memory_queries
from tests.helpers import PASSPHRASE, ManualClock, fast_settings
from tests.helpers.budget import examples
from tests.helpers.fake_embedder import FakeEmbedder

NAMESPACES = ("alpha", "beta")
WORDS = st.sampled_from(["tea", "kyoto", "train", "budget", "ünïcode", "mañana", "日本", "notes", "x"])
CONTENT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
TAGS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3, unique=True)
METADATA = st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), st.one_of(st.integers(-5, 5), st.text(max_size=4)),
                           max_size=2)
PATCH = st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), st.one_of(st.none(), st.integers(-5, 5)), max_size=2)
LIVE_FILTER = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)
_FIELDS = ("namespace", "content", "memory_type", "tags", "metadata", "importance", "tier", "visibility",
           "agent_id", "user_id", "session_id", "project", "client_id", "expires_at")


def _replay(entries: list[tuple[str, dict]]) -> dict | None:
    """A memory's fields rebuilt from its oplog payloads alone (None once it is gone)."""
    state: dict | None = None
    for op, payload in entries:
        if op == "create":
            state = {k: payload[k] for k in _FIELDS} | {"deleted_at": None, "archived_at": None}
        elif op == "update":
            for key, value in payload.items():
                if key == "tags":
                    state["tags"] = value["all"]
                elif key == "metadata":
                    state["metadata"] = {k: v for k, v in state["metadata"].items() if k not in value["unset"]}
                    state["metadata"].update(value["set"])
                elif key != "memory_type_source":  # where the type came from: not one of the compared fields
                    state[key] = value
        elif op == "import":  # a bundle's whole state, new or replacing
            state = {k: payload[k] for k in _FIELDS} | {"deleted_at": payload["deleted_at"],
                                                        "archived_at": payload["archived_at"]}
        elif op in ("delete", "restore", "archive", "unarchive"):
            state.update(payload)
        elif op == "hard_delete":
            state = None
    return state


def _fields(m: Memory) -> dict:
    plain = {k: getattr(m, k) for k in _FIELDS}
    plain.update(memory_type=m.memory_type.value, tier=m.tier.value, visibility=m.visibility.value,
                 tags=list(m.tags), deleted_at=m.deleted_at, archived_at=m.archived_at)
    return plain


class WritePath(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="memvault-writes-"))
        self.clock = ManualClock()
        self.svc = create_vault(fast_settings(self.home / "vault"), PASSPHRASE, FakeEmbedder(), background=False,
                                wall=self.clock)
        self.known: set[str] = set()
        self.bundle: Path | None = None

    def teardown(self) -> None:
        self.svc.close()
        shutil.rmtree(self.home, ignore_errors=True)

    # -- steps ----------------------------------------------------------------

    @rule(content=CONTENT, ns=st.sampled_from(NAMESPACES), tags=TAGS, metadata=METADATA,
          confidential=st.booleans(), ttl=st.sampled_from([None, 30, 3600]), embed_now=st.booleans())
    def create(self, content, ns, tags, metadata, confidential, ttl, embed_now):
        m = self.svc.memories.create(MemoryCreate(
            content=content, namespace=ns, tags=tags, metadata=metadata, expires_in_seconds=ttl,
            visibility="confidential" if confidential else "private")).memory
        self.known.add(m.id)
        if embed_now:  # most memories have vectors by the time they are changed
            self.svc.worker.drain()

    @precondition(lambda self: self.known)
    @rule(data=st.data(), content=st.none() | CONTENT, tags=st.none() | TAGS, patch=st.none() | PATCH,
          importance=st.none() | st.floats(0, 1), visibility=st.none() | st.sampled_from(["private", "confidential"]))
    def update(self, data, content, tags, patch, importance, visibility):
        memory_id = data.draw(st.sampled_from(sorted(self.known)))
        self._edit(memory_id, lambda: self.svc.memories.update(memory_id, MemoryUpdate(
            content=content, tags=tags, metadata=patch, importance=importance, visibility=visibility)))

    def _edit(self, memory_id, edit) -> None:
        """``edit`` of ``memory_id``: refused, with nothing written, while the memory is in the trash."""
        before = self.svc.memories.get(memory_id)
        if before.deleted_at is None:
            edit()
            return
        try:
            edit()
        except Conflict as exc:
            assert "in the trash" in exc.message
            assert self.svc.memories.get(memory_id) == before
            return
        assert self.svc.memories.get(memory_id) == before  # nothing to change: taken, and changes nothing

    @precondition(lambda self: self.known)
    @rule(data=st.data(), move=st.sampled_from(["delete", "restore", "archive", "unarchive"]))
    def move(self, data, move):
        memory_id = data.draw(st.sampled_from(sorted(self.known)))
        try:
            getattr(self.svc.lifecycle, move)(memory_id)
        except Conflict:
            pass  # already there: refused, and nothing may have been written

    @precondition(lambda self: self.known)
    @rule(data=st.data())
    def hard_delete(self, data):
        memory_id = data.draw(st.sampled_from(sorted(self.known)))
        self.svc.lifecycle.hard_delete(memory_id)
        self.known.discard(memory_id)

    @precondition(lambda self: self.known)
    @rule(data=st.data())
    def restore_oldest_version(self, data):
        # Version 1, except for a memory imported without its history: it starts at the version it came with.
        memory_id = data.draw(st.sampled_from(sorted(self.known)))
        oldest = min(h.version for h in self.svc.memories.history(memory_id))
        self._edit(memory_id, lambda: self.svc.memories.restore_version(memory_id, oldest))

    @precondition(lambda self: self.known)
    @rule(data=st.data(), history=st.booleans(), deleted=st.booleans(), policy=st.sampled_from(ConflictPolicy),
          into=st.none() | st.sampled_from(NAMESPACES),
          meanwhile=st.sampled_from(["nothing", "update", "hard_delete", "delete"]))
    def export_change_and_import(self, data, history, deleted, policy, into, meanwhile):
        """A bundle of a namespace, a change to one of its memories, then the bundle imported again."""
        memory_id = data.draw(st.sampled_from(sorted(self.known)))
        ns = self.svc.memories.get(memory_id).namespace
        path = self.home / "bundle.mvbundle"
        self.svc.bundles.export_to_file(path, ExportRequest(
            (ns,), recipients=(self.svc.bundles.recipient_key(),), include_history=history, include_deleted=deleted),
            replace=True)
        if meanwhile == "update":
            changes = MemoryUpdate(content=data.draw(CONTENT), tags=data.draw(TAGS))
            self._edit(memory_id, lambda: self.svc.memories.update(memory_id, changes))
        elif meanwhile == "hard_delete":
            self.svc.lifecycle.hard_delete(memory_id)
        elif meanwhile == "delete":
            try:
                self.svc.lifecycle.delete(memory_id)
            except Conflict:
                pass
        self.svc.bundles.import_bundle(path, ImportOptions(into=into, policy=policy))
        self.known = {m.id for m in self.svc.memories.list(LIVE_FILTER, limit=1000).items}

    @rule()
    def embed(self):
        self.svc.worker.drain()

    @rule()
    def extract_entities(self):
        self.svc.entities.drain()

    @rule(seconds=st.sampled_from([10, 40, 4000]))
    def time_passes_and_expired_are_purged(self, seconds):
        self.clock.advance(seconds)
        self.svc.lifecycle.purge_expired()
        self._forget_missing()

    @rule()
    def empty_trash(self):
        self.svc.lifecycle.empty_trash()
        self._forget_missing()

    @rule(ns=st.sampled_from(NAMESPACES))
    def wipe(self, ns):
        self.svc.lifecycle.wipe_namespace(ns, confirm=ns)
        self._forget_missing()

    def _forget_missing(self) -> None:
        present = {m.id for m in self.svc.memories.list(LIVE_FILTER, limit=1000).items}
        self.known &= present

    # -- invariants -----------------------------------------------------------

    @invariant()
    def everything_agrees(self):
        memories = {m.id: m for m in self.svc.memories.list(LIVE_FILTER, limit=1000).items}
        assert set(memories) == self.known
        with self.svc.vault.db.read() as conn:
            for m in memories.values():
                assert conn.execute(text("SELECT content FROM memory_fts WHERE rowid = :r"),
                                    {"r": m.rowid}).scalar_one() == m.content
                tags = conn.execute(text("SELECT tag FROM memory_tags WHERE memory_id = :r"), {"r": m.rowid}).scalars()
                assert set(tags) == set(m.tags)
                entries = conn.execute(text("SELECT version, snapshot FROM memory_history WHERE memory_id = :r "
                                            "ORDER BY version"), {"r": m.rowid}).all()
                # Only the current version's entry leans on the row (no copy); every superseded one has its own;
                # an unedited memory's first version has no entry at all.
                assert all(e.snapshot for e in entries[:-1]), entries
                assert entries or m.version == 1
                read = memory_queries.history(conn, m)
                assert read[-1].version == m.version
                assert all(a.version < b.version for a, b in zip(read, read[1:]))
                last = read[-1]
                snap = {"content": last.content, "tags": list(last.tags), "metadata": last.metadata}
                assert (snap["content"], snap["tags"], snap["metadata"]) == (m.content, list(m.tags), m.metadata)
                chunks = conn.execute(text("SELECT id FROM chunks WHERE memory_id = :r"), {"r": m.rowid}).scalars().all()
                assert (len(chunks) > 0) == (m.embedding_status.value == "ready" or m.model_id is not None)
                for chunk_id in chunks:
                    assert conn.execute(text("SELECT length(vector) FROM chunk_vectors WHERE chunk_id = :r"),
                                        {"r": chunk_id}).scalar_one() == 2 * FakeEmbedder().dimension
                ops = conn.execute(text("SELECT op, payload, hlc FROM oplog WHERE memory_uuid = :u ORDER BY id"),
                                   {"u": m.id}).all()
                row_hlc = conn.execute(text("SELECT hlc FROM memories WHERE id = :r"), {"r": m.rowid}).scalar_one()
                assert [o.hlc for o in ops if o.op != "vectors"][-1] == row_hlc
                assert _replay([(o.op, json.loads(o.payload)) for o in ops if o.op != "vectors"]) == _fields(m)
            # Entity links and queued extractions go with their memories; no entity outlives its last link.
            assert conn.execute(text("SELECT count(*) FROM memory_entities WHERE memory_id NOT IN "
                                     "(SELECT id FROM memories)")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM entity_jobs WHERE memory_id NOT IN "
                                     "(SELECT id FROM memories)")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM entities WHERE id NOT IN "
                                     "(SELECT entity_id FROM memory_entities)")).scalar_one() == 0
            gone = conn.execute(text("SELECT DISTINCT memory_uuid FROM oplog WHERE memory_uuid != ''")).scalars()
            for uuid in set(gone) - set(memories):
                last = conn.execute(text("SELECT op, namespace, id FROM oplog WHERE memory_uuid = :u ORDER BY id DESC "
                                         "LIMIT 1"), {"u": uuid}).one()
                wiped_after = conn.execute(text("SELECT count(*) FROM oplog WHERE op = 'wipe_namespace' AND "
                                                "namespace = :ns AND id > :i"),
                                           {"ns": last.namespace, "i": last.id}).scalar_one()
                assert last.op == "hard_delete" or wiped_after, f"{uuid} vanished without a tombstone"
            orphans = conn.execute(text("SELECT count(*) FROM chunks c LEFT JOIN memories m ON m.id = c.memory_id "
                                        "WHERE m.id IS NULL")).scalar_one()
            vec_rows = conn.execute(text("SELECT count(*) FROM chunk_vectors")).scalar_one()
            assert orphans == 0 and vec_rows == conn.execute(text("SELECT count(*) FROM chunks")).scalar_one()


WritePath.TestCase.settings = settings(max_examples=examples(40), stateful_step_count=20, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
TestWritePath = WritePath.TestCase
TestWritePath.pytestmark = [pytest.mark.seconds]  # ~3 s of steps: the whole suite runs it
