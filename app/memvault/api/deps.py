"""Request dependencies, as ``Annotated`` aliases for thin routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from memvault.domain.changes import ChangeOrigin
from memvault.domain.enums import Scope
from memvault.domain.errors import Forbidden, InvalidInput
from memvault.domain.models import ApiKey
from memvault.service.container import Services


async def get_services(request: Request) -> Services:
    # Async: FastAPI runs a plain function dependency on the thread pool, a hop per request for nothing.
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def api_key_from(request: Request) -> str | None:
    """The key from ``Authorization: Bearer``, ``X-API-Key`` or ``azen-api-key`` (never the query string)."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.headers.get("x-api-key") or request.headers.get("azen-api-key") or None


def authenticated(request: Request, services: Services) -> ApiKey:
    """Check the key and its rate limit, and count the call (a read of the key table: run on the thread pool)."""
    key = services.keys.authenticate(api_key_from(request))
    request.state.api_key = key
    services.rate_limiter.check(key)
    services.usage.record(key.id, calls=1)
    return key


async def authenticate(request: Request, services: ServicesDep) -> ApiKey:
    """The request's key: checked already when the route read a body (:mod:`memvault.api.routes` checks it
    before the body is read), else checked now, on the thread pool."""
    key = getattr(request.state, "api_key", None)
    return key if key is not None else await run_in_threadpool(authenticated, request, services)


async def declared_query_only(request: Request, _key: Annotated[ApiKey, Depends(authenticate)]) -> None:
    """Refuse a query parameter the route does not declare, as the native bodies refuse unknown fields: a
    misspelt filter (``?tag=`` for ``?tags=``) would be ignored and the answer hold every memory. After the
    key (FastAPI reads it once a request): a request without one is a 401 whatever it asks."""
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    declared: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        declared.update(p.alias for p in dependant.query_params)
        pending.extend(dependant.dependencies)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise InvalidInput(f"unknown query parameter {unknown[0]!r}; this route takes: "
                           f"{', '.join(sorted(declared)) or 'none'}", field=unknown[0])


KeyDep = Annotated[ApiKey, Depends(authenticate)]


def _require(*scopes: Scope):
    async def check(key: KeyDep) -> ApiKey:  # no I/O: on the event loop, not a thread-pool hop
        for scope in scopes:
            if not key.allows(scope):
                raise Forbidden(f"this API key lacks the {scope.value!r} scope")
        return key

    return check


ReadKey = Annotated[ApiKey, Depends(_require(Scope.READ))]
WriteKey = Annotated[ApiKey, Depends(_require(Scope.WRITE))]
AdminKey = Annotated[ApiKey, Depends(_require(Scope.ADMIN))]
#: Changing what a read answers (an entity's type) answers with it, so it needs read as well as write.
ReadWriteKey = Annotated[ApiKey, Depends(_require(Scope.READ, Scope.WRITE))]
#: Exporting hands out the namespace's content, so it needs read as well as admin.
ExportKey = Annotated[ApiKey, Depends(_require(Scope.ADMIN, Scope.READ))]
#: Importing writes memories, so it needs write as well as admin.
ImportKey = Annotated[ApiKey, Depends(_require(Scope.ADMIN, Scope.WRITE))]


def namespace_for(key: ApiKey, requested: str | None) -> str:
    """The namespace a request acts on: always the key's own.

    Every key, admin keys included, is bound to one namespace: the admin scope
    adds managing that namespace (its keys, wipe, purge), never reaching another.
    Vault-wide work is for the person who holds the passphrase (desktop app, CLI).
    """
    if requested is None or requested == key.namespace:
        return key.namespace
    raise Forbidden(f"this API key is bound to namespace {key.namespace!r}, not {requested!r}")


def origin_of(key: ApiKey) -> ChangeOrigin:
    """Changes made with ``key`` are an agent's (the desktop refreshes for them and can say whose they were)."""
    return ChangeOrigin.agent(key.id)
