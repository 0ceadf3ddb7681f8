"""Importing bundles: conflict policies, --into, dry runs, other models, the oplog, events and cancelling."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sqlalchemy import text

from memvault.domain.changes import ChangeKind, OriginKind
from memvault.domain.enums import SearchMode
from memvault.domain.errors import (
    DamagedData,
    InvalidInput,
    NotFound,
    PassphraseRequired,
    WrongBundlePassphrase,
    WrongRecipient,
)
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.domain.transfer import ConflictPolicy
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest, Opening
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.vault_state import records_of, vault_state

BUNDLE_PASSPHRASE = "bundle passphrase"


class OtherModel(FakeEmbedder):
    """Another model of the same dimension: vectors from a bundle are not reused, but embedded again."""

    model_id = "fake-other-model-v1"

    def _vector(self, text):
        return super()._vector(text[::-1])


@pytest.fixture
def other(tmp_path):
    svc = create_vault(fast_settings(tmp_path / "other"), "the other vault's passphrase", FakeEmbedder(),
                       background=False)
    yield svc
    svc.close()


def _export(svc, path, *namespaces, **options):
    options.setdefault("passphrase", BUNDLE_PASSPHRASE)
    return svc.bundles.export_to_file(path, ExportRequest(tuple(namespaces), **options), replace=True)


def _seed(svc, namespace="work", n=3):
    made = [svc.memories.create(MemoryCreate(content=f"note {i} about the {namespace} project",
                                             namespace=namespace, client_id=f"{namespace}-{i}")).memory for i in range(n)]
    svc.worker.drain()
    return made


def test_policies_decide_what_happens_to_ids_the_vault_holds(services, other, tmp_path):
    a, b, c = _seed(services)
    bundle = tmp_path / "work.mvbundle"
    _export(services, bundle, "work")
    other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    # The source edits a, the target edits b: each changed on one side only. Both edit c: a conflict.
    services.memories.update(a.id, MemoryUpdate(content="a changed at the source"))
    other.memories.update(b.id, MemoryUpdate(content="b changed at the target"))
    other.memories.update(c.id, MemoryUpdate(content="c changed at the target"))
    services.memories.update(c.id, MemoryUpdate(content="c changed at the source"))  # later
    _export(services, bundle, "work")

    def run(policy, dry_run=False):
        return other.bundles.import_bundle(bundle, ImportOptions(policy=policy, dry_run=dry_run),
                                           passphrase=BUNDLE_PASSPHRASE)

    before = vault_state(other)
    for policy in ConflictPolicy:
        dry = run(policy, dry_run=True)
        assert dry.dry_run and vault_state(other) == before
    # copy: a moves ahead, b stays, c (changed on both sides) is copied
    assert (dry.new, dry.updated, dry.skipped, dry.conflicting) == (1, 1, 1, 1)
    assert dry.conflicts == (c.id,)  # what a copy would meet, not an id made up for the run

    report = run(ConflictPolicy.SKIP)
    assert (report.new, report.updated, report.skipped, report.conflicting) == (0, 0, 3, 1)
    assert vault_state(other) == before

    report = run(ConflictPolicy.NEWER)
    assert (report.new, report.updated, report.skipped, report.conflicting) == (0, 2, 1, 1)
    assert other.memories.get(a.id).content == "a changed at the source"
    assert other.memories.get(b.id).content == "b changed at the target"
    assert other.memories.get(c.id).content == "c changed at the source"
    assert run(ConflictPolicy.NEWER).updated == 0  # the same bundle again changes nothing

    report = run(ConflictPolicy.OVERWRITE)
    assert (report.updated, report.skipped, report.conflicting) == (1, 2, 0)
    assert other.memories.get(b.id).content == "note 1 about the work project"
    history = other.memories.history(b.id)
    assert [h.change for h in history][-2:] == ["update", "imported"]  # the target's own version is kept as history

    report = run(ConflictPolicy.COPY)
    assert report.new == 0 and report.skipped == 3 and report.conflicting == 0  # same fields: nothing to copy
    services.memories.update(c.id, MemoryUpdate(content="c changed at the source again"))
    _export(services, bundle, "work")
    other.memories.update(c.id, MemoryUpdate(content="c changed at the target again"))
    report = run(ConflictPolicy.COPY)
    assert (report.new, report.conflicting) == (1, 1)
    assert report.conflicts == (c.id,)  # the memory it met, not the copy's fresh id
    copies = [m for m in other.memories.list(MemoryFilter(namespace="work"), limit=50).items
              if m.content == "c changed at the source again"]
    assert len(copies) == 1 and copies[0].id != c.id and copies[0].client_id is None
    # The same bundle copied in again finds its copy here: nothing is added twice.
    again = run(ConflictPolicy.COPY)
    assert (again.new, again.conflicting, again.skipped) == (0, 0, 3)
    assert [m.content for m in other.memories.list(MemoryFilter(namespace="work"), limit=50).items].count(
        "c changed at the source again") == 1


def test_a_memory_changed_on_one_side_only_is_no_conflict(services, other, tmp_path):
    """An outside check: a memory edited only at the source, re-imported, was reported "changed both here and in
    the bundle"; so were an older bundle imported again and a deletion made only in the bundle."""
    a, b, c = _seed(services)
    first, second = tmp_path / "first.mvbundle", tmp_path / "second.mvbundle"
    _export(services, first, "work")
    other.bundles.import_bundle(first, passphrase=BUNDLE_PASSPHRASE)
    services.memories.update(a.id, MemoryUpdate(content="a changed at the source", importance=0.9))
    services.lifecycle.delete(b.id)
    _export(services, second, "work", include_deleted=True)
    for policy in (ConflictPolicy.NEWER, ConflictPolicy.COPY):
        dry = other.bundles.import_bundle(second, ImportOptions(policy=policy, dry_run=True),
                                          passphrase=BUNDLE_PASSPHRASE)
        assert (dry.new, dry.updated, dry.conflicting) == (0, 2, 0), policy
    report = other.bundles.import_bundle(second, passphrase=BUNDLE_PASSPHRASE)
    assert (report.updated, report.skipped, report.conflicting) == (2, 1, 0)
    assert other.memories.get(a.id).content == "a changed at the source"
    assert other.memories.get(b.id).deleted_at is not None
    # The first bundle again, and after a local edit the second: the vault is ahead, nothing conflicts.
    other.memories.update(c.id, MemoryUpdate(content="c changed at the target"))
    for bundle in (first, second):
        report = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
        assert (report.updated, report.skipped, report.conflicting) == (0, 3, 0), bundle.name
    assert other.memories.get(c.id).content == "c changed at the target"
    # A later edit at the source of a memory the target changed too: that one is a conflict.
    services.memories.update(c.id, MemoryUpdate(content="c changed at the source"))
    _export(services, second, "work", include_deleted=True)
    report = other.bundles.import_bundle(second, passphrase=BUNDLE_PASSPHRASE)
    assert (report.updated, report.conflicting, report.conflicts) == (1, 1, (c.id,))


