"""Entities over HTTP: memory objects carry them, /v1/entities lists them with counts, per namespace."""

import pytest

from tests.helpers import wait_for


@pytest.fixture
def c(api):
    with api.client(api.alpha) as client:
        yield client


def _entities_of(c, memory_id):
    body = c.get(f"/v1/memories/{memory_id}").json()
    assert "entities" in body, body
    return {(e["type"], e["value"]) for e in body["entities"]}


def test_memories_carry_entities_and_the_list_counts_them(c, api):
    made = [c.post("/v1/memories", json={"content": text}).json() for text in (
        "Greg took up fishing in Kenora", "Karen drove to Kenora for the walleye opener")]
    for m in made:
        assert m["memory_type_source"] == "default" and isinstance(m["entities"], list)
    # The pipeline loads in the background; until then the entities are queued, then linked.
    wait_for(lambda: api.services.entities.queue_depth() == 0, timeout=90)
    assert all(("location", "kenora") in _entities_of(c, m["id"]) for m in made)
    entity = c.get(f"/v1/memories/{made[0]['id']}").json()["entities"][0]
    assert set(entity) == {"type", "value", "confidence"} and 0 < entity["confidence"] <= 1
    listed = c.get("/v1/entities", params={"type": "location"}).json()
    kenora = next(e for e in listed["data"] if e["value"] == "kenora")
    assert kenora["memory_count"] == 2 and kenora["namespace"] == "alpha" and listed["total_count"] >= 1
    page = c.get(f"/v1/entities/{kenora['id']}/memories").json()
    assert page["total_count"] == 2 and {m["id"] for m in page["data"]} == {m["id"] for m in made}
    assert page["entity"]["value"] == "kenora"
    # Another namespace's key sees neither the entity nor its memories.
    with api.client(api.beta) as beta:
        assert all(e["value"] != "kenora" for e in beta.get("/v1/entities").json()["data"])
        r = beta.get(f"/v1/entities/{kenora['id']}/memories")
        assert r.status_code == 404 and r.json()["error"]["code"]
    assert c.get("/v1/entities", params={"type": "planet"}).status_code == 400
    assert c.get("/v1/entities", params={"namespace": "beta"}).status_code == 403


def test_a_pet_and_an_app_are_listed_by_their_types(c, api):
    pet, app = (c.post("/v1/memories", json={"content": text}) for text in (
        "We adopted a rescue dog called Biscuit", "Our weekly standup is on Zoom now"))
    assert pet.status_code == app.status_code == 201
    wait_for(lambda: api.services.entities.queue_depth() == 0, timeout=90)
    assert ("animal", "biscuit") in _entities_of(c, pet.json()["id"])
    assert ("product", "zoom") in _entities_of(c, app.json()["id"])
    animals = c.get("/v1/entities", params={"type": "animal"}).json()["data"]
    assert [e["value"] for e in animals] == ["biscuit"]


def test_auto_extract_entities_false_and_explicit_type(c, api):
    r = c.post("/v1/memories", json={"content": "Priya moved to Berlin", "auto_extract_entities": False,
                                     "memory_type": "event"})
    m = r.json()
    assert r.status_code == 201 and m["memory_type"] == "event" and m["memory_type_source"] == "explicit"
    wait_for(lambda: api.services.entities.queue_depth() == 0, timeout=90)
    assert c.get(f"/v1/memories/{m['id']}").json()["entities"] == []
    assert c.post("/v1/memories", json={"content": "x", "auto_extract_entities": "yes"}).status_code == 422


