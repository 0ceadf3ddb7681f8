"""The compatibility profiles' default thresholds, mapped onto this model's similarity scale (real model)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryFilter, SearchQuery

pytestmark = pytest.mark.slow  # thresholds are about the real model's similarities

CAR = "The user drives an electric car"
QUESTION = "what car does the user have"


def _raw_similarity(api, namespace: str) -> float:
    hits = api.services.search.search(SearchQuery(
        QUESTION, mode=SearchMode.SEMANTIC, filter=MemoryFilter(namespace=namespace))).hits
    return next(h.score for h in hits if h.memory.content == CAR)


def test_statebase_default_finds_a_plain_answer_and_reports_it_on_its_own_scale(api):
    _, secret = api.services.keys.create("statebase-car", "read,write")
    with api.client(secret) as c:
        base = "/compat/statebase/v1/memory"
        for session, content in (("s-car", CAR), ("s-food", "Lunch with Ravi on Friday at noon")):
            assert c.post(base, json={"session_id": session, "content": content}).status_code == 201
        api.drain()
        # This model's cosine for the pair is below StateBase's 0.7: unmapped, the default would return nothing.
        assert _raw_similarity(api, "statebase-car") < 0.7
        found = c.post(f"{base}/search", json={"query": QUESTION}).json()["data"]
        assert [d["content"] for d in found] == [CAR]
        assert found[0]["score"] >= 0.7
        assert c.post(f"{base}/search", json={"query": QUESTION, "threshold": 0.99}).json()["data"] == []
        assert c.post(f"{base}/search", json={"query": QUESTION, "threshold": 1.5}).status_code == 400


def test_sendryx_default_keeps_the_answer_and_leaves_out_the_unrelated(api):
    _, secret = api.services.keys.create("sendryx-car", "read,write")
    with api.client(secret) as c:
        base = "/compat/sendryx/v1/memory"
        for content in (CAR, "Lunch with Ravi on Friday at noon"):
            assert c.post(base, json={"content": content}).status_code == 201
        api.drain()
        found = c.get(f"{base}/search", params={"query": QUESTION}).json()
        assert [r["content"] for r in found["results"]] == [CAR] and found["results"][0]["similarity"] >= 0.3
        broad = c.get(f"{base}/search", params={"query": QUESTION, "threshold": 0.0}).json()
        assert len(broad["results"]) == 2
        assert c.get(f"{base}/search", params={"query": "quantum chromodynamics lecture notes"}).json()["count"] == 0
