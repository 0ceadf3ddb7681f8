"""The API's uvicorn server stops when told, not at its next look (every lock of the desktop app stops one)."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest
import uvicorn
import uvicorn.server

from memvault.api.server import PromptServer


class _App:
    """A bare ASGI app that says hello and records its lifespan's events."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].removeprefix("lifespan.")
                self.events.append(kind)
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"hello"})


class _Sleeps:
    """``asyncio`` as uvicorn's server module sees it, with each ``sleep`` recorded."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __getattr__(self, name):
        return getattr(asyncio, name)

    async def sleep(self, delay, *args):
        self.seconds.append(delay)
        return await asyncio.sleep(delay, *args)


@pytest.fixture
def sleeps(monkeypatch) -> _Sleeps:
    recorded = _Sleeps()
    monkeypatch.setattr(uvicorn.server, "asyncio", recorded)
    return recorded


def _serve(app: _App) -> tuple[PromptServer, threading.Thread, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = PromptServer(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not (server.started or not thread.is_alive()):
        started.wait(0.01)
    assert server.started
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_stop_wakes_the_main_loop_at_once(monkeypatch):
    # A tick of a minute: a loop that only looked at should_exit on its ticks would outlive the join below.
    monkeypatch.setattr(PromptServer, "TICK", 60.0)
    app = _App()
    server, thread, url = _serve(app)
    assert httpx.get(url).text == "hello"
    server.exit_soon()
    thread.join(20)
    assert not thread.is_alive()
    assert app.events == ["startup", "shutdown"]


def test_an_idle_server_shuts_down_without_a_grace_period(sleeps):
    app = _App()
    server, thread, url = _serve(app)
    with httpx.Client() as client:
        assert client.get(url).text == "hello"
    # The client closed its connection: nothing is open when the stop comes.
    while server.server_state.connections:
        threading.Event().wait(0.01)
    server.exit_soon()
    thread.join(20)
    assert not thread.is_alive()
    assert sleeps.seconds == []
    assert app.events == ["startup", "shutdown"]


def test_an_open_connection_gets_uvicorns_grace_period_and_is_closed(sleeps):
    app = _App()
    server, thread, url = _serve(app)
    with httpx.Client() as client:
        assert client.get(url).text == "hello"  # kept alive
        assert server.server_state.connections
        server.exit_soon()
        thread.join(20)
        assert not thread.is_alive()
        assert 0.1 in sleeps.seconds  # uvicorn's own shutdown ran, with its grace period for the connection
        with pytest.raises(httpx.TransportError):
            client.get(url)
    assert app.events == ["startup", "shutdown"]
