"""Conversations through the durable extraction queue into facts: storage, provenance, dedup, supersession."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.changes import ChangeKind
from memvault.domain.conversations import ChatMessage, ConversationSubmission, JobStatus
from memvault.domain.enums import MemoryType, SearchMode
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.models import MemoryFilter, SearchQuery

WHEN = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC).timestamp()


def _conversation(*turns: str, namespace: str = "default", cid: str = "conv-1") -> ConversationSubmission:
    messages = tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns))
    return ConversationSubmission(messages, namespace, conversation_id=cid, occurred_at=WHEN, agent_id="bot",
                                  source="chat", metadata={"channel": "web"})


def test_a_conversation_becomes_classified_facts_with_provenance(services):
    seen = []
    services.events.subscribe(seen.append)
    job = services.conversations.ingest(_conversation(
        "Hi!", "Hello, how can I help?", "I moved to Zurich in March. I work at Siemens as an engineer.",
        "Nice!", "Thanks, bye"))
    assert job.status is JobStatus.DONE and job.result["memories_extracted"] == 2
    assert job.result["categories"][0] == "location" and "career" in job.result["categories"]
    moved, works = (services.memories.get(f["id"]) for f in job.result["facts"])
    assert moved.content == "The user moved to Zurich in March 2026" and moved.memory_type is MemoryType.EVENT
    assert works.memory_type is MemoryType.FACT and works.metadata["fact"]["kind"] == "semantic"
    fact = moved.metadata["fact"]
    assert fact["kind"] == "episodic" and fact["event_at"] == "2026-03-01"
    assert fact["provenance"]["conversation_id"] == "conv-1" and fact["provenance"]["message_index"] == 2
    start, end = fact["provenance"]["span"]
    assert "I moved to Zurich in March. I work"[start:end] == fact["provenance"]["quote"] == "I moved to Zurich in March"
    assert moved.metadata["channel"] == "web" and moved.metadata["source"] == "chat" and moved.agent_id == "bot"
    assert "location" in moved.tags
    assert [e.kind for e in seen] == [ChangeKind.CREATED]


def test_submit_returns_at_once_and_the_worker_step_runs_the_job(services):
    job_id = services.conversations.submit(_conversation("I love hiking in the Alps."))
    assert services.conversations.get(job_id).status is JobStatus.QUEUED
    assert services.memories.count(MemoryFilter()) == 0
    assert services.conversations.step() == 0.0
    job = services.conversations.get(job_id)
    assert job.status is JobStatus.DONE and job.result["facts"][0]["content"] == "The user loves hiking in the Alps"
    assert services.conversations.depth() == 0


def test_a_contradicting_fact_supersedes_the_older_one_which_stays(services):
    first = services.conversations.ingest(_conversation("I live in Lisbon."))
    old_id = first.result["facts"][0]["id"]
    second = services.conversations.ingest(_conversation("Big news: I live in Porto now.", cid="conv-2"))
    new_id = second.result["facts"][0]["id"]
    assert second.result["superseded"] == [{"id": old_id, "superseded_by": new_id}]
    old = services.memories.get(old_id)
    assert old.metadata["superseded_by"] == new_id and old.deleted_at is None
    assert services.memories.get(new_id).metadata["fact"]["supersedes"] == [old_id]
    assert [e.change for e in services.memories.history(old_id)][-1] == "superseded"
    # A third fact on the same attribute supersedes only the live one.
    third = services.conversations.ingest(_conversation("I moved to Berlin.", cid="conv-3"))
    assert [s["id"] for s in third.result["superseded"]] == [new_id]


def test_a_fact_from_an_older_imported_chat_never_supersedes_a_newer_one(services):
    from dataclasses import replace

    live = services.conversations.ingest(replace(_conversation("I live in Porto now.", cid="live"), occurred_at=None)
                                         ).result["facts"][0]["id"]
    # Imported chats are dated by the conversation (WHEN is months before the live fact was stored).
    old = replace(_conversation("I live in Lisbon.", cid="import-1"), dated_by_conversation=True)
    job = services.conversations.ingest(old)
    lisbon = job.result["facts"][0]["id"]
    assert job.result["superseded"] == [{"id": lisbon, "superseded_by": live}]
    assert services.memories.get(live).metadata.get("superseded_by") is None
    assert services.memories.get(lisbon).metadata["superseded_by"] == live
    assert job.result["facts"][0]["supersedes"] == []
    # An even older chat is replaced by the live fact too, not by the one imported first.
    older = replace(_conversation("I live in Madrid.", cid="import-2"), occurred_at=WHEN - 365 * 86400,
                    dated_by_conversation=True)
    madrid = services.conversations.ingest(older).result["facts"][0]["id"]
    assert services.memories.get(madrid).metadata["superseded_by"] == live
    # Linked both ways, as a fact replaced later is: the live fact lists them (it listed neither).
    assert services.memories.get(live).metadata["fact"]["supersedes"] == [lisbon, madrid]
    assert services.memories.get(live).metadata.get("superseded_by") is None
    # A chat dated after the live fact still replaces it.
    later = replace(_conversation("I live in Berlin.", cid="import-3"), occurred_at=services.memories.get(live)
                    .created_at + 60, dated_by_conversation=True)
    berlin = services.conversations.ingest(later).result
    assert berlin["superseded"] == [{"id": live, "superseded_by": berlin["facts"][0]["id"]}]


def test_a_chat_sent_with_a_past_date_is_dated_by_it_on_every_surface(services, clock):
    """Not only imports: an agent sending last year's chat (MemSync's or the native ``occurred_at``, MCP, the CLI's
    ``--at``) must not replace what the user said since."""
    from dataclasses import replace

    live = services.conversations.ingest(replace(_conversation("I live in Porto now.", cid="live"), occurred_at=None)
                                         ).result["facts"][0]["id"]
    last_year = replace(_conversation("I live in Lisbon.", cid="old"), occurred_at=clock.value - 365 * 86400)
    job = services.conversations.ingest(last_year)
    lisbon = job.result["facts"][0]["id"]
    assert job.result["superseded"] == [{"id": lisbon, "superseded_by": live}]
    assert services.memories.get(live).metadata.get("superseded_by") is None
    assert services.memories.get(lisbon).created_at == pytest.approx(last_year.occurred_at)
    # Minutes back is a caller's clock, not a past chat: the facts take the time they arrive and replace the live one.
    sent = clock.value
    recent = services.conversations.ingest(replace(_conversation("I live in Berlin.", cid="now"), occurred_at=sent - 300))
    berlin = services.memories.get(recent.result["facts"][0]["id"])
    assert recent.result["superseded"] == [{"id": live, "superseded_by": berlin.id}] and berlin.created_at >= sent


def test_dedup_is_scoped_to_namespace_and_subject_and_reported(services):
    services.conversations.ingest(_conversation("I am allergic to penicillin. My sister is allergic to cats."))
    again = services.conversations.ingest(_conversation("I'm allergic to penicillin.", cid="conv-2"))
    assert again.result["memories_extracted"] == 0
    assert again.result["duplicates"][0]["content"] == "The user is allergic to penicillin"
    # Same words about another subject, or in another namespace, are new facts.
    sister = services.conversations.ingest(_conversation("My sister is allergic to penicillin.", cid="conv-3"))
    elsewhere = services.conversations.ingest(_conversation("I am allergic to penicillin.", namespace="work"))
    assert sister.result["memories_extracted"] == 1 and elsewhere.result["memories_extracted"] == 1


def test_jobs_are_durable_across_a_reopen(settings, embedder, clock):
    from memvault.service.container import create_vault, open_vault
    from tests.helpers import PASSPHRASE

    svc = create_vault(settings, PASSPHRASE, embedder, background=False, wall=clock)
    job_id = svc.conversations.submit(_conversation("I play the cello in an orchestra."))
    svc.close()
    svc = open_vault(settings, PASSPHRASE, embedder, background=False, wall=clock)
    try:
        assert svc.conversations.get(job_id).status is JobStatus.QUEUED
        assert svc.conversations.run_now(job_id).result["memories_extracted"] == 1
    finally:
        svc.close()


@pytest.mark.parametrize(("turns", "field"), [
    ((), "messages"), (("",), "messages"),
])
def test_bad_conversations_are_refused(services, turns, field):
    with pytest.raises(InvalidInput) as err:
        services.conversations.submit(_conversation(*turns))
    assert err.value.details["field"] == field


def test_a_clients_metadata_cannot_pose_as_the_facts_own(services):
    sub = _conversation("I like tea.")
    sub = ConversationSubmission(sub.messages, "default", metadata={"superseded_by": "x", "fact": 1, "app": "t"})
    memory = services.memories.get(services.conversations.ingest(sub).result["facts"][0]["id"])
    assert "superseded_by" not in memory.metadata and memory.metadata["app"] == "t"
    assert memory.metadata["fact"]["kind"] == "semantic"


def test_too_long_a_conversation_is_refused(services):
    with pytest.raises(InvalidInput, match="at most"):
        services.conversations.submit(_conversation(*(["I like tea. " * 4000] * 12)))


def test_unknown_role_and_unknown_job(services):
    bad = ConversationSubmission((ChatMessage("robot", "hi"),), "default")
    with pytest.raises(InvalidInput):
        services.conversations.submit(bad)
    with pytest.raises(NotFound):
        services.conversations.get("nope")
    job_id = services.conversations.submit(_conversation("I like tea."))
    with pytest.raises(NotFound):
        services.conversations.get(job_id, namespace="other")


def test_a_missing_pipeline_fails_the_job_but_storing_still_works(services, monkeypatch):
    from memvault.domain.errors import ExtractionModelError
    from memvault.domain.models import MemoryCreate

    def broken():
        raise ExtractionModelError("the NLP pipeline file ner/model is missing; reinstall Memvault")

    monkeypatch.setattr(services.conversations._extractor._pipeline, "get", broken)
    job_id = services.conversations.submit(_conversation("I like tea."))
    with pytest.raises(ExtractionModelError):
        services.conversations.run_now(job_id)
    job = services.conversations.get(job_id)
    assert job.status is JobStatus.FAILED and job.error.startswith("extraction_model_error")
    assert services.memories.create(MemoryCreate(content="still works")).created


def test_a_job_leased_by_a_killed_process_is_due_again_when_the_loop_starts(services):
    from sqlalchemy import text

    job_id = services.conversations.submit(_conversation("I play chess on Fridays."))
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE extraction_jobs SET status = 'running', leased_by = '999999999:1', "
                          "leased_until = 1e12 WHERE id = :id"), {"id": job_id})
    assert services.conversations.step() > 0  # leased: nothing to do yet
    services.conversations.prepare()
    assert services.conversations.step() == 0.0
    assert services.conversations.get(job_id).status is JobStatus.DONE


def test_finished_jobs_are_forgotten_after_thirty_days_but_their_facts_stay(services, clock):
    from memvault.service.conversations import JOB_RETENTION_SECONDS

    job = services.conversations.ingest(_conversation("I speak Finnish."))
    fact_id = job.result["facts"][0]["id"]
    services.conversations.step()
    assert services.conversations.get(job.id).status is JobStatus.DONE
    clock.advance(JOB_RETENTION_SECONDS + 3600)
    services.conversations.step()
    with pytest.raises(NotFound):
        services.conversations.get(job.id)
    assert services.memories.get(fact_id).content == "The user speaks Finnish"


def test_facts_about_different_people_never_dedupe_or_supersede_each_other(services):
    def said_by(person: str, text: str, cid: str) -> ConversationSubmission:
        return ConversationSubmission((ChatMessage("user", text),), "default", conversation_id=cid,
                                      occurred_at=WHEN, user_id=person)

    anna = services.conversations.ingest(said_by("anna", "I live in Lisbon and I work at Siemens.", "c-anna"))
    ben = services.conversations.ingest(said_by("ben", "I live in Porto and I work at Siemens.", "c-ben"))
    assert anna.result["memories_extracted"] == 2
    assert ben.result["memories_extracted"] == 2 and ben.result["superseded"] == [] and ben.result["duplicates"] == []
    assert all("superseded_by" not in services.memories.get(f["id"]).metadata for f in anna.result["facts"])
    # The same person again still dedupes and supersedes.
    again = services.conversations.ingest(said_by("anna", "I live in Faro and I work at Siemens.", "c-anna-2"))
    assert [s["id"] for s in again.result["superseded"]] == [anna.result["facts"][0]["id"]]
    assert [d["duplicate_of"] for d in again.result["duplicates"]] == [anna.result["facts"][1]["id"]]


def test_a_conversation_between_two_named_people_gives_each_their_own_facts(services):
    chat = ConversationSubmission((
        ChatMessage("user", "I moved to Porto in March.", name="Anna"),
        ChatMessage("assistant", "Nice! I work at Bosch now.", name="Ben"),
        ChatMessage("user", "We met at a chess club in 2019.", name="Anna")),
        "default", conversation_id="pair-1", occurred_at=WHEN, user_id="anna-7")
    job = services.conversations.ingest(chat)
    stored = [services.memories.get(f["id"]) for f in job.result["facts"]]
    assert [m.content for m in stored] == ["Anna moved to Porto in March 2026", "Ben works at Bosch",
                                           "Anna and Ben met at a chess club in 2019"]
    # Each fact is about its speaker, and all of them are in the store of the user the chat was sent for.
    assert [(m.metadata["fact"]["person"], m.metadata["fact"]["person_id"], m.user_id) for m in stored] == [
        ("Anna", "anna-7", "anna-7"), ("Ben", "Ben", "anna-7"), ("Anna", "anna-7", "anna-7")]
    # So a search scoped to that user finds what the other person told her, as it finds the turns she kept.
    found = services.search.search(SearchQuery("Bosch", mode=SearchMode.KEYWORD, limit=5,
                                               filter=MemoryFilter(namespace="default", user_id="anna-7")))
    assert [h.memory.content for h in found.hits] == ["Ben works at Bosch"]


def test_the_users_name_is_the_one_given_never_one_read_out_of_an_id(services):
    named = ConversationSubmission((ChatMessage("user", "I live in Oslo."),), "default", occurred_at=WHEN,
                                   user_id="u-1", user_name="Kari")
    unnamed = ConversationSubmission((ChatMessage("user", "I live in Oslo."),), "default", occurred_at=WHEN,
                                     user_id="john.doe")
    assert services.conversations.ingest(named).result["facts"][0]["content"] == "Kari lives in Oslo"
    assert services.conversations.ingest(unnamed).result["facts"][0]["content"] == "The user lives in Oslo"


@pytest.mark.parametrize("name", ["", "   ", "two\nlines", "x" * 101])
def test_a_bad_speaker_name_is_refused(services, name):
    with pytest.raises(InvalidInput):
        services.conversations.submit(ConversationSubmission((ChatMessage("user", "I like tea.", name=name),),
                                                             "default"))
    with pytest.raises(InvalidInput):
        services.conversations.submit(ConversationSubmission((ChatMessage("user", "I like tea."),), "default",
                                                             user_name=name))


def test_dedup_reads_only_the_newest_facts_but_every_fact_on_the_attribute(services, monkeypatch):
    import memvault.service.conversations as conversations

    monkeypatch.setattr(conversations, "DEDUP_RECENT", 2)

    def said(text: str, cid: str):
        return services.conversations.ingest(ConversationSubmission(
            (ChatMessage("user", text),), "default", conversation_id=cid, occurred_at=WHEN, user_id="kim"))

    lisbon = said("I live in Lisbon.", "g1").result["facts"][0]["id"]
    said("I play the oboe. I collect stamps.", "g2")
    said("I grow tomatoes.", "g3")
    assert said("I grow tomatoes.", "g4").result["duplicates"], "the newest facts are compared word by word"
    porto = said("I live in Porto.", "g5").result
    assert porto["superseded"] == [{"id": lisbon, "superseded_by": porto["facts"][0]["id"]}], \
        "an attribute's older facts are found however old"
    assert said("I play the oboe.", "g6").result["memories_extracted"] == 1, "older than the window: stored again"


def test_several_named_people_on_user_turns_are_kept_apart(services):
    chat = ConversationSubmission((ChatMessage("user", "I live in Lisbon.", name="Anna"),
                                   ChatMessage("user", "I live in Porto.", name="Ben")),
                                  "default", occurred_at=WHEN, user_id="anna-7")
    job = services.conversations.ingest(chat)
    stored = [services.memories.get(f["id"]) for f in job.result["facts"]]
    assert job.result["superseded"] == []
    assert [m.content for m in stored] == ["Anna lives in Lisbon", "Ben lives in Porto"]
    assert [(m.metadata["fact"]["person_id"], m.user_id) for m in stored] == [("Anna", "anna-7"), ("Ben", "anna-7")]


def test_an_unnamed_users_name_is_read_from_the_chat_and_kept_for_their_later_chats(services):
    def chat(*turns: str, cid: str, **kw) -> ConversationSubmission:
        messages = tuple(ChatMessage("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns))
        return ConversationSubmission(messages, "default", conversation_id=cid, occurred_at=WHEN, user_id="u-9", **kw)

    first = services.conversations.ingest(chat("I live in Tallinn.", "Tallinn is lovely, Greta!", cid="c-1"))
    assert (first.result["user_name"], first.result["user_name_source"]) == ("Greta", "conversation")
    fact = services.memories.get(first.result["facts"][0]["id"])
    assert fact.content == "Greta lives in Tallinn" and fact.user_id == "u-9"
    assert [(p.person_id, p.name) for p in services.conversations.people("default")] == [("u-9", "Greta")]
    # A later chat that names nobody: the person's name, as their facts give it.
    later = services.conversations.ingest(chat("I work at a bakery.", "Nice.", cid="c-2"))
    assert (later.result["user_name"], later.result["user_name_source"]) == ("Greta", "person")
    assert later.result["facts"][0]["content"] == "Greta works at a bakery"
    # A submitter that may not read the namespace (a write-only key) is not told the name its facts hold.
    blind = services.conversations.ingest(chat("I swim on Sundays.", "Good.", cid="c-3", reads_namespace=False))
    assert (blind.result["user_name"], blind.result["user_name_source"]) == (None, None)
    assert blind.result["facts"][0]["content"] == "The user swims on Sundays"


def test_a_name_the_caller_gives_always_wins_over_the_chats(services):
    messages = (ChatMessage("user", "I live in Tallinn."), ChatMessage("assistant", "Tallinn is lovely, Greta!"))
    given = services.conversations.ingest(ConversationSubmission(messages, "default", occurred_at=WHEN, user_id="u-1",
                                                                 user_name="Margit"))
    assert (given.result["user_name"], given.result["user_name_source"]) == ("Margit", "caller")
    assert given.result["facts"][0]["content"] == "Margit lives in Tallinn"
    nobody = services.conversations.ingest(ConversationSubmission(
        (ChatMessage("user", "I live in Tallinn."), ChatMessage("assistant", "Say hi to Greta for me.")), "other",
        occurred_at=WHEN, user_id="u-2"))
    assert (nobody.result["user_name"], nobody.result["user_name_source"]) == (None, None)
    assert nobody.result["facts"][0]["content"] == "The user lives in Tallinn"


def test_a_chat_read_for_the_users_name_has_each_turn_parsed_once(services, monkeypatch):
    pipeline = services.conversations._extractor._pipeline
    nlp, parsed = pipeline.get(), []

    class Counting:
        def pipe(self, texts, **kw):
            texts = list(texts)
            parsed.extend(texts)
            return nlp.pipe(texts, **kw)

    monkeypatch.setattr(pipeline, "get", Counting)
    turns = ("I live in Tallinn and I work at a bakery.", "Tallinn is lovely, Greta!", "I swim on Sundays.", "Nice.")
    job = services.conversations.ingest(_conversation(*turns))
    assert job.result["user_name"] == "Greta" and job.result["memories_extracted"] >= 3
    # The user's turns are parsed for the name and for the facts once; "Nice." names nobody and gives no fact.
    assert sorted(parsed) == sorted(turns[:3])
