"""Sixteen agents storing and searching at once: no lock errors, no lost writes, no 5xx.

The default run lasts 15 s; ``pytest -m long`` runs 16 clients for 60 s
(``MEMVAULT_SOAK_SECONDS`` overrides either). Figures are printed (``-s``).
"""

import os
import random
import threading
import time

import pytest

from tests.helpers import wait_for

# Real subprocesses, kills or timeouts of many seconds: the slow tier (the long versions are -m long).
pytestmark = pytest.mark.slow

CLIENTS = 16


def soak(api, seconds: float) -> dict:
    _, secret = api.services.keys.create("concurrency", "read,write", per_minute=1_000_000, per_hour=1_000_000)
    acknowledged: list[str] = []
    failures: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def agent(n: int) -> None:
        rng = random.Random(n)
        with api.client(secret) as c:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                if rng.random() < 0.6:
                    r = c.post("/v1/memories", json={"content": f"agent {n} note {i}: {rng.random()}",
                                                     "agent_id": f"agent-{n}", "tags": [f"t{i % 5}"]})
                    ok = r.status_code == 201
                else:
                    mode = rng.choice(["semantic", "keyword", "hybrid"])
                    r = c.post("/v1/memories/search", json={"query": f"note from agent {rng.randrange(16)}",
                                                            "search_mode": mode, "limit": 5})
                    ok = r.status_code == 200
                with lock:
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if ok and r.status_code == 201:
                        acknowledged.append(r.json()["id"])
                    elif not ok:
                        failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored, cursor = set(), None
    with api.client(secret) as c:
        while True:
            page = c.get("/v1/memories", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
            stored.update(m["id"] for m in page["data"])
            if not page["has_more"]:
                break
            cursor = page["next_cursor"]
        for memory_id in random.Random(0).sample(acknowledged, min(50, len(acknowledged))):
            assert c.get(f"/v1/memories/{memory_id}").status_code == 200, memory_id
    try:
        wait_for(lambda: api.services.jobs.depth() == 0, timeout=120)
    except AssertionError:
        pass  # reported as stuck jobs below
    return {"clients": CLIENTS, "seconds": seconds, "requests": sum(statuses.values()),
            "acknowledged": len(acknowledged), "lost": len(set(acknowledged) - stored),
            "server_errors": sum(n for code, n in statuses.items() if code >= 500),
            "stuck_jobs": api.services.jobs.depth(), "failures": failures[:5]}


def check(figures: dict) -> None:
    print("concurrency run:", figures)
    assert not figures["failures"], figures["failures"]
    assert figures["acknowledged"] > CLIENTS
    assert figures["lost"] == 0 and figures["server_errors"] == 0 and figures["stuck_jobs"] == 0


def test_concurrent_clients_lose_nothing(api):
    check(soak(api, float(os.environ.get("MEMVAULT_SOAK_SECONDS", "15"))))


@pytest.mark.long
def test_concurrent_clients_lose_nothing_long(api):
    check(soak(api, float(os.environ.get("MEMVAULT_SOAK_SECONDS", "60"))))