def test_search_compresses_to_a_token_budget(c, api):
    for text in ("Juniper is a grey lurcher from Dogs Trust Leeds. She sleeps on the sofa. She hates rain.",
                 "Juniper is a grey lurcher from Dogs Trust Leeds! Her vet is in Headingley.",
                 "The quarterly report is due on Friday. Finance wants the numbers by Thursday."):
        assert c.post("/v1/memories", json={"content": text, "memory_type": "fact"}).status_code == 201
    api.drain()
    body = {"query": "what breed is juniper", "compress": True, "max_context_tokens": 40, "limit": 3}
    for path in ("/v1/memories/search", "/compat/memoryrelay/v1/memories/search"):
        r = c.post(path, json=body).json()
        summary = r["meta"]["compression"]
        assert summary["max_context_tokens"] == 40 and 0 < summary["tokens_used"] <= 40
        assert sum(h["context_tokens"] for h in r["data"]) == summary["tokens_used"]
        assert summary["redundant_sentences_removed"] >= 1
        assert "lurcher" in r["data"][0]["context"]
        assert len(r["data"]) + len(summary["dropped_hits"]) == 3
    plain = c.post("/v1/memories/search", json={"query": "juniper"}).json()
    assert "compression" not in plain["meta"] and plain["data"][0]["context"] is None
    assert c.post("/v1/memories/search", json={**body, "max_context_tokens": 0}).status_code in (400, 422)


def test_a_person_can_say_what_an_entity_is_and_later_mentions_keep_it(c, api):
    first = c.post("/v1/memories", json={"content": "Mochi threw up on the rug"}).json()
    wait_for(lambda: api.services.entities.queue_depth() == 0, timeout=90)
    # The pinned tagger takes the cat for a person; only the reader knows better.
    assert ("person", "mochi") in _entities_of(c, first["id"])
    mochi = next(e for e in c.get("/v1/entities").json()["data"] if e["value"] == "mochi")
    r = c.patch(f"/v1/entities/{mochi['id']}", json={"type": "animal"})
    assert r.status_code == 200, r.text
    assert r.json() == dict(mochi, type="animal")
    later = c.post("/v1/memories", json={"content": "Mochi hid under the bed all afternoon"}).json()
    wait_for(lambda: api.services.entities.queue_depth() == 0, timeout=90)
    assert ("animal", "mochi") in _entities_of(c, later["id"])
    animals = c.get("/v1/entities", params={"type": "animal"}).json()["data"]
    assert [(e["value"], e["memory_count"]) for e in animals if e["value"] == "mochi"] == [("mochi", 2)]
    assert all(e["value"] != "mochi" for e in c.get("/v1/entities", params={"type": "person"}).json()["data"])


def test_changing_an_entity_type_refuses_what_it_cannot_be(c, api):
    made = c.post("/v1/memories", json={"content": "Greg met Karen in Kenora on 3 May 2024"}).json()
    wait_for(lambda: api.services.entities.queue_depth() == 0, timeout=90)
    listed = {e["value"]: e for e in c.get("/v1/entities").json()["data"]}
    kenora, day = listed["kenora"], next(e for e in listed.values() if e["type"] == "date")
    for body in ({"type": "date"}, {"type": "planet"}, {"type": "animal", "also": 1}, {}):
        r = c.patch(f"/v1/entities/{kenora['id']}", json=body)
        assert r.status_code in (400, 422) and r.json()["error"]["code"], (body, r.text)
    r = c.patch(f"/v1/entities/{day['id']}", json={"type": "event"})
    assert r.status_code == 400 and "date" in r.json()["error"]["message"]
    assert c.patch("/v1/entities/999999", json={"type": "animal"}).status_code == 404
    with api.client(api.beta) as beta:  # another namespace's entity is not there for its key
        assert beta.patch(f"/v1/entities/{kenora['id']}", json={"type": "animal"}).status_code == 404
    for key in (api.alpha_ro, api.alpha_wo):
        with api.client(key) as limited:
            assert limited.patch(f"/v1/entities/{kenora['id']}", json={"type": "animal"}).status_code == 403
    unchanged = {e["value"]: e["type"] for e in c.get("/v1/entities").json()["data"]}
    assert unchanged["kenora"] == "location" and unchanged[day["value"]] == "date"
    assert {t for t, _ in _entities_of(c, made["id"])} >= {"location", "date"}
