"""A request crosses to the thread pool only for work that blocks: each crossing is a wake-up of a pool thread
and of the event loop, which under 16 clients on two cores queues behind every other thread wanting the CPU."""

from __future__ import annotations

import anyio.to_thread
import pytest


@pytest.fixture
def hops(monkeypatch):
    """The functions a request runs on the thread pool, in order."""
    ran: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        ran.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return ran


def test_a_read_by_id_crosses_to_the_pool_only_to_authenticate_read_and_check_its_answer(api, hops):
    with api.client(api.alpha) as c:
        created = c.post("/v1/memories", json={"content": "the deploy runs on Fridays"})
        assert created.status_code == 201, created.text
        hops.clear()
        got = c.get(f"/v1/memories/{created.json()['id']}")
    assert got.status_code == 200
    # The key's lookup (a database read), the route, and FastAPI's check of the route's answer; the services'
    # lookup and the scope check run on the event loop.
    assert len(hops) == 3, hops
    assert "authenticate" in hops[0]


def test_a_key_without_the_scope_is_still_refused(api):
    with api.client(api.alpha_wo) as c:
        refused = c.get("/v1/memories/mem_0000000000000000")
    assert refused.status_code == 403
