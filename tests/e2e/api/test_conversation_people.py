"""POST /v1/conversations keeps each person's facts apart: no cross-person dedup or supersession."""

from __future__ import annotations


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
