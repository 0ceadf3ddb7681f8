"""Facts stored before the user's name was known are given it once it is (service/fact_renames.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from memvault.domain.changes import ChangeKind
from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()


def _chat(*turns: str, user_id: str = "u1", cid: str, namespace: str = "home", **kw) -> ConversationSubmission:
    messages = tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns))
    return ConversationSubmission(messages, namespace, conversation_id=cid, occurred_at=WHEN, user_id=user_id, **kw)


def _pending_rows(services) -> list[str]:
    with services.vault.db.read() as conn:
        return list(conn.execute(text("SELECT key FROM settings WHERE key LIKE 'unnamed_facts:%'")).scalars())


def _found(services, query: str) -> list[str]:
    hits = services.search.search(SearchQuery(query, mode=SearchMode.KEYWORD, limit=5,
                                              filter=MemoryFilter(namespace="home"))).hits
    return [h.memory.id for h in hits]


def test_an_unnamed_users_earlier_facts_take_the_name_a_later_chat_gives(services):
    seen = []
    services.events.subscribe(seen.append)
    first = services.conversations.ingest(_chat(
        "I moved to Zurich in March. My boss gave me a raise last week.", cid="c1"))
    moved, raise_ = (services.memories.get(f["id"]) for f in first.result["facts"])
    assert moved.content == "The user moved to Zurich in March 2026"
    assert moved.metadata["fact"]["unnamed_user"] == {"text": moved.content, "slots": [[0, 8]]}
    assert raise_.content.startswith("The user's boss gave the user a raise")
    assert len(_pending_rows(services)) == 1
    services.worker.drain()
    assert moved.id not in _found(services, "Marta")

    second = services.conversations.ingest(_chat("Hi, I'm Marta and I work at Siemens.", cid="c2"))
    assert (second.result["user_name"], second.result["user_name_source"]) == ("Marta", "conversation")
    assert [f["content"] for f in second.result["facts"]] == ["Marta works at Siemens"]
    assert sorted(second.result["renamed"]) == sorted([moved.id, raise_.id])
    moved_now, raise_now = services.memories.get(moved.id), services.memories.get(raise_.id)
    assert moved_now.content == "Marta moved to Zurich in March 2026"
    assert raise_now.content.startswith("Marta's boss gave Marta a raise")
    fact = moved_now.metadata["fact"]
    assert fact["person"] == "Marta" and "unnamed_user" not in fact and fact["person_id"] == "u1"
    assert {k: v for k, v in fact.items() if k != "person"} == {
        k: v for k, v in moved.metadata["fact"].items() if k != "unnamed_user"}
    assert [h.change for h in services.memories.history(moved.id)][-1] == "renamed" and moved_now.version == 2
    assert moved_now.embedding_status.value == "processing", "new words, new vectors"
    assert any(e.kind is ChangeKind.UPDATED and moved.id in e.memory_ids for e in seen)
    assert _pending_rows(services) == []
    # The oplog carries the new text and metadata like any edit (what sync and bundles read).
    with services.vault.db.read() as conn:
        op = conn.execute(text("SELECT op, payload FROM oplog WHERE memory_uuid = :u ORDER BY id DESC LIMIT 1"),
                          {"u": moved.id}).one()
    payload = json.loads(op.payload)
    assert op.op == "update" and payload["content"] == "Marta moved to Zurich in March 2026"
    assert payload["metadata"]["set"]["fact"]["person"] == "Marta"
    services.worker.drain()
    assert services.memories.get(moved.id).embedding_status.value == "ready"
    # Search finds the fact by the name now.
    assert moved.id in _found(services, "Marta")


def test_a_fact_edited_by_hand_a_callers_memory_and_another_persons_facts_are_never_renamed(services):
    edited = services.conversations.ingest(_chat("I moved to Zurich in March.", cid="c1")).result["facts"][0]["id"]
    kept = services.conversations.ingest(_chat("I play the cello.", cid="c1b")).result["facts"][0]["id"]
    services.memories.update(edited, MemoryUpdate(content="The user moved to Zurich in May"))
    own = services.memories.create(MemoryCreate(content="The user likes tea", namespace="home", user_id="u1")).memory
    other = services.conversations.ingest(_chat("I live in Basel.", user_id="u2", cid="c3")).result["facts"][0]["id"]
    elsewhere = services.conversations.ingest(_chat("I live in Chur.", cid="c4", namespace="work"))
    nobody = services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I live in Sion."),), "home", occurred_at=WHEN)).result["facts"][0]["id"]

    named = services.conversations.ingest(_chat("I swim on Sundays.", cid="c5", user_name="Marta"))
    assert named.result["renamed"] == [kept]
    assert services.memories.get(kept).content == "Marta plays the cello"
    assert services.memories.get(edited).content == "The user moved to Zurich in May"
    assert services.memories.get(own.id).content == "The user likes tea"
    assert services.memories.get(other).content == "The user lives in Basel"
    assert services.memories.get(elsewhere.result["facts"][0]["id"]).content == "The user lives in Chur"
    assert services.memories.get(nobody).content == "The user lives in Sion"
    assert services.memories.get(other).metadata["fact"]["unnamed_user"], "u2 still waits for their own name"


def test_a_person_with_many_unnamed_facts_is_renamed_a_bounded_batch_at_a_time(services, monkeypatch):
    import memvault.service.fact_renames as renames

    monkeypatch.setattr(renames, "REQUEST_BATCH", 2)
    monkeypatch.setattr(renames, "RENAME_BATCH", 2)
    monkeypatch.setattr(renames, "SCAN_ROWS", 3)
    monkeypatch.setattr(renames, "SCAN_WINDOWS", 2)
    ids = [services.conversations.ingest(_chat(t, cid=f"c{i}")).result["facts"][0]["id"]
           for i, t in enumerate(["I live in Bern.", "I play the cello.", "I grow tomatoes.", "I work at Roche.",
                                  "I collect stamps."])]
    services.memories.create(MemoryCreate(content="Unrelated note", namespace="home"))
    job = services.conversations.ingest(_chat("I swim on Sundays.", cid="n1", user_name="Marta"))
    assert job.result["renamed"] == ids[:2]
    # A later, different name names that chat's facts, renames nothing back, and the pending facts get the first.
    later = services.conversations.ingest(_chat("I ski in winter.", cid="n2", user_name="Marta Silva"))
    assert later.result["facts"][0]["content"] == "Marta Silva skis in winter"
    assert later.result["renamed"] == ids[2:4]
    assert services.conversations.step() == 0.0, "the loop renames the rest when it has no job"
    assert services.conversations.step() == services.conversations.IDLE_POLL_SECONDS
    assert [services.memories.get(i).content for i in ids] == [
        "Marta lives in Bern", "Marta plays the cello", "Marta grows tomatoes", "Marta works at Roche",
        "Marta collects stamps"]
    assert _pending_rows(services) == []


def test_the_loop_leaves_a_person_whose_name_is_still_unknown(services):
    fact = services.conversations.ingest(_chat("I live in Bern.", cid="c1")).result["facts"][0]["id"]
    assert services.conversations.step() == services.conversations.IDLE_POLL_SECONDS
    assert services.memories.get(fact).content == "The user lives in Bern" and len(_pending_rows(services)) == 1


def test_a_renamed_fact_is_still_the_same_fact_for_dedup_and_supersession(services):
    lives = services.conversations.ingest(_chat("I moved to Bern. I play the cello.", cid="c1")).result["facts"]
    services.conversations.ingest(_chat("Hi, I'm Marta and I love cheese.", cid="c2"))
    assert services.memories.get(lives[1]["id"]).content == "Marta plays the cello"
    again = services.conversations.ingest(_chat("I play the cello.", cid="c3", user_name="Marta"))
    assert [d["duplicate_of"] for d in again.result["duplicates"]] == [lives[1]["id"]]
    blind = services.conversations.ingest(_chat("I play the cello.", cid="c4", reads_namespace=False))
    assert [d["duplicate_of"] for d in blind.result["duplicates"]] == [lives[1]["id"]]
    moved = services.conversations.ingest(_chat("I live in Basel now.", cid="c5"))
    assert [s["id"] for s in moved.result["superseded"]] == [lives[0]["id"]]


def test_finding_a_persons_unnamed_facts_reads_a_rowid_range_not_their_index(services):
    from memvault.vault import fact_renames

    services.conversations.ingest(_chat("I live in Bern.", cid="c1"))
    with services.vault.db.read() as conn:
        pending = fact_renames.pending(conn, "home", "u1")
        assert pending is not None and pending.name is None
        plan = conn.execute(text(f"EXPLAIN QUERY PLAN {fact_renames.UNNAMED_FACTS}"),
                            {"lo": 1, "hi": 9, "ns": "home", "p": "u1"}).all()
    assert [row.detail for row in plan] == ["SEARCH memories USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"]


@pytest.mark.parametrize("source", ["caller", "conversation", "person"])
def test_any_source_of_the_name_renames(services, source):
    name = "Greta" if source == "conversation" else "Marta"
    if source == "person":
        # The name is known from the person's facts; a write-only submitter's chat was not told it.
        services.conversations.ingest(_chat("Hi, I'm Marta and I grow tomatoes.", cid="c0"))
        old = services.conversations.ingest(_chat("I live in Bern.", cid="c1", reads_namespace=False))
    else:
        old = services.conversations.ingest(_chat("I live in Bern.", cid="c1"))
    old_id = old.result["facts"][0]["id"]
    assert services.memories.get(old_id).content == "The user lives in Bern"
    naming = {"caller": _chat("I play the cello.", cid="c2", user_name="Marta"),
              "conversation": _chat("I play the cello.", "Hi Greta, lovely!", cid="c2"),
              "person": _chat("I play the cello.", cid="c2")}[source]
    job = services.conversations.ingest(naming)
    assert job.result["user_name_source"] == source and job.result["renamed"] == [old_id]
    assert services.memories.get(old_id).content == f"{name} lives in Bern"


def test_the_assistant_congratulating_the_user_by_a_name_the_tagger_calls_a_place_names_them(services):
    moved = services.conversations.ingest(_chat("I moved to Zurich in March.", cid="c1")).result["facts"][0]["id"]
    job = services.conversations.ingest(_chat("I got the job I wanted!", "Congratulations, Marta! How is the new job?",
                                              cid="c2"))
    assert (job.result["user_name"], job.result["user_name_source"]) == ("Marta", "conversation")
    assert job.result["renamed"] == [moved] and services.memories.get(moved).content.startswith("Marta moved")
    # Where the namespace knows "Marta" as a place, the same words name nobody.
    with services.vault.db.write() as conn:
        conn.execute(text("INSERT INTO entities(namespace, type, value) VALUES ('atlas', 'location', 'marta')"))
    there = services.conversations.ingest(_chat("I got the job I wanted!", "Congratulations, Marta! How is the new "
                                                "job?", cid="c3", namespace="atlas"))
    assert there.result["user_name"] is None