def test_overwrite_with_an_older_version_is_a_new_local_change_for_sync(services, other, tmp_path):
    [m] = _seed(services, n=1)
    bundle = tmp_path / "b.mvbundle"
    _export(services, bundle, "work")
    other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    local = other.memories.update(m.id, MemoryUpdate(content="a later local edit"))
    other.bundles.import_bundle(bundle, ImportOptions(policy="overwrite"), passphrase=BUNDLE_PASSPHRASE)
    with other.vault.db.read() as conn:
        ops = conn.execute(text("SELECT op, hlc FROM oplog WHERE memory_uuid = :u ORDER BY id"), {"u": m.id}).all()
        row_hlc = conn.execute(text("SELECT hlc FROM memories WHERE uuid = :u"), {"u": m.id}).scalar_one()
    assert [o.op for o in ops] == ["import", "update", "vectors", "import"]
    assert ops[0].hlc < ops[1].hlc < ops[2].hlc < ops[3].hlc == row_hlc  # the overwrite sorts after the edit it replaced
    assert other.memories.get(m.id).version == local.version + 1


def test_into_puts_everything_in_one_namespace_and_never_moves_a_memory(services, other, tmp_path):
    _seed(services, "work", 2)
    _seed(services, "home", 1)
    bundle = tmp_path / "two.mvbundle"
    assert _export(services, bundle, "work", "home").memories == 3
    report = other.bundles.import_bundle(bundle, ImportOptions(into="inbox"), passphrase=BUNDLE_PASSPHRASE)
    assert (report.new, report.namespaces) == (3, ("inbox",))
    assert other.memories.list(MemoryFilter(namespace="inbox")).total == 3
    # The same ids into another namespace of the same vault: skipped (they live in inbox) unless copied.
    report = other.bundles.import_bundle(bundle, ImportOptions(into="elsewhere"), passphrase=BUNDLE_PASSPHRASE)
    assert (report.new, report.skipped, report.conflicting) == (0, 3, 3)
    report = other.bundles.import_bundle(bundle, ImportOptions(into="elsewhere", policy="copy"),
                                         passphrase=BUNDLE_PASSPHRASE)
    assert report.new == 3
    assert other.memories.list(MemoryFilter(namespace="inbox")).total == 3
    assert other.memories.list(MemoryFilter(namespace="elsewhere")).total == 3


