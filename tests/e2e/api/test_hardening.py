"""Issue 38: requests that cost a core, keys that do more than their scope, a damaged or vanished vault."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from memvault.domain import limits


def cpu_of(send) -> tuple[httpx.Response, float]:
    """The response and the CPU seconds this process (server threads included: it runs in-process) spent."""
    started = time.process_time()
    r = send()
    return r, time.process_time() - started


def refused_cheaply(r: httpx.Response, cpu: float, budget: float = 0.6) -> dict:
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert cpu < budget, f"refusing it cost {cpu:.2f} CPU-s"
    return r.json()["error"]


@pytest.fixture
def c(api):
    with api.client(api.alpha) as client:
        yield client


def post_raw(c: httpx.Client, path: str, body: object) -> httpx.Response:
    return c.post(path, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def test_a_hundred_thousand_tags_are_refused_in_milliseconds(c):
    body = {"content": "tags", "tags": [f"tag-{i}" for i in range(100_000)]}
    r, cpu = cpu_of(lambda: post_raw(c, "/v1/memories", body))
    assert f"at most {limits.TAGS_MAX} tags" in refused_cheaply(r, cpu, 0.3)["message"]
    created = c.post("/v1/memories", json={"content": "tags", "tags": [f"t{i}" for i in range(60)]})
    assert created.status_code == 400
    m = c.post("/v1/memories", json={"content": "tags", "tags": ["a", "a", " a ", "b"]}).json()
    r, cpu = cpu_of(lambda: c.patch(f"/v1/memories/{m['id']}", json={"tags": [f"t{i}" for i in range(100_000)]}))
    refused_cheaply(r, cpu, 0.3)
    assert c.get(f"/v1/memories/{m['id']}").json()["tags"] == ["a", "b"]


@pytest.mark.parametrize("path, body, field", [
    ("/v1/memories/batch", {"memories": [{"content": "a"}] * 300_000}, "memories"),
    ("/v1/memories/search", {"query": "q", "tags": [f"t{i}" for i in range(300_000)]}, "tags"),
    ("/v1/memories/search", {"query": "q", "memory_types": ["fact"] * 300_000}, "memory_types"),
    ("/v1/memories", {"content": "m", "metadata": {f"k{i}": i for i in range(300_000)}}, "metadata"),
    ("/v1/memories/search", {"query": "q", "metadata_filter": {f"k{i}": i for i in range(300_000)}},
     "metadata_filter"),
    ("/v1/conversations", {"messages": [{"role": "user", "content": "hi"}] * 300_000}, "messages"),
])
def test_every_oversized_list_is_refused_before_its_items_are_read(c, path, body, field):
    r, cpu = cpu_of(lambda: post_raw(c, path, body))
    assert field in refused_cheaply(r, cpu)["message"]
