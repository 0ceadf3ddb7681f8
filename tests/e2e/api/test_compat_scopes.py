"""Every compatibility route asks for exactly the scope its native twin asks for.

The walk covers every route of every profile router (and the native routes the MemoryRelay profile
re-mounts): a route missing from TWINS fails, so a new route must name its twin. Routes with no native
counterpart name the native route that does the same kind of thing (a read of memories, a write).
"""

from __future__ import annotations

import inspect

import pytest

from fastapi import APIRouter

from memvault.api import admin, bundles, conversations, entities, native
from memvault.api.compat import (
    azen,
    memoryrelay,
    memoryrelay_more,
    memsync,
    sendryx,
    statebase,
    statebase_sessions,
)

READ_ONE, WRITE_ONE = ("GET", "/v1/memories/{memory_id}"), ("PATCH", "/v1/memories/{memory_id}")
CREATE, SEARCH, LIST = ("POST", "/v1/memories"), ("POST", "/v1/memories/search"), ("GET", "/v1/memories")
DELETE = ("DELETE", "/v1/memories/{memory_id}")
MR, SB = "/compat/memoryrelay", "/compat/statebase"
TWINS: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/compat/azen/api/v1/memory"): CREATE,
    ("GET", "/compat/azen/api/v1/memory/{memory_id}"): READ_ONE,
    ("GET", "/compat/azen/api/v1/memory"): LIST,
    ("POST", "/compat/azen/api/v1/memory/search"): SEARCH,
    ("DELETE", "/compat/azen/api/v1/memory/{memory_id}"): DELETE,
    ("GET", "/compat/azen/api/v1/usage"): ("GET", "/v1/usage"),
    ("POST", f"{MR}/v1/memories"): CREATE,
    ("POST", f"{MR}/v1/memories/batch"): ("POST", "/v1/memories/batch"),
    ("POST", f"{MR}/v1/memories/search"): SEARCH,
    ("POST", f"{MR}/v1/memories/context"): SEARCH,
    ("POST", f"{MR}/v1/memories/maintenance"): WRITE_ONE,
    ("GET", f"{MR}/v1/memories"): LIST,
    ("GET", f"{MR}/v1/memories/{{memory_id}}"): READ_ONE,
    ("PATCH", f"{MR}/v1/memories/{{memory_id}}"): WRITE_ONE,
    ("PUT", f"{MR}/v1/memories/{{memory_id}}"): WRITE_ONE,
    ("DELETE", f"{MR}/v1/memories/{{memory_id}}"): DELETE,
    ("PUT", f"{MR}/v1/memories/{{memory_id}}/importance"): WRITE_ONE,
    ("POST", f"{MR}/v2/memories"): CREATE,
    ("GET", f"{MR}/v2/memories/{{memory_id}}/status"): READ_ONE,
    ("POST", f"{MR}/v1/agents"): CREATE,
    ("GET", f"{MR}/v1/agents"): LIST,
    ("GET", f"{MR}/v1/agents/{{agent_id}}"): READ_ONE,
    ("PUT", f"{MR}/v1/agents/{{agent_id}}"): WRITE_ONE,
    ("DELETE", f"{MR}/v1/agents/{{agent_id}}"): DELETE,
    ("GET", f"{MR}/v1/entities"): ("GET", "/v1/entities"),
    ("POST", f"{MR}/v1/entities"): CREATE,
    ("GET", f"{MR}/v1/entities/{{entity_id}}"): ("GET", "/v1/entities/{entity_id}/memories"),
    ("PUT", f"{MR}/v1/entities/{{entity_id}}"): WRITE_ONE,
    ("DELETE", f"{MR}/v1/entities/{{entity_id}}"): DELETE,
    ("POST", f"{MR}/v1/entities/links"): WRITE_ONE,
    ("GET", f"{MR}/v1/entities/{{entity_id}}/relationships"): ("GET", "/v1/entities/{entity_id}/memories"),
    ("GET", f"{MR}/v1/entities/{{entity_id}}/neighborhood"): ("GET", "/v1/entities/{entity_id}/memories"),
    ("POST", f"{MR}/v1/memories/{{memory_id}}/extract-entities"): WRITE_ONE,
    ("GET", f"{MR}/v1/memories/{{memory_id}}/extraction-status"): READ_ONE,
    ("POST", f"{MR}/v1/memories/backfill-entities"): WRITE_ONE,
    ("GET", f"{MR}/v1/extraction/settings"): ("GET", "/v1/stats"),
    ("POST", f"{MR}/v1/extraction/keys"): WRITE_ONE,
    ("POST", f"{MR}/v1/extraction/keys/deactivate-all"): WRITE_ONE,
    ("POST", f"{MR}/v1/extraction/keys/{{key_id}}/activate"): WRITE_ONE,
    ("DELETE", f"{MR}/v1/extraction/keys/{{key_id}}"): WRITE_ONE,
    ("POST", "/compat/memsync/v1/memories"): ("POST", "/v1/conversations"),
    ("GET", "/compat/memsync/v1/memories"): LIST,
    ("POST", "/compat/memsync/v1/memories/search"): SEARCH,
    ("GET", "/compat/memsync/v1/profile"): LIST,
    ("GET", "/compat/memsync/profile"): LIST,
    ("POST", "/compat/sendryx/v1/memory"): CREATE,
    ("GET", "/compat/sendryx/v1/memory/search"): ("GET", "/v1/memories"),
    ("GET", "/compat/sendryx/v1/memory"): LIST,
    # Forget by id; forgetting everything (wipe) asks for admin as DELETE /v1/namespaces does (tested below).
    ("DELETE", "/compat/sendryx/v1/memory"): DELETE,
    ("POST", "/compat/sendryx/v1/memory/forget"): DELETE,
    ("GET", "/compat/sendryx/v1/memory/stats"): ("GET", "/v1/stats"),
    ("GET", "/compat/sendryx/v1/memory/usage"): ("GET", "/v1/stats"),
    ("GET", f"{SB}/health"): ("GET", "/healthz"),
    ("POST", f"{SB}/v1/sessions"): CREATE,
    ("GET", f"{SB}/v1/sessions"): LIST,
    ("GET", f"{SB}/v1/sessions/{{session_id}}"): READ_ONE,
    ("DELETE", f"{SB}/v1/sessions/{{session_id}}"): DELETE,
    ("POST", f"{SB}/v1/sessions/{{session_id}}/context"): SEARCH,
    ("POST", f"{SB}/v1/sessions/{{session_id}}/turns"): CREATE,
    ("GET", f"{SB}/v1/sessions/{{session_id}}/turns"): LIST,
    ("GET", f"{SB}/v1/sessions/{{session_id}}/state"): READ_ONE,
    ("PATCH", f"{SB}/v1/sessions/{{session_id}}/state"): WRITE_ONE,
    ("POST", f"{SB}/v1/sessions/{{session_id}}/state/rollback"): WRITE_ONE,
    ("POST", f"{SB}/v1/sessions/{{session_id}}/fork"): CREATE,
}
for _path in ("/v1/memory", "/v1/memories"):
    TWINS.update({("POST", f"{SB}{_path}"): CREATE, ("POST", f"{SB}{_path}/search"): SEARCH,
                  ("GET", f"{SB}{_path}"): LIST, ("GET", f"{SB}{_path}/{{memory_id}}"): READ_ONE,
                  ("PATCH", f"{SB}{_path}/{{memory_id}}"): WRITE_ONE, ("DELETE", f"{SB}{_path}/{{memory_id}}"): DELETE})

