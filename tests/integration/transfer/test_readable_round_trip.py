"""A namespace written as a readable copy (JSON Lines, Markdown) and imported by another vault arrives field for field.

Arbitrary unicode, metadata, tags, edits (history), trashed and archived
memories, TTLs, scope fields and client ids: every field the export reads and
every history version comes back; a second import of the same file changes
nothing; without the user's consent to plaintext nothing is written.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memvault.domain.errors import InvalidInput
from memvault.domain.models import Memory, MemoryCreate
from memvault.domain.transfer import MemoryRecord
from memvault.service.container import create_vault
from memvault.service.importers.run import ToolImportRequest
from memvault.service.importers.sources import Source
from memvault.service.readable_export import ReadableExportRequest, ReadableFormat
from memvault.service.readable_format import RECORD_FIELDS
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.vault_state import records_of
from tests.integration.bundle.test_round_trip import _fill, memory

_names = (f"rt{i}" for i in itertools.count())
#: What a vault decides for itself about a memory: never part of a copy.
LOCAL = {"rowid", "embedding_status", "model_id", "entities"}


@pytest.fixture(scope="module")
def vaults(tmp_path_factory):
    embedder = FakeEmbedder()
    root = tmp_path_factory.mktemp("readable")
    source = create_vault(fast_settings(root / "a"), PASSPHRASE, embedder, background=False)
    target = create_vault(fast_settings(root / "b"), "another passphrase", embedder, background=False)
    yield source, target, root
    source.close()
    target.close()


def _without_vectors(records: list[MemoryRecord]) -> list[MemoryRecord]:
    return [dataclasses.replace(r, vectors=None) for r in records]


def test_every_memory_field_is_written():
    """A field added to Memory but not carried by the copy fails here, not silently in a user's export."""
    assert {f.name for f in dataclasses.fields(Memory)} - LOCAL <= set(RECORD_FIELDS)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(specs=st.lists(memory, min_size=1, max_size=5), fmt=st.sampled_from(ReadableFormat))
@pytest.mark.seconds
def test_every_field_and_history_arrives(vaults, specs, fmt):
    source, target, root = vaults
    namespace = next(_names)
    _fill(source, namespace, specs)
    path = root / (f"{namespace}.jsonl" if fmt is ReadableFormat.JSONL else namespace)
    exported = source.readable.export(path, ReadableExportRequest(
        (namespace,), fmt, include_history=True, include_deleted=True, unencrypted_ok=True))
    assert exported.memories == len(specs)
    kind = Source.JSONL if fmt is ReadableFormat.JSONL else Source.MARKDOWN
    dry = target.readable.import_from(path, ToolImportRequest(kind, dry_run=True))
    assert (dry.new, dry.updated, dry.skipped) == (len(specs), 0, 0)
    assert records_of(target, namespace) == []
    report = target.readable.import_from(path, ToolImportRequest(kind))
    assert (report.new, report.updated, report.skipped) == (len(specs), 0, 0)
    assert _without_vectors(records_of(target, namespace)) == _without_vectors(records_of(source, namespace))
    again = target.readable.import_from(path, ToolImportRequest(kind))
    assert (again.new, again.updated, again.skipped) == (0, 0, len(specs))


def test_plaintext_needs_consent_and_nothing_is_written_without_it(vaults):
    source, _target, root = vaults
    namespace = next(_names)
    source.memories.create(MemoryCreate(content="a secret", namespace=namespace))
    path = root / f"{namespace}.jsonl"
    with pytest.raises(InvalidInput, match="not encrypted"):
        source.readable.export(path, ReadableExportRequest((namespace,)))
    assert not path.exists()


