"""POST /v1/conversations keeps each person's facts apart: no cross-person dedup or supersession."""

from __future__ import annotations

import pytest


def _said_by(person: str, text: str, cid: str) -> dict:
    return {"messages": [{"role": "user", "content": text}], "user_id": person, "conversation_id": cid,
            "occurred_at": 1782892800.0, "wait": True}


def test_one_persons_facts_never_supersede_or_dedupe_anothers(api):
    with api.client(api.beta) as c:
        anna = c.post("/v1/conversations", json=_said_by("anna", "I live in Lisbon and I work at Siemens.", "a1"))
        ben = c.post("/v1/conversations", json=_said_by("ben", "I live in Porto and I work at Siemens.", "b1"))
        assert anna.status_code == ben.status_code == 200
        assert anna.json()["result"]["memories_extracted"] == 2
        result = ben.json()["result"]
        assert result["memories_extracted"] == 2 and result["superseded"] == [] and result["duplicates"] == []
        for fact in anna.json()["result"]["facts"]:
            assert "superseded_by" not in c.get(f"/v1/memories/{fact['id']}").json()["metadata"]


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_two_named_people_and_the_date_over_rest_and_mcp(api):
    import anyio
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    chat = [{"role": "user", "name": "Ines", "content": "I adopted a kitten yesterday."},
            {"role": "assistant", "name": "Bruno", "content": "Lovely! I moved to Braga last week."}]
    with api.client(api.beta) as c:
        r = c.post("/v1/conversations", json={"messages": chat, "occurred_at": 1700000000.0, "wait": True})
        assert r.status_code == 200, r.text
        assert [f["content"] for f in r.json()["result"]["facts"]] == [
            "Ines adopted a kitten on 13 November 2023", "Bruno moved to Braga in the week of 6 November 2023"]
        bad = c.post("/v1/conversations", json={"messages": [{"role": "user", "content": "hi", "name": 7}]})
        assert bad.status_code in (400, 422)
    _, secret = api.services.keys.create("people-mcp", "read,write")

    async def main():
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {secret}"})
        async with Client(streamable_http_client(f"{api.url}/mcp", http_client=http)) as client:
            return await client.call_tool("remember_conversation", {
                "messages": [{"role": "user", "content": "I started a new job yesterday."}],
                "occurred_at": 1700000000.0, "user_id": "k-1", "user_name": "Kari"})

    told = anyio.run(main)
    assert not told.is_error, told.content
    data = told.structured_content.get("result", told.structured_content)
    assert [f["content"] for f in data["facts"]] == ["Kari started a new job on 13 November 2023"]
    assert api.services.memories.get(data["facts"][0]["id"], "people-mcp").user_id == "k-1"


def test_each_fact_in_the_result_says_whose_it_is(api):
    chat = [{"role": "user", "name": "Ines", "content": "I teach chemistry in Faro."},
            {"role": "assistant", "name": "Bruno", "content": "I repair boats in Sagres."}]
    with api.client(api.beta) as c:
        r = c.post("/v1/conversations", json={"messages": chat, "user_id": "ines-1", "wait": True})
        assert [(f["person"], f["person_id"]) for f in r.json()["result"]["facts"]] == [
            ("Ines", "ines-1"), ("Bruno", "Bruno")]


def test_the_people_route_lists_the_keys_namespace_only(api):
    _, secret = api.services.keys.create("people-route", "read,write")
    with api.client(api.beta) as c:
        assert c.post("/v1/conversations", json=_said_by("carla", "I live in Faro.", "c")).status_code == 200
    with api.client(secret) as c:
        for person, text in (("anna", "I live in Lisbon and I work at Siemens."), ("ben", "I live in Porto.")):
            assert c.post("/v1/conversations", json=_said_by(person, text, person)).status_code == 200
        r = c.get("/v1/people")
        assert r.status_code == 200, r.text
        assert [(p["person_id"], p["facts"]) for p in r.json()["data"]] == [("anna", 2), ("ben", 1)]
        assert all(p["name"] is None and p["last_seen"] > 0 for p in r.json()["data"])
        assert c.get("/v1/people", params={"namespace": "someone-else"}).status_code == 403


def test_facts_stored_before_the_users_name_was_known_take_it_over_http(api):
    def chat(text: str, cid: str, user_id: str = "u1") -> dict:
        return {"messages": [{"role": "user", "content": text}], "user_id": user_id, "conversation_id": cid,
                "occurred_at": 1782892800.0, "wait": True}

    with api.client(api.beta) as c:
        first = c.post("/v1/conversations", json=chat("I moved to Zurich in March.", "r1")).json()["result"]
        other = c.post("/v1/conversations", json=chat("I live in Basel.", "r2", "u2")).json()["result"]
        [moved], [basel] = (r["facts"] for r in (first, other))
        assert moved["content"] == "The user moved to Zurich in March 2026"
        named = c.post("/v1/conversations", json=chat("Hi, I'm Marta and I work at Siemens.", "r3"))
        assert named.status_code == 200, named.text
        result = named.json()["result"]
        assert (result["user_name"], result["renamed"]) == ("Marta", [moved["id"]])
        got = c.get(f"/v1/memories/{moved['id']}").json()
        assert got["content"] == "Marta moved to Zurich in March 2026" and got["metadata"]["fact"]["person"] == "Marta"
        assert c.get(f"/v1/memories/{basel['id']}").json()["content"] == "The user lives in Basel"
        found = c.post("/v1/memories/search", json={"query": "Marta", "search_mode": "keyword"}).json()
        assert moved["id"] in [h["memory"]["id"] for h in found["data"]]
