"""A fact given the user's name later travels in a bundle like any edit: the newer version wins the import."""

from __future__ import annotations

import datetime as dt

from memvault.domain.conversations import ChatMessage, ConversationSubmission
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
        services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"))
        other.bundles.import_bundle(bundle, passphrase="bundle passphrase")
        assert other.memories.get(fact).content == "The user moved to Zurich in March 2026"
        services.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c2"))
        services.bundles.export_to_file(bundle, ExportRequest(("home",), passphrase="bundle passphrase"))
        report = other.bundles.import_bundle(bundle, ImportOptions(), passphrase="bundle passphrase")
        assert report.updated == 1
        got = other.memories.get(fact)
        assert got.content == "Marta moved to Zurich in March 2026" and got.metadata["fact"]["person"] == "Marta"
    finally:
        other.close()
