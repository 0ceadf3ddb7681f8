"""A fact given the user's name later travels in a bundle like any edit: the newer version wins the import; an
unnamed one imported where the name is known gets it there, if its text and name slots hold up."""

from __future__ import annotations

import datetime as dt

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.models import MemoryCreate
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest
from memvault.service.container import create_vault
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()


def _chat(text: str, cid: str) -> ConversationSubmission:
    return ConversationSubmission((ChatMessage("user", text),), "home", conversation_id=cid, occurred_at=WHEN,
                                  user_id="u1")


def test_a_renamed_fact_replaces_the_unnamed_copy_on_import(services, tmp_path):
    other = create_vault(fast_settings(tmp_path / "other"), "the other vault's passphrase", FakeEmbedder(),
                         background=False)
    try:
        fact = services.conversations.ingest(_chat("I moved to Zurich in March.", "c1")).result["facts"][0]["id"]
        bundle = tmp_path / "home.mvbundle"
        services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"), replace=True)
        other.bundles.import_bundle(bundle, passphrase="bundle passphrase")
        assert other.memories.get(fact).content == "The user moved to Zurich in March 2026"
        services.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c2"))
        services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"), replace=True)
        report = other.bundles.import_bundle(bundle, ImportOptions(), passphrase="bundle passphrase")
        assert report.updated == 1
        got = other.memories.get(fact)
        assert got.content == "Marta moved to Zurich in March 2026" and got.metadata["fact"]["person"] == "Marta"
    finally:
        other.close()


def test_unnamed_facts_imported_where_the_name_is_known_are_named_only_when_their_slots_hold_up(services, tmp_path):
    """Metadata from a bundle may say anything: only a slot that is "the user" in the text as kept is filled,
    and a malformed one is left as it came (no error, nothing renamed)."""
    other = create_vault(fast_settings(tmp_path / "other"), "the other vault's passphrase", FakeEmbedder(),
                         background=False)
    try:
        shapes = {"good": [[0, 8]], "not a pair": [[0, 8, 9]], "not ints": [[0, "8"]], "not the user": [[4, 12]],
                  "overlapping": [[0, 8], [4, 12]], "past the end": [[20, 99]], "none": []}
        texts = {label: f"The user likes {label} tea" for label in shapes}
        ids = {}
        for label, slots in shapes.items():
            ids[label] = services.memories.create(MemoryCreate(
                content=texts[label], namespace="home", user_id="u1",
                metadata={"fact": {"unnamed_user": {"text": texts[label], "slots": slots}}})).memory.id
        edited = services.memories.create(MemoryCreate(
            content="The user likes black coffee", namespace="home", user_id="u1",
            metadata={"fact": {"unnamed_user": {"text": "The user likes coffee", "slots": [[0, 8]]}}})).memory.id
        other.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c1"))
        bundle = tmp_path / "home.mvbundle"
        services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"), replace=True)
        other.bundles.import_bundle(bundle, passphrase="bundle passphrase")
        while other.conversations.step() == 0.0:
            pass
        assert other.memories.get(ids.pop("good")).content == "Marta likes good tea"
        assert {label: other.memories.get(mid).content for label, mid in ids.items()} == {
            label: texts[label] for label in ids}
        assert other.memories.get(edited).content == "The user likes black coffee"
    finally:
        other.close()
