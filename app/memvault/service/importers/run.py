"""Importing from a readable export or another tool: check everything, then write it all in one transaction.

Pass 1 reads the whole input under a read snapshot: every record parses and
passes the checks a memory stored here must pass, and each one's fate (new,
updated, skipped) is decided exactly as a bundle import decides it. That is
the dry run, and any bad record stops the import there, naming its file and
line, before anything is written. Pass 2 reads the input again inside one
write transaction and writes through the one write path
(:mod:`memvault.vault.memory_imports`), so the memories keep the source's times.

Memories from other tools get ids derived from the tool's own ids (and the
destination namespace), so a second import of the same file finds them and
skips or updates them instead of adding copies. Conversations go through the
on-device fact extraction after the transaction, one conversation at a time;
a conversation whose facts are already in the namespace is skipped, so an
interrupted import is finished by running it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from memvault.domain import limits
from memvault.domain.changes import IMPORT
from memvault.domain.conversations import ChatMessage, ConversationSubmission, JobStatus
from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import DamagedData, InvalidInput, MemvaultError
from memvault.domain.hlc import Hlc
from memvault.domain.transfer import ConflictPolicy, MemoryRecord
from memvault.service import validation as v
from memvault.service.bundle_import import (
    BATCH,
    Cancelled,
    Importer,
    Progress,
    _Decision,
    _Tally,
    checked,
)
from memvault.service.bundle_lineage import Lineage, same_fields
from memvault.service.importers.items import DELETED_IN_SOURCE, Conversation, Note
from memvault.service.importers.sources import OWN_FORMATS, Source, reader_for
from memvault.service.importers.streams import Input, Upload
from memvault.vault import export_queries as q

#: Ids of imported memories: uuid5 of (source, namespace, the tool's id) under this namespace, so that they do
#: not change when the note's times do (a file's time is all some notes have).
_IDS = uuid.UUID("6f1c0b4e-3b1d-4c55-9a55-6d656d766175")
_PROGRESS_EVERY = 200
#: Messages of one extraction call, and their characters (the conversation service's limits).
_WINDOW_MESSAGES = 500
_WINDOW_CHARS = 400_000
#: Conversations held in memory at once while their facts are extracted.
_CONVERSATIONS_PER_READ = 200


@dataclass(frozen=True)
class ToolImportRequest:
    """What to import: the source's kind, into which namespace, a dry run or not, chat turns as memories or not."""

    source: Source
    namespace: str | None = None
    dry_run: bool = False
    with_turns: bool = False
    policy: ConflictPolicy = ConflictPolicy.NEWER


@dataclass(frozen=True)
class ToolImportReport:
    """What an import did (or would do). ``empty``: notes with no text, left out."""

    source: str
    file: str
    records: int
    new: int
    updated: int
    skipped: int
    conflicting: int
    empty: int
    conversations: int
    conversations_skipped: int
    facts: int
    namespaces: tuple[str, ...]
    dry_run: bool
    cancelled: bool = False
    #: Set when fact extraction stopped before every conversation was done: why, and that a re-run finishes it.
    stopped: str | None = None
    #: Memories stamped more than a day ahead of this clock (see :class:`ImportReport`).
    stamped_now: int = 0
    #: Memories the source had deleted (soft-deleted rows, a DELETE event last), left out.
    deleted: int = 0
    #: Of ``conflicting``: memories whose id this vault holds in another namespace (never moved; see ``--into``).
    held_elsewhere: int = 0
    #: The vault's memories the conflicting ones met (at most :data:`memvault.service.bundle_import.CONFLICTS_LISTED`).
    conflicts: tuple[str, ...] = ()


@dataclass
class _Plan:
    tally: _Tally = field(default_factory=_Tally)
    items: int = 0
    empty: int = 0
    deleted: int = 0
    conversations: int = 0
    conversations_skipped: int = 0
    #: Conversations to extract: (their time, their place in the file, their id).
    todo: list[tuple[float, int, str]] = field(default_factory=list)
    #: Their ids: a conversation the file holds twice is extracted once.
    todo_ids: set[str] = field(default_factory=set)


