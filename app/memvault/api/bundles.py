"""Bundle routes (admin scope): stream a namespace's export, import an uploaded bundle, show the recipient key.

Like every key, an admin key reaches one namespace: it exports that namespace,
and a bundle it uploads is imported into that namespace (whatever namespaces
the bundle holds). Moving several namespaces at once is for the person with the
passphrase (the desktop app, the CLI).

Secrets never travel in a URL (servers and proxies log URLs): the passphrase of
an export is in the POST body, that of an import in the ``X-Bundle-Passphrase``
header. ``GET .../export`` takes public recipient keys only, and without any it
encrypts for this vault's own key (a copy only this vault can import). MCP gets
no export tool.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from starlette.exceptions import HTTPException

from memvault.api import documented as d
from memvault.api.admission import long_work
from memvault.api.deps import AdminKey, ExportKey, ImportKey, ServicesDep, declared_query_only, namespace_for
from memvault.api.routes import StrictJsonRoute
from memvault.api.schemas import RequestBody
from memvault.domain import limits
from memvault.domain.errors import InvalidInput
from memvault.domain.transfer import ConflictPolicy
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest

router = APIRouter(tags=["bundles"], route_class=StrictJsonRoute, responses=d.error_responses(d.NativeError),
                   dependencies=[Depends(declared_query_only)])
PASSPHRASE_HEADER = "X-Bundle-Passphrase"
#: The upload route: its body limit is the setting api_bundle_upload_max_mib, not the 24 MiB of other routes.
IMPORT_PATH = "/v1/import"
MEDIA_TYPE = "application/vnd.memvault.bundle"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_STREAMED = {200: {"description": "the bundle, streamed (.mvbundle)", "content": {MEDIA_TYPE: _BINARY}}}
#: A vault's recipient key as text: "mvpub1" and the base32 of its 32 bytes and a 4-byte checksum.
_RECIPIENT_KEY = {"type": "string", "pattern": r"^mvpub1[a-z2-7]{58}$"}
_UPLOAD_TYPES = ("application/octet-stream", MEDIA_TYPE)
_UPLOAD = {"requestBody": {"required": True, "description": "the bundle's bytes",
                           "content": {t: _BINARY for t in _UPLOAD_TYPES}}}


class ExportIn(RequestBody):
    """How to encrypt an export: a passphrase, recipient keys (``mvpub1…``), or both."""

    passphrase: str | None = Field(default=None, description="protect the bundle with this passphrase")
    recipients: list[str] = Field(default_factory=list, description="vault recipient keys that may open it",
                                  json_schema_extra={"items": _RECIPIENT_KEY})
    include_history: bool = True
    include_deleted: bool = False


def _stream(services, request: ExportRequest) -> StreamingResponse:
    # The request is checked (and refused with a proper error) before the first byte is sent; a failure
    # later cuts the stream short, and every reader refuses a truncated bundle.
    chunks = services.bundles.export_chunks(request)
    name = request.namespaces[0] if len(request.namespaces) == 1 else "memvault"
    return StreamingResponse(chunks, media_type=MEDIA_TYPE,
                             headers={"Content-Disposition": f'attachment; filename="{name}.mvbundle"'})


@router.get("/v1/namespaces/{namespace}/export", response_class=StreamingResponse, responses=_STREAMED)
def export_namespace(namespace: str, key: ExportKey, services: ServicesDep,
                     recipient: Annotated[list[str] | None, Query(
                         description="vault recipient keys (mvpub1…) that may open it",
                         json_schema_extra={"anyOf": [{"type": "array", "items": _RECIPIENT_KEY},
                                                      {"type": "null"}]})] = None,
                     include_history: bool = True, include_deleted: bool = False) -> StreamingResponse:
    """A bundle of the namespace, streamed: for the ``recipient`` keys given, else for this vault's own key."""
    keys = tuple(recipient or ()) or (services.bundles.recipient_key(),)
    return _stream(services, ExportRequest((namespace_for(key, namespace),), recipients=keys,
                                           include_history=include_history, include_deleted=include_deleted))


@router.post("/v1/namespaces/{namespace}/export", response_class=StreamingResponse, responses=_STREAMED)
def export_namespace_with_secret(namespace: str, body: ExportIn, key: ExportKey,
                                 services: ServicesDep) -> StreamingResponse:
    """A bundle of the namespace, streamed, protected as the body says."""
    return _stream(services, ExportRequest((namespace_for(key, namespace),), passphrase=body.passphrase,
                                           recipients=tuple(body.recipients), include_history=body.include_history,
                                           include_deleted=body.include_deleted))


@router.get("/v1/bundles/recipient")
def recipient_key(key: AdminKey, services: ServicesDep) -> dict:
    """This vault's recipient key: bundles exported for it open here without a passphrase."""
    return {"recipient": services.bundles.recipient_key()}


def _header_text(value: str | None) -> str | None:
    """A header's value as its sender wrote it: HTTP servers decode header bytes as Latin-1, but a passphrase
    is sent (and exported, in a JSON body) as UTF-8; bytes that are not UTF-8 stay Latin-1."""
    if value is None:
        return None
    raw = value.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


def _check_upload_type(request: Request) -> None:
    # No Content-Type is read as octet-stream (RFC 9110 8.3); a form, JSON or text is not a bundle upload.
    declared = request.headers.get("content-type")
    if declared is not None and declared.split(";", 1)[0].strip().lower() not in _UPLOAD_TYPES:
        raise HTTPException(415, f"send the bundle's bytes as {' or '.join(_UPLOAD_TYPES)}, not "
                                 f"{declared.split(';', 1)[0].strip()[:60]!r}")


@router.post(IMPORT_PATH, openapi_extra=_UPLOAD, responses=d.error_responses(d.NativeError, 415))
async def import_bundle(request: Request, key: ImportKey, services: ServicesDep, into: str | None = None,
                        on_conflict: ConflictPolicy = ConflictPolicy.NEWER, dry_run: bool = False) -> dict:
    """Import the bundle in the request body into the key's namespace (verified as a whole first; all or
    nothing)."""
    into = namespace_for(key, into)
    _check_upload_type(request)
    passphrase = _header_text(request.headers.get(PASSPHRASE_HEADER))
    # The body is ciphertext: spooling it to a private temporary file writes nothing readable. It streams
    # there as it arrives (BodyLimit stops it past the route's limit), so a bundle of any allowed size
    # takes no more memory than one chunk.
    fd, name = tempfile.mkstemp(prefix=".import-", suffix=".mvbundle", dir=services.bundles.spool_folder)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as spool:
            async for chunk in request.stream():
                spool.write(chunk)  # a page-cache write of one chunk: not worth a thread hop
        if path.stat().st_size == 0:
            raise InvalidInput("the request body is empty: send the bundle's bytes")
        report = await long_work(
            services.bundles.import_bundle, path, ImportOptions(into=into, policy=on_conflict, dry_run=dry_run,
                                               max_kdf_work_kib=limits.REQUEST_KDF_WORK_KIB),
            passphrase=passphrase)
    finally:
        path.unlink(missing_ok=True)
    return dataclasses.asdict(report)