def test_reports_count_per_destination_namespace(services, other, tmp_path):
    _seed(services, "work", 2)
    _seed(services, "home", 3)
    bundle = tmp_path / "two.mvbundle"
    _export(services, bundle, "work", "home")
    other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    report = other.bundles.import_bundle(bundle, ImportOptions(dry_run=True), passphrase=BUNDLE_PASSPHRASE)
    shares = {n.namespace: (n.new, n.updated, n.skipped, n.conflicting) for n in report.by_namespace}
    assert shares == {"home": (0, 0, 3, 0), "work": (0, 0, 2, 0)}
    fresh = tmp_path / "fresh"
    third = create_vault(fast_settings(fresh), "a third vault's passphrase", FakeEmbedder(), background=False)
    try:
        third.memories.create(MemoryCreate(content="taken here first", namespace="home", client_id="home-0"))
        report = third.bundles.import_bundle(bundle, ImportOptions(dry_run=True), passphrase=BUNDLE_PASSPHRASE)
        shares = {n.namespace: (n.new, n.updated, n.skipped, n.conflicting) for n in report.by_namespace}
        assert shares == {"home": (2, 0, 1, 1), "work": (2, 0, 0, 0)}
        report = third.bundles.import_bundle(bundle, ImportOptions(into="inbox", dry_run=True),
                                             passphrase=BUNDLE_PASSPHRASE)
        assert [(n.namespace, n.new) for n in report.by_namespace] == [("inbox", 5)]
    finally:
        third.close()


def test_files_the_os_refuses_are_bad_input_not_crashes(services, tmp_path):
    _seed(services, n=1)
    missing = tmp_path / "nowhere" / "b.mvbundle"
    # A path that names no file is a mistyped one: bad input (the CLI's exit 2), like a folder given for a file.
    with pytest.raises(InvalidInput, match="no file"):
        services.bundles.how_it_opens(missing)
    with pytest.raises(InvalidInput, match="no file"):
        services.bundles.import_bundle(missing, passphrase=BUNDLE_PASSPHRASE)
    with pytest.raises(InvalidInput, match="no file"):
        services.bundles.inspect(missing, passphrase=BUNDLE_PASSPHRASE)
    with pytest.raises(InvalidInput, match="folder"):
        services.bundles.how_it_opens(tmp_path)
    with pytest.raises(InvalidInput, match="does not exist"):
        _export(services, missing, "work")


