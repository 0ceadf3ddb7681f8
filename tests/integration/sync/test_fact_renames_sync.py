"""A fact given the user's name later reaches the other device like any edit (the rename is an oplog update),
and an unnamed fact that arrives where the name is known gets it there."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()


def _chat(text: str, cid: str) -> ConversationSubmission:
    return ConversationSubmission((ChatMessage("user", text),), "home", conversation_id=cid, occurred_at=WHEN,
                                  user_id="u1")


@pytest.fixture
def devices(make_vault, tmp_path):
    """Two devices of one user, syncing through one folder."""
    folder = TargetConfig("folder", str(tmp_path / "target"))
    pair = make_vault("d0"), make_vault("d1")
    for d in pair:
        d.sync.setup(folder, SYNC_PASSPHRASE)
    return pair


def _sync(*in_turn) -> None:
    for d in in_turn:
        assert not d.sync.sync_now().problems


def test_a_renamed_fact_syncs_to_the_other_device(devices):
    d0, d1 = devices
    fact = d0.conversations.ingest(_chat("I moved to Zurich in March.", "c1")).result["facts"][0]["id"]
    _sync(d0, d1)
    assert d1.memories.get(fact).content == "The user moved to Zurich in March 2026"
    d0.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c2"))
    _sync(d0, d1)
    got = d1.memories.get(fact)
    assert got.content == "Marta moved to Zurich in March 2026" and got.metadata["fact"]["person"] == "Marta"
    assert "unnamed_user" not in got.metadata["fact"]


def _settle(d) -> None:
    """The receiving vault's background turns (renames run when no extraction job is due)."""
    while d.conversations.step() == 0.0:
        pass


def test_an_unnamed_fact_arriving_where_the_name_is_known_is_named_there_and_the_rename_syncs_back(devices):
    d0, d1 = devices
    d1.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c1"))  # only d1 knows the name
    fact = d0.conversations.ingest(_chat("I moved to Zurich in March.", "c2")).result["facts"][0]["id"]
    assert d0.memories.get(fact).content == "The user moved to Zurich in March 2026"
    _sync(d0, d1)
    _settle(d1)
    got = d1.memories.get(fact)
    assert got.content == "Marta moved to Zurich in March 2026" and got.metadata["fact"]["person"] == "Marta"
    assert [h.change for h in d1.memories.history(fact)][-1] == "renamed"
    _sync(d1, d0)
    assert d0.memories.get(fact).content == "Marta moved to Zurich in March 2026"


def test_an_unnamed_fact_that_arrived_is_named_by_a_later_chat_on_the_receiving_device(devices):
    d0, d1 = devices
    fact = d0.conversations.ingest(_chat("I moved to Zurich in March.", "c1")).result["facts"][0]["id"]
    _sync(d0, d1)
    _settle(d1)
    assert d1.memories.get(fact).content == "The user moved to Zurich in March 2026", "no name known yet"
    later = d1.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", "c2"))
    assert fact in later.result["renamed"]
    assert d1.memories.get(fact).content == "Marta moved to Zurich in March 2026"
