"""A namespace copied by import keeps its facts' links among the copies: the turn a fact was read from, the fact
that replaced it and the facts it replaced are the copies', in the namespace copied into."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.domain.transfer import ConflictPolicy
from memvault.service import bundle_import, import_links
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest
from memvault.service.importers.run import ToolImportRequest
from memvault.service.importers.sources import Source
from memvault.service.readable_export import ReadableExportRequest

# spaCy's pipeline reads the chats (a couple of seconds to load).
pytestmark = pytest.mark.seconds

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()
CHATS = (("I live in Lisbon.", "Nice city!"), ("Big news: I live in Porto now.", "Congratulations!"))


def _chats(services, namespace: str = "home") -> None:
    for n, turns in enumerate(CHATS):
        services.memories.create_batch([MemoryCreate(content=t, namespace=namespace) for t in turns])
        services.conversations.ingest(ConversationSubmission(
            tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns)), namespace,
            conversation_id=f"c{n}", occurred_at=WHEN + n * 86400))
    services.worker.drain()


def _by_content(services, namespace: str) -> dict:
    return {m.content: m for m in services.memories.list(MemoryFilter(namespace=namespace), limit=50).items}


def _assert_linked_within(services, namespace: str) -> None:
    memories = _by_content(services, namespace)
    lisbon, porto = memories["The user lives in Lisbon"], memories["The user lives in Porto"]
    assert lisbon.metadata["fact"]["provenance"]["memory_id"] == memories[CHATS[0][0]].id
    assert porto.metadata["fact"]["provenance"]["memory_id"] == memories[CHATS[1][0]].id
    assert lisbon.metadata["superseded_by"] == porto.id
    assert porto.metadata["fact"]["supersedes"] == [lisbon.id]
    ids = {m.id for m in memories.values()}
    assert all(import_links.linked_ids(m.metadata) <= ids for m in memories.values()), "a link left the namespace"


@pytest.mark.parametrize("batch", [1, 500], ids=["a-memory-a-batch", "one-batch"])
def test_a_bundle_copied_into_another_namespace_links_its_copies(services, tmp_path, monkeypatch, batch):
    # One memory a batch: a link forward (an older fact to the one that replaced it) reaches past its batch.
    monkeypatch.setattr(bundle_import, "BATCH", batch)
    _chats(services)
    _assert_linked_within(services, "home")  # what the copy must keep
    bundle = tmp_path / "home.mvb"
    services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"))
    report = services.bundles.import_bundle(bundle, ImportOptions(into="copy", policy=ConflictPolicy.COPY),
                                            passphrase="bundle passphrase")
    assert report.new == len(_by_content(services, "home")) == 6
    _assert_linked_within(services, "copy")
    _assert_linked_within(services, "home")  # the originals are untouched


def test_a_readable_export_copied_into_another_namespace_links_its_copies(services, tmp_path):
    _chats(services)
    export = tmp_path / "home.jsonl"
    services.readable.export(export, ReadableExportRequest(("home",), unencrypted_ok=True))
    report = services.readable.import_from(export, ToolImportRequest(Source.JSONL, namespace="copy",
                                                                     policy=ConflictPolicy.COPY))
    assert report.new == 6
    _assert_linked_within(services, "copy")


def test_past_the_held_records_limit_a_forward_link_is_written_as_it_came(services, tmp_path, monkeypatch):
    """The bound on records held back for a link forward: past it the record is still copied, whole."""
    monkeypatch.setattr(import_links, "HELD_MAX", 0)
    monkeypatch.setattr(bundle_import, "BATCH", 1)
    _chats(services)
    bundle = tmp_path / "home.mvb"
    services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"))
    services.bundles.import_bundle(bundle, ImportOptions(into="copy", policy=ConflictPolicy.COPY),
                                   passphrase="bundle passphrase")
    home, copy = _by_content(services, "home"), _by_content(services, "copy")
    lisbon = copy["The user lives in Lisbon"]
    assert lisbon.metadata["superseded_by"] == home["The user lives in Porto"].id  # forward: the original's
    assert lisbon.metadata["fact"]["provenance"]["memory_id"] == copy[CHATS[0][0]].id  # back: the copy's
    assert copy["The user lives in Porto"].metadata["fact"]["supersedes"] == [lisbon.id]
