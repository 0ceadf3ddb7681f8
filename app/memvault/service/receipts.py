"""What a key that may write but not read learns from its writes: its own memory's id, or "already stored".

A write-only key must not learn that some other memory exists: a near-duplicate's
id, the id behind another writer's reused ``client_id`` or the facts a
conversation superseded would each confirm content it may not read. Every
surface (REST, MCP, compatibility profiles) builds its write-only answers here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from memvault.domain.models import BatchResult, CreateResult

STORED = "stored"
ALREADY_STORED = "already_stored"


@dataclass(frozen=True)
class WriteReceipt:
    """``stored`` with the new memory's id, or ``already_stored`` with no id at all."""

    status: Literal["stored", "already_stored"]
    namespace: str
    id: str | None = None
    embedding_status: str | None = None

    @property
    def created(self) -> bool:
        return self.status == STORED


def receipt_of(result: CreateResult) -> WriteReceipt:
    if result.created:
        m = result.memory
        return WriteReceipt(STORED, m.namespace, m.id, m.embedding_status.value)
    return WriteReceipt(ALREADY_STORED, result.memory.namespace)


def batch_for_writer(result: BatchResult) -> BatchResult:
    """The batch report without any existing memory's id or content (duplicates say only "duplicate")."""
    items = tuple(dataclasses.replace(i, content_preview=None,
                                      memory_id=None if i.status == "duplicate" else i.memory_id)
                  for i in result.items)
    return dataclasses.replace(result, items=items)


def extraction_for_writer(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """An extraction job's result without the ids of facts it matched or superseded (the caller's own new
    facts stay, with their ids)."""
    if result is None:
        return None
    out = dict(result)
    out["duplicates"] = [{k: v for k, v in d.items() if k != "duplicate_of"} for d in result.get("duplicates", [])]
    out["superseded"] = []
    out["superseded_count"] = len(result.get("superseded", []))
    out["facts"] = [{k: v for k, v in f.items() if k != "supersedes"} for f in result.get("facts", [])]
    return out
