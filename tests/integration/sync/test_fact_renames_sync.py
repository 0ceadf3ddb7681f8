"""A fact given the user's name later reaches the other device like any edit (the rename is an oplog update)."""

from __future__ import annotations

import datetime as dt

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()


def _chat(text: str, cid: str) -> ConversationSubmission:
    return ConversationSubmission((ChatMessage("user", text),), "home", conversation_id=cid, occurred_at=WHEN,
                                  user_id="u1")


def test_a_renamed_fact_syncs_to_the_other_device(make_vault, tmp_path):
    folder = TargetConfig("folder", str(tmp_path / "target"))
    d0, d1 = make_vault("d0"), make_vault("d1")
    d0.sync.setup(folder, SYNC_PASSPHRASE)
    d1.sync.setup(folder, SYNC_PASSPHRASE)
    fact = d0.conversations.ingest(_chat("I moved to Zurich in March.", "c1")).result["facts"][0]["id"]
    for d in (d0, d1):
        assert not d.sync.sync_now().problems
    assert d1.memories.get(fact).content == "The user moved to Zurich in March 2026"
    d0.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c2"))
    for d in (d0, d1):
        assert not d.sync.sync_now().problems
    got = d1.memories.get(fact)
    assert got.content == "Marta moved to Zurich in March 2026" and got.metadata["fact"]["person"] == "Marta"
    assert "unnamed_user" not in got.metadata["fact"]