PROFILE_ROUTERS = (azen, memoryrelay, memoryrelay_more, memsync, sendryx, statebase, statebase_sessions)
NATIVE_ROUTERS = (admin, bundles, conversations, entities, native)


def required(dependant) -> frozenset[str]:
    """The scopes a route's dependencies check (``key``: any valid key), found by walking them."""
    found: set[str] = set()
    stack = [dependant]
    while stack:
        dep = stack.pop()
        call = dep.call
        if call is not None and getattr(call, "__closure__", None):
            scope = inspect.getclosurevars(call).nonlocals.get("scope")
            if scope is not None:
                found.add(scope.value)
        if getattr(call, "__name__", "") == "authenticate":
            found.add("key")
        stack.extend(dep.dependencies)
    return frozenset(found)


def _table(modules) -> dict[tuple[str, str], frozenset[str]]:
    # (admin's health check, which takes no key, is a router of its own)
    routers = [r for m in modules for r in (m.router, getattr(m, "health", None)) if isinstance(r, APIRouter)]
    return {(method, route.path): required(route.dependant)
            for router in routers for route in router.routes for method in route.methods}


def test_every_profile_route_asks_for_its_native_twins_scope():
    profile, natives = _table(PROFILE_ROUTERS), _table(NATIVE_ROUTERS)
    assert len(profile) >= 70  # the walk found the routers' routes
    assert set(profile) - set(TWINS) == set(), "a profile route without a named native twin"
    assert set(TWINS) - set(profile) == set(), "a twin named for a route that does not exist"
    wrong = {route: (profile[route], twin, natives[twin]) for route, twin in TWINS.items()
             if profile[route] != natives[twin]}
    assert wrong == {}
    # The native routes the MemoryRelay profile re-mounts keep their scopes by construction (same functions).


@pytest.mark.parametrize("where", [{"json": {"wipe": True}}, {"params": {"wipe": "true"}}])
def test_sendryx_wipe_needs_admin_like_deleting_a_namespace(api, where):
    _, rw = api.services.keys.create("wipe-probe", "read,write")
    _, admin_key = api.services.keys.create("wipe-probe", "read,write,admin")
    with api.client(rw) as c, api.client(admin_key) as a:
        c.post("/compat/sendryx/v1/memory", json={"content": "keep me"})
        assert c.delete("/v1/namespaces/wipe-probe", params={"confirm": "wipe-probe"}).status_code == 403
        refused = c.post("/compat/sendryx/v1/memory/forget", **where)
        assert refused.status_code == 403 and refused.json()["success"] is False
        assert c.get("/compat/sendryx/v1/memory").json()["total"] == 1
        assert a.post("/compat/sendryx/v1/memory/forget", **where).json()["wiped"] is True
        assert c.get("/compat/sendryx/v1/memory").json()["total"] == 0
