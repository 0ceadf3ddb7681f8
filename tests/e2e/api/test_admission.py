"""Requests compute one per core plus one at a time and the rest queue; long work does not take their turns."""

from __future__ import annotations

import threading

import httpx
import pytest

from memvault.api.admission import foreground_tokens
from memvault.api.server import ApiServer
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, fast_settings, wait_for


@pytest.fixture
def served(tmp_path, fake_embedder):
    services = create_vault(fast_settings(tmp_path / "vault"), PASSPHRASE, fake_embedder, background=True)
    secret = services.keys.create("default", "read,write,admin", "admission")[1]
    server = ApiServer(services, port=0)
    server.start()
    yield server, services, secret
    server.stop()
    services.close()


class Held:
    """Wraps a service call so that each call waits for :meth:`release`, counting the calls in progress."""

    def __init__(self, fn) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.running = self.most = 0

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            if not self._released.wait(30):
                raise AssertionError("never released")
            return self._fn(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1

    def release(self) -> None:
        self._released.set()


def _in_threads(count: int, send) -> tuple[list[threading.Thread], list[int]]:
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(send().status_code)) for _ in range(count)]
    for t in threads:
        t.start()
    return threads, statuses


def test_searches_beyond_one_per_core_plus_one_wait_their_turn(served, monkeypatch):
    server, services, secret = served
    tokens = foreground_tokens()
    held = Held(services.search.search)
    monkeypatch.setattr(services.search, "search", held)
    headers = {"Authorization": f"Bearer {secret}"}

    def search() -> httpx.Response:
        return httpx.post(f"{server.url}/v1/memories/search", json={"query": "deploys"}, headers=headers, timeout=60)

    threads, statuses = _in_threads(tokens + 3, search)
    try:
        limiter = server.app.state.foreground
        # Every turn is taken by a held search and the other three wait in the queue, none of them computing.
        wait_for(lambda: held.running == tokens and limiter.statistics().tasks_waiting == 3)
        assert held.most == tokens
    finally:
        held.release()
        for t in threads:
            t.join(30)
    assert statuses == [200] * (tokens + 3)
    assert held.most == tokens


STORED_AT_ONCE = {
    "native, with wait": ("/v1/conversations", {"wait": True}),
    "MemSync": ("/compat/memsync/v1/memories", {"agent_id": "a1", "thread_id": "t1"}),
}


@pytest.mark.seconds  # up to 4 s a route
@pytest.mark.parametrize("route", STORED_AT_ONCE)
def test_conversations_stored_at_once_leave_the_turns_to_quick_requests(served, monkeypatch, route):
    server, services, secret = served
    tokens = foreground_tokens()
    held = Held(services.conversations.ingest)
    monkeypatch.setattr(services.conversations, "ingest", held)
    headers = {"Authorization": f"Bearer {secret}"}
    path, extra = STORED_AT_ONCE[route]
    body = {"messages": [{"role": "user", "content": "I moved to Lisbon in March."}], **extra}

    def ingest() -> httpx.Response:
        return httpx.post(f"{server.url}{path}", json=body, headers=headers, timeout=60)

    threads, statuses = _in_threads(tokens + 1, ingest)
    try:
        # More extractions run at once than the quick requests have turns, and a read is still answered.
        wait_for(lambda: held.running == tokens + 1)
        listed = httpx.get(f"{server.url}/v1/memories", headers=headers, timeout=10)
        assert listed.status_code == 200, listed.text
    finally:
        held.release()
        for t in threads:
            t.join(60)
    assert statuses == [200] * (tokens + 1)


def test_one_turn_per_core_plus_one_for_a_request_that_waits_on_the_disk():
    assert foreground_tokens(2) == 3
    assert foreground_tokens(8) == 9
    assert foreground_tokens(0) == 2
