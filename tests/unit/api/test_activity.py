"""Each HTTP request counts as foreground work from its arrival until its answer starts."""

import asyncio
from types import SimpleNamespace

import pytest

from memvault.api.server import _Activity
from memvault.service.foreground import Foreground


def _run(app, foreground):
    server = SimpleNamespace(last_request=0.0)
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message["type"])

    asyncio.run(_Activity(app, server, foreground)({"type": "http"}, receive, send))
    return server, sent


def test_a_request_is_foreground_until_its_response_starts_not_while_it_streams():
    now = [100.0]
    foreground = Foreground(clock=lambda: now[0])
    seen = {}

    async def streaming_app(scope, receive, send):
        seen["before"] = foreground.busy()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        now[0] += 1.0  # past the grace period: a long-lived stream (MCP events) holds nothing back
        seen["streaming"] = foreground.busy()
        await send({"type": "http.response.body", "body": b"x", "more_body": False})

    server, sent = _run(streaming_app, foreground)
    assert seen == {"before": True, "streaming": False}
    assert sent == ["http.response.start", "http.response.body"] and server.last_request > 0
    now[0] += 1.0
    assert not foreground.busy()


def test_a_request_that_fails_before_answering_is_not_counted_for_ever():
    now = [100.0]
    foreground = Foreground(clock=lambda: now[0])

    async def failing_app(scope, receive, send):
        assert foreground.busy()
        raise RuntimeError("the app broke")

    with pytest.raises(RuntimeError, match="the app broke"):
        _run(failing_app, foreground)
    now[0] += 1.0
    assert not foreground.busy()