def test_a_client_id_held_by_another_memory_is_a_conflict(services, other, tmp_path):
    _seed(services, n=1)
    theirs = other.memories.create(MemoryCreate(content="their own memory", namespace="work",
                                                client_id="work-0")).memory
    bundle = tmp_path / "c.mvbundle"
    _export(services, bundle, "work")
    report = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    assert (report.new, report.skipped, report.conflicting) == (0, 1, 1)
    report = other.bundles.import_bundle(bundle, ImportOptions(policy="copy"), passphrase=BUNDLE_PASSPHRASE)
    assert report.new == 1
    assert other.memories.get(theirs.id).client_id == "work-0"
    copy = next(m for m in other.memories.list(MemoryFilter(namespace="work")).items if m.id != theirs.id)
    assert copy.client_id is None


def test_another_model_embeds_again_with_progress(services, tmp_path):
    _seed(services, n=5)
    bundle = tmp_path / "m.mvbundle"
    _export(services, bundle, "work")
    svc = create_vault(fast_settings(tmp_path / "m"), PASSPHRASE, OtherModel(), background=False)
    try:
        report = svc.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
        assert (report.new, report.to_embed) == (5, 5)
        assert svc.jobs.depth() == 5
        svc.worker.drain()
        assert svc.jobs.depth() == 0
        assert {m.model_id for m in svc.memories.list(MemoryFilter(namespace="work")).items} == {OtherModel.model_id}
    finally:
        svc.close()


def test_imports_enter_the_oplog_and_announce_themselves(services, other, tmp_path):
    made = _seed(services, n=2)
    bundle = tmp_path / "o.mvbundle"
    _export(services, bundle, "work")
    events = []
    other.events.subscribe(events.append)
    other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    [event] = events
    assert (event.kind, event.origin.kind, set(event.memory_ids)) == (
        ChangeKind.CREATED, OriginKind.IMPORT, {m.id for m in made})
    with other.vault.db.read() as conn:
        ops = conn.execute(text("SELECT op, memory_uuid, device_id FROM oplog")).all()
    assert sorted((o.op, o.memory_uuid) for o in ops) == sorted(("import", m.id) for m in made)
    assert {o.device_id for o in ops} == {other.vault.device_id}


def test_cancelled_import_leaves_the_vault_as_it_was(services, other, tmp_path, monkeypatch):
    _seed(services, n=40)
    bundle = tmp_path / "x.mvbundle"
    _export(services, bundle, "work")
    monkeypatch.setattr("memvault.service.bundle_import.BATCH", 7)
    before = vault_state(other)
    seen = []

    def cancel_while_importing():
        return bool(seen) and seen[-1][0] == "importing" and seen[-1][1] >= 14

    report = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE,
                                         progress=lambda *p: seen.append(p), cancelled=cancel_while_importing)
    assert report.cancelled and report.new == 0
    assert any(stage == "importing" and done >= 14 for stage, done, _ in seen)
    assert vault_state(other) == before
    assert other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE).new == 40


def test_secrets_and_recipients(services, other, tmp_path):
    _seed(services, n=1)
    bundle = tmp_path / "s.mvbundle"
    _export(services, bundle, "work")
    with pytest.raises(PassphraseRequired):
        other.bundles.import_bundle(bundle)
    with pytest.raises(WrongBundlePassphrase):
        other.bundles.import_bundle(bundle, passphrase="not the bundle passphrase")
    for_other = tmp_path / "r.mvbundle"
    _export(services, for_other, "work", passphrase=None, recipients=(other.bundles.recipient_key(),))
    assert other.bundles.how_it_opens(for_other) is Opening.THIS_VAULT
    assert services.bundles.how_it_opens(for_other) is Opening.OTHER_RECIPIENTS
    assert other.bundles.how_it_opens(bundle) is Opening.PASSPHRASE
    with pytest.raises(WrongRecipient):
        services.bundles.import_bundle(for_other, passphrase="ignored: there is no passphrase slot")
    info = other.bundles.inspect(for_other)
    assert info.for_this_vault and info.verified and not info.has_passphrase and info.manifest.memories == 1
    assert other.bundles.import_bundle(for_other).new == 1