def test_progress_is_reported_and_history_is_optional(vaults):
    source, target, root = vaults
    namespace = next(_names)
    m = source.memories.create(MemoryCreate(content="first words", namespace=namespace)).memory
    from memvault.domain.models import MemoryUpdate
    source.memories.update(m.id, MemoryUpdate(content="second words"))
    seen = []
    path = root / f"{namespace}.jsonl"
    report = source.readable.export(path, ReadableExportRequest((namespace,), unencrypted_ok=True),
                                    progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert (report.memories, report.history) == (1, 0) and seen[-1] == ("exporting", 1, 1)
    [line] = path.read_text("utf-8").splitlines()
    doc = json.loads(line)
    assert doc["content"] == "second words" and doc["version"] == 2 and "history" not in doc
    target.readable.import_from(path, ToolImportRequest(Source.JSONL))
    [record] = records_of(target, namespace)
    assert [(h.version, h.change) for h in record.history] == [(2, "imported")]


def test_a_cancelled_export_leaves_nothing(vaults):
    source, _target, root = vaults
    namespace = next(_names)
    source.memories.create(MemoryCreate(content="one", namespace=namespace))
    for fmt, name in ((ReadableFormat.JSONL, f"{namespace}.jsonl"), (ReadableFormat.MARKDOWN, namespace)):
        report = source.readable.export(root / name, ReadableExportRequest((namespace,), fmt, unencrypted_ok=True),
                                        cancelled=lambda: True)
        assert report.cancelled and not (root / name).exists()
        assert not [p for p in root.iterdir() if p.name.startswith(f".{name}.")]


def test_a_note_edited_by_hand_comes_back_as_a_new_version(vaults):
    source, _target, root = vaults
    namespace = next(_names)
    m = source.memories.create(MemoryCreate(content="the original words", namespace=namespace)).memory
    folder = root / namespace
    source.readable.export(folder, ReadableExportRequest((namespace,), ReadableFormat.MARKDOWN, unencrypted_ok=True))
    [note] = (folder / namespace).glob("*.md")
    note.write_text(note.read_text("utf-8").replace("the original words", "words changed in Obsidian"), "utf-8")
    report = source.readable.import_from(folder, ToolImportRequest(Source.MARKDOWN))
    assert (report.new, report.updated, report.skipped) == (0, 1, 0)
    after = source.memories.get(m.id)
    assert after.content == "words changed in Obsidian" and after.version == 2 and after.created_at == m.created_at
    again = source.readable.import_from(folder, ToolImportRequest(Source.MARKDOWN))
    assert (again.updated, again.skipped) == (0, 1)


def test_a_memorys_own_carriage_returns_survive_markdown_and_a_crlf_file_is_read_as_lines(vaults):
    source, target, root = vaults
    namespace = next(_names)
    texts = {"0\r", "\r\nCRLF line\r\nsecond", "ends in CRLF\r\n"}
    for text in texts:
        source.memories.create(MemoryCreate(content=text, namespace=namespace))
    folder = root / namespace
    source.readable.export(folder, ReadableExportRequest((namespace,), ReadableFormat.MARKDOWN, unencrypted_ok=True))
    target.readable.import_from(folder, ToolImportRequest(Source.MARKDOWN))
    assert {r.content for r in records_of(target, namespace)} == texts
    # A note a Windows editor saved again (every line ending in CRLF) is still read line by line.
    other = next(_names)
    source.memories.create(MemoryCreate(content="first line\nsecond line", namespace=other))
    saved = root / other
    source.readable.export(saved, ReadableExportRequest((other,), ReadableFormat.MARKDOWN, unencrypted_ok=True))
    [note] = (saved / other).glob("*.md")
    note.write_bytes(note.read_bytes().replace(b"\n", b"\r\n"))
    target.readable.import_from(saved, ToolImportRequest(Source.MARKDOWN))
    assert [r.content for r in records_of(target, other)] == ["first line\nsecond line"]


def test_a_readable_copy_stamped_far_ahead_decides_nothing_and_is_reported(vaults):
    source, target, root = vaults
    namespace = next(_names)
    source.memories.create(MemoryCreate(content="words from a copy", namespace=namespace))
    path = root / f"{namespace}.jsonl"
    source.readable.export(path, ReadableExportRequest((namespace,), unencrypted_ok=True))
    doc = json.loads(path.read_text("utf-8"))
    doc["hlc"] = "9999999999999-99999-" + "f" * 16  # a hand-edited or hostile copy, stamped in the year 2286
    path.write_text(json.dumps(doc) + "\n", "utf-8")
    report = target.readable.import_from(path, ToolImportRequest(Source.JSONL))
    assert (report.new, report.stamped_now) == (1, 1)
    [record] = records_of(target, namespace)
    assert not record.hlc.startswith("9999999999999")
