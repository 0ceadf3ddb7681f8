"""Sixteen agents storing and searching at once: no lock errors, no lost writes."""

import os
import random
import threading
import time

CLIENTS = 16
SECONDS = float(os.environ.get("MEMVAULT_SOAK_SECONDS", "30"))


def test_concurrent_clients_lose_nothing(api):
    _, secret = api.services.keys.create("soak", "read,write", per_minute=1_000_000, per_hour=1_000_000)
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def agent(n: int) -> None:
        rng = random.Random(n)
        with api.client(secret) as c:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                if rng.random() < 0.6:
                    r = c.post("/v1/memories", json={"content": f"agent {n} note {i}: {rng.random()}",
                                                     "agent_id": f"agent-{n}", "tags": [f"t{i % 5}"]})
                    if r.status_code == 201:
                        with lock:
                            acknowledged.append(r.json()["id"])
                        continue
                else:
                    mode = rng.choice(["semantic", "keyword", "hybrid"])
                    r = c.post("/v1/memories/search", json={"query": f"note from agent {rng.randrange(16)}",
                                                            "search_mode": mode, "limit": 5})
                    if r.status_code == 200:
                        continue
                with lock:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]
    assert len(acknowledged) > CLIENTS
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
    assert stored == set(acknowledged)