def test_export_refuses_bad_requests_before_writing(services, tmp_path):
    _seed(services, n=1)
    target = tmp_path / "never.mvbundle"
    for request, error in [
        (ExportRequest(("nowhere",), passphrase=BUNDLE_PASSPHRASE), NotFound),
        (ExportRequest((), passphrase=BUNDLE_PASSPHRASE), InvalidInput),
        (ExportRequest(("work",)), InvalidInput),
        (ExportRequest(("work",), passphrase="short"), InvalidInput),
        (ExportRequest(("work",), recipients=("mvpub1typo",)), InvalidInput),
        (ExportRequest(("bad name!",), passphrase=BUNDLE_PASSPHRASE), InvalidInput),
    ]:
        with pytest.raises(error):
            services.bundles.export_to_file(target, request)
    assert list(tmp_path.iterdir()) == [tmp_path / "vault"]


def test_export_never_overwrites_without_being_told_and_never_the_vaults_own_files(services, tmp_path):
    _seed(services, n=3)
    request = ExportRequest(("work",), passphrase=BUNDLE_PASSPHRASE)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    with pytest.raises(InvalidInput, match="already exists; choose a new name"):
        services.bundles.export_to_file(notes, request)
    assert notes.read_text() == "my notes"
    home = services.settings.home_path
    header, files = (home / "vault.header").read_bytes(), sorted(p.name for p in home.iterdir())
    for name in ("vault.header", "vault.db", "new.mvbundle"):
        with pytest.raises(InvalidInput, match="in the vault's own folder"):
            services.bundles.export_to_file(home / name, request, replace=True)
    assert (home / "vault.header").read_bytes() == header and sorted(p.name for p in home.iterdir()) == files
    assert services.bundles.export_to_file(notes, request, replace=True).memories == 3  # asked and confirmed


def test_cancelled_export_leaves_no_file(services, tmp_path, monkeypatch):
    _seed(services, n=5)
    monkeypatch.setattr("memvault.service.bundles._PROGRESS_EVERY", 2)
    target = tmp_path / "cancelled.mvbundle"
    report = services.bundles.export_to_file(target, ExportRequest(("work",), passphrase=BUNDLE_PASSPHRASE),
                                             cancelled=lambda: True)
    assert report.cancelled
    assert list(tmp_path.iterdir()) == [tmp_path / "vault"]


def test_streamed_chunks_are_the_same_bundle(services, other, tmp_path, monkeypatch):
    _seed(services, n=30)
    monkeypatch.setattr("memvault.service.bundles.STREAM_CHUNK_BYTES", 1000)
    services.bundles.segment_size = 512
    chunks = list(services.bundles.export_chunks(ExportRequest(("work",), passphrase=BUNDLE_PASSPHRASE)))
    assert len(chunks) > 3
    path = tmp_path / "streamed.mvbundle"
    path.write_bytes(b"".join(chunks))
    assert other.bundles.import_bundle(path, passphrase=BUNDLE_PASSPHRASE).new == 30
    assert records_of(other, "work") == records_of(services, "work")


@pytest.mark.usefixtures("queued_stores")
def test_memories_waiting_for_vectors_travel_without_stale_ones(services, other, tmp_path):
    [m] = _seed(services, n=1)
    services.memories.update(m.id, MemoryUpdate(content="new content, not embedded yet"))
    bundle = tmp_path / "w.mvbundle"
    _export(services, bundle, "work")
    report = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    assert report.to_embed == 1
    [record] = records_of(other, "work")
    assert record.vectors is None and other.jobs.depth() == 1


