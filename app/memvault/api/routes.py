"""The route class every router uses: request bodies are parsed by the strict JSON reader.

FastAPI parses bodies with ``json.loads`` before any validation runs, so NaN,
Infinity, integers beyond 64 bits, lone surrogates and hostile nesting would
reach the routes (or crash inside them). Here they become a 400 in the
profile's envelope before routing continues.

FastAPI also reads a body before it solves the route's dependencies, the key
among them: a route that takes a key checks it before its body is read, so a
client without one learns nothing about what the body would have got and costs
no parse.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from memvault.api import deps
from memvault.domain import limits
from memvault.domain.errors import InvalidInput
from memvault.service import validation as v


class StrictJsonRequest(Request):
    """A request whose ``json()`` refuses what :func:`validation.loads_strict` refuses."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = v.loads_strict(body, max_items=limits.JSON_BODY_MAX_ITEMS,
                                             max_values=limits.JSON_BODY_MAX_VALUES)
            except InvalidInput as exc:
                # FastAPI turns any other exception raised while reading the body into a bare 400.
                raise HTTPException(400, detail=exc.message) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """An :class:`APIRoute` that hands its handler a :class:`StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        keyed = self.body_field is not None and _takes_key(self.dependant)

        async def strict(request: Request) -> Response:
            request = StrictJsonRequest(request.scope, request.receive)
            if keyed:  # the key dependency then finds it checked: one crossing to the pool either way
                await run_in_threadpool(deps.authenticated, request, request.app.state.services)
            return await handler(request)

        return strict


def _takes_key(dependant: Dependant) -> bool:
    pending = [dependant]
    while pending:
        node = pending.pop()
        if node.call is deps.authenticate:
            return True
        pending.extend(node.dependencies)
    return False
