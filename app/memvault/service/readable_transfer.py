"""Readable copies out, and imports in (Memvault's readable exports, chat exports, other memory tools): one use case
object for the surfaces."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from memvault.domain.clock import Clock
from memvault.domain.conversations import ConversationSubmission
from memvault.domain.hlc import HybridClock
from memvault.domain.models import MemoryFilter
from memvault.service.bundle_import import Progress
from memvault.service.events import EventHub
from memvault.service.importers.run import CopyImporter, ToolImporter, ToolImportReport, ToolImportRequest
from memvault.service.importers.streams import Upload
from memvault.service.readable_export import ReadableExporter, ReadableExportReport, ReadableExportRequest
from memvault.vault.engine import Database


class ReadableTransfer:
    """Export namespaces as JSON Lines or Markdown; import from a file or folder of a known kind."""

    def __init__(self, exporter: ReadableExporter, importer: ToolImporter) -> None:
        self._exporter = exporter
        self._importer = importer

    def export(self, path: Path, request: ReadableExportRequest, *, progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None) -> ReadableExportReport:
        return self._exporter.export(path, request, progress=progress, cancelled=cancelled)

    def export_jsonl_chunks(self, request: ReadableExportRequest) -> Iterator[bytes]:
        """JSON Lines, streamed (checked before the first chunk)."""
        return self._exporter.jsonl_chunks(request)

    def import_from(self, path: Path | Upload, request: ToolImportRequest, *, progress: Progress | None = None,
                    cancelled: Callable[[], bool] | None = None) -> ToolImportReport:
        return self._importer.run(path, request, progress=progress, cancelled=cancelled)


def build(db: Database, clock: HybridClock, events: EventHub, *, model_id: str, dimension: int, wall: Clock,
          wake_worker: Callable[[], None], extract: Callable[[ConversationSubmission], Any],
          count: Callable[[MemoryFilter], int]) -> ReadableTransfer:
    """The service over one vault (``extract``: the conversation service's ``ingest``; ``count``: the memory
    service's)."""
    importer = CopyImporter(db, clock, events, model_id=model_id, dimension=dimension, private_key=lambda: b"",
                            wall=wall, wake_worker=wake_worker)

    def facts_of(namespace: str, conversation_id: str) -> int:
        return count(MemoryFilter(namespace=namespace, metadata={"conversation_id": conversation_id},
                                  include_deleted=True, include_archived=True, include_expired=True))

    return ReadableTransfer(ReadableExporter(db, dimension=dimension, wall=wall),
                            ToolImporter(importer, clock.device_id, extract=extract, facts_of=facts_of))
