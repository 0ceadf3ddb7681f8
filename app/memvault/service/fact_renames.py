"""Facts stored before the user's name was known get it once it is: "The user moved to Zurich" becomes
"Marta moved to Zurich", so a search over a namespace several people share tells whose fact it is.

What is renamed: a fact the on-device extractor wrote about a user with a ``user_id`` but no name
(``metadata.fact.unnamed_user`` keeps its text as written and where the name goes, see
:func:`memvault.extraction.facts.named`), whose content is still that text. A memory a caller wrote, a fact
edited since (its content differs), a fact about another person (another ``person_id``) or one already named
is never touched. The new text is the sentence the extractor writes knowing the name (the same render, the
name in each slot), and ``metadata.fact`` gains ``person`` and loses ``unnamed_user``; dedup and supersession
compare facts without their person's name (:mod:`memvault.service.fact_sameness`), so a renamed fact is the
same fact as before.

When: a chat whose user (``user_id``) has a name, from any source (the caller, the chat, the person's earlier
facts), names that person's pending facts in its own write transaction, at most :data:`REQUEST_BATCH` of them
and :data:`SCAN_WINDOWS` windows of :data:`SCAN_ROWS` rowids read; the extraction loop does the rest when it
has no job, :data:`RENAME_BATCH` a turn (:mod:`memvault.vault.fact_renames` keeps where each person's are).
Unnamed facts that arrive by sync or in a bundle wait the same way on the receiving device, and are named in
the background at once when a fact there already names the person (:func:`memvault.vault.fact_renames.arrived`;
their slots are checked, since they come from elsewhere).
A rename is an edit through the one write path, ~1.7 ms CPU each on the shared test machine
(``docs/benchmarks.md``): a chat pays for at most a few dozen ms of them.

Which name: the first one known after the facts were written. A later, different name ("Marta", then
"Marta Silva" from the caller) names that chat's own facts but renames nothing back: a fact's name is filled
once, and the facts still pending when a name is first known all get that one.

Each rename is one :func:`memvault.vault.memories.update` (content and metadata; history "renamed"), so it
re-embeds the fact, rewrites its keyword and FTS entries, queues its entities again and writes an oplog
entry: sync and bundles carry it like any edit.
"""

from __future__ import annotations

from typing import Any

from memvault.domain.changes import ChangeKind, ChangeOrigin, OriginKind
from memvault.domain.clock import Clock
from memvault.domain.hlc import HybridClock
from memvault.domain.models import FieldChanges, Memory
from memvault.extraction.facts import Fact, named
from memvault.service.events import EventHub, event_for
from memvault.vault import fact_renames as store
from memvault.vault import memories as writes
from memvault.vault.engine import Database
from memvault.vault.memory_queries import get_many
from memvault.vault.oplog import Stamp

#: Facts renamed in a chat's own transaction, and in one turn of the extraction loop.
REQUEST_BATCH = 16
RENAME_BATCH = 64
#: Rowids read in one window, and windows in one step: a step reads at most their product of rows.
SCAN_ROWS = 4096
SCAN_WINDOWS = 4
SYSTEM = ChangeOrigin(OriginKind.SYSTEM)


def unnamed_marker(fact: Fact) -> dict[str, Any] | None:
    """What ``metadata.fact.unnamed_user`` keeps of a fact written for an unnamed user, or ``None``."""
    if fact.person is not None or not fact.name_slots:
        return None
    return {"text": fact.text, "slots": [list(s) for s in fact.name_slots]}


def rename(conn: Any, memory: Memory, name: str, stamp: Stamp) -> Memory:
    """``memory`` (an unnamed user's fact, unedited) given ``name``, through the one write path."""
    fact = memory.metadata["fact"]
    unnamed = fact["unnamed_user"]
    details = {k: v for k, v in fact.items() if k != "unnamed_user"} | {"person": name}
    return writes.update(conn, memory, FieldChanges(content=named(unnamed["text"], unnamed["slots"], name),
                                                    metadata_set={"fact": details}), stamp, change="renamed")


def rename_step(conn: Any, pending: store.Pending, stamp: Stamp, batch: int) -> list[Memory]:
    """Rename the next ``batch`` of ``pending``'s facts (a named person's), within one step's bounds; returns
    them."""
    assert pending.name is not None
    renamed: list[Memory] = []
    start = pending.start
    for _ in range(SCAN_WINDOWS):
        if start > pending.end or len(renamed) >= batch:
            break
        found = store.unnamed_facts(conn, pending, start, SCAN_ROWS)
        room = batch - len(renamed)
        current = get_many(conn, found[:room], entities=False)
        renamed += [rename(conn, current[rowid], pending.name, stamp) for rowid in found[:room]
                    if rowid in current and store.slots_of(current[rowid]) is not None]
        start = found[room] if len(found) > room else start + SCAN_ROWS
    store.advance(conn, pending, start)
    return renamed


class FactRenames:
    """Names an unnamed user's earlier facts: in a chat's transaction (:meth:`during`) and in the background
    (:meth:`step`)."""

    def __init__(self, db: Database, clock: HybridClock, events: EventHub, wake_embedding: Any,
                 wall: Clock) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._wake_embedding = wake_embedding
        self._wall = wall

    @staticmethod
    def mark(conn: Any, namespace: str, person_id: str, rowids: list[int]) -> None:
        """Facts ``rowids`` were just stored for ``person_id`` unnamed: they wait for a name."""
        store.mark(conn, namespace, person_id, rowids)

    @staticmethod
    def during(conn: Any, namespace: str, person_id: str, name: str, stamp: Stamp) -> list[Memory]:
        """In a chat's write transaction, the person's name being ``name``: one step of renaming (nothing when
        no fact of theirs waits; one primary-key read)."""
        pending = store.pending(conn, namespace, person_id)
        if pending is None:
            return []
        return rename_step(conn, store.with_name(conn, pending, name), stamp, REQUEST_BATCH)

    def after(self, renamed: list[Memory], origin: ChangeOrigin) -> None:
        """After the commit: the new texts' embeddings are due, and the change is told."""
        if renamed:
            self._wake_embedding()
            self._events.emit(event_for(ChangeKind.UPDATED, renamed, origin))

    def step(self) -> bool:
        """One background step: a batch of one named person's pending facts; whether there was one."""
        with self._db.read() as conn:
            if store.named_pending(conn) is None:
                return False  # the idle loop's usual answer, without taking the write lock
        with self._db.write() as conn:
            pending = store.named_pending(conn)
            if pending is None:
                return False
            renamed = rename_step(conn, pending, Stamp(self._clock.now(), self._clock.device_id, self._wall()),
                                  RENAME_BATCH)
        self.after(renamed, SYSTEM)
        return True
