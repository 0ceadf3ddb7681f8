"""POST /v1/conversations and GET /v1/extractions/{id} over a real server."""

from __future__ import annotations

from tests.helpers import wait_for

CHAT = {"messages": [{"role": "user", "content": "Hello!"},
                     {"role": "assistant", "content": "Hi, what can I do for you?"},
                     {"role": "user", "content": "My daughter Emma starts school in September. She loves horses."}],
        "conversation_id": "thread-9", "occurred_at": 1782892800.0, "agent_id": "helper"}  # 2026-07-01


def test_a_conversation_is_queued_at_once_and_reported_when_done(api):
    with api.client(api.alpha) as c:
        r = c.post("/v1/conversations", json=CHAT)
        assert r.status_code == 202
        queued = r.json()
        assert queued["status"] == "queued" and queued["status_url"] == f"/v1/extractions/{queued['job_id']}"
        wait_for(lambda: c.get(queued["status_url"]).json()["status"] == "done")
        job = c.get(queued["status_url"]).json()
        assert job["id"] == job["job_id"] == queued["job_id"]  # one name for it in every answer
        facts = job["result"]["facts"]
        assert [f["content"] for f in facts] == ["The user's daughter Emma starts school in September 2026",
                                                 "The user's daughter Emma loves horses"]
        assert facts[0]["kind"] == "episodic" and facts[0]["event_at"] == "2026-09-01"
        assert facts[0]["message_index"] == 2 and "family" in facts[0]["categories"]
        stored = c.get(f"/v1/memories/{facts[1]['id']}").json()
        assert stored["metadata"]["fact"]["provenance"]["conversation_id"] == "thread-9"
        assert stored["namespace"] == "alpha" and stored["agent_id"] == "helper"


def test_wait_answers_with_the_finished_job(api):
    with api.client(api.alpha) as c:
        r = c.post("/v1/conversations", json={**CHAT, "wait": True, "conversation_id": "thread-10",
                                              "messages": [{"role": "user", "content": "I live in Oslo."}]})
        assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["job_id"] == r.json()["id"]
        assert r.json()["result"]["facts"][0]["content"] == "The user lives in Oslo"


def test_the_conversations_time_may_be_iso_8601_as_in_memsync_and_ingest_chat(api):
    with api.client(api.alpha) as c:
        chat = {"messages": [{"role": "user", "content": "Yesterday I adopted a puppy named Rex."}], "wait": True}
        for pet, when in (("puppy", "2023-05-08T15:00:00Z"), ("kitten", "2023-05-08T17:00:00+02:00"),
                          ("parrot", "2023-05-08T15:00:00"), ("rabbit", 1683558000)):
            said = [{"role": "user", "content": f"Yesterday I adopted a {pet} named Rex."}]
            r = c.post("/v1/conversations", json={**chat, "messages": said, "occurred_at": when})
            assert r.status_code == 200, (when, r.text)
            assert r.json()["result"]["facts"][0]["event_at"] == "2023-05-07", when
        for bad in ("last tuesday", True, [2023]):
            r = c.post("/v1/conversations", json={**chat, "occurred_at": bad})
            assert r.status_code in (400, 422) and "occurred_at" in r.text, (bad, r.text)


def test_jobs_are_namespaced_and_bad_input_is_a_400(api):
    with api.client(api.alpha) as c:
        job_id = c.post("/v1/conversations", json=CHAT).json()["job_id"]
        only_assistant = c.post("/v1/conversations", json={"messages": [{"role": "assistant", "content": "hi"}]})
        assert only_assistant.status_code == 400 and only_assistant.json()["error"]["code"] == "invalid_input"
        wrong_role = c.post("/v1/conversations", json={"messages": [{"role": "robot", "content": "hi"}]})
        assert wrong_role.status_code in (400, 422)
    with api.client(api.beta) as c:
        assert c.get(f"/v1/extractions/{job_id}").status_code == 404
    with api.client(api.alpha_ro) as c:
        assert c.post("/v1/conversations", json=CHAT).status_code == 403
