"""Connections: slow or idle clients are timed out, open connections are capped, binding checks addresses.

Raw sockets on 127.0.0.1 with short deadlines patched in; every loop is bounded.
"""

import ipaddress
import json
import socket
import time

import httpx
import pytest

from memvault.api import server as server_module
from memvault.api.connections import GuardedH11Protocol
from memvault.api.server import ApiServer, is_loopback
from memvault.domain.errors import InvalidInput

# Real subprocesses, kills or timeouts of many seconds: the slow tier (the long versions are -m long).
pytestmark = pytest.mark.slow


@pytest.fixture
def short_deadlines(monkeypatch):
    monkeypatch.setattr(GuardedH11Protocol, "head_timeout", 1.0)
    monkeypatch.setattr(GuardedH11Protocol, "body_idle_timeout", 1.0)


def connect(api) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", int(api.url.rsplit(":", 1)[1])), timeout=10)
    s.settimeout(10)
    return s


def read_until_closed(s: socket.socket, limit: float = 10.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started, data = time.monotonic(), b""
    while time.monotonic() - started < limit:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed(api, short_deadlines):
    with connect(api) as s:
        data, took = read_until_closed(s)
    assert took < 5 and (data == b"" or data.startswith(b"HTTP/1.1 408"))


def test_a_trickled_request_head_is_cut_off(api, short_deadlines):
    with connect(api) as s:
        started = time.monotonic()
        closed = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
            try:
                s.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.05)
            if time.monotonic() - started > 6:
                break
        data, _ = read_until_closed(s, 5)
    assert closed or data.startswith(b"HTTP/1.1 408"), data[:200]
    assert time.monotonic() - started < 10


def test_a_half_sent_body_gets_408_and_the_connection_closes(api, short_deadlines):
    with connect(api) as s:
        s.sendall(b"POST /v1/memories HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + api.alpha.encode()
                  + b"\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"content\": ")
        data, took = read_until_closed(s)
    assert took < 5
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), data[:200]
    assert json.loads(body)["error"]["code"] == "request_timeout"


def test_many_half_open_connections_do_not_outlive_their_deadline(api, short_deadlines):
    sockets = [connect(api) for _ in range(30)]
    try:
        for s in sockets:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        time.sleep(2.5)
        for s in sockets:
            _, took = read_until_closed(s, 3)
            assert took < 3
        assert httpx.get(f"{api.url}/healthz").status_code == 200
    finally:
        for s in sockets:
            s.close()


def test_connections_beyond_the_cap_get_503(api, monkeypatch):
    monkeypatch.setattr(GuardedH11Protocol, "max_connections", 4)
    held = [connect(api) for _ in range(4)]
    try:
        time.sleep(0.2)
        with connect(api) as extra:
            data, _ = read_until_closed(extra, 5)
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503") and b"retry-after: 1" in head.lower()
        assert json.loads(body)["error"]["code"] == "too_many_connections"
    finally:
        for s in held:
            s.close()
    time.sleep(0.3)
    assert httpx.get(f"{api.url}/healthz").status_code == 200


def test_idle_keep_alive_connections_are_closed(api):
    with connect(api) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data, took = read_until_closed(s, 15)
    assert data.startswith(b"HTTP/1.1 200") and took < 10


def test_the_mcp_endpoint_holds_no_event_stream_open(api):
    r = httpx.get(f"{api.url}/mcp", headers={"Authorization": f"Bearer {api.alpha}", "Accept": "text/event-stream"},
                  timeout=10)
    assert r.status_code == 405 and "POST" in r.headers["allow"]


def test_loopback_is_decided_by_resolved_addresses(monkeypatch):
    """Every name is answered here: the machine's /etc/hosts and DNS (absent on a bare root) play no part."""
    names = {
        "127.evil.test": ["93.184.216.34"],
        "mixed.test": ["127.0.0.1", "10.0.0.7"],
        "me.test": ["127.0.0.1"],
        "localhost": ["127.0.0.1", "::1"],
    }
    asked = []

    def fake(host, *args, **kwargs):
        asked.append(host)
        try:
            ipaddress.ip_address(host)
            return [(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, 0))]
        except ValueError:
            pass
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0))
                for a in names[host]]

    monkeypatch.setattr(server_module.socket, "getaddrinfo", fake)
    assert not is_loopback("127.evil.test") and not is_loopback("mixed.test")
    assert is_loopback("me.test") and is_loopback("127.0.0.2") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("no-such-host.invalid")
    assert {"127.evil.test", "mixed.test", "me.test", "localhost", "no-such-host.invalid"} <= set(asked)


def test_binding_a_name_that_resolves_elsewhere_needs_allow_remote(api, monkeypatch):
    def fake(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]

    monkeypatch.setattr(server_module.socket, "getaddrinfo", fake)
    with pytest.raises(InvalidInput, match="allow-remote"):
        ApiServer(api.services, host="127.evil.test", port=0)
