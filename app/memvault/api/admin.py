"""Vault-level routes: health, stats, usage, namespaces and keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import JSONResponse

from memvault import __version__
from memvault.api import documented as d
from memvault.api.deps import (
    AdminKey,
    KeyDep,
    ReadKey,
    ServicesDep,
    declared_query_only,
    namespace_for,
    origin_of,
)
from memvault.api.routes import StrictJsonRoute
from memvault.api.schemas import (
    IntId,
    KeyCreated,
    KeyCreateIn,
    KeyPublic,
    stats_out,
    usage_out,
)
from memvault.domain.enums import Scope
from memvault.domain.errors import Forbidden, NotFound
from memvault.service import validation as v

router = APIRouter(tags=["vault"], route_class=StrictJsonRoute, responses=d.error_responses(d.NativeError),
                   dependencies=[Depends(declared_query_only)])
#: The health check takes no key (a supervisor asks it), so it is no route of the keyed router above.
health = APIRouter(tags=["vault"], route_class=StrictJsonRoute, responses=d.error_responses(d.NativeError))


@health.get("/healthz", responses={503: {"description": "degraded: the vault cannot write or a background loop "
                                                     "is failing; `reasons` says which and since when"}})
def healthz(services: ServicesDep) -> JSONResponse:
    """Health without a key: 200 ``ok``, or 503 ``degraded`` with reasons (codes, since, error kinds; no contents)."""
    health = services.health.check()
    reasons = [{"code": r.code, "message": r.message, "since": r.since, "error": r.error, "loop": r.loop}
               for r in health.reasons]
    body = {"status": health.status, "version": __version__, "model": services.embedder.model_id, "reasons": reasons,
            # Long background work under way (the search index rebuilding): not a fault, so still 200.
            "progress": [{"task": p.task, "done": p.done, "total": p.total} for p in health.progress]}
    return JSONResponse(body, status_code=200 if health.ok else 503)


@router.get("/v1/stats")
def stats(key: ReadKey, services: ServicesDep, namespace: str | None = None) -> dict:
    """Counts for the key's namespace."""
    return stats_out(services.stats.stats(namespace_for(key, namespace)))


@router.get("/v1/usage")
def usage(key: KeyDep, services: ServicesDep, days: int = 30) -> dict:
    """Calls, errors, memories created and searches per day: the key's own (admin keys: every key of its namespace)."""
    ids = [k.id for k in services.keys.list(key.namespace)] if Scope.ADMIN in key.scopes else [key.id]
    return usage_out(services.usage.usage(ids, days=max(1, min(days, 366))))


@router.get("/v1/namespaces")
def namespaces(key: KeyDep, services: ServicesDep) -> dict:
    """The key's namespace with its memory count."""
    found = [n for n in services.stats.namespaces() if n.name == key.namespace]
    return {"object": "list", "data": [{"name": n.name, "memory_count": n.memory_count} for n in found]}


@router.delete("/v1/namespaces/{namespace}")
def wipe_namespace(namespace: Annotated[str, Path(json_schema_extra=d.NAMESPACE)],
                   confirm: Annotated[str, d.doc_query(**d.NAMESPACE)], key: AdminKey, services: ServicesDep) -> dict:
    """Delete every memory of a namespace for good; ``confirm`` must repeat its name."""
    removed = services.lifecycle.wipe_namespace(namespace_for(key, namespace), confirm=confirm, origin=origin_of(key))
    return {"namespace": namespace, "deleted": removed}


@router.post("/v1/purge")
def purge(key: AdminKey, services: ServicesDep, trash: bool = False,
          namespace: Annotated[str | None, d.doc_query(**d.NAMESPACE)] = None) -> dict:
    """Delete the namespace's expired memories now (this also runs on a schedule); ``trash=true`` also empties its trash."""
    target = namespace_for(key, None if namespace is None else v.namespace(namespace))
    expired = services.lifecycle.purge_expired(target)
    emptied = services.lifecycle.empty_trash(target, origin=origin_of(key)) if trash else 0
    return {"purged": expired, "trash_emptied": emptied}


_SCOPE_NAMES = {s.value for s in Scope}


@router.post("/v1/keys", status_code=201, response_model=KeyCreated)
def create_key(body: KeyCreateIn, key: AdminKey, services: ServicesDep) -> KeyCreated:
    """Create a key bound to the admin key's namespace; the secret is in this response only.

    A key grants only scopes it holds itself: an admin key without ``read``
    cannot mint a key that reads the content it may not see.
    """
    beyond = sorted(s for s in {str(s).strip().lower() for s in body.scopes} if s in _SCOPE_NAMES
                    and not key.allows(Scope(s)))
    if beyond:
        raise Forbidden(f"this API key cannot grant scopes it lacks: {', '.join(beyond)}")
    created, secret = services.keys.create(namespace_for(key, body.namespace), body.scopes, body.name,
                                           per_minute=body.per_minute, per_hour=body.per_hour)
    return KeyCreated(**KeyPublic.of(created).model_dump(), key=secret)


@router.get("/v1/keys")
def list_keys(key: AdminKey, services: ServicesDep) -> dict:
    """The keys of the admin key's namespace (never their secrets)."""
    return {"object": "list", "data": [KeyPublic.of(k).model_dump() for k in services.keys.list(key.namespace)]}


@router.delete("/v1/keys/{key_id}", status_code=204)
def revoke_key(key_id: IntId, key: AdminKey, services: ServicesDep) -> Response:
    """Revoke a key of the admin key's namespace; it stops working at once, in every process."""
    if key_id == key.id:
        raise Forbidden("a key cannot revoke itself; use another admin key or the desktop app")
    if services.keys.get(key_id).namespace != key.namespace:
        raise NotFound(f"no API key with id {key_id}")
    services.keys.revoke(key_id)
    return Response(status_code=204)
