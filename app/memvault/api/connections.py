"""HTTP connections with deadlines: no client holds a connection it is not using.

uvicorn times out idle keep-alive connections but not a connection that never
finishes its request (slowloris), one that stops sending its body halfway, or
one that stops reading the response; and it accepts connections without
limit. :class:`GuardedH11Protocol` adds those deadlines and a cap, and answers
in the JSON envelope where an answer is still possible.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds from a connection's first byte (or its opening) to a complete request head.
HEAD_TIMEOUT = 10.0
#: Longest silence while a request body is arriving.
BODY_IDLE_TIMEOUT = 15.0
#: Longest time a client may leave a response unread (the server's send buffer full).
WRITE_TIMEOUT = 30.0
#: Idle keep-alive connections are closed after this many seconds (uvicorn's own timer).
KEEP_ALIVE_TIMEOUT = 5
#: Open connections at most; one more is answered 503 and closed at once.
MAX_CONNECTIONS = 64
#: Largest request head (request line and headers) in bytes.
MAX_HEAD_BYTES = 64 * 1024


def raw_response(status: int, reason: str, code: str, message: str, retry_after: int | None = None) -> bytes:
    """A complete HTTP/1.1 error response in the native envelope, for answering outside any request cycle."""
    body = json.dumps({"error": {"code": code, "message": message, "status": status}}).encode()
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json", f"content-length: {len(body)}",
            "connection: close"]
    if retry_after is not None:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


_TOO_MANY = raw_response(503, "Service Unavailable", "too_many_connections",
                         f"more than {MAX_CONNECTIONS} connections are open; retry shortly", retry_after=1)
_TOO_SLOW = raw_response(408, "Request Timeout", "request_timeout",
                         "the request was not received in time; send it whole, then wait for the answer")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read and write deadlines and a connection cap."""

    head_timeout = HEAD_TIMEOUT
    body_idle_timeout = BODY_IDLE_TIMEOUT
    write_timeout = WRITE_TIMEOUT
    max_connections = MAX_CONNECTIONS

    _read_timer: asyncio.TimerHandle | None = None
    _write_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.write(_TOO_MANY)
            transport.close()
            return
        self._arm_read(self.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read()
        self._cancel_write()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm_read(self.body_idle_timeout)  # restarted by every chunk
        elif state is h11.IDLE:
            if self._read_timer is None:  # the first bytes of a head: its deadline runs from here
                self._arm_read(self.head_timeout)
        else:
            self._cancel_read()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.write_timeout, self._abort)

    def resume_writing(self) -> None:
        self._cancel_write()
        super().resume_writing()

    def _arm_read(self, seconds: float) -> None:
        self._cancel_read()
        self._read_timer = self.loop.call_later(seconds, self._read_expired)

    def _cancel_read(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _cancel_write(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _read_expired(self) -> None:
        self._read_timer = None
        if self.transport.is_closing() or self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            return
        if self.flow.read_paused:
            # We stopped reading (the app is busy with what it has): not the client's delay.
            self._arm_read(self.body_idle_timeout)
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_TOO_SLOW)
        self._abort()

    def _abort(self) -> None:
        write_stuck = self._write_timer is not None or self.flow.write_paused
        self._write_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            # The app sees the client gone (``http.disconnect``) instead of waiting on it.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        if write_stuck:
            self.transport.abort()  # close() would wait for a client that does not read
        elif not self.transport.is_closing():
            self.transport.close()
