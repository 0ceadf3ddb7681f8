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


def test_a_read_by_id_crosses_to_the_pool_only_to_authenticate_and_to_read(api, hops):
    with api.client(api.alpha) as c:
        created = c.post("/v1/memories", json={"content": "the deploy runs on Fridays"})
        assert created.status_code == 201, created.text
        hops.clear()
        got = c.get(f"/v1/memories/{created.json()['id']}")
    assert got.status_code == 200 and got.json()["content"] == "the deploy runs on Fridays"
    # The key's lookup and the memory's read (database reads); the services' lookup, the scope check and the
    # check of the answer against its model run on the event loop.
    assert len(hops) == 2, hops
    assert "authenticate" in hops[0]


def test_a_store_crosses_to_the_pool_only_to_authenticate_and_to_store(api, hops):
    with api.client(api.alpha) as c:
        created = c.post("/v1/memories", json={"content": "the deploy runs on Fridays"})
    assert created.status_code == 201, created.text
    assert created.json()["content"] == "the deploy runs on Fridays" and created.json()["created"] is True
    # The check of the answer against its model runs on the event loop (a plain route checked it on the pool).
    assert len(hops) == 2, hops
    assert "authenticate" in hops[0]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_search_and_a_page_of_the_list_cross_to_the_pool_twice(api, hops, mode):
    with api.client(api.alpha) as c:
        assert c.post("/v1/memories", json={"content": "the billing service deploys on Fridays"}).status_code == 201
        api.drain()
        hops.clear()
        found = c.post("/v1/memories/search", json={"query": "billing deploys", "search_mode": mode})
        assert found.status_code == 200, found.text
        assert any("billing" in hit["memory"]["content"] for hit in found.json()["data"])
        assert len(hops) == 2, hops
        hops.clear()
        page = c.get("/v1/memories", params={"limit": 5})
    assert page.status_code == 200 and page.json()["data"]
    assert len(hops) == 2, hops


def test_a_key_without_the_scope_is_still_refused(api):
    with api.client(api.alpha_wo) as c:
        refused = c.get("/v1/memories/mem_0000000000000000")
    assert refused.status_code == 403


def test_the_servers_connections_send_without_waiting_for_acks(services):
    """TCP_NODELAY on every accepted connection: an answer is written as its head and then its body, and without
    it the body waited for the client's delayed ACK of the head (~40 ms a request on Linux, measured from the
    answer's last write to the client's read)."""
    import socket

    from memvault.api.server import ApiServer

    server = ApiServer(services, port=0)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.sendall(b"GET /v1/memories HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(65536).startswith(b"HTTP/1.1 401")
            accepted = [c.transport.get_extra_info("socket") for c in server._server.server_state.connections]
            assert accepted
            assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted)
    finally:
        server.stop()
