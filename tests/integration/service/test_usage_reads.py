"""Usage read while the background loop is writing the counters: the read waits for that write."""

from __future__ import annotations

import threading

from memvault.vault import api_keys as api_key_rows


def test_a_read_during_a_flush_in_flight_sees_what_that_flush_writes(services, monkeypatch):
    key, _secret = services.keys.create("usage", "read,write")
    services.usage.record(key.id, calls=3, errors=1)
    writing, release = threading.Event(), threading.Event()
    real = api_key_rows.add_usage

    def slow_add_usage(conn, rows):
        writing.set()
        assert release.wait(10)
        real(conn, rows)

    monkeypatch.setattr(api_key_rows, "add_usage", slow_add_usage)
    background = threading.Thread(target=services.usage.flush)  # as the background loop flushes
    background.start()
    assert writing.wait(10)  # the counters are taken and not yet written
    read: list = []
    reader = threading.Thread(target=lambda: read.extend(services.usage.usage([key.id])))
    reader.start()
    reader.join(0.5)
    assert reader.is_alive()  # it waits for the write in flight instead of reading before it
    release.set()
    background.join(10)
    reader.join(10)
    [today] = read
    assert (today.calls, today.errors) == (3, 1)
