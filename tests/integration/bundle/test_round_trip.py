"""A namespace exported by one vault and imported by another (different passphrase) arrives field for field.

Arbitrary unicode, metadata, tags, edits (history), trashed and archived
memories (tombstones), TTLs, scope fields and client ids: every field, every
history version and every vector of the source comes back, and the target can
search the memories at once (its model is the same: nothing is embedded again).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memvault.domain.enums import MemoryType, Visibility
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.service.bundles import ExportRequest
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.vault_state import records_of

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
               max_size=120).filter(lambda s: s.strip())
ids = st.none() | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(str.strip)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
# Top-level keys without NUL: a key is a filter's JSON path, so NUL is refused there (service/validation.py).
metadata = st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
                           json_values, max_size=4)
tags = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=12),
                max_size=4, unique=True)
memory = st.fixed_dictionaries({
    "content": text, "tags": tags, "metadata": metadata, "type": st.sampled_from(MemoryType),
    "importance": st.floats(0, 1), "visibility": st.sampled_from(Visibility), "agent": ids, "user": ids,
    "session": ids, "project": ids, "client": st.booleans(), "ttl": st.none() | st.integers(60, 10**6),
    "edits": st.lists(st.tuples(st.none() | text, st.none() | tags, st.none() | metadata), max_size=2),
    "fate": st.sampled_from(["live", "trash", "archive"]),
})
_names = (f"ns{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def vaults(tmp_path_factory):
    embedder = FakeEmbedder()
    root = tmp_path_factory.mktemp("round-trip")
    source = create_vault(fast_settings(root / "a"), PASSPHRASE, embedder, background=False)
    target = create_vault(fast_settings(root / "b"), "a different passphrase", embedder, background=False)
    yield source, target, root
    source.close()
    target.close()


def _fill(svc, namespace: str, specs: list[dict]) -> None:
    for n, spec in enumerate(specs):
        m = svc.memories.create(MemoryCreate(
            content=spec["content"], namespace=namespace, tags=spec["tags"], metadata=spec["metadata"],
            memory_type=spec["type"], importance=spec["importance"], visibility=spec["visibility"],
            agent_id=spec["agent"], user_id=spec["user"], session_id=spec["session"], project=spec["project"],
            client_id=f"client-{n}" if spec["client"] else None, expires_in_seconds=spec["ttl"])).memory
        svc.worker.drain()
        for content, new_tags, patch in spec["edits"]:
            svc.memories.update(m.id, MemoryUpdate(content=content, tags=new_tags, metadata=patch))
        if spec["fate"] == "trash":
            svc.lifecycle.delete(m.id)
        elif spec["fate"] == "archive":
            svc.lifecycle.archive(m.id)
    svc.worker.drain()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(memory, min_size=1, max_size=5), via_recipient=st.booleans())
@pytest.mark.seconds
def test_every_field_history_and_vector_arrives(vaults, specs, via_recipient):
    source, target, root = vaults
    namespace = next(_names)
    _fill(source, namespace, specs)
    request = (ExportRequest((namespace,), recipients=(target.bundles.recipient_key(),), include_deleted=True)
               if via_recipient else ExportRequest((namespace,), passphrase="bundle passphrase", include_deleted=True))
    path = root / f"{namespace}.mvbundle"
    exported = source.bundles.export_to_file(path, request)
    assert exported.memories == len(specs)
    report = target.bundles.import_bundle(path, passphrase=None if via_recipient else "bundle passphrase")
    assert (report.new, report.updated, report.skipped, report.to_embed) == (len(specs), 0, 0, 0)
    assert records_of(target, namespace) == records_of(source, namespace)
    assert target.jobs.depth() == 0  # searchable at once: the vectors came with the memories
    live = {r.id for r in records_of(source, namespace) if r.deleted_at is None and r.archived_at is None}
    found = target.search.search(SearchQuery("anything", mode="semantic", limit=10, min_score=0.0,
                                             filter=MemoryFilter(namespace=namespace, include_confidential=True)))
    assert {h.memory.id for h in found.hits} == live


def test_history_and_trash_are_left_out_unless_asked(vaults):
    source, target, root = vaults
    namespace = next(_names)
    kept = source.memories.create(MemoryCreate(content="kept and edited", namespace=namespace)).memory
    source.memories.update(kept.id, MemoryUpdate(content="kept, edited once"))
    trashed = source.memories.create(MemoryCreate(content="thrown away", namespace=namespace)).memory
    source.lifecycle.delete(trashed.id)
    source.worker.drain()
    path = root / f"{namespace}.mvbundle"
    report = source.bundles.export_to_file(path, ExportRequest((namespace,), passphrase="bundle passphrase",
                                                               include_history=False))
    assert (report.memories, report.history) == (1, 0)
    target.bundles.import_bundle(path, passphrase="bundle passphrase")
    [record] = records_of(target, namespace)
    assert record.id == kept.id and record.content == "kept, edited once" and record.version == 2
    assert [(h.version, h.change) for h in record.history] == [(2, "imported")]
