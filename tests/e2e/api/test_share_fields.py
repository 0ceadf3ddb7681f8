"""Over HTTP: history versions say who made a change that arrived in a shared namespace; list and search filter
by person."""

from __future__ import annotations

from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.service.container import create_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder


def test_history_changed_by_and_the_person_filter(api, tmp_path):
    target = TargetConfig("folder", str(tmp_path / "shared"))
    here = api.services
    ben = create_vault(fast_settings(tmp_path / "ben", worker=False), "vault passphrase ben", FakeEmbedder(),
                       background=False)
    try:
        mine = here.memories.create(MemoryCreate(namespace="alpha", content="alpha deploys on tuesdays")).memory
        info = here.sharing.share("alpha", with_key=ben.sharing.my_key(), role="write", target=target, name="ben")
        ben.sharing.join(info.invite, target)
        ben.memories.update(mine.id, MemoryUpdate(content="alpha deploys on wednesdays"))
        made = ben.memories.create(MemoryCreate(namespace="alpha", content="alpha's runbook lives in the wiki")).memory
        ben.sharing.sync_now()
        here.sharing.sync_now()
        ben_id = next(m.person for m in info.members if m.name == "ben")
        ben_device = ben.vault.device_id
    finally:
        ben.close()
    with api.client(api.alpha) as c:
        history = c.get(f"/v1/memories/{mine.id}/history").json()["data"]
        assert [h["changed_by"] for h in history][0] is None  # made here
        assert history[-1]["changed_by"] == {"person": ben_id, "device": ben_device, "name": "ben",
                                             "this_person": False}
        listed = c.get("/v1/memories", params={"changed_by": ben_id}).json()["data"]
        assert {m["id"] for m in listed} == {mine.id, made.id}
        found = c.post("/v1/memories/search", json={"query": "runbook wiki", "mode": "keyword",
                                                     "changed_by": ben_id}).json()["data"]
        assert [h["memory"]["id"] for h in found] == [made.id]
        assert c.get("/v1/memories", params={"changed_by": "not-a-person"}).status_code in (400, 422)
        assert c.get("/v1/memories", params={"changed_by": "0" * 32}).json()["data"] == []
