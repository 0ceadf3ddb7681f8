"""Vault-level routes: health, stats, usage, namespaces and keys."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app import __version__
from app.api.deps import AdminKey, KeyDep, ReadKey, ServicesDep, namespace_for
from app.api.schemas import IntId, KeyCreated, KeyCreateIn, KeyPublic, stats_out, usage_out
from app.domain.enums import Scope
from app.domain.errors import Forbidden

router = APIRouter(tags=["vault"])


@router.get("/healthz", responses={503: {"description": "degraded: the vault cannot write or a background loop "
                                                     "is failing; `reasons` says which and since when"}})
def healthz(services: ServicesDep) -> JSONResponse:
    """Health without a key: 200 ``ok``, or 503 ``degraded`` with reasons (codes, since, error kinds; no contents)."""
    health = services.health.check()
    reasons = [{"code": r.code, "message": r.message, "since": r.since, "error": r.error, "loop": r.loop}
               for r in health.reasons]
    body = {"status": health.status, "version": __version__, "model": services.embedder.model_id, "reasons": reasons}
    return JSONResponse(body, status_code=200 if health.ok else 503)


@router.get("/v1/stats")
def stats(key: ReadKey, services: ServicesDep, namespace: str | None = None) -> dict:
    """Counts for the key's namespace (admin keys: any namespace, or all with no namespace)."""
    if Scope.ADMIN in key.scopes and namespace is None:
        return stats_out(services.stats.stats(None))
    return stats_out(services.stats.stats(namespace_for(key, namespace)))


@router.get("/v1/usage")
def usage(key: KeyDep, services: ServicesDep, days: int = 30) -> dict:
    """Calls, errors, memories created and searches per key per day (admin keys see every key)."""
    ids = None if Scope.ADMIN in key.scopes else [key.id]
    return usage_out(services.usage.usage(ids, days=max(1, min(days, 366))))


@router.get("/v1/namespaces")
def namespaces(key: KeyDep, services: ServicesDep) -> dict:
    found = services.stats.namespaces()
    if Scope.ADMIN not in key.scopes:
        found = [n for n in found if n.name == key.namespace]
    return {"object": "list", "data": [{"name": n.name, "memory_count": n.memory_count} for n in found]}


@router.delete("/v1/namespaces/{namespace}")
def wipe_namespace(namespace: str, confirm: str, key: AdminKey, services: ServicesDep) -> dict:
    """Delete every memory of a namespace for good; ``confirm`` must repeat its name."""
    removed = services.lifecycle.wipe_namespace(namespace_for(key, namespace), confirm=confirm)
    return {"namespace": namespace, "deleted": removed}


@router.post("/v1/purge")
def purge(key: AdminKey, services: ServicesDep, trash: bool = False, namespace: str | None = None) -> dict:
    """Delete expired memories now (this also runs on a schedule); ``trash=true`` also empties the trash."""
    expired = services.lifecycle.purge_expired(namespace)
    emptied = services.lifecycle.empty_trash(namespace) if trash else 0
    return {"purged": expired, "trash_emptied": emptied}


@router.post("/v1/keys", status_code=201, response_model=KeyCreated)
def create_key(body: KeyCreateIn, key: AdminKey, services: ServicesDep) -> KeyCreated:
    """Create a key bound to a namespace; the secret is in this response only."""
    created, secret = services.keys.create(namespace_for(key, body.namespace), body.scopes, body.name,
                                           per_minute=body.per_minute, per_hour=body.per_hour)
    return KeyCreated(**KeyPublic.of(created).model_dump(), key=secret)


@router.get("/v1/keys")
def list_keys(key: AdminKey, services: ServicesDep) -> dict:
    return {"object": "list", "data": [KeyPublic.of(k).model_dump() for k in services.keys.list()]}


@router.delete("/v1/keys/{key_id}", status_code=204)
def revoke_key(key_id: IntId, key: AdminKey, services: ServicesDep) -> Response:
    if key_id == key.id:
        raise Forbidden("a key cannot revoke itself; use another admin key or the desktop app")
    services.keys.revoke(key_id)
    return Response(status_code=204)
