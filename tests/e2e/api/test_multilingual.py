"""The API in every script (issue 42): text round-trips unchanged, keyword search finds it, and a store says when
the on-device pipeline did not read a memory's language."""

import pytest


@pytest.fixture
def c(api):
    with api.client(api.beta) as client:
        yield client


def test_store_says_extraction_was_skipped_only_for_text_the_pipeline_does_not_read(c):
    german = c.post("/v1/memories", json={"content": "Unser Hund schläft gern neben dem Kühlschrank"})
    english = c.post("/v1/memories", json={"content": "Our dog sleeps next to the fridge"})
    assert german.status_code == english.status_code == 201
    assert "'de'" in german.json()["extraction_skipped"] and english.json()["extraction_skipped"] is None


@pytest.mark.parametrize("content,query", [
    ("会议在東京 👩🏽‍💻 مَرْحَبًا \u200fשלום", "会议"),
    ("昨日は友達と寿司を食べました 🍣", "寿司"),
    ("मेरी बहन दिल्ली में डॉक्टर है", "दिल्ली"),
])
def test_keyword_search_over_http_returns_the_text_as_stored(c, content, query):
    stored = c.post("/v1/memories", json={"content": content}).json()
    hits = c.post("/v1/memories/search", json={"query": query, "search_mode": "keyword"}).json()["data"]
    assert [h["memory"]["id"] for h in hits] == [stored["id"]]
    assert hits[0]["memory"]["content"] == content == c.get(f"/v1/memories/{stored['id']}").json()["content"]