def _tags(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in values:
        tag = tag.strip()[:limits.TAG_MAX_CHARS].strip()
        if tag and tag not in out:
            out.append(tag)
    return tuple(out[:limits.TAGS_MAX])


def _metadata(own: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    """The tool's metadata with where it came from; metadata this vault cannot hold is left out, and said so."""
    merged = {**own, "imported_from": origin}
    try:
        return v.metadata(merged)
    except InvalidInput as exc:
        return {"imported_from": origin, "metadata_left_out": exc.message[:200]}


class CopyImporter(Importer):
    """A bundle's decisions, plus one a readable copy needs: people edit it. A memory whose clock stamp is the
    vault's but whose fields are not was changed by hand after the export; it becomes a new version."""

    def _decide(self, record: MemoryRecord, local: q.Local | None, owners: dict[tuple[str, str], str],
                policy: ConflictPolicy, *, clock_trusted: bool = True, lineage: Lineage | None = None) -> _Decision:
        if (local is not None and local.memory.namespace == record.namespace and local.hlc == record.hlc
                and not same_fields(record, local.memory)):
            record = replace(record, hlc=self._clock.now(), updated_at=self._wall())
        return super()._decide(record, local, owners, policy, clock_trusted=clock_trusted, lineage=lineage)


class ToolImporter:
    """Runs imports of readable exports and other tools' files for one vault."""

    def __init__(self, importer: Importer, device_id: str, *, extract: Callable[[ConversationSubmission], Any],
                 facts_of: Callable[[str, str], int]) -> None:
        self._importer = importer
        self._db = importer._db
        self._device = device_id
        self._extract = extract
        self._facts_of = facts_of

    def run(self, path: Input, request: ToolImportRequest, *, progress: Progress | None = None,
            cancelled: Callable[[], bool] | None = None) -> ToolImportReport:
        source = v.choice(Source, request.source, "source")
        policy = v.choice(ConflictPolicy, request.policy, "on_conflict")
        namespace = request.namespace
        if namespace is not None:
            v.namespace(namespace)
        elif source not in OWN_FORMATS:
            namespace = limits.DEFAULT_NAMESPACE
        request = replace(request, source=source, policy=policy, namespace=namespace)
        path = path if isinstance(path, Upload) else Path(path)
        try:
            with self._db.read() as conn:
                plan = self._pass(conn, path, request, apply=False, tick=_ticker("checking", progress, cancelled))
            if request.dry_run:
                return self._report(path, request, plan, facts=0)
            with self._db.write() as conn:
                done = self._pass(conn, path, request, apply=True,
                                  tick=_ticker("importing", progress, cancelled, plan.items))
        except Cancelled:
            return self._report(path, request, _Plan(), facts=0, cancelled=True)
        self._importer._announce(done.tally, origin=IMPORT)
        facts, stopped = self._conversations(path, request, plan.todo, progress, cancelled)
        return self._report(path, request, done, facts=facts, todo=plan, stopped=stopped)

    def _report(self, path: Input, request: ToolImportRequest, plan: _Plan, *, facts: int, cancelled: bool = False,
                todo: _Plan | None = None, stopped: str | None = None) -> ToolImportReport:
        t = plan.tally
        counted = todo or plan
        return ToolImportReport(request.source.value, path.name, t.memories, t.new, t.updated, t.skipped,
                                t.conflicting, plan.empty, counted.conversations, counted.conversations_skipped, facts,
                                tuple(sorted(t.namespaces)), request.dry_run, cancelled, stopped, len(t.ahead),
                                plan.deleted, t.held_elsewhere, tuple(t.conflicts))

    # -- reading and deciding --------------------------------------------------------

    def _records(self, path: Input, request: ToolImportRequest, plan: _Plan,
                 tick: Callable[[int], None]) -> Iterator[MemoryRecord]:
        for place, item in reader_for(request.source)(path):
            plan.items += 1
            if plan.items % _PROGRESS_EVERY == 0:
                tick(plan.items)
            if item is None:
                plan.empty += 1
                continue
            if item is DELETED_IN_SOURCE:
                plan.deleted += 1
                continue
            if isinstance(item, Conversation):
                plan.conversations += 1
                yield from self._conversation(item, place, request, plan)
                continue
            if isinstance(item, MemoryRecord):
                yield _checked(item, place, request.namespace)
                continue
            for part in note_parts(item):
                yield _checked(self._note_record(part, request), place, None)
        tick(plan.items)

    def _note_record(self, note: Note, request: ToolImportRequest) -> MemoryRecord:
        namespace = request.namespace or limits.DEFAULT_NAMESPACE
        key = f"{request.source.value}\x1f{namespace}\x1f{note.source_id}"
        return MemoryRecord(
            id=str(uuid.uuid5(_IDS, key)), namespace=namespace, content=note.content,
            memory_type=note.memory_type or MemoryType.GENERAL, tags=_tags(note.tags),
            metadata=_metadata(note.metadata, {"source": request.source.value, "id": note.source_id}),
            importance=limits.DEFAULT_IMPORTANCE, tier=Tier.from_importance(limits.DEFAULT_IMPORTANCE),
            visibility=Visibility.PRIVATE, agent_id=note.agent_id, user_id=note.user_id, session_id=note.session_id,
            project=None, client_id=None, created_at=note.created_at, updated_at=note.updated_at, expires_at=None,
            deleted_at=note.deleted_at, archived_at=None, version=1,
            hlc=str(Hlc(int(note.updated_at * 1000), 0, self._device)), origin_device=self._device,
            memory_type_source=TypeSource.EXPLICIT if note.memory_type else TypeSource.DEFAULT)

    def _conversation(self, conv: Conversation, place: str, request: ToolImportRequest,
                      plan: _Plan) -> Iterator[MemoryRecord]:
        cid = f"{request.source.value}:{conv.source_id}"
        if self._facts_of(request.namespace or limits.DEFAULT_NAMESPACE, cid):
            plan.conversations_skipped += 1
        elif any(t.role == "user" for t in conv.turns) and cid not in plan.todo_ids:
            plan.todo.append((conv.created_at, plan.items, cid))
            plan.todo_ids.add(cid)
        if not request.with_turns:
            return
        for index, turn in enumerate(conv.turns):
            text = turn.content
            parts = [text[i:i + limits.CONTENT_MAX_CHARS] for i in range(0, len(text), limits.CONTENT_MAX_CHARS)]
            for part_no, part in enumerate(parts):
                if not part.strip():
                    continue
                when = turn.created_at or conv.created_at
                meta = {"chat_id": cid, "chat_title": conv.title[:200], "role": turn.role, "turn": index}
                if len(parts) > 1:
                    meta["part"] = part_no
                note = Note(f"{conv.source_id}/{index}/{part_no}", part, when, when, tags=("conversation", turn.role),
                            metadata=meta, memory_type=MemoryType.EVENT, session_id=conv.source_id[:200])
                yield _checked(self._note_record(note, request), place, None)

    def _pass(self, conn: Any, path: Input, request: ToolImportRequest, *, apply: bool,
              tick: Callable[[int], None]) -> _Plan:
        plan = _Plan()
        batch: list[MemoryRecord] = []
        seen: set[Any] = set()
        ids: set[str] = set()
        tick(0)
        for record in self._records(path, request, plan, tick):
            if record.id in ids:
                plan.tally.repeated(record)  # the first of a repeated id is kept, in a dry run as in the real one
                continue
            ids.add(record.id)
            record = self._importer.clock_checked(record, plan.tally)
            keys = {record.id} | ({(record.namespace, record.client_id)} if record.client_id else set())
            if len(batch) >= BATCH or keys & seen:
                self._importer._batch(conn, batch, request.policy, plan.tally, apply)
                batch, seen = [], set()
            batch.append(record)
            seen |= keys
        self._importer._batch(conn, batch, request.policy, plan.tally, apply)
        self._importer.finish_pass(conn, plan.tally, apply)
        return plan

    # -- conversations ---------------------------------------------------------------

    def _conversations(self, path: Input, request: ToolImportRequest, todo: list[tuple[float, int, str]],
                       progress: Progress | None, cancelled: Callable[[], bool] | None) -> tuple[int, str | None]:
        """Extract each new conversation's facts, oldest first (a later conversation may supersede what an earlier
        one said, never the reverse; exports list the newest first). Returns the facts found, and why it stopped
        early (``None``: it did not). The file is read again for each batch of conversations, so that memory holds
        one batch, not the whole export."""
        facts = done = 0
        namespace = request.namespace or limits.DEFAULT_NAMESPACE

        def stopped(why: str) -> str:
            return (f"fact extraction stopped after {done:,} of {len(todo):,} conversations ({why}); what was done is "
                    "kept: run the same import again to finish")

        order = sorted(todo)
        for start in range(0, len(order), _CONVERSATIONS_PER_READ):
            batch = order[start:start + _CONVERSATIONS_PER_READ]
            wanted = {index for _when, index, _cid in batch}
            found: dict[int, Conversation] = {}
            for index, (_place, item) in enumerate(reader_for(request.source)(path), 1):
                if index in wanted and isinstance(item, Conversation):
                    found[index] = item
            for _when, index, cid in batch:
                item = found[index]
                if cancelled is not None and cancelled():
                    return facts, stopped("cancelled")
                for window in _windows(item):
                    try:
                        job = self._extract(ConversationSubmission(
                            window, namespace, conversation_id=cid, occurred_at=item.created_at,
                            source=request.source.value, metadata={"chat_title": item.title[:200]}, origin=IMPORT,
                            dated_by_conversation=True))
                    except MemvaultError as exc:
                        return facts, stopped(exc.message)
                    if job.status is not JobStatus.DONE:
                        return facts, stopped(job.error or f"the extraction job is {job.status.value}")
                    facts += (job.result or {}).get("memories_extracted", 0)
                done += 1
                if progress is not None:
                    progress("extracting facts", done, len(todo))
        return facts, None


def note_parts(note: Note) -> list[Note]:
    """``note`` as it is, or, longer than a memory may be, in parts cut between paragraphs (each its own memory,
    with ``part`` and ``parts`` in its metadata; a paragraph longer than a memory is cut where it must be)."""
    limit = limits.CONTENT_MAX_CHARS
    if len(note.content) <= limit:
        return [note]
    pieces: list[str] = []
    current = ""
    for paragraph in note.content.split("\n\n"):
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        while len(paragraph) > limit:
            pieces.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        pieces.append(current)
    return [replace(note, source_id=f"{note.source_id}#{i}", content=piece,
                    metadata={**note.metadata, "part": i, "parts": len(pieces)})
            for i, piece in enumerate(pieces, 1) if piece.strip()]


def _windows(conv: Conversation) -> Iterator[tuple[ChatMessage, ...]]:
    """The conversation's turns in pieces the extraction accepts (each with a user turn)."""
    window: list[ChatMessage] = []
    size = 0
    for turn in conv.turns:
        text = turn.content[:limits.CONTENT_MAX_CHARS]
        if window and (len(window) >= _WINDOW_MESSAGES or size + len(text) > _WINDOW_CHARS):
            if any(m.role == "user" for m in window):
                yield tuple(window)
            window, size = [], 0
        window.append(ChatMessage(turn.role, text))
        size += len(text)
    if any(m.role == "user" for m in window):
        yield tuple(window)


def _checked(record: MemoryRecord, place: str, into: str | None) -> MemoryRecord:
    try:
        return checked(record, 0, into)
    except DamagedData as exc:
        problem = exc.message.split(": ", 1)[-1] if ": " in exc.message else "the id is not a UUID"
        raise InvalidInput(f"{place}: {problem}") from None


def _ticker(stage: str, progress: Progress | None, cancelled: Callable[[], bool] | None,
            total: int = 0) -> Callable[[int], None]:
    def tick(done: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress(stage, done, total)
    return tick
