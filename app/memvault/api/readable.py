"""Readable copies and imports from other tools over HTTP (admin scope, the key's own namespace).

``GET /v1/namespaces/{namespace}/export.jsonl`` streams the namespace as JSON
Lines; it is plaintext, so the caller must pass ``unencrypted_ok=true``.
``POST /v1/imports/{source}`` imports the file in the request body (a chat
export's ``conversations.json`` or zip, mem0's JSON or history database,
mcp-memory-service's SQLite file, a Memvault JSON Lines export) into the key's
namespace. The upload is held in memory, never spooled to disk, since it is
plaintext; so it is bounded by the API's ordinary body limit, and a larger file
is imported with the app or the CLI. Folders of notes are for those too.
"""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from memvault.api import documented as d
from memvault.api.admission import long_work
from memvault.api.deps import ExportKey, ImportKey, ServicesDep, declared_query_only, namespace_for
from memvault.api.routes import StrictJsonRoute
from memvault.domain.errors import InvalidInput
from memvault.domain.transfer import ConflictPolicy
from memvault.service.importers.run import ToolImportRequest
from memvault.service.importers.sources import Source
from memvault.service.importers.streams import Upload
from memvault.service.readable_export import ReadableExportRequest, ReadableFormat

router = APIRouter(tags=["readable copies and imports"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.NativeError), dependencies=[Depends(declared_query_only)])
MEDIA_TYPE = "application/x-ndjson"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_UPLOAD = {"requestBody": {"required": True, "description": "the file's bytes",
                           "content": {"application/octet-stream": _BINARY, "application/json": _BINARY}}}


@router.get("/v1/namespaces/{namespace}/export.jsonl", response_class=StreamingResponse,
            responses={200: {"description": "one memory a line, every field (NOT encrypted)",
                             "content": {MEDIA_TYPE: {"schema": {"type": "string"}}}}})
def export_jsonl(namespace: str, key: ExportKey, services: ServicesDep, unencrypted_ok: bool = False,
                 include_history: bool = False, include_deleted: bool = False) -> StreamingResponse:
    """The namespace as JSON Lines, streamed. Plaintext: refused unless ``unencrypted_ok=true``."""
    request = ReadableExportRequest((namespace_for(key, namespace),), ReadableFormat.JSONL,
                                    include_history=include_history, include_deleted=include_deleted,
                                    unencrypted_ok=unencrypted_ok)
    chunks = services.readable.export_jsonl_chunks(request)
    return StreamingResponse(chunks, media_type=MEDIA_TYPE,
                             headers={"Content-Disposition": f'attachment; filename="{request.namespaces[0]}.jsonl"'})


@router.post("/v1/imports/{source}", openapi_extra=_UPLOAD)
async def import_file(source: Source, request: Request, key: ImportKey, services: ServicesDep,
                      filename: str | None = None, dry_run: bool = False, with_turns: bool = False,
                      on_conflict: ConflictPolicy = ConflictPolicy.NEWER) -> dict:
    """Import the file in the body into the key's namespace: checked whole first, then all or nothing (chat
    conversations then go through fact extraction one at a time)."""
    into = namespace_for(key, None)
    data = await request.body()
    if not data:
        raise InvalidInput("the request body is empty: send the file's bytes")
    name = (filename or f"upload.{source.value}")[:200]
    report = await long_work(
        services.readable.import_from, Upload(name, data),
        ToolImportRequest(source, namespace=into, dry_run=dry_run, with_turns=with_turns, policy=on_conflict))
    return dataclasses.asdict(report)
