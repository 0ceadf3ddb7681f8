"""Conversations in, facts out: the extraction queue's use cases.

A submitted conversation becomes a durable job (:mod:`memvault.vault.extraction_jobs`)
and the caller gets its id at once; the background loop (or the caller's own
thread, for answers that wait: the MemSync profile, MCP, the CLI) extracts its
facts with the on-device :class:`~memvault.extraction.facts.FactExtractor` and
stores them through the one write path, in one transaction with the job's
result. Each fact is a memory whose ``metadata.fact`` holds its kind
(semantic/episodic), categories, subject, attribute, resolved date and
provenance (conversation id, message index, character span, quoted words);
its categories are also its tags.

Each fact is about a person: the user (``user_id``, named by ``user_name`` or
a name on their turns, else by the name the chat itself gives them; the result's
``user_name_source`` says which: "caller", "conversation", "person" (the user's
earlier facts) or none) or another speaker the caller named (``metadata.fact``
holds ``person``, the display name, and ``person_id``, the key facts are kept
apart by: the user's ``user_id``, else the name; "" for an unnamed user).
Dedup is scoped to the namespace, the person and the fact's subject: a fact
whose words match a live fact about the same subject (after normalisation, or
the same attribute with the same value) is not stored again but reported in
``duplicates``. Supersession: a fact that sets a single-valued attribute
(residence, employer, ...) of a subject to a new value marks the live facts
that set it before as superseded (``metadata.superseded_by`` = the new fact's
id); they stay stored and searchable, and are reported in ``superseded``. A
fact never supersedes one whose own time (``created_at``) is later: a fact
read out of an old chat (imported, or sent with an ``occurred_at`` over an
hour back) takes the chat's time, is stored already superseded by the newer
live fact, and is reported in ``superseded`` too.
Facts about different people never dedupe or supersede each other. Word
matches are looked for among the :data:`DEDUP_RECENT` newest facts about the
person's subject (attribute matches among all), so a turn costs the same
however many facts a namespace holds. A user's facts stored before their name
was known are given it once it is (:mod:`memvault.service.fact_renames`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import replace
from typing import Any

from memvault.domain import limits
from memvault.domain.changes import ChangeKind, ChangeOrigin, OriginKind
from memvault.domain.clock import Clock, system_clock
from memvault.domain.conversations import ConversationSubmission, ExtractionJob, JobStatus, Person
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import (
    ExtractionModelError,
    MemvaultError,
    NotFound,
)
from memvault.domain.hlc import HybridClock
from memvault.domain.ids import uuid7
from memvault.domain.models import FieldChanges, Memory, NewMemory
from memvault.extraction import language_gate
from memvault.extraction.facts import EPISODIC, Extractor, Fact, Message, TurnDocs
from memvault.service import validation as v
# Re-exported: the API's limits.
from memvault.service.conversation_requests import MESSAGES_MAX as MESSAGES_MAX
from memvault.service.conversation_requests import NAME_MAX_CHARS as NAME_MAX_CHARS
from memvault.service.conversation_names import ConversationNames
from memvault.service.conversation_requests import validated
from memvault.service.events import EventHub, event_for
from memvault.service.fact_renames import FactRenames, unnamed_marker
from memvault.service.fact_sameness import same_fact
from memvault.vault import fact_links
from memvault.vault import memories as writes
from memvault.vault import share_store
from memvault.vault.engine import Database
from memvault.vault.extraction_jobs import Claimed, ExtractionJobStore, StoredFact, facts_about
from memvault.vault.memory_queries import get_by_rowid
from memvault.vault.oplog import Stamp

log = logging.getLogger(__name__)

#: How long a finished job can still be read with GET /v1/extractions/{id}.
JOB_RETENTION_SECONDS = 30 * 24 * 3600
PURGE_EVERY_SECONDS = 3600
#: The source words kept with a fact (the whole span is named by its character offsets).
QUOTE_MAX_CHARS = 300
#: How many of the newest facts about a person's subject a new fact is compared with word by word.
DEDUP_RECENT = 256


def _owner(fact: Fact, request: dict[str, Any]) -> tuple[str, str | None]:
    """``(person_id, user_id)`` of a fact: whom it is about (the user's ``user_id`` when it is about the user,
    else the named speaker's name), and whose store it is in (the conversation's ``user_id``, whoever it is
    about: what another person told the user stays in the user's scope, as the turns it came from do)."""
    named = {m["name"] for m in request["messages"] if m["role"] == "user" and m.get("name")}
    # Several named people on user turns: only user_name says which of them user_id is.
    user_names = {request.get("user_name")} | (named if len(named) == 1 else set())
    if fact.person is None or fact.person in user_names:
        return request.get("user_id") or fact.person or "", request.get("user_id")
    return fact.person, request.get("user_id")


def _memory_type(fact: Fact) -> MemoryType:
    if fact.kind == EPISODIC:
        return MemoryType.EVENT
    return MemoryType.PREFERENCE if fact.categories[:1] == ("preferences",) else MemoryType.FACT


class ConversationService:
    """Submit conversations, run their extraction jobs, and report on them.

    Args:
        db: the open database.
        clock: the device's hybrid logical clock.
        events: where change events go.
        extractor: the fact extractor (on-device, or a local LLM endpoint with the on-device one as fallback).
        store: the extraction job store.
        wake_embedding: called after new facts (with embedding jobs) are committed.
        wall: the wall clock.
    """

    IDLE_POLL_SECONDS = 5.0

    def __init__(self, db: Database, clock: HybridClock, events: EventHub, extractor: Extractor,
                 store: ExtractionJobStore, *, wake_embedding: Any = None, wall: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._extractor = extractor
        self._store = store
        self._wake_embedding = wake_embedding or (lambda: None)
        self._wall = wall
        #: Set when a job is submitted; the background loop sleeps on it.
        self.wake_event = threading.Event()
        self._purged_at: float | None = None
        self._renames = FactRenames(db, clock, events, self._wake_embedding, wall)
        self._names = ConversationNames(db, extractor)

    # -- submit and report ----------------------------------------------------

    def submit(self, submission: ConversationSubmission) -> str:
        """Queue ``submission`` for extraction; returns the job id at once."""
        request = self._validated(submission)
        with self._db.read() as conn:
            share_store.refuse_read_only(conn, [request["namespace"]])
        job_id = uuid7()
        self._store.enqueue(job_id, request["namespace"], request)
        self.wake_event.set()
        return job_id

    def ingest(self, submission: ConversationSubmission, timeout: float = 60.0) -> ExtractionJob:
        """Queue ``submission`` and extract it on the calling thread; returns the finished job."""
        return self.run_now(self.submit(submission), timeout=timeout)

    def run_now(self, job_id: str, timeout: float = 60.0) -> ExtractionJob:
        """Run a queued job on the calling thread (or wait for the worker that holds it) until it ends."""
        claimed = self._store.claim_job(job_id)
        if claimed is not None:
            self._run(claimed, raise_errors=True)
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.status in (JobStatus.DONE, JobStatus.FAILED) or time.monotonic() > deadline:
                return job
            time.sleep(0.02)

    def get(self, job_id: str, namespace: str | None = None) -> ExtractionJob:
        """A job by id; ``namespace`` restricts which jobs are visible."""
        job = self._store.get(job_id) if isinstance(job_id, str) else None
        if job is None or (namespace is not None and job.namespace != namespace):
            raise NotFound(f"no extraction job with id {job_id}")
        return job

    def depth(self) -> int:
        return self._store.depth()

    def people(self, namespace: str | None = None) -> list[Person]:
        """The people whose live facts ``namespace`` holds (every namespace's when ``None``), most facts first."""
        with self._db.read() as conn:
            return fact_links.people(conn, None if namespace is None else v.namespace(namespace))

    # -- the background loop ---------------------------------------------------

    def prepare(self) -> None:
        """Before the loop's first turn: jobs a killed process held are due again."""
        self._store.release_orphaned()

    def step(self) -> float:
        """One turn of the background loop: run one due job (or, idle, forget old finished jobs hourly);
        returns the seconds to sleep.

        The first job loads the pipeline: a vault that is sent no conversations never holds it.
        """
        claimed = self._store.claim(1)
        if claimed:
            self._run(claimed[0], raise_errors=False)
            return 0.0
        if self._renames.step():
            return 0.0
        now = self._wall()
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY_SECONDS:
            self._store.purge_finished(now - JOB_RETENTION_SECONDS)
            self._purged_at = now
        due = self._store.next_due_in()
        return self.IDLE_POLL_SECONDS if due is None else min(max(due, 0.05), self.IDLE_POLL_SECONDS)

    def _run(self, job: Claimed, *, raise_errors: bool) -> None:
        try:
            self._process(job)
        except ExtractionModelError as exc:
            # The pipeline is missing or altered: retrying cannot help until Memvault is reinstalled.
            self._store.fail(job, f"{exc.code}: {exc.message}", final=True)
            if raise_errors:
                raise
        except MemvaultError as exc:
            status = self._store.fail(job, f"{exc.code}: {exc.message}")
            log.warning("extraction job failed (%s); %s", exc.code, status.value)
            raise
        except Exception as exc:
            self._store.fail(job, f"internal_error: {exc.__class__.__name__}")
            raise

    # -- extraction and storage -------------------------------------------------

    def _process(self, job: Claimed) -> None:
        started = time.perf_counter()
        known = self._names.known_people(job.request)
        # Reading the user's name parses turns that extraction needs again: each is parsed once, with the names
        # the namespace knows capitalised where a lower-case chat writes them.
        docs = TurnDocs(known)
        request = self._names.with_user_name(job.request, docs)
        when = dt.datetime.fromtimestamp(request["occurred_at"], dt.UTC)
        user_name = request.get("user_name")
        messages = [Message(m["role"], m["content"], m.get("name") or (user_name if m["role"] == "user" else None))
                    for m in request["messages"]]
        facts, extractor_id = self._extractor.extract_with_id(messages, when, docs, known)
        now = self._wall()
        created: list[Memory] = []
        superseded: list[Memory] = []
        arrived_superseded: list[Memory] = []
        relinked: list[Memory] = []  # newer facts that now list a fact which arrived already replaced by them
        duplicates: list[dict[str, Any]] = []
        unnamed: list[int] = []
        with self._db.write() as conn:
            stamp = Stamp(self._clock.now(), self._clock.device_id, now)
            # Before dedup reads them: the user's facts stored unnamed take the name this chat knows.
            renamed = self._renames.during(conn, job.namespace, request["user_id"], user_name, stamp) \
                if request.get("user_id") and user_name else []
            known: dict[tuple[str, str], list[StoredFact]] = {}
            turns = fact_links.stored_turns(conn, job.namespace,
                                            {request["messages"][f.message_index]["content"] for f in facts})
            for fact in facts:
                person_id, user_id = _owner(fact, request)
                key = (person_id, fact.subject)
                if key not in known:
                    attributes = {f.attribute for f in facts if f.attribute and f.subject == fact.subject
                                  and _owner(f, request)[0] == person_id}
                    known[key] = facts_about(conn, job.namespace, person_id, fact.subject, recent=DEDUP_RECENT,
                                             attributes=attributes)
                same = known[key]
                dup = next((m for m in same if same_fact(fact, m)), None)
                if dup is not None:
                    duplicates.append({"content": fact.text, "duplicate_of": dup.id,
                                       "message_index": fact.message_index})
                    continue
                own_time = request["occurred_at"] if request.get("dated_by_conversation") else now
                rivals = [m for m in same if fact.attribute and m.fact.get("attribute") == fact.attribute]
                # A fact only replaces what was true before it: one read out of an old chat arrives already
                # replaced by the newest live fact on its attribute, which stays live.
                older = [m for m in rivals if m.created_at <= own_time]
                newer = min((m for m in rivals if m.created_at > own_time), key=lambda m: m.created_at, default=None)
                new = self._new_memory(fact, request, now, [m.id for m in older], extractor_id, person_id, user_id,
                                       turns.get(request["messages"][fact.message_index]["content"]))
                if newer is not None:
                    new = replace(new, metadata={**new.metadata, "superseded_by": newer.id, "superseded_at": now})
                memory = writes.create(conn, new, stamp)
                if newer is not None and (current := get_by_rowid(conn, newer.rowid)) is not None:
                    # Both ways, as for a fact replaced later: the newer one lists what it replaced.
                    fact_meta = dict(current.metadata.get("fact") or {})
                    fact_meta["supersedes"] = [*(fact_meta.get("supersedes") or []), memory.id]
                    relinked.append(writes.update(conn, current, FieldChanges(metadata_set={"fact": fact_meta}),
                                                  stamp, change="superseded"))
                if "unnamed_user" in memory.metadata["fact"]:
                    unnamed.append(memory.rowid)
                for old in older:
                    current = get_by_rowid(conn, old.rowid)
                    if current is not None:
                        superseded.append(writes.update(conn, current, FieldChanges(metadata_set={
                            "superseded_by": memory.id, "superseded_at": now}), stamp, change="superseded"))
                    same.remove(old)
                created.append(memory)
                if newer is None:
                    same.insert(0, StoredFact(memory.rowid, memory.id, memory.content, memory.metadata["fact"], False,
                                              memory.created_at))
                else:
                    arrived_superseded.append(memory)
            if unnamed:
                self._renames.mark(conn, job.namespace, request["user_id"], unnamed)
            result = self._result(request, facts, created, superseded + arrived_superseded, duplicates, started,
                                  extractor_id, _not_read(conn, job.namespace, request["messages"]))
            if request.get("reads_namespace", True):
                result["renamed"] = [m.id for m in renamed]
            self._store.finish(conn, job.id, result)
        origin = ChangeOrigin(OriginKind(request["origin"]["kind"]), request["origin"].get("key_id"))
        if created:
            self._wake_embedding()
            self._events.emit(event_for(ChangeKind.CREATED, created, origin))
        if superseded or relinked:
            self._events.emit(event_for(ChangeKind.UPDATED, superseded + relinked, origin))
        self._renames.after(renamed, origin)

    def _new_memory(self, fact: Fact, request: dict[str, Any], now: float, supersedes: list[str],
                    extractor_id: str, person_id: str, user_id: str | None, turn: str | None) -> NewMemory:
        details: dict[str, Any] = {
            "kind": fact.kind, "categories": list(fact.categories), "subject": fact.subject,
            "person_id": person_id,
            "extractor": extractor_id,
            "provenance": {"conversation_id": request["conversation_id"], "message_index": fact.message_index,
                           "span": [fact.start, fact.end], "quote": fact.quote[:QUOTE_MAX_CHARS]},
        }
        if turn is not None:
            # The message is stored as a memory of its own: search shows the fact with it (ranking/facts.py).
            details["provenance"]["memory_id"] = turn
        if fact.person:
            details["person"] = fact.person
        elif user_id is not None and (marker := unnamed_marker(fact)) is not None:
            # Written for an unnamed user with an id: given their name once it is known (fact_renames).
            details["unnamed_user"] = marker
        if fact.event_at:
            details.update(event_at=fact.event_at, event_precision=fact.event_precision)
        if fact.attribute:
            details.update(attribute=fact.attribute, value=fact.value)
        if supersedes:
            details["supersedes"] = supersedes
        metadata = {**request["metadata"], "conversation_id": request["conversation_id"], "fact": details}
        if request.get("source"):
            metadata["source"] = request["source"]
        return NewMemory(
            id=uuid7(), namespace=request["namespace"], content=fact.text, memory_type=_memory_type(fact),
            tags=fact.categories, metadata=v.metadata(metadata), importance=limits.DEFAULT_IMPORTANCE,
            tier=Tier.from_importance(limits.DEFAULT_IMPORTANCE), visibility=Visibility.PRIVATE,
            agent_id=request.get("agent_id"), user_id=user_id, session_id=None, project=None,
            client_id=None, created_at=request["occurred_at"] if request.get("dated_by_conversation") else now,
            expires_at=None, origin_device=self._clock.device_id)

    def _result(self, request: dict[str, Any], facts: list[Fact], created: list[Memory], superseded: list[Memory],
                duplicates: list[dict[str, Any]], started: float, extractor_id: str,
                not_read: list[dict[str, Any]]) -> dict[str, Any]:
        categories: list[str] = []
        for m in created:
            categories += [c for c in m.tags if c not in categories]
        out_facts = []
        for memory in created:
            meta = memory.metadata["fact"]
            out_facts.append({"id": memory.id, "content": memory.content, "kind": meta["kind"],
                              "categories": meta["categories"], "event_at": meta.get("event_at"),
                              "message_index": meta["provenance"]["message_index"],
                              "span": meta["provenance"]["span"], "supersedes": meta.get("supersedes", []),
                              "person": meta.get("person"), "person_id": meta["person_id"]})
        return {"conversation_id": request["conversation_id"], "memories_extracted": len(created),
                "user_name": request.get("user_name"), "user_name_source": request.get("user_name_source"),
                "categories": categories, "facts": out_facts, "duplicates": duplicates,
                "superseded": [{"id": m.id, "superseded_by": m.metadata["superseded_by"]} for m in superseded],
                "facts_found": len(facts), "extractor": extractor_id,
                "not_read": not_read,
                "processing_time_ms": round((time.perf_counter() - started) * 1000, 1)}

    def _validated(self, s: ConversationSubmission) -> dict[str, Any]:
        return validated(s, self._wall)


def _not_read(conn, namespace: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The user's turns in a language the on-device pipeline does not read (they gave no facts: said so, not
    "none"), each with whether the message is kept anyway, as a memory of its own."""
    unread = [(i, m["content"]) for i, m in enumerate(messages)
              if m["role"] == "user" and not language_gate.reads(m["content"])]
    if not unread:
        return []
    stored = fact_links.stored_turns(conn, namespace, {content for _, content in unread})
    return [{"message_index": i, "stored": content in stored,
             "reason": language_gate.skip_reason(content, language_gate.MESSAGE_STORED if content in stored
                                                 else language_gate.MESSAGE_NOT_STORED)} for i, content in unread]
