"""A conversation sent one session at a time: a name its namespace already knows from an earlier session is a
person's, however the small tagger takes it this time; a submitter that may not read the namespace learns
nothing of it this way."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.conversations import ChatMessage, ConversationSubmission

FIRST = dt.datetime(2026, 5, 2, 18, 0, tzinfo=dt.UTC).timestamp()
LATER = dt.datetime(2026, 5, 20, 18, 0, tzinfo=dt.UTC).timestamp()


def _session(text: str, namespace: str, when: float, cid: str, reads: bool = True) -> ConversationSubmission:
    return ConversationSubmission((ChatMessage("user", text), ChatMessage("assistant", "Lovely!")), namespace,
                                  conversation_id=cid, occurred_at=when, user_id="tomas", reads_namespace=reads)


def _facts(job) -> list[str]:
    return [f["content"] for f in job.result["facts"]]


@pytest.mark.parametrize(("earlier", "said", "fact"), [
    # "Pip" is a word the lists know, so no name by itself.
    ("I adopted a dog on Saturday, a greyhound called Pip", "Pip did the stairs alone today!",
     "Pip did the stairs alone on 20 May 2026"),
    # Written in lower case, "dev" is the object of "in" to the parser: only a name known from before makes it one.
    ("My friend Dev got an interview at Brightwater on Monday",
     "6th to 13th september. and in other news dev got the offer from the zurich place",
     "Dev got the offer from the zurich place"),
])
def test_a_name_known_from_an_earlier_session_is_someone(services, earlier, said, fact):
    services.conversations.ingest(_session(earlier, "home", FIRST, "s1"))
    services.entities.drain()
    assert _facts(services.conversations.ingest(_session(said, "home", LATER, "s2"))) == [fact]
    # The same words where no one knows the name, and for a submitter that may not read the namespace: no one.
    assert _facts(services.conversations.ingest(_session(said, "elsewhere", LATER, "s3"))) == []
    assert _facts(services.conversations.ingest(_session(said, "home", LATER, "s4", reads=False))) == []
