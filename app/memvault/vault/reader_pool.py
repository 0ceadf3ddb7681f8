"""The vault's read connections, kept checked out of their engine between reads.

Every request reads in transactions of its own (a search two or three), and SQLAlchemy's pool checkout and
checkin around each (its connection object, events and reset) cost more of the interpreter lock than most of
the reads themselves: under sixteen clients, over a tenth of the server's (``docs/benchmarks.md``). Here the
same few connections stay open, each a :class:`~sqlalchemy.Connection` the vault's statements run on, and a
read only begins and ends its transaction. The engine's own pool (as large as this one, no overflow) is left
as the factory that opens, keys and, after an invalidation, reopens them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from sqlalchemy import Connection, Engine

from memvault.domain.errors import VaultBusy, VaultError


class ReaderPool:
    """At most ``size`` connections of ``engine``; the most recently used is handed out first (its page cache
    holds what the last searches read)."""

    def __init__(self, engine: Engine, size: int, *, timeout: float = 60.0) -> None:
        self.engine = engine
        self._size = size
        self._timeout = timeout
        self._idle: list[Connection] = []
        self._open = 0
        self._closed = False
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection of this pool for the caller alone; back in the pool afterwards (closed instead when it
        was invalidated meanwhile: the engine opens a new one next time)."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give(conn)

    def _take(self) -> Connection:
        deadline = time.monotonic() + self._timeout
        with self._cond:
            while not self._idle and self._open >= self._size:
                if self._closed:
                    raise VaultError("the database is closed")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise VaultBusy("every read connection of the vault stayed busy for a minute")
                self._cond.wait(left)
            if self._closed:
                raise VaultError("the database is closed")
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return self.engine.connect()
        except BaseException:
            with self._cond:
                self._open -= 1
                self._cond.notify()
            raise

    def _give(self, conn: Connection) -> None:
        with self._cond:
            keep = not (self._closed or conn.invalidated or conn.closed)
            if keep:
                self._idle.append(conn)
            else:
                self._open -= 1
            self._cond.notify()
        if not keep:
            conn.close()

    def dispose(self) -> None:
        """Close the idle connections and the engine; one in use is closed when it comes back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for conn in idle:
            conn.close()
        self.engine.dispose()