def _export_with_vectors(svc, path, values, monkeypatch):
    """A real export whose every vector is replaced by ``values`` (what a crafted bundle could carry)."""
    from memvault.vault import export_queries

    real = export_queries._vectors_by_memory

    def crafted(*args):
        found = real(*args)
        return {m: dataclasses.replace(vs, data=np.full(len(vs.data) // 4, values, dtype="<f4").tobytes())
                for m, vs in found.items()}

    with monkeypatch.context() as patch:
        patch.setattr(export_queries, "_vectors_by_memory", crafted)
        _export(svc, path, "work")


def test_vectors_no_model_made_never_rank_an_imported_memory(services, other, tmp_path, monkeypatch):
    """A NaN vector made its memory the first hit, at relevance 0.95, for every query in the namespace."""
    _seed(services, n=2)
    other.memories.create(MemoryCreate(content="the user likes purple kiwis", namespace="work"))
    other.worker.drain()
    for value in (float("nan"), float("inf")):
        bundle = tmp_path / "nan.mvbundle"
        _export_with_vectors(services, bundle, value, monkeypatch)
        before = vault_state(other)
        with pytest.raises(DamagedData, match="not numbers"):
            other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
        assert vault_state(other) == before
    # Finite but not unit length: no model made them either; the memories are embedded here instead.
    bundle = tmp_path / "long.mvbundle"
    _export_with_vectors(services, bundle, 0.5, monkeypatch)
    report = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    assert (report.new, report.to_embed) == (2, 2)
    other.worker.drain()
    hits = other.search.search(SearchQuery("which fruit does the user like", mode=SearchMode.SEMANTIC,
                                           filter=MemoryFilter(namespace="work"))).hits
    assert hits[0].memory.content == "the user likes purple kiwis"


def test_a_record_stamped_far_ahead_is_imported_as_a_change_made_now_and_reported(services, other, tmp_path):
    from memvault.domain.hlc import Hlc

    [m] = _seed(services, n=1)
    # A hostile or broken exporter stamps its version in the year 2286: kept, it would beat every later edit.
    ahead = str(Hlc(9_999_999_999_999, 99_999, "f" * 16))
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE memories SET hlc = :h WHERE uuid = :u"), {"h": ahead, "u": m.id})
    bundle = tmp_path / "ahead.mvbundle"
    _export(services, bundle, "work")
    dry = other.bundles.import_bundle(bundle, ImportOptions(dry_run=True), passphrase=BUNDLE_PASSPHRASE)
    report = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    assert dry.stamped_now == report.stamped_now == 1 and report.new == 1
    with other.vault.db.read() as conn:
        stored = conn.execute(text("SELECT hlc FROM memories WHERE uuid = :u"), {"u": m.id}).scalar_one()
    assert Hlc.parse(stored).ms < 9_999_999_999_999 and Hlc.parse(stored).device_id != "f" * 16
    # Its clock decides nothing: an edit made here stays through another import of the bundle (its stamp cannot
    # say it is newer), until the user asks for the bundle's version.
    edited = other.memories.update(m.id, MemoryUpdate(content="a later local edit"))
    again = other.bundles.import_bundle(bundle, passphrase=BUNDLE_PASSPHRASE)
    assert (again.updated, again.skipped, again.conflicting, again.stamped_now) == (0, 1, 0, 1)  # changed here only
    assert other.memories.get(m.id).content == "a later local edit" and other.memories.get(m.id).version == \
        edited.version
    taken = other.bundles.import_bundle(bundle, ImportOptions(policy="overwrite"), passphrase=BUNDLE_PASSPHRASE)
    assert taken.updated == 1 and other.memories.get(m.id).content == m.content
    with other.vault.db.read() as conn:
        stamps = [Hlc.parse(h).ms for (h,) in conn.execute(text("SELECT hlc FROM oplog WHERE memory_uuid = :u"),
                                                         {"u": m.id}).all()]
    assert max(stamps) < 9_999_999_999_999
